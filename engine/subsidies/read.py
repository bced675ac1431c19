"""Housing subsidies as the case file and the record cards show them, read from the subsidy tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.accounts.models import User
from engine.cases.models import Case
from engine.records.views import RecordCard, RecordSection, record_view
from engine.subsidies.models import HousingSubsidy, PaymentStatus, SubsidyPayment

APPLICATION_FORM = "housing/application"
ASSESSMENT_FORM = "housing/assessment"
DECISION_FORM = "housing/approval"
SCHEDULE_FORM = "housing/schedule"
PAYMENT_FORM = "housing/payment"


@dataclass(frozen=True)
class PaymentItem:
    id: int
    month_number: int
    due_on: date
    amount: Decimal
    status: str
    paid_on: date | None
    amount_paid: Decimal | None
    reference: str | None
    recorded_by_id: int | None
    correction_reason: str | None
    correction_confirmed_by_id: int | None

    @property
    def awaiting_confirmation(self) -> bool:
        return self.status == PaymentStatus.CORRECTION_PENDING


@dataclass(frozen=True)
class SubsidyItem:
    id: int
    instance_id: int | None
    status: str
    rent: Decimal
    months_requested: int
    eligible: bool
    reason: str
    monthly_amount: Decimal | None
    approved_months: int | None
    applied_by_id: int | None
    applied_at: datetime
    decided_by_id: int | None
    decision_comment: str | None
    payments: list[PaymentItem] = field(default_factory=list)

    @property
    def paid_total(self) -> Decimal:
        return sum(
            (p.amount_paid for p in self.payments if p.amount_paid is not None and p.status != PaymentStatus.CANCELLED),
            Decimal("0.00"),
        )

    @property
    def reserved(self) -> Decimal:
        return sum((p.amount for p in self.payments if p.status == PaymentStatus.SCHEDULED), Decimal("0.00"))


def for_casefile(session: Session, actor: User, case: Case) -> list[SubsidyItem]:
    """Every housing subsidy of the case with its scheduled months, oldest first."""
    subsidies = session.scalars(
        select(HousingSubsidy)
        .where(HousingSubsidy.case_id == case.id)
        .options(selectinload(HousingSubsidy.payments))
        .order_by(HousingSubsidy.applied_at, HousingSubsidy.id)
    )
    return [_item(subsidy) for subsidy in subsidies]


def _payment_item(payment: SubsidyPayment) -> PaymentItem:
    return PaymentItem(
        id=payment.id,
        month_number=payment.month_number,
        due_on=payment.due_on,
        amount=payment.amount,
        status=payment.status,
        paid_on=payment.paid_on,
        amount_paid=payment.amount_paid,
        reference=payment.reference,
        recorded_by_id=payment.recorded_by_id,
        correction_reason=payment.correction_reason,
        correction_confirmed_by_id=payment.correction_confirmed_by_id,
    )


def _item(subsidy: HousingSubsidy) -> SubsidyItem:
    return SubsidyItem(
        id=subsidy.id,
        instance_id=subsidy.instance_id,
        status=subsidy.status,
        rent=subsidy.rent,
        months_requested=subsidy.months_requested,
        eligible=subsidy.eligible,
        reason=subsidy.reason,
        monthly_amount=subsidy.monthly_amount,
        approved_months=subsidy.approved_months,
        applied_by_id=subsidy.applied_by_id,
        applied_at=subsidy.applied_at,
        decided_by_id=subsidy.decided_by_id,
        decision_comment=subsidy.decision_comment,
        payments=[_payment_item(p) for p in subsidy.payments],
    )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _payment_sections(payment: SubsidyPayment) -> list[RecordSection]:
    sections = [
        RecordSection(
            SCHEDULE_FORM,
            {
                "payment_month_number": payment.month_number,
                "payment_due_on": payment.due_on.isoformat(),
                "payment_scheduled_amount": str(payment.amount),
                "payment_status": payment.status,
            },
        )
    ]
    if payment.recorded_at is not None:
        sections.append(
            RecordSection(
                PAYMENT_FORM,
                {
                    "payment_paid_on": payment.paid_on.isoformat() if payment.paid_on else None,
                    "payment_amount": _money(payment.amount_paid),
                    "payment_reference": payment.reference,
                    "payment_correction_reason": payment.correction_reason,
                },
                by_id=payment.recorded_by_id,
                at=payment.recorded_at,
            )
        )
    return sections


def _subsidy_sections(subsidy: HousingSubsidy) -> list[RecordSection]:
    sections = [
        RecordSection(
            APPLICATION_FORM,
            {
                "subsidy_rent": str(subsidy.rent),
                "subsidy_household_size": subsidy.household_size,
                "subsidy_income_total": str(subsidy.income_total),
                "subsidy_months_requested": subsidy.months_requested,
                "subsidy_landlord": subsidy.landlord,
                "subsidy_lease_until": subsidy.lease_until.isoformat() if subsidy.lease_until else None,
                "subsidy_justification": subsidy.justification,
            },
            by_id=subsidy.applied_by_id,
            at=subsidy.applied_at,
        ),
        RecordSection(
            ASSESSMENT_FORM,
            {
                "subsidy_eligible": subsidy.eligible,
                "subsidy_reason": subsidy.reason,
                "subsidy_income_per_person": str(subsidy.income_per_person),
                "subsidy_income_limit": str(subsidy.income_limit),
                "subsidy_monthly_amount": _money(subsidy.monthly_amount),
            },
            at=subsidy.applied_at,
        ),
    ]
    if subsidy.decided_at is not None:
        sections.append(
            RecordSection(
                DECISION_FORM,
                {
                    "subsidy_decision": subsidy.decision,
                    "subsidy_approved_months": subsidy.approved_months,
                    "subsidy_decision_comment": subsidy.decision_comment,
                },
                by_id=subsidy.decided_by_id,
                at=subsidy.decided_at,
            )
        )
    return sections


@record_view("subsidy")
def subsidy_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    subsidy = session.get(HousingSubsidy, record_id)
    if subsidy is None:
        return None
    sections = _subsidy_sections(subsidy)
    for payment in subsidy.payments:
        sections.extend(_payment_sections(payment))
    return RecordCard("subsidy", subsidy.id, subsidy.case_id, sections, prepared_by_id=subsidy.applied_by_id)


@record_view("subsidy_payment")
def subsidy_payment_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    payment = session.get(SubsidyPayment, record_id)
    if payment is None:
        return None
    sections = [*_subsidy_sections(payment.subsidy)[2:], *_payment_sections(payment)]
    # A correction is prepared by whoever recorded it: they may not confirm it.
    prepared = payment.recorded_by_id if payment.status == PaymentStatus.CORRECTION_PENDING else None
    return RecordCard("subsidy_payment", payment.id, payment.case_id, sections, prepared_by_id=prepared)
