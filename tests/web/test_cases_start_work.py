"""Starting a session, an aid request or a subsidy application from the case file."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import utcnow
from engine.instances.models import ProcessInstance
from engine.reports import subsidy_spend
from engine.subsidies.budgets import set_budget
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import claim_task, complete_task
from tests.processes.samples import sample
from tests.web.test_cases_pages import library, staff  # noqa: F401 - fixtures


def _case(db_session, staff):  # noqa: F811
    case = open_case(db_session, staff["sw"], BeneficiaryInput("Nadia", "Rahimi"))
    db_session.commit()
    return case


def test_case_file_offers_new_work_and_starts_it(client, login, db_session, library, staff):  # noqa: F811
    case = _case(db_session, staff)
    login(staff["sw"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Rozpocznij nową pracę w sprawie" in page
    assert "Wniosek o dofinansowanie do najmu" in page
    response = client.post(f"/cases/{case.id}/start", data={"process_id": "housing_subsidy"})
    assert response.status_code == 303
    task_id = int(response.headers["Location"].rsplit("/", 1)[1])
    task = db_session.get(HumanTask, task_id)
    assert task.state == TaskState.OPEN and task.process_id == "housing_subsidy"
    instance = db_session.get(ProcessInstance, task.instance_id)
    assert instance.case_id == case.id


def test_session_goes_to_the_chosen_specialist(client, login, db_session, library, staff):  # noqa: F811
    case = _case(db_session, staff)
    login(staff["sw"])
    response = client.post(f"/cases/{case.id}/start", data={"process_id": "service_session", "session_role": "lawyer"})
    assert response.status_code in (302, 303)
    task = db_session.scalar(
        select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.process_id == "service_session")
    )
    assert task.role == "lawyer"


def test_unknown_work_is_refused_with_a_message(client, login, db_session, library, staff):  # noqa: F811
    case = _case(db_session, staff)
    login(staff["sw"])
    response = client.post(f"/cases/{case.id}/start", data={"process_id": "case_closure"}, follow_redirects=True)
    assert "Nie udało się rozpocząć" in response.get_data(as_text=True)


def test_other_offices_cannot_start_work(client, login, db_session, library, staff):  # noqa: F811
    case = _case(db_session, staff)
    login(staff["waw"])
    assert client.post(f"/cases/{case.id}/start", data={"process_id": "referral"}).status_code in (403, 404)


def test_an_approved_subsidy_reserves_its_total_in_the_remaining_budget(
    client,
    login,
    db_session,
    library,  # noqa: F811
    staff,  # noqa: F811
):
    case = _case(db_session, staff)
    today = utcnow().date()
    set_budget(db_session, None, "LUB", today, today + timedelta(days=400), Decimal("10000.00"))
    login(staff["sw"])
    response = client.post(f"/cases/{case.id}/start", data={"process_id": "housing_subsidy"})
    apply = db_session.get(HumanTask, int(response.headers["Location"].rsplit("/", 1)[1]))
    complete_task(db_session, staff["sw"], apply.id, sample("housing/application"))
    approve = db_session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == apply.instance_id,
            HumanTask.element_id == "Task_approve_subsidy",
            HumanTask.state == TaskState.OPEN,
        )
    )
    claim_task(db_session, staff["sup"], approve.id)
    complete_task(db_session, staff["sup"], approve.id, sample("housing/approval"))  # 3 months of 1200.00
    db_session.commit()
    (spend,) = subsidy_spend(db_session, case.office_id)
    assert (spend.reserved, spend.remaining) == (Decimal("3600.00"), Decimal("6400.00"))
