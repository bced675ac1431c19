"""GET /metrics: the work figures after a completion, and who may read them."""

from __future__ import annotations

import re
from dataclasses import replace

from tests.api.test_tasks import _task, parallel  # noqa: F401 - fixture
from tests.conftest import create_test_app


def figure(text: str, name: str) -> float | None:
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_the_counters_move_after_a_completion(app, client, api, db_session, parallel):  # noqa: F811
    before = client.get("/metrics").get_data(as_text=True)
    completed = 'ipd_human_tasks_completed_total{process_id="parallel_diagnosis"}'
    assert figure(before, completed) is None
    assert figure(before, 'ipd_human_tasks_open{process_id="parallel_diagnosis"}') == 2
    psy_task = _task(db_session, parallel, "psy")
    api("psy").post(f"/tasks/{psy_task.id}/claim")
    assert api("psy").post(f"/tasks/{psy_task.id}/complete", json={"data": {"note": "ok"}}).status_code == 200
    after = client.get("/metrics")
    assert after.status_code == 200 and after.mimetype == "text/plain"
    text = after.get_data(as_text=True)
    assert figure(text, completed) == 1
    for name in ("ipd_incidents_open", "ipd_timers_due", "ipd_timer_lag_seconds", "ipd_broker_up"):
        assert figure(text, name) is not None, name
    assert "ipd_http_request_duration_seconds_bucket" in text
    assert 'route="/api/v1/tasks/<id:task_id>/complete"' in text  # the rule, never the ids themselves


def test_metrics_are_hidden_from_other_addresses(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404


def test_a_scraper_with_the_token_may_read_them(settings, connection):
    app = create_test_app(replace(settings, metrics_token="a-long-scrape-token-0123456789"))
    client = app.test_client()
    elsewhere = {"REMOTE_ADDR": "203.0.113.9"}
    good = {"Authorization": "Bearer a-long-scrape-token-0123456789"}
    assert client.get("/metrics", headers=good, environ_base=elsewhere).status_code == 200
    wrong = {"Authorization": "Bearer a-long-scrape-token-0123456780"}
    assert client.get("/metrics", headers=wrong, environ_base=elsewhere).status_code == 404
    assert client.get("/metrics").status_code == 404  # with a token set, localhost needs it too
