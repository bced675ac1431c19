"""Send the e-mail of one notification, or a user's daily digest; the edges (Celery tasks) commit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.clock import utcnow
from engine.notifications import messages
from engine.notifications.mail import MailSettings, build_message, deliver
from engine.notifications.models import EmailState, Notification, NotificationPreference

MAX_ATTEMPTS = 5


def _link(settings: MailSettings, row: Notification) -> str:
    return settings.base_url + messages.link_path(row.params, row.task_id, row.case_id)


def send_one(session: Session, notification_id: int, settings: MailSettings | None = None) -> bool:
    """Send a pending notification's e-mail; True when sent now. A failure raises after counting the attempt."""
    settings = settings or MailSettings.from_env()
    row = session.get(Notification, notification_id, with_for_update=True)
    if row is None or row.email_state != EmailState.PENDING:
        return False
    user = session.get(User, row.user_id)
    if user is None or not user.email or not user.active:
        row.email_state = EmailState.SKIPPED
        return False
    lang = messages.language(user.preferred_locale)
    subject, body = messages.single_email(row.kind, row.params, lang, _link(settings, row))
    row.email_attempts += 1
    try:
        deliver(settings, build_message(settings, user.email, subject, body))
    except Exception:
        if row.email_attempts >= MAX_ATTEMPTS:
            row.email_state = EmailState.FAILED
        raise
    row.email_state = EmailState.SENT
    row.emailed_at = utcnow()
    return True


def pending_ids(session: Session, limit: int = 200) -> list[int]:
    """Pending e-mails still worth trying (their message may have been lost before a worker got it)."""
    return list(
        session.scalars(
            select(Notification.id)
            .where(Notification.email_state == EmailState.PENDING, Notification.email_attempts < MAX_ATTEMPTS)
            .order_by(Notification.id)
            .limit(limit)
        )
    )


def digest_user_ids(session: Session) -> list[int]:
    return list(
        session.scalars(select(Notification.user_id).where(Notification.email_state == EmailState.DIGEST).distinct())
    )


def send_digest(session: Session, user_id: int, settings: MailSettings | None = None) -> int:
    """Send one e-mail with every digest notification of the user (at most one digest a day); return how many."""
    settings = settings or MailSettings.from_env()
    user = session.get(User, user_id)
    if user is None:
        return 0
    now = utcnow()
    preference = session.get(NotificationPreference, user_id, with_for_update=True)
    if preference is not None and preference.last_digest_at and preference.last_digest_at > now - timedelta(hours=20):
        return 0
    rows = list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.email_state == EmailState.DIGEST)
            .order_by(Notification.created_at, Notification.id)
        )
    )
    if not rows:
        return 0
    if not user.email or not user.active:
        for row in rows:
            row.email_state = EmailState.SKIPPED
        return 0
    lang = messages.language(user.preferred_locale)
    items = [(messages.render(row.kind, row.params, lang)[1], _link(settings, row)) for row in rows]
    subject, body = messages.digest_email(items, lang)
    deliver(settings, build_message(settings, user.email, subject, body))
    for row in rows:
        row.email_state = EmailState.SENT
        row.emailed_at = now
        row.email_attempts += 1
    if preference is None:
        session.add(NotificationPreference(user_id=user_id, email_mode="digest", last_digest_at=now))
    else:
        preference.last_digest_at = now
    return len(rows)
