"""Inbox, task page, approvals and instance admin, driven through the Flask test client."""

# ruff: noqa: F811  (the engine fixtures are imported by name, which pytest requires)
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.cases.service import BeneficiaryInput, open_case
from engine.definitions.service import deploy
from engine.definitions.validation import SourceFile
from engine.instances.models import Incident, InstanceStatus, ProcessInstance
from engine.instances.service import start_instance
from engine.tasks.models import HumanTask, TaskState
from forms.registry import FormRegistry
from tests.engine.instances.conftest import case, deploy_fixture, people, test_forms  # noqa: F401
from tests.processes.driver import PROCESSES


def open_task(db_session, instance_id, element_id):
    return db_session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.element_id == element_id, HumanTask.state == TaskState.OPEN
        )
    )


@pytest.fixture
def request_task(db_session, deploy_fixture, people, case):
    deploy_fixture("approval.bpmn")
    instance = start_instance(db_session, people["sw"], "four_eyes", case=case).instance
    task = open_task(db_session, instance.id, "request")
    db_session.commit()
    return task


def text(response):
    return response.get_data(as_text=True)


def test_pages_need_login(client):
    for path in ("/inbox", "/tasks/1", "/approvals", "/admin/instances"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_inbox_lists_the_routed_task_with_its_case(client, login, people, case, request_task):
    login(people["sw"])
    page = text(client.get("/inbox"))
    assert "Wniosek" in page and case.number in page and "Olena Shevchenko" in page
    assert "(1)" in page  # the count in the navigation
    assert case.number not in text(client.get("/inbox?q=nobody"))
    english = client.post("/language", data={"locale": "en", "next": "/inbox"}, follow_redirects=True)
    assert "My tasks" in text(english) and "Inbox (1)" in text(english)


def test_claim_and_unclaim_in_place_keep_the_query(client, login, db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    psy = open_task(db_session, instance.id, "psy")
    db_session.commit()
    login(people["psy"])
    assert "Diagnoza psychologiczna" in text(client.get("/inbox?view=role"))
    back = "/inbox?view=role&q=olena"
    response = client.post(f"/tasks/{psy.id}/claim", data={"next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    db_session.refresh(psy)
    assert psy.assignee_id == people["psy"].id
    assert "Diagnoza psychologiczna" in text(client.get("/inbox"))
    response = client.post(f"/tasks/{psy.id}/unclaim", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/inbox"
    db_session.refresh(psy)
    assert psy.assignee_id is None


def test_lawyer_cannot_open_the_psychologists_task(client, login, db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    psy = open_task(db_session, instance.id, "psy")
    db_session.commit()
    login(people["law"])
    assert client.get(f"/tasks/{psy.id}").status_code == 404
    assert client.post(f"/tasks/{psy.id}", data={"note": "x", "action": "submit"}).status_code == 404


def test_errors_keep_what_was_typed_then_draft_then_submit(client, login, db_session, people, request_task):
    login(people["sw"])
    page = text(client.get(f"/tasks/{request_task.id}"))
    assert 'name="note"' in page and "Olena Shevchenko" in page
    response = client.post(f"/tasks/{request_task.id}", data={"note": "", "more": "1", "action": "submit"})
    assert response.status_code == 422
    page = text(response)
    assert 'id="note-error"' in page and 'aria-invalid="true"' in page
    assert re.search(r'name="more" value="1" checked', page)

    client.post(f"/tasks/{request_task.id}", data={"note": "half typed", "action": "draft"})
    db_session.refresh(request_task)
    assert request_task.draft == {"note": "half typed", "more": False}
    assert "half typed" in text(client.get(f"/tasks/{request_task.id}"))

    response = client.post(f"/tasks/{request_task.id}", data={"note": "please approve", "action": "submit"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    db_session.refresh(request_task)
    assert request_task.state == TaskState.COMPLETED and request_task.submitted["note"] == "please approve"
    done = text(client.get(f"/tasks/{request_task.id}"))
    assert "please approve" in done and "<textarea" not in done and 'name="note"' not in done


def _deploy_library(db_session, *names):
    registry = FormRegistry()
    files = [SourceFile(name=name, content=(PROCESSES / name).read_bytes()) for name in names]
    deploy(db_session, None, files, source="test", forms=registry)
    return registry


def test_four_eyes_refusal_then_another_supervisor_approves(client, login, db_session, people, monkeypatch):
    monkeypatch.setenv("IPD_MATERIAL_AID_APPROVAL_LIMIT", "500.00")
    _deploy_library(db_session, "material_aid.bpmn")
    both = people["both"]
    own_case = open_case(db_session, both, BeneficiaryInput(given_names_latin="Amir", family_name_latin="Karimi"))
    instance = start_instance(db_session, both, "material_aid", case=own_case).instance
    db_session.commit()
    login(both)
    request = open_task(db_session, instance.id, "Task_request_aid")
    form = {
        "aid_category": "small_appliances",
        "aid_amount": "640.00",
        "aid_description": "new fridge",
        "aid_recipient": "Amir Karimi",
        "action": "submit",
    }
    assert client.post(f"/tasks/{request.id}", data=form).status_code == 302
    approve = open_task(db_session, instance.id, "Task_approve_aid")
    queue = text(client.get("/approvals"))
    assert "new fridge" in queue and "Amir Karimi" in queue and "640,00" in queue
    assert "four-eyes-note" in queue
    response = client.post(f"/tasks/{approve.id}", data={"aid_decision": "approve", "action": "submit"})
    assert response.status_code == 403
    assert "Four-eyes" in text(response) or "czworga oczu" in text(response)
    client.post("/logout")
    login(people["sup"])
    assert "four-eyes-note" not in text(client.get("/approvals"))
    response = client.post(f"/tasks/{approve.id}", data={"aid_decision": "approve", "action": "submit"})
    assert response.status_code == 302
    db_session.refresh(instance)
    assert open_task(db_session, instance.id, "Task_record_purchase") is not None


def test_approvals_are_for_supervisors(client, login, people):
    login(people["sw"])
    assert client.get("/approvals").status_code == 403
    assert client.get("/admin/instances").status_code == 403


def test_repeating_rows_without_javascript(client, login, db_session, deploy_fixture, people, case):
    deploy_fixture("rows.bpmn")
    instance = start_instance(db_session, people["sw"], "rows", case=case).instance
    task = open_task(db_session, instance.id, "goals")
    db_session.commit()
    login(people["sw"])
    page = text(client.get(f"/tasks/{task.id}"))
    assert 'name="goals-0-goal_id"' in page and 'name="goals-1-goal_id"' not in page
    data = {"goals-0-__row": "1", "goals-0-goal_id": "G1", "add": "goals"}
    page = text(client.post(f"/tasks/{task.id}", data=data))
    assert 'name="goals-1-goal_id"' in page and 'value="G1"' in page
    data = {"goals-0-__row": "1", "goals-0-goal_id": "G1", "goals-1-__row": "1", "remove": "goals-0"}
    page = text(client.post(f"/tasks/{task.id}", data=data))
    assert 'name="goals-1-goal_id"' not in page and 'value="G1"' not in page


def test_instance_admin_suspend_resume_cancel_and_retry(client, login, db_session, deploy_fixture, people, case):
    deploy_fixture("script_step.bpmn.tmpl", script="share = Decimal(amount) / divisor")
    instance = start_instance(
        db_session, people["sw"], "scripted", case=case, data={"amount": "900.00", "divisor": 0}
    ).instance
    first = open_task(db_session, instance.id, "first")
    db_session.commit()
    login(people["sw"])
    response = client.post(f"/tasks/{first.id}", data={"note": "policz", "action": "submit"}, follow_redirects=True)
    assert "stopped with an error" in text(response) or "zatrzymał się" in text(response)
    client.post("/logout")

    login(people["sup"])
    listing = text(client.get("/admin/instances"))
    incident = db_session.scalar(select(Incident).where(Incident.instance_id == instance.id))
    assert incident is not None and ("calc" in listing or "Oblicz" in listing)
    client.post(f"/admin/incidents/{incident.id}/retry")
    db_session.refresh(incident)
    assert incident.is_open  # still failing: the cause is not fixed

    detail = text(client.get(f"/admin/instances/{instance.id}"))
    assert "Dane" in detail and 'name="value"' in detail
    client.post(f"/admin/instances/{instance.id}/variables", data={"name": "__class__", "value": "1"})
    client.post(f"/admin/instances/{instance.id}/variables", data={"name": "divisor", "value": "3"})
    client.post(f"/admin/incidents/{incident.id}/retry")
    db_session.refresh(incident)
    assert not incident.is_open and incident.resolution == "retried"
    assert open_task(db_session, instance.id, "after") is not None
    client.post(f"/admin/instances/{instance.id}/suspend", data={"reason": ""})
    db_session.refresh(instance)
    assert instance.status == InstanceStatus.RUNNING  # a reason is required
    client.post(f"/admin/instances/{instance.id}/suspend", data={"reason": "waiting for papers"})
    db_session.refresh(instance)
    assert instance.status == InstanceStatus.SUSPENDED
    client.post(f"/admin/instances/{instance.id}/resume")
    db_session.refresh(instance)
    assert instance.status == InstanceStatus.RUNNING
    client.post(f"/admin/instances/{instance.id}/cancel", data={"reason": "duplicate case"})
    db_session.refresh(instance)
    assert instance.status == InstanceStatus.CANCELLED and instance.end_reason == "duplicate case"


def test_other_office_supervisor_cannot_see_the_instance(client, login, db_session, make_user, request_task):
    other = make_user("supervisor", office_code="WAW")
    login(other)
    instance_id = request_task.instance_id
    assert client.get(f"/admin/instances/{instance_id}").status_code == 404
    assert client.post(f"/admin/instances/{instance_id}/suspend", data={"reason": "x"}).status_code == 404
    assert db_session.get(ProcessInstance, instance_id).status == InstanceStatus.RUNNING


def test_due_dates_are_highlighted_and_sorting_links_keep_the_filters(client, login, db_session, people, request_task):
    from datetime import timedelta

    from engine.clock import utcnow

    request_task.due_at = utcnow() - timedelta(days=2)
    db_session.commit()
    login(people["sw"])
    page = text(client.get("/inbox?q=olena"))
    assert "due-overdue" in page
    sort_links = re.findall(r'href="(/inbox\?[^"]*sort=[^"]*)"', page)
    assert sort_links and all("q=olena" in link for link in sort_links)
    request_task.due_at = utcnow() + timedelta(days=2)
    db_session.commit()
    page = text(client.get("/inbox"))
    assert "due-soon" in page and "due-overdue" not in page
    request_task.due_at = utcnow() + timedelta(days=20)
    db_session.commit()
    page = text(client.get("/inbox"))
    assert "due-soon" not in page and "due-overdue" not in page


def test_administrators_see_instances_of_every_office(client, login, db_session, people, request_task):
    login(people["admin"])
    listing = text(client.get("/admin/instances"))
    assert f"/admin/instances/{request_task.instance_id}" in listing
    assert client.get(f"/admin/instances/{request_task.instance_id}").status_code == 200


def test_psychological_answers_are_for_psychologists_only(client, login, db_session, deploy_fixture, people, case):
    from engine.tasks import service as tasks

    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    psy = open_task(db_session, instance.id, "psy")
    tasks.claim_task(db_session, people["psy"], psy.id)
    tasks.complete_task(db_session, people["psy"], psy.id, {"note": "nightmares since the journey"})
    db_session.commit()
    login(people["sw"])  # the case manager may see the case, not the psychologist's notes
    page = text(client.get(f"/tasks/{psy.id}"))
    assert "nightmares" not in page and "flash-info" in page
    client.post("/logout")
    login(people["psy"])
    assert "nightmares since the journey" in text(client.get(f"/tasks/{psy.id}"))


def test_approvals_show_the_remaining_subsidy_budget_per_locale(client, login, db_session, people):
    from datetime import timedelta
    from decimal import Decimal

    from engine.clock import utcnow
    from engine.subsidies.budgets import set_budget

    login(people["sup"])
    page = text(client.get("/approvals"))
    assert "ipd budgets set" in page[page.index('class="card subsidy-budget"') :]  # no budget for today yet
    today = utcnow().date()
    set_budget(db_session, None, "LUB", today - timedelta(days=10), today + timedelta(days=100), Decimal("54321.50"))
    db_session.commit()
    page = text(client.get("/approvals"))
    budget = page[page.index('class="card subsidy-budget"') :]
    assert 'class="muted budget-period"' in budget and "ipd budgets set" not in budget
    assert "Pozostało" in budget
    assert re.search(r'class="budget-remaining"><strong>54\s321,50\szł</strong>', budget)
    assert re.search(r'class="budget-paid">0,00\szł', budget)
    client.post("/language", data={"locale": "en", "next": "/approvals"})
    english = text(client.get("/approvals"))
    assert "Remaining" in english and re.search(r"PLN\s54,321\.50", english)


def test_an_unstorable_value_incident_is_explained_in_polish(client, login, db_session, deploy_fixture, people, case):
    deploy_fixture("script_step.bpmn.tmpl", script="x = 1j")
    instance = start_instance(db_session, people["sw"], "scripted", case=case).instance
    first = open_task(db_session, instance.id, "first")
    db_session.commit()
    login(people["sw"])
    client.post(f"/tasks/{first.id}", data={"note": "policz", "action": "submit"}, follow_redirects=True)
    client.post("/logout")

    login(people["sup"])
    for page in (text(client.get("/admin/instances")), text(client.get(f"/admin/instances/{instance.id}"))):
        assert "zostawił w danych procesu wartość, której nie można zapisać" in page
        assert "complex number" in page  # the engine's own detail stays visible
