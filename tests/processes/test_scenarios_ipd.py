"""IPD drafting: supervisor approval loop with comments, four-eyes, beneficiary signature."""

from __future__ import annotations

import pytest

from tests.processes.driver import FourEyesViolation
from tests.processes.samples import sample


def test_plan_returned_with_a_comment_is_redrafted_approved_and_signed(start) -> None:
    s = start("ipd_drafting")
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    assert s.task("Task_approve_plan").task_spec.lane == "supervisor"
    s.complete(
        "Task_approve_plan",
        sample("ipd/approval", ipd_approval_decision="return", ipd_approval_comment="Add a housing goal."),
        actor="ewa",
    )
    redraft = s.task("Task_draft_plan")
    assert redraft.data["ipd_approval_comment"] == "Add a housing goal."
    assert redraft.data["ipd_status"] == "returned"
    goals = sample("ipd/plan")["ipd_goals"] + [
        {
            "goal_id": "G3",
            "goal_area": "housing",
            "goal": "Own rental",
            "target": "Lease signed",
            "target_date": "2026-09-30",
        }
    ]
    s.advance(days=2)
    s.complete("Task_draft_plan", sample("ipd/plan", ipd_goals=goals), actor="anna")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    assert s.ready_ids() == ["Task_sign_plan"]
    s.complete("Task_sign_plan", sample("ipd/signature"), actor="anna")
    assert s.completed
    assert s.data["ipd_status"] == "active"
    assert s.data["ipd_approved_on"] == "2026-01-14"
    assert [entry["decision"] for entry in s.data["ipd_approval_history"]] == ["return", "approve"]
    assert s.data["ipd_approval_history"][0]["comment"] == "Add a housing goal."
    assert len(s.data["ipd_goals"]) == 3


def test_the_drafter_cannot_approve_their_own_plan(start) -> None:
    s = start("ipd_drafting")
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    props = s.task("Task_approve_plan").task_spec.extensions["properties"]
    assert props["fourEyesWith"] == "Task_draft_plan"
    with pytest.raises(FourEyesViolation):
        s.complete("Task_approve_plan", sample("ipd/approval"), actor="anna")


def test_returning_without_a_comment_is_refused_by_the_form(start) -> None:
    s = start("ipd_drafting")
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    with pytest.raises(AssertionError, match="ipd_approval_comment"):
        s.complete("Task_approve_plan", sample("ipd/approval", ipd_approval_decision="return"), actor="ewa")


def test_a_refused_signature_goes_back_to_drafting(start) -> None:
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
    assert s.ready_ids() == ["Task_draft_plan"]
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    s.complete("Task_sign_plan", sample("ipd/signature"))
    assert s.completed and s.data["ipd_status"] == "active"
