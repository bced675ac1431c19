"""Legal holds: a case under one is kept as it is when its retention period ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk


class LegalHold(Base):
    """Set by a supervisor with a reason (proceedings, a complaint, an audit), lifted (never deleted) later."""

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_case_lifted", "case_id", "lifted_at"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    lift_reason: Mapped[str | None] = mapped_column(Text)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        return self.lifted_at is None
