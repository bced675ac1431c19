"""The active plan: reviews every 3 months from approval, continue / amend / close, the 12-month end."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.processes.samples import sample

PLAN = {
    "ipd_approved_on": "2026-01-12",
    "plan_duration_months": 12,
    "review_interval_months": 3,
    "ipd_goals": sample("ipd/plan")["ipd_goals"],
}


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def review(s, outcome: str = "continue") -> None:
    s.complete("Task_review_plan", sample("review/plan_review", review_outcome=outcome))


def test_reviews_every_three_months_then_the_plan_ends_after_twelve(start) -> None:
    s = start("plan_period", PLAN)
    assert s.data_of("Script_init_plan")["plan_ends_on"] == "2027-01-12"
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-04-12"]
    s.advance_to(at(2026, 4, 11))
    assert s.ready_ids() == []
    s.advance_to(at(2026, 4, 12))
    assert s.ready_ids() == ["Task_review_plan"]
    review(s)
    for month in (7, 10):
        s.advance_to(at(2026, month, 12))
        review(s)
    assert [t.value[:10] for t in s.waiting_timers()] == ["2027-01-12"]
    s.advance_to(at(2027, 1, 12))
    assert s.ready_ids() == ["Task_end_decision"]
    s.complete("Task_end_decision", sample("plan/end_decision"))
    assert s.completed
    assert s.data["plan_outcome"] == "finished"
    assert s.data["plan_reviews_done"] == 3
    assert s.count("Task_review_plan") == 3


def test_amendment_goes_back_through_approval_and_signature(start) -> None:
    s = start("plan_period", PLAN)
    s.advance_to(at(2026, 4, 12))
    review(s, "amend")
    assert s.ready_ids() == ["Task_draft_plan"]
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    s.complete(
        "Task_approve_plan",
        sample("ipd/approval", ipd_approval_decision="return", ipd_approval_comment="Keep the course."),
        actor="ewa",
    )
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    s.complete("Task_sign_plan", sample("ipd/signature"), actor="anna")
    assert s.ready_ids() == []
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-07-12"]  # the review cadence is kept
    s.advance_to(at(2026, 7, 12))
    review(s, "close")
    assert s.completed
    assert s.data["plan_outcome"] == "closed_after_review"
    assert s.data["ipd_status"] == "active"


def test_closing_at_a_review_ends_the_plan_early(start) -> None:
    s = start("plan_period", PLAN)
    s.advance_to(at(2026, 4, 12))
    review(s, "close")
    assert s.completed
    assert s.data["plan_outcome"] == "closed_after_review"
    assert s.waiting_timers() == []


def test_an_extended_plan_keeps_being_reviewed(start) -> None:
    s = start("plan_period", PLAN | {"review_interval_months": 3, "plan_duration_months": 6})
    s.advance_to(at(2026, 4, 12))
    review(s)
    s.advance_to(at(2026, 7, 12))
    s.complete("Task_end_decision", sample("plan/end_decision", plan_end_decision="extend", plan_extension_months=3))
    assert s.data_of("Script_extend_plan")["plan_ends_on"] == "2026-10-12"
    assert s.ready_ids() == ["Task_review_plan"]  # the review due at month 6 now falls inside the plan
    review(s)
    s.advance_to(at(2026, 10, 12))
    s.complete("Task_end_decision", sample("plan/end_decision"))
    assert s.completed and s.data["plan_outcome"] == "finished"
