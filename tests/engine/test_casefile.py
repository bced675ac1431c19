"""The case-file read model: what the lifecycle tasks submitted, gathered per case and per reader."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.casefile import build_casefile, current_process_ids, element_states, process_xml
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import utcnow
from engine.definitions.service import deploy, read_directory
from engine.instances.service import start_instance
from engine.subsidies.budgets import set_budget
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import claim_task, complete_task
from forms.registry import FormRegistry, use_registry
from tests import factories
from tests.processes.samples import SAMPLES

LIBRARY = Path(__file__).resolve().parents[2] / "processes"


def sample(form_key: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLES[form_key])
    data.update(changes)
    return data


@pytest.fixture
def library(db_session: Session) -> Iterator[None]:
    previous = use_registry(FormRegistry())
    deploy(db_session, None, read_directory(LIBRARY), source="test")
    yield
    use_registry(previous)


@pytest.fixture
def people(db_session: Session) -> dict[str, User]:
    return {
        "sw": factories.user(db_session, "social_worker", username="sw"),
        "psy": factories.user(db_session, "psychologist", username="psy"),
        "law": factories.user(db_session, "lawyer", username="law"),
        "sup": factories.user(db_session, "supervisor", username="sup"),
    }


def task(db: Session, case: Case, element_id: str) -> HumanTask:
    found = db.scalar(
        select(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.element_id == element_id, HumanTask.state == TaskState.OPEN
        )
    )
    assert found is not None, element_id
    return found


def do(db: Session, actor: User, case: Case, element_id: str, data: dict[str, Any]) -> HumanTask:
    open_one = task(db, case, element_id)
    if open_one.assignee_id is None:
        claim_task(db, actor, open_one.id)
    complete_task(db, actor, open_one.id, data)
    return open_one


@pytest.fixture
def case(db_session: Session, library: None, people: dict[str, User]) -> Case:
    sw = people["sw"]
    the_case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, sw, "intake", case=the_case)
    do(db_session, sw, the_case, "Task_register", sample("intake/register"))
    do(db_session, sw, the_case, "Task_legal_status", sample("intake/legal_status"))
    return the_case


def test_intake_data_fills_the_person_legal_status_and_consent(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    cf = build_casefile(db_session, people["sw"], case)
    assert cf.legal_status == "refugee"
    assert cf.flags == ["medical"]
    assert cf.household[0]["member_name"] == "Ivan Kovalenko"
    assert [c["purpose"] for c in cf.consents] == ["services", "sharing_partners"]
    assert cf.documents[0]["document_number"] == "RP1234567"
    assert cf.intake_outcome["intake_outcome"] == "admitted"
    assert cf.open_tasks == [] and cf.running_instances == []


def test_psychological_details_are_withheld_from_other_roles(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    start_instance(
        db_session, people["sw"], "needs_diagnosis", case=case, data={"diagnosis_areas": ["psychological", "legal"]}
    )
    do(db_session, people["psy"], case, "Task_diagnose_psychological", sample("diagnosis/psychological"))
    for_lawyer = {d.area: d for d in build_casefile(db_session, people["law"], case).diagnoses}
    assert for_lawyer["psychological"].restricted and for_lawyer["psychological"].details is None
    assert for_lawyer["psychological"].priority == "low"
    assert for_lawyer["legal"].state == TaskState.OPEN and not for_lawyer["legal"].restricted
    for_psy = {d.area: d for d in build_casefile(db_session, people["psy"], case).diagnoses}
    assert for_psy["psychological"].details["psychological_situation"] == "Stable."


def test_plan_status_follows_drafting_return_and_approval(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    sw, sup = people["sw"], people["sup"]
    start_instance(db_session, sw, "ipd_drafting", case=case)
    do(db_session, sw, case, "Task_draft_plan", sample("ipd/plan"))
    plan = build_casefile(db_session, sw, case).plan
    assert plan is not None and plan.status == "awaiting_approval"
    assert [g["goal_id"] for g in plan.goals] == ["G1", "G2"]
    assert plan.goals[0]["status"] == "not_reviewed"
    assert {a["status"] for a in plan.actions} <= {"planned", "deadline_passed"}
    do(
        db_session,
        sup,
        case,
        "Task_approve_plan",
        {"ipd_approval_decision": "return", "ipd_approval_comment": "Dates?"},
    )
    plan = build_casefile(db_session, sw, case).plan
    assert plan.status == "returned"
    do(db_session, sw, case, "Task_draft_plan", sample("ipd/plan"))
    do(db_session, sup, case, "Task_approve_plan", sample("ipd/approval"))
    plan = build_casefile(db_session, sw, case).plan
    assert plan.status == "approved"
    assert [h["decision"] for h in plan.approval_history] == ["return", "approve"]
    assert plan.approval_history[0]["comment"] == "Dates?"
    do(db_session, sw, case, "Task_sign_plan", sample("ipd/signature"))
    assert build_casefile(db_session, sw, case).plan.status == "signed"


def test_subsidies_in_the_case_file_come_from_the_subsidy_tables(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    sw, sup = people["sw"], people["sup"]
    today = utcnow().date()
    set_budget(db_session, None, "LUB", today, today + timedelta(days=400), Decimal("100000.00"))
    start_instance(db_session, sw, "housing_subsidy", case=case)
    do(db_session, sw, case, "Task_apply", sample("housing/application"))
    (subsidy,) = build_casefile(db_session, sw, case).subsidies
    assert (subsidy.status, subsidy.monthly_amount, subsidy.payments) == ("awaiting_approval", Decimal("1200.00"), [])
    do(db_session, sup, case, "Task_approve_subsidy", sample("housing/approval"))
    do(db_session, sw, case, "Task_confirm_payment", sample("housing/payment", payment_paid_on=today.isoformat()))
    cf = build_casefile(db_session, sw, case)
    (subsidy,) = cf.subsidies
    assert subsidy.status == "approved" and subsidy.approved_months == 3 and subsidy.decided_by_id == sup.id
    assert subsidy.paid_total == Decimal("1200.00") and subsidy.reserved == Decimal("2400.00")
    assert [(p.month_number, p.status) for p in subsidy.payments] == [(1, "paid"), (2, "scheduled"), (3, "scheduled")]
    assert {sw.id, sup.id} <= cf.user_ids()


def test_material_aid_in_the_case_file(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    sw = people["sw"]
    start_instance(db_session, sw, "material_aid", case=case)
    do(db_session, sw, case, "Task_request_aid", sample("material_aid/request"))
    (aid,) = build_casefile(db_session, sw, case).aid
    assert aid.category == "school_kit" and aid.amount == Decimal("150.00")
    do(db_session, sw, case, "Task_record_purchase", sample("material_aid/purchase"))
    (aid,) = build_casefile(db_session, sw, case).aid
    assert aid.status == "purchased" and aid.receipt_number == "PAR/2026/0042"


def test_diagram_states_and_files(db_session, people, library) -> None:  # type: ignore[no-untyped-def]
    sw = people["sw"]
    the_case = open_case(db_session, sw, BeneficiaryInput("Ahmad", "Karimi"))
    instance = start_instance(db_session, sw, "case_lifecycle", case=the_case).instance
    assert element_states(db_session, instance) == {"Call_intake": "current"}  # the called process is running
    assert current_process_ids(db_session, instance) == ["case_lifecycle", "intake"]
    assert element_states(db_session, instance, "intake") == {"Task_register": "current"}
    do(db_session, sw, the_case, "Task_register", sample("intake/register"))
    assert element_states(db_session, instance, "intake") == {
        "Task_register": "completed",
        "Task_legal_status": "current",
    }
    assert b'<bpmn:process id="case_lifecycle"' in process_xml(db_session, instance)
    assert b'<bpmn:process id="intake"' in process_xml(db_session, instance, "intake")
    assert process_xml(db_session, instance, "no_such_process") is None
