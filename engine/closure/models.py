"""Closure requests: the case manager's request to close a case and the supervisor's decision on it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk

#: Why a case is closed at the case manager's request (the closure form's choices).
CLOSURE_REASONS = ("goals_met", "moved_away", "left_poland", "lost_contact", "other")
#: Why the engine closes a case without a request: the intake found the person not eligible.
ENGINE_CLOSURE_REASONS = ("not_eligible",)
CLOSURE_DECISIONS = ("approve", "return")


class ClosureStatus(StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    CLOSED = "closed"  # approved and carried out: the case is closed, its processes withdrawn


class ClosureRequest(Base):
    """One request to close a case; a returned request stays as it was and the next one is a new row."""

    __tablename__ = "closure_requests"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(str(s)) for s in ClosureStatus)})", name="status_known"),
        CheckConstraint(f"reason IN ({', '.join(repr(r) for r in CLOSURE_REASONS)})", name="reason_known"),
        CheckConstraint("reason != 'other' OR reason_other IS NOT NULL", name="other_explained"),
        CheckConstraint("decision IS NULL OR decision IN ('approve', 'return')", name="decision_known"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(20))
    reason_other: Mapped[str | None] = mapped_column(Text)
    handover_note: Mapped[str] = mapped_column(Text)
    handover_to: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_comment: Mapped[str | None] = mapped_column(Text)
