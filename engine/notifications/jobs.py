"""Celery edges for notifications: each e-mail is its own unit of work, retried; scans run periodically."""

from __future__ import annotations

import logging

from celery import shared_task

from engine.db import database
from engine.notifications import sending
from engine.notifications.scans import scan_due_tasks

log = logging.getLogger(__name__)

SEND_EMAIL = "engine.notifications.jobs.send_notification_email"
SEND_PENDING = "engine.notifications.jobs.send_pending_emails"
SEND_DIGESTS = "engine.notifications.jobs.send_digests"
SCAN_DUE = "engine.notifications.jobs.scan_due"


@shared_task(name=SEND_EMAIL, autoretry_for=(Exception,), retry_backoff=True, max_retries=4)
def send_notification_email(notification_id: int) -> bool:
    """Send one notification's e-mail; the attempt is counted even when sending fails (then Celery retries)."""
    session = database.session()
    try:
        sent = sending.send_one(session, notification_id)
    except Exception:
        session.commit()  # keep the attempt count and, after the last one, the FAILED state
        raise
    finally:
        session.close()
    return sent


def _send_pending() -> int:
    sent = 0
    with database.unit_of_work() as session:
        ids = sending.pending_ids(session)
    for notification_id in ids:
        session = database.session()
        try:
            sent += int(sending.send_one(session, notification_id))
            session.commit()
        except Exception:
            session.commit()
            log.warning("e-mail of notification %s not sent; will retry", notification_id, exc_info=True)
        finally:
            session.close()
    return sent


@shared_task(name=SEND_PENDING)
def send_pending_emails() -> int:
    """Send the e-mails still pending (their first attempt failed or its message never reached a worker)."""
    return _send_pending()


@shared_task(name=SEND_DIGESTS)
def send_digests() -> int:
    """Send each digest user the day's notifications in one e-mail."""
    sent = 0
    with database.unit_of_work() as session:
        user_ids = sending.digest_user_ids(session)
    for user_id in user_ids:
        try:
            with database.unit_of_work() as session:
                sent += sending.send_digest(session, user_id)
        except Exception:
            log.warning("digest for user %s not sent; will retry", user_id, exc_info=True)
    return sent


@shared_task(name=SCAN_DUE)
def scan_due() -> int:
    """Notify assignees of tasks due tomorrow and of overdue ones (once per task and kind)."""
    with database.unit_of_work() as session:
        return scan_due_tasks(session)
