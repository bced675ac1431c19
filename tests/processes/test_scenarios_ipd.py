"""IPD drafting: the plan is rows; the supervisor (never the submitter of that version) approves or returns it
with a comment; the beneficiary signs or refuses; the process carries only ``plan_id`` and outcomes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.plans.models import Plan, PlanAction, PlanDecision, PlanGoal, PlanStatus, PlanVersion
from tests.processes.driver import FormDataRejected, FourEyesViolation
from tests.processes.samples import sample

RETURNED = sample("ipd/approval", ipd_approval_decision="return", ipd_approval_comment="Add a housing goal.")


def _versions(s, plan_id: int) -> list[PlanVersion]:
    return list(
        s.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.version))
    )


def test_plan_returned_with_a_comment_is_redrafted_approved_and_signed(start) -> None:
    s = start("ipd_drafting")
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    plan_id = s.data["plan_id"]
    approval = s.task("Task_approve_plan")
    assert approval.task_spec.lane == "supervisor"
    assert (approval.row.subject_kind, approval.row.subject_id) == ("plan", plan_id)
    s.complete("Task_approve_plan", RETURNED, actor="ewa")
    assert s.data["plan_decision"] == "return"
    redraft = s.task("Task_draft_plan")
    assert redraft.row.subject_id == plan_id
    [version] = _versions(s, plan_id)
    assert version.status == PlanStatus.RETURNED
    goals = sample("ipd/plan")["ipd_goals"] + [
        {"goal_id": "G3", "goal_area": "housing", "goal": "Own rental", "target": "Lease", "target_date": "2026-09-30"}
    ]
    s.advance(days=2)
    s.complete("Task_draft_plan", sample("ipd/plan", ipd_goals=goals), actor="anna")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    assert s.ready_ids() == ["Task_sign_plan"]
    s.complete("Task_sign_plan", sample("ipd/signature"), actor="anna")
    assert s.completed
    [version] = _versions(s, plan_id)  # a redraft after a return is the same version
    s.session.refresh(version)
    assert version.status == PlanStatus.SIGNED
    assert version.approved_on == date(2026, 1, 14)
    assert version.signed_on == date(2026, 2, 10) and version.signed_language == "uk"
    assert [g.code for g in version.goals] == ["G1", "G2", "G3"]
    assert [(d.decision, d.comment) for d in version.decisions] == [
        ("return", "Add a housing goal."),
        ("approve", None),
    ]
    plan = s.session.get(Plan, plan_id)
    assert (plan.starts_on, plan.ends_on) == (date(2026, 1, 14), date(2027, 1, 14))


def test_the_process_carries_the_plan_id_and_outcomes_never_the_plan(start) -> None:
    s = start("ipd_drafting")
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    s.complete("Task_approve_plan", RETURNED, actor="ewa")
    data = s.data
    for key in ("ipd_goals", "ipd_actions", "ipd_obligations_beneficiary", "ipd_approval_comment", "ipd_status"):
        assert key not in data
    assert "Learn Polish" not in repr(data) and "housing goal" not in repr(data)
    # The returned draft opens with the plan as it was submitted, read from the tables.
    assert s.task("Task_draft_plan").row.input_data["ipd_goals"][0]["goal"] == "Learn Polish"


def test_the_submitter_cannot_decide_their_own_version(start) -> None:
    s = start("ipd_drafting")
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    with pytest.raises(FourEyesViolation):
        s.complete("Task_approve_plan", sample("ipd/approval"), actor="anna")
    s.complete("Task_approve_plan", RETURNED, actor="ewa")
    # Ewa resubmits the returned version: now she is its submitter, and Anna may decide it.
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="ewa")
    with pytest.raises(FourEyesViolation):
        s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="anna")
    assert s.ready_ids() == ["Task_sign_plan"]


def test_returning_without_a_comment_is_refused(start) -> None:
    s = start("ipd_drafting")
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    with pytest.raises(FormDataRejected, match="ipd_approval_comment"):
        s.complete("Task_approve_plan", sample("ipd/approval", ipd_approval_decision="return"), actor="ewa")
    assert s.session.scalar(select(PlanDecision.id)) is None
    assert s.ready_ids() == ["Task_approve_plan"]


def test_an_action_for_an_unknown_goal_is_refused_naming_the_field(start) -> None:
    s = start("ipd_drafting")
    plan = sample("ipd/plan")
    plan["ipd_actions"][1]["goal_ref"] = "G9"
    with pytest.raises(FormDataRejected, match="ipd_actions/1/goal_ref"):
        s.complete("Task_draft_plan", plan, actor="anna")
    assert s.session.scalar(select(Plan.id)) is None
    assert s.session.scalar(select(PlanAction.id)) is None
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    actions = s.session.scalars(select(PlanAction).order_by(PlanAction.position)).all()
    assert [a.goal.code for a in actions] == ["G1", "G2"]


def test_dates_out_of_order_are_refused(start) -> None:
    s = start("ipd_drafting")
    late_action = sample("ipd/plan")
    late_action["ipd_actions"][0]["deadline"] = "2026-08-15"  # its goal G1 is due 2026-07-31
    with pytest.raises(FormDataRejected, match="ipd_actions/0/deadline"):
        s.complete("Task_draft_plan", late_action, actor="anna")
    beyond_the_plan = sample("ipd/plan", plan_duration_months=9)  # ends 2026-10-12; G2 is due 2026-12-31
    with pytest.raises(FormDataRejected, match="ipd_goals/1/target_date"):
        s.complete("Task_draft_plan", beyond_the_plan, actor="anna")
    twice = sample("ipd/plan")
    twice["ipd_goals"][1]["goal_id"] = "G1"
    with pytest.raises(FormDataRejected, match="ipd_goals/1/goal_id"):
        s.complete("Task_draft_plan", twice, actor="anna")
    assert s.session.scalar(select(PlanGoal.id)) is None


def test_a_refused_signature_goes_back_to_drafting_and_through_approval_again(start) -> None:
    s = start("ipd_drafting")
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    s.complete(
        "Task_sign_plan",
        sample(
            "ipd/signature",
            ipd_signature_status="refused",
            ipd_signed_on=None,
            ipd_signed_language=None,
            ipd_signature_note="Wants a shorter plan.",
        ),
    )
    assert s.data["plan_signature"] == "refused"
    [version] = _versions(s, s.data["plan_id"])
    assert (version.status, version.signature_note) == (PlanStatus.RETURNED, "Wants a shorter plan.")
    assert s.ready_ids() == ["Task_draft_plan"]
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    s.complete("Task_sign_plan", sample("ipd/signature"))
    assert s.completed
    s.session.refresh(version)
    assert version.status == PlanStatus.SIGNED and len(version.decisions) == 2
    kinds = s.session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("plan.%"))).all()
    assert kinds.count("plan.submitted") == 2 and kinds.count("plan.signature_recorded") == 2
