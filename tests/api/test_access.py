"""Need-to-know through the API: completed tasks, candidates' summaries, read audit, incidents, office scope."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.accounts.tokens import create_token
from engine.audit.models import AuditEvent
from engine.instances.service import start_instance
from engine.tasks.models import HumanTask
from engine.tasks.service import claim_task, complete_task
from tests import factories
from tests.api.conftest import ApiClient

SECRET = "PTSD since the crossing"


@pytest.fixture
def extra(db_session, client, openapi_document):
    """More people, with API clients: a second psychologist, a WAW office administrator, a national one."""
    made = {
        "psy2": factories.user(db_session, "psychologist", username="psy2"),
        "admin_waw": factories.user(db_session, "admin", office_code="WAW", username="admin-waw"),
        "national": factories.user(db_session, "national_admin", office_code="WAW", username="admin-pl"),
    }
    secrets = {key: create_token(db_session, user, "tests").secret for key, user in made.items()}
    db_session.commit()
    return {key: ApiClient(client, openapi_document, secret) for key, secret in secrets.items()}


def _task(db_session, instance_id, element):
    return db_session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.element_id == element)
    )


def test_people_not_on_the_case_get_404_on_its_completed_tasks(api, extra, db_session, deploy_fixture, people, case):
    deploy_fixture("approval.bpmn")
    deploy_fixture("parallel.bpmn")
    request = _task(db_session, start_instance(db_session, people["sw"], "four_eyes", case=case).instance.id, "request")
    complete_task(db_session, people["sw"], request.id, {"note": "rent 1200"})
    diagnosis = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    psy_task = _task(db_session, diagnosis.id, "psy")
    claim_task(db_session, people["psy"], psy_task.id)
    complete_task(db_session, people["psy"], psy_task.id, {"note": SECRET})
    db_session.commit()
    assert api("sw").get(f"/tasks/{request.id}").status_code == 200
    assert api("sw2").get(f"/tasks/{request.id}").status_code == 404  # same role and office, not on the case
    assert api("sw2").get(f"/cases/{case.id}").status_code == 404
    assert api("psy").get(f"/tasks/{psy_task.id}").get_json()["data"] == {"note": SECRET}
    assert extra["psy2"].get(f"/tasks/{psy_task.id}").status_code == 404
    listed = extra["psy2"].get("/tasks?assignment=all&state=completed").get_json()
    assert listed["total"] == 0


def test_a_candidate_sees_the_summary_of_an_unclaimed_task(api, db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    db_session.commit()
    psy_task = _task(db_session, instance.id, "psy")
    body = api("psy").get(f"/tasks/{psy_task.id}").get_json()
    assert body["summary_only"] is True and body["case_number"] == case.number and body["office"] == "LUB"
    assert "Shevchenko" not in json.dumps(body) and "data" not in body and "instance_id" not in body


def test_api_reads_write_audit_rows(api, db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    db_session.commit()
    sw = api("sw")
    sw.get("/cases")
    sw.get(f"/cases/{case.id}")
    sw.get(f"/cases/{case.id}/events")
    sw.get("/tasks?assignment=all")
    sw.get(f"/tasks/{_task(db_session, instance.id, 'psy').id}")
    sw.get(f"/instances/{instance.id}")
    rows = db_session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == people["sw"].id, AuditEvent.kind.in_(("viewed", "searched")))
    ).all()
    items = {(row.kind, row.details["item"]) for row in rows}
    assert items == {
        ("searched", "case"),
        ("viewed", "case"),
        ("viewed", "case_events"),
        ("searched", "task"),
        ("viewed", "task"),
        ("viewed", "instance"),
    }
    assert all(row.details["channel"] == "api" for row in rows)
    listed = next(row for row in rows if row.details["item"] == "case" and row.kind == "searched")
    assert listed.details["result_ids"] == [case.id] and listed.details["result_count"] == 1
    # The reads are not events of the case's story.
    events = sw.get(f"/cases/{case.id}/events").get_json()["items"]
    assert not {"viewed", "searched"} & {event["kind"] for event in events}


def test_an_incident_from_a_script_error_holds_no_field_value(api, db_session, deploy_fixture, people, case):
    deploy_fixture("script_step.bpmn.tmpl", script="score = int(note)")
    instance = start_instance(db_session, people["sw"], "scripted", case=case).instance
    db_session.commit()
    first = _task(db_session, instance.id, "first")
    answer = api("sw").post(f"/tasks/{first.id}/complete", json={"data": {"note": SECRET}})
    assert answer.status_code == 200
    incident = answer.get_json()["incident"]
    assert incident is not None and "ValueError" in incident["message"] and "PTSD" not in incident["message"]
    assert incident["element_id"] == "calc"
    events = api("sw").get(f"/cases/{case.id}/events").get_json()
    assert "incident.raised" in {event["kind"] for event in events["items"]}
    assert "PTSD" not in json.dumps(events)
    assert "PTSD" not in json.dumps(api("sup").get(f"/instances/{instance.id}").get_json())
    details = db_session.scalars(select(AuditEvent.details)).all()
    assert "PTSD" not in json.dumps(details)


def test_an_office_administrator_gets_404_on_another_offices_instances(
    api, extra, db_session, deploy_fixture, people, case
):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance  # in LUB
    db_session.commit()
    path = f"/instances/{instance.id}"
    assert extra["admin_waw"].get(path).status_code == 404
    assert extra["admin_waw"].post(f"{path}/suspend", json={"reason": "test"}).status_code == 404
    shown = extra["national"].get(path)
    assert shown.status_code == 200 and "Shevchenko" not in shown.get_data(as_text=True)
    assert api("admin").get(path).status_code == 200  # LUB's own administrator
    suspended = extra["national"].post(f"{path}/suspend", json={"reason": "maintenance"})
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    # Administering is not reading: an administrator sees no case of any office.
    assert extra["national"].get(f"/cases/{case.id}").status_code == 404
    assert api("admin").get(f"/cases/{case.id}").status_code == 404
