"""Celery edges for timers: the scan queues due timers, each firing is its own unit of work."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from engine.db import database
from engine.instances.timers import claim_due_timers, fire_timer, give_up_timer
from engine.jobs.dispatch import enqueue_after_commit

FIRE_DUE_TIMERS = "engine.instances.jobs.fire_due_timers"
FIRE_TIMER = "engine.instances.jobs.fire_timer"


@shared_task(name=FIRE_DUE_TIMERS)
def fire_due_timers(limit: int = 500) -> int:
    """Queue a firing for every due timer (sent once the claim is committed); return how many."""
    with database.unit_of_work() as session:
        timer_ids = claim_due_timers(session, limit)
        for timer_id in timer_ids:
            enqueue_after_commit(session, fire_timer_task, timer_id)
    return len(timer_ids)


class _FireTimerTask(Task):
    """After its last retry a timer that cannot fire becomes an incident instead of being queued forever."""

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        timer_id = args[0] if args else kwargs.get("timer_id")
        with database.unit_of_work() as session:
            give_up_timer(session, timer_id, exc)


@shared_task(name=FIRE_TIMER, base=_FireTimerTask, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def fire_timer_task(timer_id: int) -> bool:
    """Fire one timer; a repeated delivery is a no-op."""
    with database.unit_of_work() as session:
        return fire_timer(session, timer_id)
