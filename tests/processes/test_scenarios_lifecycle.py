"""One beneficiary from intake to closure through every phase of case_lifecycle."""

from __future__ import annotations

from datetime import UTC, date, datetime

from engine.plans.models import Plan
from tests.processes.samples import sample


def test_a_case_from_intake_to_closure(start) -> None:
    s = start("case_lifecycle")
    s.complete("Task_register", sample("intake/register"), actor="anna")
    s.complete(
        "Task_legal_status",
        sample("intake/legal_status", diagnosis_areas=["social", "vocational"]),
        actor="anna",
    )
    assert s.ready_ids() == ["Task_diagnose_social", "Task_diagnose_vocational"]
    s.complete("Task_diagnose_social", sample("diagnosis/social"), actor="anna")
    s.advance(days=16)  # the vocational assessment is late: a reminder, no escalation yet
    assert s.count("Script_remind_vocational") == 1
    s.complete("Task_diagnose_vocational", sample("diagnosis/vocational"), actor="marek")
    goals = sample("ipd/plan")["ipd_goals"]
    goals[0]["target_date"], goals[1]["target_date"] = "2026-07-15", "2026-07-20"
    s.complete("Task_draft_plan", sample("ipd/plan", plan_duration_months=6, ipd_goals=goals), actor="anna")
    s.complete("Task_approve_plan", sample("ipd/approval"), actor="ewa")
    s.complete("Task_sign_plan", sample("ipd/signature"), actor="anna")
    plan = s.session.get(Plan, s.data["plan_id"])
    assert (plan.starts_on, plan.ends_on) == (date(2026, 1, 28), date(2026, 7, 28))
    s.advance_to(datetime(2026, 4, 28, 12, tzinfo=UTC))
    s.complete("Task_review_plan", sample("review/plan_review"), actor="anna")
    s.advance_to(datetime(2026, 7, 28, 12, tzinfo=UTC))
    s.complete("Task_end_decision", sample("plan/end_decision"), actor="anna")
    s.complete("Task_request_closure", sample("closure/request"), actor="anna")
    s.complete("Task_approve_closure", sample("closure/approval"), actor="ewa")
    assert s.completed
    assert s.data["intake_outcome"] == "admitted"
    assert s.data["plan_end_decision"] == "finish"
    assert plan.end_reason == "finished" and plan.versions[0].status == "ended"
    assert s.data["case_status"] == "closed"
    assert s.data["case_closed_on"] == "2026-07-28"
    assert s.waiting_timers() == []
    case = s.desk.case  # closed by the close_case operation; the lifecycle itself ended normally
    assert (case.status, case.closure_reason) == ("closed", "goals_met")


def test_a_case_not_admitted_ends_after_intake(start) -> None:
    s = start("case_lifecycle")
    s.complete("Task_register", sample("intake/register"))
    s.complete("Task_legal_status", sample("intake/legal_status", legal_status="eu_citizen"))
    s.complete("Task_inform_not_eligible", sample("intake/not_eligible"))
    assert s.completed
    assert s.data["case_status"] == "closed"
    assert "Call_needs_diagnosis" not in s.trail
