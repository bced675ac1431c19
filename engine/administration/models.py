"""Tables of the administration area: password-reset links, partner institutions, programme settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk


class PasswordReset(Base):
    """A single-use link that lets a user set a new password; only the SHA-256 of its secret is kept."""

    __tablename__ = "password_resets"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PartnerKind(StrEnum):
    HEALTH = "health"
    LEGAL = "legal"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    HOUSING = "housing"
    SOCIAL = "social"
    OTHER = "other"


class PartnerInstitution(Base):
    """An institution cases are referred to and team meetings invite: of one office, or national (no office)."""

    __tablename__ = "partner_institutions"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('health', 'legal', 'education', 'employment', 'housing', 'social', 'other')", name="kind_known"
        ),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    #: None: a national partner every office chooses from.
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    contact: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]


class ProgrammeSetting(Base):
    """A programme setting changed by a national administrator; without a row the environment's default holds."""

    __tablename__ = "programme_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
