"""GET /healthz: database, broker and scheduler state; 503 only when the database does not answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from engine.clock import frozen_clock, utcnow
from engine.config import Settings
from engine.db import database
from engine.jobs.tasks import SCHEDULER_HEARTBEAT, record_heartbeat
from tests.conftest import create_test_app
from web import health

UNREACHABLE_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/x?connect_timeout=1"
UNREACHABLE_BROKER = "redis://:s3cret-password@127.0.0.1:1/0"


@pytest.fixture
def restore_database() -> Iterator[None]:
    """These tests point the process-wide handle elsewhere; put it back afterwards."""
    previous = database.url
    yield
    if previous is not None:
        database.configure(previous, force=True)


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok"}
    assert body["broker"]["status"] == "ok" and body["broker"]["url"].startswith("memory://")
    assert body["scheduler"] == {"last_heartbeat": None, "status": "unknown"}
    assert response.headers["Cache-Control"] == "no-store"


def test_needs_no_login_and_no_csrf_token(settings, connection):
    app = create_test_app(settings, WTF_CSRF_ENABLED=True)
    assert app.test_client().get("/healthz").status_code == 200


def test_recent_heartbeat_is_ok_and_an_old_one_is_late(client, db_session, settings):
    record_heartbeat(db_session, SCHEDULER_HEARTBEAT, hostname="worker-1", at=utcnow())
    db_session.commit()
    body = client.get("/healthz").get_json()
    assert body["scheduler"]["status"] == "ok"
    assert body["status"] == "ok"

    later = utcnow() + timedelta(seconds=3 * settings.beat_heartbeat_seconds + 1)
    with frozen_clock(later):
        response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["scheduler"]["status"] == "late"
    assert body["status"] == "degraded"
    assert datetime.fromisoformat(body["scheduler"]["last_heartbeat"]) < later


def test_database_down_is_503(tmp_path, restore_database):
    settings = Settings(
        env="testing", instance_path=tmp_path, database_url=UNREACHABLE_DATABASE, broker_url="memory://"
    ).resolved()
    app = create_test_app(settings)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down"
    assert body["database"]["status"] == "down"
    assert body["database"]["error"] and len(body["database"]["error"]) <= health.ERROR_TEXT_LIMIT
    assert body["scheduler"] == {"last_heartbeat": None, "status": "unknown"}


def test_broker_down_is_degraded_and_the_password_is_not_shown(settings, connection):
    app = create_test_app(replace(settings, broker_url=UNREACHABLE_BROKER))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "down"
    assert "s3cret" not in response.get_data(as_text=True)
    assert body["broker"]["url"].startswith("redis://")


def test_a_database_that_hangs_is_reported_down_within_the_timeout(monkeypatch):
    release = threading.Event()

    class HangingEngine:
        def raw_connection(self):
            release.wait(30)  # hangs until the test lets it go (bounded, so the thread always ends)
            raise AssertionError("should have been abandoned")

    class HangingDatabase:
        engine = HangingEngine()

    monkeypatch.setattr(health, "database", HangingDatabase())
    try:
        # The connection hangs until the finally below: an answer at all means the check gave up on it.
        state = health.check_database(timeout=0.2)
        assert state["status"] == "down"
        assert "no answer" in state["error"]
    finally:
        release.set()


def test_redact_url_hides_passwords_only():
    assert health.redact_url("redis://:pw@redis:6379/0") == "redis://:**@redis:6379/0"
    assert health.redact_url("sqla+sqlite:////var/lib/ipd/broker.sqlite3") == (
        "sqla+sqlite:////var/lib/ipd/broker.sqlite3"
    )


def test_an_old_heartbeat_counts_from_the_configured_interval(app, db_session):
    settings: Settings = app.config["IPD_SETTINGS"]
    written = datetime(2026, 1, 1, tzinfo=UTC)
    record_heartbeat(db_session, SCHEDULER_HEARTBEAT, hostname="h", at=written)
    db_session.commit()
    interval = settings.beat_heartbeat_seconds
    with app.test_request_context(), frozen_clock(written + timedelta(seconds=3 * interval - 1)):
        assert health.check_scheduler(interval)["status"] == "ok"
    with app.test_request_context(), frozen_clock(written + timedelta(seconds=3 * interval + 1)):
        assert health.check_scheduler(interval)["status"] == "late"


def test_the_embedded_broker_is_really_opened(tmp_path):
    assert health.check_broker(f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}", 1.5)["status"] == "ok"
    missing = health.check_broker(f"sqla+sqlite:///{tmp_path / 'no-such-dir' / 'broker.sqlite3'}", 1.5)
    assert missing["status"] == "down" and missing["error"]


def test_the_public_answer_is_the_status_alone(client):
    response = client.get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 200
    assert response.get_json() == {"status": response.get_json()["status"]}
    assert response.get_json()["status"] in ("ok", "degraded")


def test_a_request_forwarded_by_an_untrusted_local_proxy_is_public(client):
    response = client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    assert set(response.get_json()) == {"status"}


def test_administrators_see_the_details_from_anywhere(client, db_session):
    from tests import factories

    admin = factories.user(db_session, "admin")
    db_session.commit()
    address = {"REMOTE_ADDR": "203.0.113.8"}
    client.post("/login", data={"username": admin.username, "password": factories.PASSWORD}, environ_base=address)
    body = client.get("/healthz", environ_base=address).get_json()
    assert {"database", "broker", "scheduler"} <= set(body)


def test_a_forged_forwarded_localhost_gets_no_details(settings, connection):
    from dataclasses import replace

    from tests.conftest import create_test_app

    app = create_test_app(replace(settings, trusted_proxies=1))
    response = app.test_client().get(
        "/healthz", headers={"X-Forwarded-For": "127.0.0.1"}, environ_base={"REMOTE_ADDR": "203.0.113.7"}
    )
    assert set(response.get_json()) == {"status"}
    assert app.test_client().get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
