"""The task bodies, run in this process (the worker tests run them in a real worker)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

from sqlalchemy import func, select

from engine.clock import frozen_clock
from engine.jobs.models import WorkerHeartbeat
from engine.jobs.tasks import SCHEDULER_HEARTBEAT, heartbeat, ping


def test_heartbeat_inserts_then_updates_one_row(app, db_session):
    with frozen_clock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC)) as clock:
        assert heartbeat() == "2026-03-01T08:00:00+00:00"
        clock.advance(seconds=30)
        heartbeat()

    rows = db_session.scalars(select(WorkerHeartbeat)).all()
    assert [(row.name, row.hostname) for row in rows] == [(SCHEDULER_HEARTBEAT, socket.gethostname())]
    db_session.refresh(rows[0])
    assert rows[0].last_seen_at == datetime(2026, 3, 1, 8, 0, 30, tzinfo=UTC)
    assert db_session.scalar(select(func.count()).select_from(WorkerHeartbeat)) == 1


def test_ping_returns_its_argument(app):
    assert ping({"answer": [4, 2]}) == {"answer": [4, 2]}


def test_beat_schedule_runs_the_heartbeat_at_the_configured_interval(settings):
    from dataclasses import replace

    from web.celery_app import beat_schedule, celery_config

    schedule = beat_schedule(replace(settings, beat_heartbeat_seconds=7.5))
    [entry] = [entry for entry in schedule.values() if entry["task"] == "engine.jobs.tasks.heartbeat"]
    assert entry["schedule"].total_seconds() == 7.5

    config = celery_config(settings)
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["worker_prefetch_multiplier"] == 1
    assert config["accept_content"] == ["json"] and config["task_serializer"] == "json"
    assert config["task_ignore_result"] is True  # no result backend configured
    assert config["beat_schedule_filename"].startswith(str(settings.instance_path))


def test_embedded_broker_gets_only_engine_options(settings, tmp_path):
    """kombu's SQLAlchemy transport hands its options to create_engine: nothing else may be there."""
    from dataclasses import replace

    from kombu import Connection
    from sqlalchemy import create_engine

    from web.celery_app import celery_config

    embedded = replace(settings, broker_url="embedded").resolved()
    embedded.ensure_instance_path()
    config = celery_config(embedded)
    assert config["broker_url"].startswith("sqla+sqlite:///")
    options = config["broker_transport_options"]
    create_engine("sqlite://", **options).dispose()  # raises TypeError on a non-engine option

    with Connection(config["broker_url"], transport_options=options) as conn:
        queue = conn.SimpleQueue("ipd-test-embedded")
        queue.put({"n": 1})
        message = queue.get(timeout=5)
        assert message.payload == {"n": 1}
        message.ack()
        queue.close()
