"""Instance endpoints: state with open tasks and incidents; suspend, resume, cancel, retry."""

from __future__ import annotations

import pytest

from engine.instances.service import set_instance_variables, start_instance


@pytest.fixture
def running(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    db_session.commit()
    return instance


@pytest.fixture
def failing(db_session, deploy_fixture, people, case):
    deploy_fixture("scripted_start.bpmn")
    outcome = start_instance(
        db_session, people["sw"], "scripted_start", case=case, data={"amount": "900.00", "divisor": 0}
    )
    db_session.commit()
    assert outcome.incident is not None
    return outcome.instance


def test_show_an_instance(api, running):
    body = api("sw").get(f"/instances/{running.id}").get_json()
    assert body["status"] == "running" and body["process_id"] == "parallel_diagnosis" and body["version"] == 1
    assert {t["element_id"] for t in body["open_tasks"]} == {"psy", "law"} and body["incidents"] == []
    assert api("sup").get(f"/instances/{running.id}").status_code == 200
    assert api("admin").get(f"/instances/{running.id}").status_code == 200


def test_instances_of_invisible_cases_are_404(api, running):
    for who in ("sw2", "psy", "law_waw", "sup_waw"):
        assert api(who).get(f"/instances/{running.id}").status_code == 404, who
        assert api(who).post(f"/instances/{running.id}/suspend").status_code == 404, who
    assert api("sup").get("/instances/987654321").status_code == 404


def test_suspend_resume_cancel(api, running):
    path = f"/instances/{running.id}"
    assert api("sw").post(f"{path}/suspend").status_code == 403  # sees it, may not operate it
    suspended = api("sup").post(f"{path}/suspend", json={"reason": "waiting for documents"})
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    assert api("sup").post(f"{path}/suspend").status_code == 409
    assert api("sup").post(f"{path}/resume").get_json()["status"] == "running"
    assert api("sup").post(f"{path}/resume").status_code == 409
    missing = api("sup").post(f"{path}/cancel", json={})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    assert api("sup").post(f"{path}/cancel", json={"reason": 5}).status_code == 422
    assert api("sup").post(f"{path}/cancel", data="{", content_type="application/json").status_code == 400
    cancelled = api("sup").post(f"{path}/cancel", json={"reason": "moved abroad"})
    assert cancelled.status_code == 200
    body = cancelled.get_json()
    assert body["status"] == "cancelled" and body["end_reason"] == "moved abroad" and body["open_tasks"] == []
    assert api("sup").post(f"{path}/cancel", json={"reason": "again"}).status_code == 409


def test_retry_an_incident(api, db_session, failing, people):
    path = f"/instances/{failing.id}"
    shown = api("sw").get(path).get_json()
    assert shown["has_open_incident"] and shown["incidents"][0]["resolved_at"] is None
    assert api("sw").post(f"{path}/retry").status_code == 403
    still = api("sup").post(f"{path}/retry")
    assert still.status_code == 200 and still.get_json()["has_open_incident"]
    assert api("sup").post(f"{path}/retry", json={"incident_id": 999999}).status_code == 422
    set_instance_variables(db_session, people["sup"], failing.id, {"divisor": 3})
    db_session.commit()
    fixed = api("sup").post(f"{path}/retry", json={"incident_id": shown["incidents"][0]["id"]})
    assert fixed.status_code == 200
    body = fixed.get_json()
    assert not body["has_open_incident"] and [t["element_id"] for t in body["open_tasks"]] == ["after"]
    assert api("sup").post(f"{path}/retry").status_code == 409  # nothing left to retry


def test_instance_ids_out_of_range(api):
    assert api("sup").get("/instances/0").status_code == 404
    assert api("sup").get("/instances/-1").status_code == 404
    assert api("sup").post("/instances/99999999999999999999999/resume").status_code == 404
