"""The beneficiary's registration: household, identity documents, consents; and flags on the case."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk


class FlagKind(StrEnum):
    TRAFFICKING = "trafficking_indicators"
    GENDER_BASED_VIOLENCE = "gender_based_violence"
    MEDICAL = "medical"
    SECURITY = "security_hidden_address"
    UNACCOMPANIED_MINOR = "unaccompanied_minor"
    #: The case should go to the next interdisciplinary team meeting.
    TEAM = "interdisciplinary_team"


class CaseFlag(Base):
    """A flag on a case: set with a reason by a person, cleared (never deleted) when it no longer applies."""

    __tablename__ = "case_flags"
    __table_args__ = (Index("ix_case_flags_case_kind_active", "case_id", "kind", "cleared_at"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cleared_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        return self.cleared_at is None
