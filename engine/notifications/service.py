"""Create notifications for the events users care about, and read or mark them.

A notification row is written in the same transaction as the event; its e-mail is sent only after that
transaction commits (``enqueue_after_commit``), and a periodic job picks up any e-mail whose message was
lost, so a failed send never loses the notification.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.clock import utcnow
from engine.errors import InvalidInput, NotFound
from engine.jobs.dispatch import enqueue_after_commit
from engine.notifications.models import (
    EmailMode,
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreference,
)


def email_mode(session: Session, user_id: int) -> str:
    preference = session.get(NotificationPreference, user_id)
    return preference.email_mode if preference is not None else EmailMode.IMMEDIATE


def set_email_mode(session: Session, actor: User, mode: str) -> NotificationPreference:
    """The user chooses e-mail at once, a daily digest, or no e-mail."""
    if mode not in {str(m) for m in EmailMode}:
        raise InvalidInput("choose how e-mail reaches you", {"email_mode": "one of immediate, digest, off"})
    preference = session.get(NotificationPreference, actor.id)
    if preference is None:
        preference = NotificationPreference(user_id=actor.id, email_mode=mode)
        session.add(preference)
    else:
        preference.email_mode = mode
    session.flush()
    return preference


def notify(
    session: Session,
    user_id: int,
    kind: NotificationKind,
    *,
    dedupe_key: str,
    case_id: int | None = None,
    task_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> Notification | None:
    """Tell ``user_id`` about an event once; None when they were told already (or cannot be told)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    known = session.scalar(
        select(Notification.id).where(Notification.user_id == user_id, Notification.dedupe_key == dedupe_key)
    )
    if known is not None:
        return None
    mode = email_mode(session, user_id)
    if not user.email or mode == EmailMode.OFF:
        state = EmailState.SKIPPED
    elif mode == EmailMode.DIGEST:
        state = EmailState.DIGEST
    else:
        state = EmailState.PENDING
    row = Notification(
        user_id=user_id,
        kind=str(kind),
        dedupe_key=dedupe_key[:120],
        case_id=case_id,
        task_id=task_id,
        params=dict(params or {}),
        created_at=utcnow(),
        email_state=state,
    )
    session.add(row)
    session.flush()
    if state == EmailState.PENDING:
        from engine.notifications.jobs import send_notification_email

        enqueue_after_commit(session, send_notification_email, row.id)
    return row


def notify_many(
    session: Session,
    user_ids: Iterable[int],
    kind: NotificationKind,
    *,
    dedupe_key: str,
    case_id: int | None = None,
    task_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> list[Notification]:
    made = []
    for user_id in sorted(set(user_ids)):
        row = notify(session, user_id, kind, dedupe_key=dedupe_key, case_id=case_id, task_id=task_id, params=params)
        if row is not None:
            made.append(row)
    return made


def unread_count(session: Session, user: User) -> int:
    return int(
        session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def my_notifications(user: User) -> Any:
    """The user's notifications, newest first (a statement for the pagination helper)."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(session: Session, actor: User, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != actor.id:
        raise NotFound("no such notification")
    if row.read_at is None:
        row.read_at = utcnow()
    return row


def mark_all_read(session: Session, actor: User) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
