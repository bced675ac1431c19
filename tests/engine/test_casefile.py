"""The case-file read model: what the lifecycle tasks submitted, gathered per case and per reader."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.assessments.models import Assessment
from engine.audit.models import AuditEvent
from engine.cases.casefile import build_casefile, current_process_ids, element_states, process_xml
from engine.cases.models import Case, CaseMember
from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import utcnow
from engine.definitions.service import deploy, read_directory
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.instances.service import start_instance
from engine.people.operations import withdraw_consent
from engine.records.views import record_card
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
        "sw2": factories.user(db_session, "social_worker", username="sw2"),
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


def test_intake_fills_the_person_legal_status_and_consent_from_the_tables(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    cf = build_casefile(db_session, people["sw"], case)
    person = cf.person
    assert person.legal_status == "refugee"
    assert person.legal_status_decision_date == date(2025, 12, 20)
    assert person.ipi_apply_by == date(2026, 2, 18)
    assert person.flags == ["medical"]
    assert person.flag_items[0].set_by_id == people["sw"].id
    assert [(m.name, m.relation, m.age, m.needs_nursery) for m in person.household] == [
        ("Ivan Kovalenko", "child", 2, True)
    ]
    assert [c.purpose for c in person.consents] == ["services", "sharing_partners"]
    assert person.consents[1].partner_names == ["MOPR Lublin", "PCPR Lublin"]
    assert person.documents[0].number == "RP1234567"
    assert (person.sex, person.languages, person.interpreter_needed) == ("female", ["uk", "ru"], True)
    assert person.address == "ul. Lipowa 1, Lublin" and not person.address_hidden
    assert cf.open_tasks == [] and cf.running_instances == []
    assert cf.user_ids() >= {people["sw"].id}


def test_a_hidden_address_never_reaches_the_case_file(db_session, people, library) -> None:  # type: ignore[no-untyped-def]
    sw = people["sw"]
    the_case = open_case(db_session, sw, BeneficiaryInput("Oksana", "Bondar"))
    start_instance(db_session, sw, "intake", case=the_case)
    do(db_session, sw, the_case, "Task_register", sample("intake/register", flags=["security_hidden_address"]))
    # The case manager reads it (engine.access.categories: hidden address); another reader learns it is hidden.
    person = build_casefile(db_session, people["psy"], the_case).person
    assert person.address is None and person.address_hidden
    own = build_casefile(db_session, sw, the_case).person
    assert own.address_hidden and own.address == the_case.beneficiary.address


def _diagnose(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    start_instance(
        db_session, people["sw"], "needs_diagnosis", case=case, data={"diagnosis_areas": "psychological,legal"}
    )
    today = utcnow().date().isoformat()
    do(
        db_session,
        people["psy"],
        case,
        "Task_diagnose_psychological",
        sample(
            "diagnosis/psychological",
            psychological_assessed_on=today,
            psychological_situation="Flashbacks since the crossing.",
            psychological_needs="Trauma therapy.",
        ),
    )
    legal = sample("diagnosis/legal", legal_assessed_on=today, legal_next_deadline=None)
    do(db_session, people["law"], case, "Task_diagnose_legal", legal)


def test_psychological_details_are_withheld_from_other_roles(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    _diagnose(db_session, people, case)
    assert case.is_associated(people["law"])  # a case member: the lawyer who made the legal assessment
    for_lawyer = {d.area: d for d in build_casefile(db_session, people["law"], case).assessments}
    psychological = for_lawyer["psychological"]
    assert psychological.restricted and psychological.details is None
    assert psychological.situation is None and psychological.needs is None
    assert psychological.priority == "low"
    assert not for_lawyer["legal"].restricted and for_lawyer["legal"].situation == "Refugee status since December."
    for_psy = {d.area: d for d in build_casefile(db_session, people["psy"], case).assessments}
    assert for_psy["psychological"].situation == "Flashbacks since the crossing."
    assert for_psy["psychological"].details == {"psychological_support_recommended": False}


def test_the_assessment_card_marks_the_psychological_details_restricted(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    _diagnose(db_session, people, case)
    [row] = db_session.scalars(select(Assessment).where(Assessment.area == "psychological")).all()
    card = record_card(db_session, people["sup"], "assessment", row.id)
    assert card is not None and card.case_id == case.id
    assert [section.restricted for section in card.sections] == [False, True]
    shown = repr([section.values for section in card.sections])
    assert "Flashbacks" not in shown and "Trauma" not in shown
    assert card.sections[0].values["psychological_priority"] == "low"
    full = record_card(db_session, people["psy"], "assessment", row.id)
    assert full is not None and [section.restricted for section in full.sections] == [False]
    assert full.sections[0].values["psychological_situation"] == "Flashbacks since the crossing."


def test_registration_and_legal_status_cards_read_the_rows(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    registration = record_card(db_session, people["sw"], "registration", case.beneficiary_id)
    assert registration is not None and registration.case_id == case.id
    values = registration.sections[0].values
    assert values["household_members"][0]["member_name"] == "Ivan Kovalenko" and values["flags"] == ["medical"]
    legal = record_card(db_session, people["sw"], "legal_status", case.beneficiary_id)
    assert legal is not None
    assert legal.sections[0].values["legal_status"] == "refugee"
    assert [c["purpose"] for c in legal.sections[0].values["consents"]] == ["services", "sharing_partners"]


def test_a_consent_is_withdrawn_by_the_case_manager_once(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    consent = build_casefile(db_session, people["sw"], case).person.consents[1]
    with pytest.raises(NotFound):
        withdraw_consent(db_session, people["sw2"], consent.id)  # not their case
    case.members.append(CaseMember(user_id=people["sw2"].id, role="social_worker"))
    db_session.flush()
    with pytest.raises(Forbidden):
        withdraw_consent(db_session, people["sw2"], consent.id)  # a member, not the case manager
    with pytest.raises(InvalidInput):
        withdraw_consent(db_session, people["sw"], consent.id, date(2025, 1, 1))  # before it was given
    withdraw_consent(db_session, people["sw"], consent.id)
    with pytest.raises(Conflict):
        withdraw_consent(db_session, people["sup"], consent.id)
    after = build_casefile(db_session, people["sw"], case).person.consents[1]
    assert after.withdrawn_on == utcnow().date() and after.withdrawn_by_id == people["sw"].id
    assert not after.in_force
    [event] = db_session.scalars(select(AuditEvent).where(AuditEvent.kind == "consent.withdrawn")).all()
    assert event.details == {"consent_id": consent.id, "consent_purpose": "sharing_partners"}


def test_plan_status_follows_drafting_return_and_approval(db_session, people, case) -> None:  # type: ignore[no-untyped-def]
    sw, sup = people["sw"], people["sup"]
    start_instance(db_session, sw, "ipd_drafting", case=case)
    assert build_casefile(db_session, sw, case).plan is None
    do(db_session, sw, case, "Task_draft_plan", sample("ipd/plan"))
    plan = build_casefile(db_session, sw, case).plan
    assert plan is not None and (plan.version, plan.status) == (1, "submitted")
    assert plan.submitted_by_id == sw.id
    assert [(g.code, g.status) for g in plan.goals] == [("G1", "open"), ("G2", "open")]
    assert [(a.goal_code, a.status) for a in plan.actions] == [("G1", "planned"), ("G2", "planned")]
    assert plan.actions[0].estimated_cost == Decimal("1200.00") and plan.actions[1].estimated_cost is None
    assert plan.obligations_beneficiary == ["Attend Polish classes", "Keep in contact every two weeks"]
    assert not any(a.may_update for a in plan.actions)  # only the actions of a signed plan change
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
    assert plan.status == "approved" and plan.starts_on is not None and plan.ends_on is not None
    assert [(h.version, h.decision, h.comment) for h in plan.decisions] == [
        (1, "return", "Dates?"),
        (1, "approve", None),
    ]
    assert plan.decisions[0].decided_by_id == sup.id
    do(db_session, sw, case, "Task_sign_plan", sample("ipd/signature"))
    plan = build_casefile(db_session, sw, case).plan
    assert (plan.status, plan.in_force_version, plan.signed_language) == ("signed", 1, "uk")
    assert all(a.may_update for a in plan.actions)  # sw is the case manager
    assert plan.latest_review is None
    assert {sw.id, sup.id} <= build_casefile(db_session, sw, case).user_ids()


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
