"""After a submit the user carries on with the same case (issue 14's rough edges), driven through the test client."""

# ruff: noqa: F811  (the engine fixtures are imported by name, which pytest requires)
from __future__ import annotations

from sqlalchemy import select

from engine.instances.service import start_instance
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import complete_task
from tests.engine.instances.conftest import case, deploy_fixture, people, test_forms  # noqa: F401


def open_task(db_session, instance_id, element_id):
    return db_session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.element_id == element_id, HumanTask.state == TaskState.OPEN
        )
    )


def test_after_a_submit_the_next_task_of_the_same_case_opens(client, login, db_session, deploy_fixture, people, case):
    deploy_fixture("script_step.bpmn.tmpl", script="x = 1")
    instance = start_instance(db_session, people["sw"], "scripted", case=case).instance
    first = open_task(db_session, instance.id, "first")
    db_session.commit()
    login(people["sw"])
    response = client.post(f"/tasks/{first.id}", data={"note": "zrobione", "action": "submit"})
    after = open_task(db_session, instance.id, "after")
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{after.id}"
    # The last task of the case: nothing left for this user here, so back to the inbox.
    response = client.post(f"/tasks/{after.id}", data={"note": "koniec", "action": "submit"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"


def test_after_an_approval_the_next_approval_of_the_case_then_the_queue(  # type: ignore[no-untyped-def]
    client, login, db_session, deploy_fixture, people, case
):
    deploy_fixture("approval.bpmn")
    one = start_instance(db_session, people["sw"], "four_eyes", case=case).instance
    two = start_instance(db_session, people["sw"], "four_eyes", case=case).instance
    for instance in (one, two):
        request = open_task(db_session, instance.id, "request")
        complete_task(db_session, people["sw"], request.id, {"note": "proszę"})
    db_session.commit()
    first, second = open_task(db_session, one.id, "approve"), open_task(db_session, two.id, "approve")
    login(people["sup"])
    response = client.post(f"/tasks/{first.id}", data={"decision": "approve", "action": "submit"})
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{second.id}"
    response = client.post(f"/tasks/{second.id}", data={"decision": "approve", "action": "submit"})
    assert response.status_code == 302 and response.headers["Location"] == "/approvals"


def test_the_diagram_shows_a_waiting_timer_as_current(client, login, db_session, deploy_fixture, people, case):
    deploy_fixture("timer_step.bpmn.tmpl", script="x = 1")
    instance = start_instance(db_session, people["sw"], "timer_step", case=case, data={"delay": "P3D"}).instance
    complete_task(db_session, people["sw"], open_task(db_session, instance.id, "first").id, {"note": "gotowe"})
    db_session.commit()
    login(people["sw"])
    body = client.get(f"/cases/{case.id}/instances/{instance.id}/diagram").get_json()
    assert body["states"] == {"first": "completed", "wait": "current"}
