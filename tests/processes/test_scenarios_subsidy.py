"""Housing subsidy: DMN eligibility and amount, four-eyes approval within budget, monthly payments."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.processes.samples import sample

SETTINGS = {
    "income_limit_single": "2020.00",
    "income_limit_family": "1646.00",
    "rent_share": "0.50",
    "max_monthly_amount": "1500.00",
}


def apply(start, budget="10000.00", **application):
    s = start("housing_subsidy", {"subsidy_settings": SETTINGS, "subsidy_budget_remaining": budget})
    s.complete("Task_apply", sample("housing/application", **application), actor="anna")
    return s


def pay(s, month: str) -> None:
    s.complete("Task_confirm_payment", sample("housing/payment", payment_month=month), actor="anna")


def test_approved_subsidy_pays_monthly_and_stops_after_the_approved_months(start) -> None:
    s = apply(start)
    approval = s.task("Task_approve_subsidy")
    assert approval.task_spec.lane == "supervisor"
    assert approval.data["subsidy_income_per_person"] == "750.00"
    assert approval.data["subsidy_eligible"] is True
    assert approval.data["subsidy_monthly_amount"] == "1200.00"  # half the rent, under the cap
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    assert s.data_of("Script_check_budget")["subsidy_approved_total"] == "3600.00"
    assert s.ready_ids() == ["Task_confirm_payment"]  # the first month is paid at once
    pay(s, "2026-01")
    assert s.ready_ids() == []
    [timer] = s.waiting_timers()
    assert timer.value.startswith("2026-02-12")
    s.advance_to(datetime(2026, 2, 11, 12, tzinfo=UTC))
    assert s.ready_ids() == []
    s.advance_to(datetime(2026, 2, 12, 12, tzinfo=UTC))
    pay(s, "2026-02")
    s.advance_to(datetime(2026, 3, 12, 12, tzinfo=UTC))
    pay(s, "2026-03")
    assert s.completed
    assert s.count("Task_confirm_payment") == 3
    assert s.data["subsidy_status"] == "completed"
    assert s.data["subsidy_paid_total"] == "3600.00"
    s.advance_to(datetime(2026, 6, 1, tzinfo=UTC))
    assert s.count("Task_confirm_payment") == 3


def test_rejected_subsidy_ends_without_payments(start) -> None:
    s = apply(start)
    s.complete(
        "Task_approve_subsidy",
        sample(
            "housing/approval",
            subsidy_decision="reject",
            subsidy_approved_months=None,
            subsidy_decision_comment="Other support available.",
        ),
        actor="ewa",
    )
    assert s.completed
    assert s.data["subsidy_status"] == "rejected"
    assert "Task_confirm_payment" not in s.trail


def test_over_the_remaining_budget_goes_back_to_the_supervisor(start) -> None:
    s = apply(start, budget="2500.00")
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")  # 3 x 1200 > 2500
    again = s.task("Task_approve_subsidy")
    assert again.data["subsidy_over_budget"] is True
    s.complete("Task_approve_subsidy", sample("housing/approval", subsidy_approved_months=2), actor="ewa")
    assert s.data_of("Script_start_payments")["subsidy_approved_total"] == "2400.00"
    pay(s, "2026-01")
    s.advance(days=32)
    pay(s, "2026-02")
    assert s.completed and s.data["subsidy_payments_made"] == 2


def test_income_above_the_limit_is_not_eligible(start) -> None:
    s = apply(start, subsidy_household_size=1, subsidy_income_total="2500.00")
    assert s.completed
    assert s.data["subsidy_status"] == "not_eligible"
    assert s.data["subsidy_reason"] == "income_above_limit"
    assert "Task_approve_subsidy" not in s.trail


def test_the_amount_is_capped_by_the_settings(start) -> None:
    s = apply(start, subsidy_rent="4000.00")
    assert s.task("Task_approve_subsidy").data["subsidy_monthly_amount"] == "1500.00"


def test_the_applicant_cannot_approve(start) -> None:
    s = apply(start)
    try:
        s.complete("Task_approve_subsidy", sample("housing/approval"), actor="anna")
    except AssertionError as refused:
        assert "anna" in str(refused)
    else:
        raise AssertionError("four-eyes rule not applied")
