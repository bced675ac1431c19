"""Dashboard queries: caseload, overdue tasks, plans awaiting approval, subsidy spend against budget."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import utcnow
from engine.instances.service import start_instance
from engine.reports import caseload, overdue_tasks, plans_awaiting_approval, subsidy_spend
from engine.subsidies.budgets import set_budget
from engine.tasks.service import claim_task
from tests import factories
from tests.engine import test_casefile
from tests.engine.test_casefile import do, sample, task

library = test_casefile.library  # the process library deployed, with the real forms


@pytest.fixture
def staff(db_session: Session) -> dict[str, User]:
    return {
        "sw": factories.user(db_session, "social_worker", username="sw"),
        "sw2": factories.user(db_session, "social_worker", username="sw2"),
        "psy": factories.user(db_session, "psychologist", username="psy"),
        "sup": factories.user(db_session, "supervisor", username="sup"),
        "sw_waw": factories.user(db_session, "social_worker", office_code="WAW", username="sw-waw"),
        "sup_waw": factories.user(db_session, "supervisor", office_code="WAW", username="sup-waw"),
    }


def new_case(db: Session, actor: User, name: str) -> Case:
    case = open_case(db, actor, BeneficiaryInput(name, "Test"))
    start_instance(db, actor, "intake", case=case)
    return case


def test_caseload_and_overdue_per_office(db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    sw, psy = staff["sw"], staff["psy"]
    first = new_case(db_session, sw, "Olena")
    new_case(db_session, sw, "Ahmad")
    new_case(db_session, staff["sw2"], "Maryam")
    new_case(db_session, staff["sw_waw"], "Ivan")
    do(db_session, sw, first, "Task_register", sample("intake/register"))
    do(db_session, sw, first, "Task_legal_status", sample("intake/legal_status"))
    start_instance(db_session, sw, "needs_diagnosis", case=first, data={"diagnosis_areas": "psychological"})
    psy_task = task(db_session, first, "Task_diagnose_psychological")
    claim_task(db_session, psy, psy_task.id)
    psy_task.due_at = utcnow() - timedelta(days=1)
    db_session.flush()

    lub = sw.office_id
    rows = {row.display_name: row for row in caseload(db_session, lub)}
    assert set(rows) == {"Sw", "Sw2", "Psy"}
    assert (rows["Sw"].open_tasks, rows["Sw"].overdue_tasks, rows["Sw"].open_cases) == (1, 0, 2)
    assert (rows["Psy"].open_tasks, rows["Psy"].overdue_tasks, rows["Psy"].open_cases) == (1, 1, 1)
    everywhere = {row.display_name for row in caseload(db_session)}
    assert "Sw-Waw" in everywhere
    assert [t.id for t in overdue_tasks(db_session, lub)] == [psy_task.id]
    assert overdue_tasks(db_session, staff["sw_waw"].office_id) == []


def test_plans_awaiting_approval(db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    sw = staff["sw"]
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Test"))
    start_instance(db_session, sw, "ipd_drafting", case=case)
    assert plans_awaiting_approval(db_session, sw.office_id) == []
    do(db_session, sw, case, "Task_draft_plan", sample("ipd/plan"))
    waiting = plans_awaiting_approval(db_session, sw.office_id)
    assert [(p.case_id, p.version, p.submitted_by_id) for p in waiting] == [(case.id, 1, sw.id)]
    assert plans_awaiting_approval(db_session, staff["sw_waw"].office_id) == []
    returned = {"ipd_approval_decision": "return", "ipd_approval_comment": "Dates?"}
    do(db_session, staff["sup"], case, "Task_approve_plan", returned)
    assert plans_awaiting_approval(db_session, sw.office_id) == []


def test_subsidy_spend_is_summed_over_the_current_budget_period(db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    sw, sup = staff["sw"], staff["sup"]
    today = utcnow().date()
    set_budget(db_session, None, "LUB", today - timedelta(days=30), today + timedelta(days=400), Decimal("10000.00"))
    # An earlier period of the office counts for nothing now.
    set_budget(db_session, None, "LUB", today - timedelta(days=400), today - timedelta(days=31), Decimal("999.00"))
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Test"))
    start_instance(db_session, sw, "housing_subsidy", case=case)
    do(db_session, sw, case, "Task_apply", sample("housing/application"))
    (before,) = subsidy_spend(db_session, sw.office_id)
    assert (before.budget, before.paid, before.reserved, before.approved_subsidies) == (
        Decimal("10000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        0,
    )
    do(db_session, sup, case, "Task_approve_subsidy", sample("housing/approval"))
    do(db_session, sw, case, "Task_confirm_payment", sample("housing/payment", payment_paid_on=today.isoformat()))
    by_office = {row.office_code: row for row in subsidy_spend(db_session)}
    lub = by_office["LUB"]
    assert (lub.budget, lub.paid, lub.payments, lub.approved_subsidies) == (
        Decimal("10000.00"),
        Decimal("1200.00"),
        1,
        1,
    )
    assert (lub.period_start, lub.period_end) == (today - timedelta(days=30), today + timedelta(days=400))
    assert lub.reserved == Decimal("2400.00")  # two approved months still to pay
    assert lub.remaining == Decimal("6400.00")
    waw = by_office["WAW"]
    assert (waw.budget, waw.paid, waw.period_start) == (Decimal("0.00"), Decimal("0.00"), None)
    assert [row.office_code for row in subsidy_spend(db_session, sw.office_id)] == ["LUB"]
