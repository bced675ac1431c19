"""One beneficiary from intake to closure through every phase, on the engine's services and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.accounts.roles import Role
from engine.audit.models import AuditEvent
from engine.cases.models import CaseStatus
from engine.instances.models import Incident, InstanceStatus, ProcessInstance, Timer, TimerStatus
from engine.subsidies.models import SubsidyPayment
from engine.tasks.models import HumanTask, TaskState
from tests.processes.samples import sample
from tests.processes.services_driver import Desk, DuplicateFound
from tests.processes.test_scenarios_subsidy import budget


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def pg_desk(backend: str, request: pytest.FixtureRequest) -> Desk:
    if backend != "postgresql":
        pytest.skip("the end-to-end walk runs on PostgreSQL only: set IPD_TEST_DATABASE_URL")
    desk: Desk = request.getfixturevalue("desk")
    return desk


def test_a_beneficiary_from_intake_to_closure_through_every_phase(
    pg_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPD_MATERIAL_AID_APPROVAL_LIMIT", "300.00")
    desk, session = pg_desk, pg_desk.session
    sw = desk.user("sw-anna", Role.SOCIAL_WORKER)
    law, psy = desk.user("law-piotr", Role.LAWYER), desk.user("psy-maria", Role.PSYCHOLOGIST)
    cc = desk.user("cc-marek", Role.CAREER_COUNSELLOR)
    sup1, sup2 = desk.user("sup-ewa", Role.SUPERVISOR), desk.user("sup-jan", Role.SUPERVISOR)

    # Intake: the duplicate search runs before the case is opened; a second registration is refused.
    case = desk.open_case(sw)
    with pytest.raises(DuplicateFound):
        desk.open_case(sw, given_names_latin="Inna", family_name_latin="Kowalenko")  # same document number
    life = desk.start("case_lifecycle", case=case, actor=sw)
    life.complete("Task_register", sample("intake/register"), actor=sw)
    areas = ["social", "legal", "psychological", "vocational"]
    life.complete("Task_legal_status", sample("intake/legal_status", diagnosis_areas=areas), actor=sw)
    assert case.beneficiary.legal_status == "refugee"

    # Needs diagnosis: four specialists in parallel; the legal one is late, reminded, escalated, then done.
    assert {t.row.element_id: t.row.role for t in life.ready()} == {
        "Task_diagnose_social": "social_worker",
        "Task_diagnose_legal": "lawyer",
        "Task_diagnose_psychological": "psychologist",
        "Task_diagnose_vocational": "career_counsellor",
    }
    life.complete("Task_diagnose_social", sample("diagnosis/social"), actor=sw)
    life.complete("Task_diagnose_psychological", sample("diagnosis/psychological"), actor=psy)
    life.complete("Task_diagnose_vocational", sample("diagnosis/vocational"), actor=cc)
    life.advance(days=22)
    assert life.count("Script_remind_legal") == 1 and life.count("Script_escalate_legal") == 1
    assert life.ready_ids() == ["Task_diagnose_legal", "Task_handle_overdue"]
    life.complete("Task_diagnose_legal", sample("diagnosis/legal"), actor=law)  # the escalation is withdrawn

    # IPD: returned with a comment, redrafted, approved by another person, signed.
    life.complete("Task_draft_plan", sample("ipd/plan"), actor=sw)
    returned = sample("ipd/approval", ipd_approval_decision="return", ipd_approval_comment="Dodaj cel mieszkaniowy.")
    life.complete("Task_approve_plan", returned, actor=sup1)
    redraft = life.task("Task_draft_plan").row
    assert redraft.subject_kind == "plan" and redraft.subject_id is not None
    assert "Dodaj cel mieszkaniowy." not in repr(life.data)  # the comment is the plan's, not the process's
    life.complete("Task_draft_plan", sample("ipd/plan"), actor=sw)
    life.complete("Task_approve_plan", sample("ipd/approval"), actor=sup1)
    life.complete("Task_sign_plan", sample("ipd/signature"), actor=sw)
    assert life.ready_ids() == []
    assert [t.value[:10] for t in life.waiting_timers()] == ["2026-05-03"]  # 3 months after approval

    # Service delivery alongside the plan: a housing subsidy, a psychological session, material aid.
    budget(desk, "10000.00")
    subsidy = desk.start("housing_subsidy", case=case, actor=sw)
    subsidy.complete("Task_apply", sample("housing/application"), actor=sw)
    subsidy.complete("Task_approve_subsidy", sample("housing/approval"), actor=sup2)
    subsidy.complete("Task_confirm_payment", sample("housing/payment"), actor=sw)
    session_ = desk.start("service_session", {"session_role": "psychologist"}, case=case, actor=sw)
    session_.complete("Task_session_psychologist", sample("session/record"), actor=psy)
    aid = desk.start("material_aid", {"material_aid_approval_limit": "300.00"}, case=case, actor=sw)
    aid.complete("Task_request_aid", sample("material_aid/request", aid_amount="450.00"), actor=sw)
    aid.complete("Task_approve_aid", sample("material_aid/approval"), actor=sup2)
    aid.complete("Task_record_purchase", sample("material_aid/purchase", purchase_amount="449.00"), actor=sw)
    for month in ("2026-03", "2026-04"):
        desk.advance_to(at(int(month[:4]), int(month[5:]), 3))
        subsidy.complete("Task_confirm_payment", sample("housing/payment"), actor=sw)
    assert subsidy.completed
    paid = session.scalars(select(SubsidyPayment.amount_paid).where(SubsidyPayment.case_id == case.id)).all()
    assert sum(paid) == Decimal("3600.00")

    # Reviews every three months, then the plan's 12-month end and the closure.
    for month in (5, 8, 11):
        desk.advance_to(at(2026, month, 3))
        life.complete("Task_review_plan", sample("review/plan_review", reviewed_on=f"2026-{month:02d}-03"), actor=sw)
    desk.advance_to(at(2027, 2, 3))
    life.complete("Task_end_decision", sample("plan/end_decision"), actor=sw)
    life.complete("Task_request_closure", sample("closure/request"), actor=sw)
    life.complete("Task_approve_closure", sample("closure/approval"), actor=sup1)

    # The case is closed by the lifecycle's end; nothing is left open or waiting.
    assert life.completed and life.data["plan_end_decision"] == "finish"
    session.refresh(case)
    assert case.status == CaseStatus.CLOSED and case.closure_reason == "goals_met"
    assert case.closed_at is not None and case.closed_at.date() == date(2027, 2, 3)
    instances = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id)).all()
    assert sorted(i.process_id for i in instances) == [
        "case_lifecycle",
        "housing_subsidy",
        "material_aid",
        "service_session",
    ]
    assert {i.status for i in instances} == {InstanceStatus.COMPLETED}
    assert session.scalars(select(Incident).where(Incident.case_id == case.id)).all() == []

    rows = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).all()
    assert [r.element_id for r in rows if r.state == TaskState.OPEN] == []
    assert [r.element_id for r in rows if r.state == TaskState.CANCELLED] == ["Task_handle_overdue"]
    done = Counter(r.element_id for r in rows if r.state == TaskState.COMPLETED)
    assert done["Task_draft_plan"] == 2 and done["Task_review_plan"] == 3 and done["Task_confirm_payment"] == 3
    by_element = {r.element_id: r.completed_by_id for r in rows if r.state == TaskState.COMPLETED}
    assert by_element["Task_approve_plan"] == sup1.id != by_element["Task_draft_plan"]
    assert by_element["Task_approve_subsidy"] == sup2.id
    assert by_element["Task_diagnose_legal"] == law.id
    assert {m.user_id for m in case.members} >= {law.id, psy.id, cc.id}

    timers = session.scalars(
        select(Timer).join(ProcessInstance).where(ProcessInstance.case_id == case.id).order_by(Timer.due_at)
    ).all()
    assert [t.element_id for t in timers if t.status == TimerStatus.PENDING] == []
    fired = Counter(t.element_id for t in timers if t.status == TimerStatus.FIRED)
    assert fired == {
        "Timer_remind_legal": 1,
        "Timer_escalate_legal": 1,
        "Timer_payment_due": 2,
        "Timer_review_due": 3,
        "Timer_plan_end": 1,
    }

    events = Counter(session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case.id)))
    assert events["case.opened"] == 1 and events["case.closed"] == 1
    assert events["instance.started"] == events["instance.completed"] == 4
    assert events["beneficiary.legal_status_changed"] == 1
    assert events["timer.fired"] == sum(fired.values())
    assert events["task.completed"] == sum(done.values())
    assert events["task.cancelled"] == 1
