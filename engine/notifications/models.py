"""A notification per user and event, and each user's choice of how e-mail reaches them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk


class NotificationKind(StrEnum):
    TASK_ASSIGNED = "task_assigned"
    TASK_DUE_TOMORROW = "task_due_tomorrow"
    TASK_OVERDUE = "task_overdue"
    TASK_REMINDER = "task_reminder"
    PLAN_RETURNED = "plan_returned"
    APPROVAL_WAITING = "approval_waiting"
    TEAM_DECISION = "team_decision"


class EmailState(StrEnum):
    """Where the e-mail of a notification stands; the in-app row exists whatever happens to the e-mail."""

    PENDING = "pending"  # to be sent on its own (immediate mode)
    DIGEST = "digest"  # waits for the user's daily digest
    SENT = "sent"
    SKIPPED = "skipped"  # the user has no address or chose no e-mail
    FAILED = "failed"  # gave up after the retries; still listed in the app


class EmailMode(StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    OFF = "off"


class Notification(Base):
    """One thing one user should know. ``params`` holds ids, dates and the case number: never names or notes."""

    __tablename__ = "notifications"
    __table_args__ = (
        # Scans (due tomorrow, overdue) run again and again: one notification per user and event.
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_email_state", "email_state", "user_id"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(120))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id", ondelete="SET NULL"))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    email_state: Mapped[str] = mapped_column(String(16), default=EmailState.PENDING)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    emailed_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """How a user wants e-mail: each notification at once, one digest a day, or none (the app list stays)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_mode: Mapped[str] = mapped_column(String(16), default=EmailMode.IMMEDIATE)
    last_digest_at: Mapped[datetime | None]
