"""Material-aid requests and the purchase recorded against each."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import utcnow
from engine.db import Base, intpk

AID_CATEGORIES = (
    "hygiene",
    "clothing",
    "small_appliances",
    "school_kit",
    "baby_kit",
    "pregnancy_items",
    "educational_hobby_items",
    "travel_tickets",
)
#: Categories that always go to a supervisor, whatever the amount.
ALWAYS_APPROVED_BY_SUPERVISOR = frozenset({"small_appliances"})


class AidStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"  # approved by a supervisor, or within the limit: ready to buy
    REJECTED = "rejected"
    PURCHASED = "purchased"
    WITHDRAWN = "withdrawn"  # the case was closed before the purchase


class AidRequest(Base):
    __tablename__ = "aid_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("approval_limit >= 0", name="limit_not_negative"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    #: The limit in force when the request was made: above it (or for some categories) a supervisor decides.
    approval_limit: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    needs_approval: Mapped[bool]
    approval_reason: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_comment: Mapped[str | None] = mapped_column(Text)

    purchase: Mapped[AidPurchase | None] = relationship(back_populates="request", uselist=False)

    @property
    def spending_cap(self) -> Decimal:
        """What a purchase may cost: the approved amount, or the limit when no approval was needed."""
        return self.amount if self.needs_approval else self.approval_limit


class AidPurchase(Base):
    __tablename__ = "aid_purchases"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("aid_requests.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    purchased_on: Mapped[date] = mapped_column(Date)
    receipt_number: Mapped[str] = mapped_column(String(60))
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[AidRequest] = relationship(back_populates="purchase")
