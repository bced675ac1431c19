"""The plan in force: reviews every interval from approval (rated goals take their status), continue / amend
(an annex: the next version, through approval and signature again) / close, the end of the period (finish or
extend). The process starts with a signed plan's ``plan_id``; the dates its timers wait for come from the plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from engine.plans.models import Plan, PlanReview, PlanStatus, PlanVersion
from tests.processes.driver import FourEyesViolation
from tests.processes.samples import sample

SHORT_GOALS = [
    {"goal_id": "G1", "goal_area": "polish_language", "goal": "Learn", "target": "A1", "target_date": "2026-06-30"},
    {"goal_id": "G2", "goal_area": "vocational", "goal": "Work", "target": "Job", "target_date": "2026-07-10"},
]


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def signed_plan(start, **plan: object) -> int:
    """Draft, approve (on 2026-01-12) and sign a plan for the desk's case; its id."""
    s = start("ipd_drafting")
    s.complete("Task_draft_plan", sample("ipd/plan", **plan), actor="anna")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    s.complete("Task_sign_plan", sample("ipd/signature"), actor="anna")
    assert s.completed
    return int(s.data["plan_id"])


def review(s, outcome: str = "continue", **values: object) -> None:
    s.complete("Task_review_plan", sample("review/plan_review", review_outcome=outcome, **values))


def test_reviews_every_three_months_then_the_plan_ends_after_twelve(start) -> None:
    plan_id = signed_plan(start)
    s = start("plan_period", {"plan_id": plan_id})
    assert s.data_of("Service_schedule_review")["plan_ends_on"] == "2027-01-12"
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-04-12"]
    s.advance_to(at(2026, 4, 11))
    assert s.ready_ids() == []
    s.advance_to(at(2026, 4, 12))
    assert s.ready_ids() == ["Task_review_plan"]
    assert s.task("Task_review_plan").row.subject_id == plan_id
    review(s)
    for month in (7, 10):
        s.advance_to(at(2026, month, 12))
        review(s)
    assert [t.value[:10] for t in s.waiting_timers()] == ["2027-01-12"]
    s.advance_to(at(2027, 1, 12))
    assert s.ready_ids() == ["Task_end_decision"]
    s.complete("Task_end_decision", sample("plan/end_decision"))
    assert s.completed
    assert s.data["plan_end_decision"] == "finish"
    assert s.count("Task_review_plan") == 3
    plan = s.session.get(Plan, plan_id)
    assert (plan.ended_on, plan.end_reason) == (date(2027, 1, 12), "finished")
    assert [v.status for v in plan.versions] == [PlanStatus.ENDED]
    assert len(plan.reviews) == 3
    # G1 was rated "some progress" (partly); G2 "no progress" stayed open and is not achieved at the end.
    assert [g.status for g in plan.versions[0].goals] == ["partly", "not_achieved"]


def test_a_review_records_ratings_and_goal_progress_and_updates_the_goals(start) -> None:
    plan_id = signed_plan(start)
    s = start("plan_period", {"plan_id": plan_id})
    s.advance_to(at(2026, 4, 12))
    ratings = [
        {"goal_id": "G1", "rating": "achieved", "comment": "Passed A2."},
        {"goal_id": "G2", "rating": "not_applicable", "comment": None},
    ]
    review(s, review_goal_ratings=ratings, review_rating_language="achieved")
    assert s.data["plan_review_outcome"] == "continue"
    assert "Passed A2." not in repr(s.data) and "review_summary" not in s.data
    [row] = s.session.scalars(select(PlanReview)).all()
    assert (row.rating_language, row.rating_work, row.rating_social) == ("achieved", "no_progress", "good_progress")
    assert [(p.goal.code, p.rating, p.comment) for p in row.goal_progress] == [
        ("G1", "achieved", "Passed A2."),
        ("G2", "not_applicable", None),
    ]
    assert [g.status for g in row.version.goals] == ["achieved", "dropped"]


def test_a_rating_for_a_goal_not_in_the_plan_is_refused(start) -> None:
    from tests.processes.driver import FormDataRejected

    s = start("plan_period", {"plan_id": signed_plan(start)})
    s.advance_to(at(2026, 4, 12))
    with pytest.raises(FormDataRejected, match="review_goal_ratings/0/goal_id"):
        review(s, review_goal_ratings=[{"goal_id": "G9", "rating": "achieved"}])
    assert s.session.scalar(select(PlanReview.id)) is None


def test_an_annex_is_the_next_version_and_goes_back_through_approval_and_signature(start) -> None:
    plan_id = signed_plan(start)
    s = start("plan_period", {"plan_id": plan_id})
    s.advance_to(at(2026, 4, 12))
    review(s, "amend")
    assert s.ready_ids() == ["Task_draft_plan"]
    # The annex starts from the version in force.
    assert s.task("Task_draft_plan").row.input_data["ipd_goals"][1]["goal"] == "Find work"
    s.complete("Task_draft_plan", sample("ipd/plan", review_interval_months=2), actor="anna")
    one, two = s.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by("version"))
    assert (one.status, two.version, two.status) == (PlanStatus.SIGNED, 2, PlanStatus.SUBMITTED)
    assert [g.status for g in two.goals] == ["partly", "open"]  # the annex keeps what the review found
    with pytest.raises(FourEyesViolation):
        s.complete("Task_approve_plan", sample("ipd/approval"), actor="anna")
    s.complete(
        "Task_approve_plan",
        sample("ipd/approval", ipd_approval_decision="return", ipd_approval_comment="Keep the course."),
        actor="ewa",
    )
    assert (one.status, two.status) == (PlanStatus.SIGNED, PlanStatus.RETURNED)
    s.complete("Task_draft_plan", sample("ipd/plan", review_interval_months=2), actor="anna")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    s.complete("Task_sign_plan", sample("ipd/signature"), actor="anna")
    assert s.ready_ids() == []
    s.session.refresh(one)
    s.session.refresh(two)
    assert (one.status, two.status) == (PlanStatus.ENDED, PlanStatus.SIGNED)
    assert [d.decision for d in two.decisions] == ["return", "approve"] and one.decisions[0].decision == "approve"
    # One review done; the annex reviews every 2 months from the plan's start: the next at month 4.
    assert [t.value[:10] for t in s.waiting_timers()] == ["2026-05-12"]
    s.advance_to(at(2026, 5, 12))
    review(s, "close")
    assert s.completed
    assert s.data["plan_review_outcome"] == "close"
    plan = s.session.get(Plan, plan_id)
    assert plan.end_reason == "closed_after_review" and two.status == PlanStatus.ENDED


def test_closing_at_a_review_ends_the_plan_early(start) -> None:
    plan_id = signed_plan(start)
    s = start("plan_period", {"plan_id": plan_id})
    s.advance_to(at(2026, 4, 12))
    review(s, "close")
    assert s.completed
    assert s.waiting_timers() == []
    plan = s.session.get(Plan, plan_id)
    assert (plan.ended_on, plan.end_reason) == (date(2026, 4, 12), "closed_after_review")


def test_an_extended_plan_keeps_being_reviewed(start) -> None:
    actions = sample("ipd/plan")["ipd_actions"]
    actions[0]["deadline"] = "2026-06-01"
    plan_id = signed_plan(start, plan_duration_months=6, ipd_goals=SHORT_GOALS, ipd_actions=actions)
    s = start("plan_period", {"plan_id": plan_id})
    assert s.data["plan_ends_on"] == "2026-07-12"
    s.advance_to(at(2026, 4, 12))
    review(s)
    s.advance_to(at(2026, 7, 12))
    s.complete("Task_end_decision", sample("plan/end_decision", plan_end_decision="extend", plan_extension_months=3))
    assert s.data["plan_ends_on"] == "2026-10-12"
    assert s.ready_ids() == ["Task_review_plan"]  # the review due at month 6 now falls inside the plan
    plan = s.session.get(Plan, plan_id)
    assert (plan.ends_on, plan.extended_months, plan.ended_on) == (date(2026, 10, 12), 3, None)
    review(s)
    s.advance_to(at(2026, 10, 12))
    s.complete("Task_end_decision", sample("plan/end_decision"))
    assert s.completed and s.data["plan_end_decision"] == "finish"
    assert plan.end_reason == "finished"
