"""Timers are persisted, fired by the scheduler when due, and fire exactly once."""

from __future__ import annotations

from sqlalchemy import select

from engine.instances.models import Timer, TimerStatus
from engine.instances.service import start_instance
from engine.instances.timers import claim_due_timers, fire_timer
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState


def _tasks(db_session, instance_id, state=TaskState.OPEN):
    return db_session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == state)
    ).all()


def _timers(db_session, instance_id):
    return {t.element_id: t for t in db_session.scalars(select(Timer).where(Timer.instance_id == instance_id))}


def test_reminder_then_escalation(db_session, deploy_fixture, people, case, frozen):
    deploy_fixture("timers.bpmn")
    instance = start_instance(db_session, people["sw"], "due_diagnosis", case=case).instance
    timers = _timers(db_session, instance.id)
    assert set(timers) == {"remind", "overdue"}
    assert (timers["remind"].due_at - frozen.current).days == 10
    assert (timers["overdue"].due_at - frozen.current).days == 21
    assert claim_due_timers(db_session) == []  # nothing due yet

    frozen.advance(days=10, seconds=1)
    due = claim_due_timers(db_session)
    assert due == [timers["remind"].id]
    assert claim_due_timers(db_session) == []  # dispatched once, not queued again at once
    assert fire_timer(db_session, due[0]) is True
    assert fire_timer(db_session, due[0]) is False  # a second delivery changes nothing
    db_session.refresh(timers["remind"])
    assert timers["remind"].status == TimerStatus.FIRED
    open_now = _tasks(db_session, instance.id)
    assert [t.element_id for t in open_now] == ["diagnosis"]  # non-interrupting: still open

    frozen.advance(days=11)
    (overdue_id,) = claim_due_timers(db_session)
    assert fire_timer(db_session, overdue_id) is True
    assert fire_timer(db_session, overdue_id) is False
    open_now = _tasks(db_session, instance.id)
    assert [t.element_id for t in open_now] == ["escalated"]
    assert open_now[0].role == "supervisor"
    cancelled = _tasks(db_session, instance.id, TaskState.CANCELLED)
    assert [t.element_id for t in cancelled] == ["diagnosis"]


def test_completing_in_time_cancels_the_timers(db_session, deploy_fixture, people, case, frozen):
    deploy_fixture("timers.bpmn")
    instance = start_instance(db_session, people["sw"], "due_diagnosis", case=case).instance
    (diagnosis,) = _tasks(db_session, instance.id)
    tasks.claim_task(db_session, people["psy"], diagnosis.id)
    tasks.complete_task(db_session, people["psy"], diagnosis.id, {"note": "w terminie"})
    timers = _timers(db_session, instance.id)
    assert {t.status for t in timers.values()} == {TimerStatus.CANCELLED}
    frozen.advance(days=30)
    assert claim_due_timers(db_session) == []


def test_timer_survives_a_restart(db_session, deploy_fixture, people, case, frozen):
    """The due time lives in the database; a fresh process (empty caches) fires it."""
    from engine.definitions import service as definitions

    deploy_fixture("timers.bpmn")
    instance = start_instance(db_session, people["sw"], "due_diagnosis", case=case).instance
    definitions.clear_spec_cache()
    db_session.expire_all()
    frozen.advance(days=22)
    fired = [fire_timer(db_session, timer_id) for timer_id in claim_due_timers(db_session)]
    assert any(fired)
    assert [t.element_id for t in _tasks(db_session, instance.id)] == ["escalated"]
