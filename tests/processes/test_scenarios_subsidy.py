"""Housing subsidy: the engine assesses the application, a supervisor (never the applicant) approves within the
office's budget, one payment per approved month at its scheduled amount, completion when nothing is left."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.accounts.roles import Role
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.instances.service import set_instance_variables
from engine.subsidies.budgets import set_budget
from engine.subsidies.models import HousingSubsidy, PaymentStatus, SubsidyPayment, SubsidyStatus
from engine.subsidies.operations import confirm_payment_correction
from tests import factories
from tests.processes.driver import FormDataRejected, FourEyesViolation
from tests.processes.samples import sample

SETTINGS_ENV = {
    "IPD_SUBSIDY_INCOME_LIMIT_SINGLE": "2020.00",
    "IPD_SUBSIDY_INCOME_LIMIT_FAMILY": "1646.00",
    "IPD_SUBSIDY_RENT_SHARE": "0.50",
    "IPD_SUBSIDY_MAX_MONTHLY": "1500.00",
}


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SETTINGS_ENV.items():
        monkeypatch.setenv(name, value)


def budget(desk, amount: str = "120000.00", start: date = date(2026, 1, 1), end: date = date(2026, 12, 31)) -> None:
    factories.office(desk.session, desk.office_code)
    set_budget(desk.session, None, desk.office_code, start, end, Decimal(amount))


def apply(start, desk, actor: str = "anna", with_budget: bool = True, **application):
    if with_budget and not getattr(desk, "_budget_set", False):
        budget(desk)
        desk._budget_set = True
    s = start("housing_subsidy")
    s.complete("Task_apply", sample("housing/application", **application), actor=actor)
    return s


def subsidy_of(s) -> HousingSubsidy:
    [row] = s.session.scalars(select(HousingSubsidy).where(HousingSubsidy.instance_id == s.instance.id)).all()
    s.session.refresh(row)
    return row


def payments_of(s) -> list[SubsidyPayment]:
    rows = list(
        s.session.scalars(
            select(SubsidyPayment)
            .join(HousingSubsidy, HousingSubsidy.id == SubsidyPayment.subsidy_id)
            .where(HousingSubsidy.instance_id == s.instance.id)
            .order_by(SubsidyPayment.month_number)
        )
    )
    for row in rows:
        s.session.refresh(row)
    return rows


def pay(s, actor: str = "anna", **values) -> None:
    s.complete("Task_confirm_payment", sample("housing/payment", **values), actor=actor)


REJECT = {"subsidy_decision": "reject", "subsidy_approved_months": None}


def test_approved_subsidy_is_paid_month_by_month_and_completes(start, desk) -> None:
    s = apply(start, desk)
    subsidy = subsidy_of(s)
    assert (subsidy.eligible, subsidy.reason, subsidy.status) == (True, "within_income_limit", "awaiting_approval")
    assert subsidy.income_per_person == Decimal("750.00")
    assert subsidy.monthly_amount == Decimal("1200.00")  # half the rent, under the cap
    approval = s.task("Task_approve_subsidy")
    assert approval.task_spec.lane == "supervisor"
    assert (approval.row.subject_kind, approval.row.subject_id) == ("subsidy", subsidy.id)
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    months = payments_of(s)
    assert [(p.month_number, p.due_on, p.amount, p.status) for p in months] == [
        (1, date(2026, 1, 12), Decimal("1200.00"), "scheduled"),
        (2, date(2026, 2, 12), Decimal("1200.00"), "scheduled"),
        (3, date(2026, 3, 12), Decimal("1200.00"), "scheduled"),
    ]
    assert subsidy_of(s).status == SubsidyStatus.APPROVED
    # The first month is due at once.
    confirm = s.task("Task_confirm_payment")
    assert (confirm.row.subject_kind, confirm.row.subject_id) == ("subsidy_payment", months[0].id)
    assert s.data["payment_due_on"] == "2026-01-12"
    pay(s)
    assert s.ready_ids() == []
    [timer] = s.waiting_timers()
    assert timer.value.startswith("2026-02-12")
    s.advance_to(datetime(2026, 2, 11, 12, tzinfo=UTC))
    assert s.ready_ids() == []
    s.advance_to(datetime(2026, 2, 12, 12, tzinfo=UTC))
    assert s.task("Task_confirm_payment").row.subject_id == months[1].id
    pay(s, payment_paid_on="2026-02-12")
    s.advance_to(datetime(2026, 3, 12, 12, tzinfo=UTC))
    pay(s, payment_paid_on="2026-03-12", payment_reference="PRZ/2026/3")
    assert s.completed
    assert s.count("Task_confirm_payment") == 3 and "Service_complete" in s.trail
    assert subsidy_of(s).status == SubsidyStatus.COMPLETED
    assert [p.status for p in payments_of(s)] == ["paid"] * 3
    assert sum(p.amount_paid for p in payments_of(s)) == Decimal("3600.00")
    s.advance_to(datetime(2026, 6, 1, tzinfo=UTC))
    assert s.count("Task_confirm_payment") == 3


def test_the_process_carries_ids_and_outcomes_never_amounts_or_the_application(start, desk) -> None:
    s = apply(start, desk, subsidy_justification="Fled the war, two small children")
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    data = s.data
    assert data["subsidy_id"] == subsidy_of(s).id and data["subsidy_eligible"] is True
    assert data["subsidy_decision"] == "approve" and data["subsidy_payments_left"] is True
    assert isinstance(data["payment_id"], int)
    for key in (
        "subsidy_rent",
        "subsidy_income_total",
        "subsidy_justification",
        "subsidy_landlord",
        "subsidy_monthly_amount",
        "subsidy_settings",
        "subsidy_budget_remaining",
        "subsidy_approved_months",
    ):
        assert key not in data
    assert "Fled the war" not in repr(data) and "1200" not in repr(data)


def test_income_above_the_limit_is_not_eligible(start, desk) -> None:
    s = apply(start, desk, subsidy_household_size=1, subsidy_income_total="2500.00")
    assert s.completed
    subsidy = subsidy_of(s)
    assert (subsidy.status, subsidy.reason, subsidy.monthly_amount) == ("not_eligible", "income_above_limit", None)
    assert "Task_approve_subsidy" not in s.trail
    assert s.data["subsidy_eligible"] is False


def test_the_amount_is_capped_by_the_programme_settings(start, desk, monkeypatch) -> None:
    s = apply(start, desk, subsidy_rent="4000.00")
    assert subsidy_of(s).monthly_amount == Decimal("1500.00")
    monkeypatch.setenv("IPD_SUBSIDY_MAX_MONTHLY", "1000.00")
    other = apply(start, desk, subsidy_rent="4000.00")
    assert subsidy_of(other).monthly_amount == Decimal("1000.00")
    assert subsidy_of(s).monthly_amount == Decimal("1500.00")  # fixed when it was assessed


def test_a_rejection_needs_a_reason_and_ends_without_payments(start, desk) -> None:
    s = apply(start, desk)
    with pytest.raises(FormDataRejected, match="subsidy_decision_comment"):
        s.complete("Task_approve_subsidy", sample("housing/approval", **REJECT), actor="ewa")
    s.complete(
        "Task_approve_subsidy",
        sample("housing/approval", **REJECT, subsidy_decision_comment="Other support available."),
        actor="ewa",
    )
    assert s.completed
    subsidy = subsidy_of(s)
    assert (subsidy.status, subsidy.decision_comment) == ("rejected", "Other support available.")
    assert subsidy.decided_by_id == desk.user("ewa").id
    assert payments_of(s) == [] and "Task_confirm_payment" not in s.trail


def test_the_applicant_cannot_approve_another_supervisor_does(start, desk) -> None:
    s = apply(start, desk, actor="anna")
    with pytest.raises(FourEyesViolation):
        s.complete("Task_approve_subsidy", sample("housing/approval"), actor="anna")
    assert payments_of(s) == [] and subsidy_of(s).status == SubsidyStatus.AWAITING_APPROVAL
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    assert subsidy_of(s).status == SubsidyStatus.APPROVED


def test_approved_months_may_not_exceed_the_months_requested(start, desk) -> None:
    s = apply(start, desk, subsidy_months_requested=2)
    with pytest.raises(FormDataRejected, match="subsidy_approved_months"):
        s.complete("Task_approve_subsidy", sample("housing/approval", subsidy_approved_months=3), actor="ewa")
    s.complete("Task_approve_subsidy", sample("housing/approval", subsidy_approved_months=2), actor="ewa")
    assert len(payments_of(s)) == 2


def test_two_subsidies_against_a_5000_budget_the_second_is_refused_naming_what_remains(start, desk) -> None:
    budget(desk, "5000.00")
    desk._budget_set = True
    first = apply(start, desk)
    second = apply(start, desk)
    first.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")  # 3 x 1200.00 = 3600.00
    with pytest.raises(FormDataRejected, match="1400.00") as refused:
        second.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    assert "only 1400.00 PLN remain" in str(refused.value)
    assert payments_of(second) == [] and subsidy_of(second).status == SubsidyStatus.AWAITING_APPROVAL
    second.complete("Task_approve_subsidy", sample("housing/approval", subsidy_approved_months=1), actor="ewa")
    assert [p.amount for p in payments_of(second)] == [Decimal("1200.00")]


def test_approval_is_refused_when_no_budget_covers_a_month(start, desk) -> None:
    budget(desk, "50000.00", start=date(2026, 1, 1), end=date(2026, 2, 28))
    s = apply(start, desk, with_budget=False)
    with pytest.raises(FormDataRejected, match="2026-03-12"):
        s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    s.complete("Task_approve_subsidy", sample("housing/approval", subsidy_approved_months=2), actor="ewa")
    assert len(payments_of(s)) == 2


def test_a_payment_of_999999_against_1200_is_refused(start, desk) -> None:
    s = apply(start, desk)
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    with pytest.raises(FormDataRejected, match="payment_amount") as refused:
        pay(s, payment_amount="999999.00")
    assert "1200.00" in str(refused.value)
    first = payments_of(s)[0]
    assert (first.status, first.amount_paid) == ("scheduled", None)
    with pytest.raises(FormDataRejected, match="payment_paid_on"):
        pay(s, payment_paid_on="2026-02-01")  # in the future
    pay(s)
    assert payments_of(s)[0].status == PaymentStatus.PAID


def test_a_supervisors_correction_needs_a_second_supervisor(start, desk) -> None:
    s = apply(start, desk)
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    worker = desk.user("ola", Role.SOCIAL_WORKER)
    with pytest.raises(FormDataRejected, match="payment_correction_reason"):
        pay(s, actor=worker, payment_amount="1250.00", payment_correction_reason="Bank fee added")
    pay(s, actor="ewa", payment_amount="1250.00", payment_correction_reason="Landlord raised the rent by 50 PLN")
    first = payments_of(s)[0]
    assert (first.status, first.amount, first.amount_paid) == (
        "correction_pending",
        Decimal("1200.00"),
        Decimal("1250.00"),
    )
    assert first.recorded_by_id == desk.user("ewa").id
    # The process goes on to the next month; the correction waits for a second person.
    assert s.ready_ids() == [] and len(s.waiting_timers()) == 1
    with pytest.raises(Forbidden, match="four-eyes"):
        confirm_payment_correction(desk.session, desk.user("ewa"), first.id)
    with pytest.raises(Forbidden):
        confirm_payment_correction(desk.session, worker, first.id)
    kasia = desk.user("kasia", Role.SUPERVISOR)
    confirm_payment_correction(desk.session, kasia, first.id)
    desk.session.refresh(first)
    assert (first.status, first.correction_confirmed_by_id) == ("paid", kasia.id)
    with pytest.raises(Conflict):
        confirm_payment_correction(desk.session, desk.user("ewa"), first.id)


def test_set_variables_on_the_running_instance_cannot_change_an_approved_amount(start, desk) -> None:
    other = apply(start, desk)
    other.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    s = apply(start, desk)
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    supervisor = desk.user("koordynator", Role.SUPERVISOR)
    set_instance_variables(
        desk.session,
        supervisor,
        s.instance.id,
        {
            "subsidy_monthly_amount": "999999.00",
            "subsidy_approved_total": "999999.00",
            "payment_amount": "999999.00",
            "subsidy_approved_months": 12,
        },
    )
    with pytest.raises(FormDataRejected, match="payment_amount"):
        pay(s, payment_amount="999999.00")
    # Pointing the process at another subsidy's month is refused: record ids change only through operations.
    with pytest.raises(InvalidInput, match="case records"):
        set_instance_variables(desk.session, supervisor, s.instance.id, {"payment_id": payments_of(other)[0].id})
    pay(s)
    months = payments_of(s)
    assert [p.amount for p in months] == [Decimal("1200.00")] * 3
    assert months[0].amount_paid == Decimal("1200.00") and len(months) == 3
    assert subsidy_of(s).monthly_amount == Decimal("1200.00") and subsidy_of(s).approved_months == 3


def test_closing_the_case_cancels_the_unpaid_months_and_releases_the_budget(start, desk) -> None:
    from engine.closure.hooks import open_commitments, stop_commitments
    from engine.reports import subsidy_spend

    s = apply(start, desk)
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    pay(s)
    (spend,) = subsidy_spend(desk.session, desk.case.office_id)
    assert (spend.paid, spend.reserved) == (Decimal("1200.00"), Decimal("2400.00"))
    subsidy = subsidy_of(s)
    [commitment] = [c for c in open_commitments(desk.session, desk.case) if c.kind == "subsidy"]
    assert commitment.record_id == subsidy.id
    assert commitment.summary == "housing subsidy: 2 unpaid monthly payments, 2400.00 PLN reserved"
    stop_commitments(desk.session, desk.user("ewa"), desk.case)
    assert subsidy_of(s).status == SubsidyStatus.ENDED
    assert [p.status for p in payments_of(s)] == ["paid", "cancelled", "cancelled"]
    (spend,) = subsidy_spend(desk.session, desk.case.office_id)
    assert (spend.paid, spend.reserved, spend.remaining) == (
        Decimal("1200.00"),
        Decimal("0.00"),
        Decimal("118800.00"),
    )
    assert [c for c in open_commitments(desk.session, desk.case) if c.kind == "subsidy"] == []


def test_months_in_two_budget_periods_are_checked_against_each_period(start, desk) -> None:
    budget(desk, "1200.00", start=date(2026, 1, 1), end=date(2026, 1, 31))
    budget(desk, "1000.00", start=date(2026, 2, 1), end=date(2026, 12, 31))
    s = apply(start, desk, with_budget=False)
    with pytest.raises(FormDataRejected, match="1000.00 PLN remain") as refused:
        s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")
    assert "2026-02-01" in str(refused.value)
    s.complete("Task_approve_subsidy", sample("housing/approval", subsidy_approved_months=1), actor="ewa")
    assert [p.due_on for p in payments_of(s)] == [date(2026, 1, 12)]


def test_a_correction_above_the_scheduled_amount_must_fit_in_the_budget(start, desk) -> None:
    budget(desk, "5000.00")
    desk._budget_set = True
    s = apply(start, desk)
    s.complete("Task_approve_subsidy", sample("housing/approval"), actor="ewa")  # 3600.00 reserved, 1400.00 left
    reason = {"payment_correction_reason": "Arrears agreed with the landlord"}
    with pytest.raises(FormDataRejected, match="1400.00"):
        pay(s, actor="ewa", payment_amount="999999.00", **reason)
    with pytest.raises(FormDataRejected, match="1400.00"):
        pay(s, actor="ewa", payment_amount="2600.01", **reason)
    pay(s, actor="ewa", payment_amount="2600.00", **reason)
    first = payments_of(s)[0]
    assert (first.status, first.amount_paid) == ("correction_pending", Decimal("2600.00"))
