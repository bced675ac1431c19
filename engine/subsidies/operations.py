"""The operations of the housing-subsidy process: apply, decide within the budget, pay month by month.

Every amount is the engine's: the monthly amount is computed from the programme settings when applying,
fixed on each scheduled month when a supervisor approves, and a payment must match it unless a supervisor
records a correction (which a second supervisor confirms). The process holds only ids, due dates and
routing outcomes, so changing its variables changes no amount.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import programme
from engine.accounts.models import Office, User
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.operations import inputs
from engine.operations.registry import Call, OperationKind, Subject, operation, prefill_for
from engine.operations.rules import DecisionForm, four_eyes, require_actor, require_supervisor, take_decision
from engine.subsidies import budgets
from engine.subsidies.models import HousingSubsidy, PaymentStatus, SubsidyPayment, SubsidyStatus

SUBJECT = Subject("subsidy", "subsidy_id")
PAYMENT_SUBJECT = Subject("subsidy_payment", "payment_id")
DECISIONS = ("approve", "reject")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Assessment:
    income_per_person: Decimal
    income_limit: Decimal
    eligible: bool
    reason: str
    monthly_amount: Decimal | None


def assess(rent: Decimal, household_size: int, income_total: Decimal, settings: Mapping[str, str]) -> Assessment:
    """Eligibility and monthly amount: income per person within the limit; a share of the rent, capped."""
    per_person = (income_total / household_size).quantize(CENT, rounding=ROUND_HALF_UP)
    limit = Decimal(settings["income_limit_single" if household_size == 1 else "income_limit_family"])
    if per_person > limit:
        return Assessment(per_person, limit, False, "income_above_limit", None)
    share = (rent * Decimal(settings["rent_share"])).quantize(CENT, rounding=ROUND_HALF_UP)
    amount = min(share, Decimal(settings["max_monthly_amount"]))
    if amount <= 0:
        return Assessment(per_person, limit, False, "no_amount", None)
    return Assessment(per_person, limit, True, "within_income_limit", amount)


def add_months(start: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day when it is shorter)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def load_subsidy(call: Call, *, lock: bool = False) -> HousingSubsidy:
    """The subsidy of this process (never one of another process or case, whatever the process data says)."""
    case = call.require_case()
    subsidy = call.session.get(HousingSubsidy, call.record_id(SUBJECT.key), with_for_update=lock)
    if subsidy is None or subsidy.case_id != case.id or subsidy.instance_id != call.instance.id:
        raise NotFound("the housing subsidy of this process does not exist")
    return subsidy


def load_payment(call: Call, subsidy: HousingSubsidy, *, lock: bool = False) -> SubsidyPayment:
    payment = call.session.get(SubsidyPayment, call.record_id(PAYMENT_SUBJECT.key), with_for_update=lock)
    if payment is None or payment.subsidy_id != subsidy.id:
        raise NotFound("the scheduled payment of this process does not exist")
    return payment


@operation(
    "apply_for_subsidy",
    summary="Record a rent-subsidy application; the engine assesses eligibility and the monthly amount.",
    fields={
        "subsidy_rent": True,
        "subsidy_household_size": True,
        "subsidy_income_total": True,
        "subsidy_months_requested": True,
        "subsidy_landlord": True,
        "subsidy_lease_until": False,
        "subsidy_justification": True,
    },
    writes=("subsidy_id", "subsidy_eligible"),
    subject=SUBJECT,
)
def apply_for_subsidy(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    form = call.form
    rent = inputs.money(form, "subsidy_rent")
    size = inputs.whole(form, "subsidy_household_size", low=1, high=20)
    income = inputs.money(form, "subsidy_income_total", positive=False)
    months = inputs.whole(form, "subsidy_months_requested", low=1, high=12)
    lease_until = inputs.optional_day(form, "subsidy_lease_until")
    if lease_until is not None and lease_until < utcnow().date():
        raise InvalidInput("the lease has ended", {"subsidy_lease_until": "cannot be in the past"})
    result = assess(rent, size, income, programme.subsidy_settings(call.session))
    subsidy = HousingSubsidy(
        case_id=case.id,
        office_id=case.office_id,
        instance_id=call.instance.id,
        rent=rent,
        household_size=size,
        income_total=income,
        months_requested=months,
        landlord=inputs.text(form, "subsidy_landlord") or "",
        lease_until=lease_until,
        justification=inputs.text(form, "subsidy_justification") or "",
        applied_by_id=actor.id,
        applied_at=utcnow(),
        income_per_person=result.income_per_person,
        income_limit=result.income_limit,
        eligible=result.eligible,
        reason=result.reason,
        monthly_amount=result.monthly_amount,
        status=SubsidyStatus.AWAITING_APPROVAL if result.eligible else SubsidyStatus.NOT_ELIGIBLE,
    )
    call.session.add(subsidy)
    call.session.flush()
    record(
        call.session,
        "subsidy.applied",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        subsidy_id=subsidy.id,
        eligible=result.eligible,
        reason=result.reason,
        monthly_amount=str(result.monthly_amount) if result.monthly_amount is not None else None,
        months_requested=months,
    )
    return {"subsidy_id": subsidy.id, "subsidy_eligible": result.eligible}


@operation(
    "decide_subsidy",
    summary="A supervisor (never the applicant) approves months within the office's budget, or rejects.",
    fields={"subsidy_decision": True, "subsidy_approved_months": False, "subsidy_decision_comment": False},
    reads=("subsidy_id",),
    writes=("subsidy_decision",),
    subject=SUBJECT,
)
def decide_subsidy(call: Call) -> Mapping[str, Any]:
    case = call.require_case()
    actor = require_supervisor(call.actor, case)
    subsidy = load_subsidy(call, lock=True)
    decision, comment = take_decision(
        call.form,
        actor,
        what="housing-subsidy application",
        prepared_by_id=subsidy.applied_by_id,
        status=subsidy.status,
        waiting=SubsidyStatus.AWAITING_APPROVAL,
        fields=DecisionForm("subsidy_decision", "subsidy_decision_comment", DECISIONS, needs_comment="reject"),
    )
    now = utcnow()
    total = None
    if decision == "approve":
        months = inputs.whole(call.form, "subsidy_approved_months", low=1, high=subsidy.months_requested)
        amount = subsidy.monthly_amount
        assert amount is not None  # awaiting approval means eligible, with an amount
        first = now.date()
        schedule = [(add_months(first, n), amount) for n in range(months)]
        office = call.session.get(Office, subsidy.office_id)
        assert office is not None
        budgets.reserve(call.session, office, schedule)
        for number, (due_on, month_amount) in enumerate(schedule, start=1):
            call.session.add(
                SubsidyPayment(
                    subsidy_id=subsidy.id,
                    case_id=subsidy.case_id,
                    office_id=subsidy.office_id,
                    month_number=number,
                    due_on=due_on,
                    amount=month_amount,
                    status=PaymentStatus.SCHEDULED,
                )
            )
        subsidy.approved_months = months
        subsidy.status = SubsidyStatus.APPROVED
        total = amount * months
    else:
        subsidy.status = SubsidyStatus.REJECTED
    subsidy.decision = decision
    subsidy.decision_comment = comment
    subsidy.decided_by_id = actor.id
    subsidy.decided_at = now
    call.session.flush()
    record(
        call.session,
        "subsidy.decided",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        subsidy_id=subsidy.id,
        decision=decision,
        approved_months=subsidy.approved_months,
        monthly_amount=str(subsidy.monthly_amount) if decision == "approve" else None,
        approved_total=str(total) if total is not None else None,
    )
    return {"subsidy_decision": decision}


def _next_scheduled(session: Session, subsidy: HousingSubsidy) -> SubsidyPayment | None:
    return session.scalar(
        select(SubsidyPayment)
        .where(SubsidyPayment.subsidy_id == subsidy.id, SubsidyPayment.status == PaymentStatus.SCHEDULED)
        .order_by(SubsidyPayment.due_on, SubsidyPayment.month_number)
        .limit(1)
    )


@operation(
    "next_subsidy_payment",
    kind=OperationKind.SERVICE,
    summary="Give the process the next scheduled month of the subsidy: its id and due date, or none left.",
    reads=("subsidy_id",),
    writes=("payment_id", "payment_due_on", "subsidy_payments_left"),
)
def next_subsidy_payment(call: Call) -> Mapping[str, Any]:
    subsidy = load_subsidy(call)
    payment = _next_scheduled(call.session, subsidy) if subsidy.status == SubsidyStatus.APPROVED else None
    if payment is None:
        return {"payment_id": None, "payment_due_on": None, "subsidy_payments_left": False}
    return {"payment_id": payment.id, "payment_due_on": payment.due_on.isoformat(), "subsidy_payments_left": True}


@operation(
    "record_payment",
    summary="Record the payment of a scheduled month: its scheduled amount, or a supervisor's correction.",
    fields={
        "payment_paid_on": True,
        "payment_amount": True,
        "payment_reference": True,
        "payment_correction_reason": False,
    },
    reads=("subsidy_id", "payment_id"),
    writes=(),
    subject=PAYMENT_SUBJECT,
)
def record_payment(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    subsidy = load_subsidy(call, lock=True)
    payment = load_payment(call, subsidy, lock=True)
    if payment.status != PaymentStatus.SCHEDULED:
        raise Conflict(f"this month is {payment.status}: only a scheduled month can be paid")
    paid_on = inputs.day(call.form, "payment_paid_on")
    if paid_on > utcnow().date():
        raise InvalidInput("the payment date is in the future", {"payment_paid_on": "cannot be in the future"})
    amount = inputs.money(call.form, "payment_amount")
    reason = inputs.text(call.form, "payment_correction_reason", required=False)
    if amount == payment.amount:
        status, reason = PaymentStatus.PAID, None
    elif reason is None:
        raise InvalidInput(
            "the amount differs from the scheduled amount",
            {
                "payment_amount": f"must be {payment.amount} PLN, the amount approved for this month; "
                "a supervisor may record a different amount with a correction reason"
            },
        )
    else:
        try:
            require_supervisor(actor, case)
        except Forbidden:
            # A field error, not a refusal of the task: the worker pays the scheduled amount instead.
            raise InvalidInput(
                "only a supervisor of the case's office may record a corrected amount",
                {
                    "payment_amount": f"must be {payment.amount} PLN, the amount approved for this month",
                    "payment_correction_reason": "only a supervisor may record a correction; leave this empty",
                },
            ) from None
        if amount > payment.amount:
            office = call.session.get(Office, payment.office_id)
            assert office is not None
            budgets.reserve(call.session, office, [(payment.due_on, amount - payment.amount)], field="payment_amount")
        status = PaymentStatus.CORRECTION_PENDING
    payment.status = status
    payment.paid_on = paid_on
    payment.amount_paid = amount
    payment.reference = inputs.text(call.form, "payment_reference")
    payment.correction_reason = reason
    payment.recorded_by_id = actor.id
    payment.recorded_at = utcnow()
    call.session.flush()
    record(
        call.session,
        "subsidy.payment_recorded",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        subsidy_id=subsidy.id,
        payment_id=payment.id,
        scheduled=str(payment.amount),
        amount_paid=str(amount),
        status=str(status),
    )
    return {}


@prefill_for("record_payment")
def prefill_payment(call: Call) -> Mapping[str, Any]:
    """The form starts with the month's scheduled amount and its due date."""
    try:
        payment = load_payment(call, load_subsidy(call))
    except (Conflict, NotFound):
        return {}
    return {"payment_amount": str(payment.amount), "payment_paid_on": payment.due_on.isoformat()}


@operation(
    "complete_subsidy",
    kind=OperationKind.SERVICE,
    summary="Mark the subsidy completed once no scheduled month is left to pay.",
    reads=("subsidy_id",),
    writes=(),
)
def complete_subsidy(call: Call) -> Mapping[str, Any]:
    subsidy = load_subsidy(call, lock=True)
    if _next_scheduled(call.session, subsidy) is not None:
        raise Conflict("the subsidy still has scheduled months to pay")
    if subsidy.status == SubsidyStatus.APPROVED:
        subsidy.status = SubsidyStatus.COMPLETED
        record(
            call.session,
            "subsidy.completed",
            actor=call.actor,
            actor_name=None if call.actor else "engine",
            case_id=subsidy.case_id,
            instance_id=call.instance.id,
            subsidy_id=subsidy.id,
        )
    return {}


def confirm_payment_correction(session: Session, actor: User, payment_id: int) -> SubsidyPayment:
    """A second supervisor confirms a corrected payment recorded by another supervisor."""
    payment = session.get(SubsidyPayment, payment_id, with_for_update=True)
    if payment is None:
        raise NotFound(f"no subsidy payment {payment_id}")
    case = session.get(Case, payment.case_id)
    assert case is not None
    if not case.can_view(actor):
        raise NotFound(f"no subsidy payment {payment_id}")
    require_supervisor(actor, case)
    if payment.status != PaymentStatus.CORRECTION_PENDING:
        raise Conflict(f"this payment is {payment.status}: there is no correction to confirm")
    four_eyes(actor, payment.recorded_by_id, "payment correction")
    payment.status = PaymentStatus.PAID
    payment.correction_confirmed_by_id = actor.id
    payment.correction_confirmed_at = utcnow()
    session.flush()
    record(
        session,
        "subsidy.correction_confirmed",
        actor=actor,
        case_id=case.id,
        subsidy_id=payment.subsidy_id,
        payment_id=payment.id,
        scheduled=str(payment.amount),
        amount_paid=str(payment.amount_paid),
    )
    return payment
