"""Fire BPMN timers that fell due: found by the scheduler, fired at least once, applied exactly once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.clock import utcnow
from engine.instances import service as instances
from engine.instances.models import InstanceStatus, ProcessInstance, Timer, TimerStatus
from engine.spiff.runner import StepFailed

REDISPATCH_AFTER = timedelta(minutes=2)


def claim_due_timers(session: Session, limit: int = 500) -> list[int]:
    """Return ids of due timers of running instances and mark them dispatched (the caller commits)."""
    now = utcnow()
    stmt = (
        select(Timer)
        .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .where(
            Timer.status == TimerStatus.PENDING,
            Timer.due_at <= now,
            ProcessInstance.status == InstanceStatus.RUNNING,
            ProcessInstance.has_open_incident.is_(False),
            or_(Timer.dispatched_at.is_(None), Timer.dispatched_at < now - REDISPATCH_AFTER),
        )
        .order_by(Timer.due_at)
        .limit(limit)
        .with_for_update(of=Timer, skip_locked=True)
    )
    timers = session.scalars(stmt).all()
    for timer in timers:
        timer.dispatched_at = now
    return [timer.id for timer in timers]


def fire_timer(session: Session, timer_id: int) -> bool:
    """Fire one timer; False when there was nothing to do (already fired, cancelled, not due, paused)."""
    timer = session.get(Timer, timer_id)
    if timer is None or timer.status != TimerStatus.PENDING:
        return False
    instance = instances.lock_instance(session, timer.instance_id)
    session.refresh(timer)
    if timer.status != TimerStatus.PENDING or timer.due_at > utcnow():
        return False
    if instance.status != InstanceStatus.RUNNING or instance.has_open_incident:
        return False
    runner = instances.load_runner(session, instance)
    instances.advance(session, None, instance, runner, checkpoint=runner.dump(), incident_kind="timer")
    return True


def give_up_timer(session: Session, timer_id: int, exc: BaseException) -> None:
    """Record that firing ``timer_id`` kept failing: an incident on its element stops re-dispatching it.

    The scheduler skips instances with an open incident; a supervisor fixes the cause and retries.
    """
    timer = session.get(Timer, timer_id)
    if timer is None or timer.status != TimerStatus.PENDING:
        return
    instance = instances.lock_instance(session, timer.instance_id)
    # The exception's class only: its text may quote process data.
    failure = StepFailed(f"the timer could not fire after repeated attempts ({type(exc).__name__})", timer.element_id)
    instances.raise_incident(session, instance, failure, kind="timer")
