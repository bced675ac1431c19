"""Housing subsidies, their monthly scheduled payments, and the subsidy budget of each office and period."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import utcnow
from engine.db import Base, intpk


class SubsidyStatus(StrEnum):
    APPLIED = "applied"
    NOT_ELIGIBLE = "not_eligible"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"  # payments scheduled
    REJECTED = "rejected"
    COMPLETED = "completed"  # every scheduled month paid
    ENDED = "ended"  # stopped before its end (the case was closed): unpaid months cancelled


class PaymentStatus(StrEnum):
    SCHEDULED = "scheduled"
    PAID = "paid"
    CORRECTION_PENDING = "correction_pending"  # paid a different amount: a second supervisor must confirm
    CANCELLED = "cancelled"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class HousingSubsidy(Base):
    __tablename__ = "housing_subsidies"
    __table_args__ = (
        CheckConstraint("rent > 0", name="rent_positive"),
        CheckConstraint("income_total >= 0", name="income_not_negative"),
        CheckConstraint("household_size BETWEEN 1 AND 20", name="household_size_range"),
        CheckConstraint("months_requested BETWEEN 1 AND 12", name="months_requested_range"),
        CheckConstraint("monthly_amount IS NULL OR monthly_amount > 0", name="monthly_amount_positive"),
        CheckConstraint("approved_months IS NULL OR approved_months BETWEEN 1 AND 12", name="approved_months_range"),
        CheckConstraint(_in("status", SubsidyStatus), name="status_known"),
        CheckConstraint("eligible OR monthly_amount IS NULL", name="amount_only_when_eligible"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: The office whose budget pays it (the case's office when applying).
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"), index=True)
    # -- the application
    rent: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    household_size: Mapped[int]
    income_total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    months_requested: Mapped[int]
    landlord: Mapped[str] = mapped_column(String(200))
    lease_until: Mapped[date | None] = mapped_column(Date)
    justification: Mapped[str] = mapped_column(Text)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    # -- the engine's assessment (programme settings in force when applying)
    income_per_person: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    income_limit: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    eligible: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(40))
    monthly_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(20), index=True, default=SubsidyStatus.APPLIED)
    # -- the decision
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    approved_months: Mapped[int | None]
    ended_at: Mapped[datetime | None]

    payments: Mapped[list[SubsidyPayment]] = relationship(
        back_populates="subsidy", order_by="SubsidyPayment.month_number"
    )


class SubsidyPayment(Base):
    """One approved month: its amount is fixed at approval; the payment is recorded against it."""

    __tablename__ = "subsidy_payments"
    __table_args__ = (
        UniqueConstraint("subsidy_id", "month_number"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("amount_paid IS NULL OR amount_paid > 0", name="amount_paid_positive"),
        CheckConstraint("month_number BETWEEN 1 AND 12", name="month_number_range"),
        CheckConstraint(_in("status", PaymentStatus), name="status_known"),
        CheckConstraint(
            "status NOT IN ('paid', 'correction_pending') OR (paid_on IS NOT NULL AND amount_paid IS NOT NULL)",
            name="paid_has_payment",
        ),
        CheckConstraint(
            "status != 'correction_pending' OR correction_reason IS NOT NULL", name="correction_has_reason"
        ),
        Index("ix_subsidy_payments_office_due", "office_id", "due_on"),
    )

    id: Mapped[intpk]
    subsidy_id: Mapped[int] = mapped_column(ForeignKey("housing_subsidies.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    month_number: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(20), index=True, default=PaymentStatus.SCHEDULED)
    # -- the payment recorded against it
    paid_on: Mapped[date | None] = mapped_column(Date)
    amount_paid: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    reference: Mapped[str | None] = mapped_column(String(60))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None]
    # -- a correction (amount paid differs from the scheduled amount): a second supervisor confirms it
    correction_reason: Mapped[str | None] = mapped_column(Text)
    correction_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    correction_confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    subsidy: Mapped[HousingSubsidy] = relationship(back_populates="payments")

    @property
    def committed(self) -> Decimal:
        """What this month takes from the budget: the amount paid, or the amount still to pay."""
        if self.status == PaymentStatus.CANCELLED:
            return Decimal("0.00")
        return self.amount_paid if self.amount_paid is not None else self.amount


class SubsidyBudget(Base):
    """What an office may spend on housing subsidies in one period (periods of an office never overlap)."""

    __tablename__ = "subsidy_budgets"
    __table_args__ = (
        UniqueConstraint("office_id", "period_start"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
    )

    id: Mapped[intpk]
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
