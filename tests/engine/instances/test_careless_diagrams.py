"""Careless diagrams never leave a case stuck: unstorable data, runaway loops, failing timers, next-element errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.instances import jobs
from engine.instances.models import Incident, InstanceState, InstanceStatus, Timer, TimerStatus
from engine.instances.service import load_runner, retry_incident, set_instance_variables, start_instance
from engine.instances.timers import claim_due_timers, fire_timer, give_up_timer
from engine.spiff import steps
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState

UNSTORABLE = {
    "complex": "1j",
    "complex_from_power": "(-4) ** 0.5",
    "nan": "float('nan')",
    "infinity": "float('inf')",
    "decimal_nan": "Decimal('NaN')",
    "nul": "'a\\x00b'",
    "nul_in_key": "{'a\\x00': 1}",
    "bytes": "b'abc'",
    "tuple_key": "{(1, 2): 1}",
    "date_key": "{date(2026, 1, 1): 1}",
    "int_key": "{1: 2}",
    "set": "{1, 2}",
    "time": "datetime(2026, 1, 1, 9, 30).time()",
    "tzinfo": "timezone.utc",
    "zoneinfo": "now('Europe/Warsaw').tzinfo",
    "duration": "parse_duration('P3M')",
    "nested": "[1, {'deep': [float('nan')]}]",
}


def _open(db_session, instance_id):
    return db_session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.OPEN)
    ).all()


@pytest.mark.parametrize("name", sorted(UNSTORABLE))
def test_unstorable_value_ends_in_an_incident_and_the_case_continues_after_a_fix(
    db_session, deploy_fixture, people, case, name
):
    deploy_fixture("script_step.bpmn.tmpl", script=f"x = {UNSTORABLE[name]} if broken else 1")
    instance = start_instance(db_session, people["sw"], "scripted", case=case, data={"broken": True}).instance
    (first,) = _open(db_session, instance.id)
    before = db_session.get(InstanceState, instance.id).state

    result = tasks.complete_task(db_session, people["sw"], first.id, {"note": "start"})

    assert result.incident is not None and result.incident.element_id == "calc", name
    assert "stored" in result.incident.message or "store" in result.incident.message
    assert _open(db_session, instance.id) == [] and instance.status == InstanceStatus.RUNNING
    db_session.flush()  # the state and the task projection were written without error
    assert db_session.get(InstanceState, instance.id).state != before
    set_instance_variables(db_session, people["sup"], instance.id, {"broken": False})
    assert retry_incident(db_session, people["sup"], result.incident.id).incident is None
    (after,) = _open(db_session, instance.id)
    assert after.element_id == "after"


def test_a_big_integer_is_refused_with_its_name(db_session):
    from engine.spiff.storable import data_problem

    assert "more than 4,300 digits" in data_problem({"big": [10**4300]})
    assert data_problem({"fine": 10**4299, "when": [1.5, "ok"]}) is None


def test_unstorable_value_behind_a_timer_is_an_incident_not_a_failing_job(
    db_session, deploy_fixture, people, case, frozen
):
    deploy_fixture("timer_step.bpmn.tmpl", script="x = 1j if broken else 1")
    instance = start_instance(
        db_session, people["sw"], "timer_step", case=case, data={"broken": True, "delay": "PT1H"}
    ).instance
    (first,) = _open(db_session, instance.id)
    tasks.complete_task(db_session, people["sw"], first.id, {"note": "start"})
    frozen.advance(hours=2)
    (timer_id,) = claim_due_timers(db_session)

    assert fire_timer(db_session, timer_id) is True  # no exception: the job succeeds, the case has an incident

    incident = db_session.scalar(select(Incident).where(Incident.instance_id == instance.id))
    assert incident.kind == "timer" and incident.element_id == "calc" and incident.is_open
    frozen.advance(hours=1)
    assert claim_due_timers(db_session) == []  # nothing is re-dispatched while the incident is open
    set_instance_variables(db_session, people["sup"], instance.id, {"broken": False})
    assert retry_incident(db_session, people["sup"], incident.id).incident is None
    assert [t.element_id for t in _open(db_session, instance.id)] == ["after"]


def test_a_timer_job_that_keeps_failing_raises_an_incident_after_its_retries(
    db_session, deploy_fixture, people, case, frozen, monkeypatch
):
    deploy_fixture("timer_step.bpmn.tmpl", script="x = 1")
    instance = start_instance(db_session, people["sw"], "timer_step", case=case, data={"delay": "PT1H"}).instance
    (first,) = _open(db_session, instance.id)
    tasks.complete_task(db_session, people["sw"], first.id, {"note": "start"})
    frozen.advance(hours=2)
    (timer_id,) = claim_due_timers(db_session)
    monkeypatch.setattr(jobs, "fire_timer", lambda session, timer_id: (_ for _ in ()).throw(OSError("disk full")))

    jobs.fire_timer_task.apply(args=[timer_id])  # eager: the retries run in place, then it gives up

    incident = db_session.scalar(select(Incident).where(Incident.instance_id == instance.id))
    assert incident is not None and incident.kind == "timer" and incident.element_id == "wait"
    # The kind of error, never its text (it may quote process data).
    assert "OSError" in incident.message and "disk full" not in incident.message
    frozen.advance(minutes=10)
    assert claim_due_timers(db_session) == []
    # Giving up twice does not pile up incidents.
    give_up_timer(db_session, timer_id, OSError("disk full"))
    assert len(db_session.scalars(select(Incident).where(Incident.instance_id == instance.id)).all()) == 1
    # Fixed (here: the job works again), a retry fires the timer and the case goes on.
    monkeypatch.undo()
    assert retry_incident(db_session, people["sup"], incident.id).incident is None
    assert db_session.get(Timer, timer_id).status == TimerStatus.FIRED
    assert [t.element_id for t in _open(db_session, instance.id)] == ["after"]


def test_an_incident_on_the_next_element_during_a_completion_resolves_when_the_task_completes(
    db_session, deploy_fixture, people, case, frozen
):
    deploy_fixture("timer_step.bpmn.tmpl", script="x = 1")
    instance = start_instance(db_session, people["sw"], "timer_step", case=case, data={"delay": 5}).instance
    (first,) = _open(db_session, instance.id)

    failed = tasks.complete_task(db_session, people["sw"], first.id, {"note": "start"})

    incident = failed.incident
    assert incident is not None and incident.element_id == "wait" and incident.kind == "completion"
    assert first.state == TaskState.OPEN and first.draft == {"note": "start"}
    set_instance_variables(db_session, people["sup"], instance.id, {"delay": "PT1H"})
    done = tasks.complete_task(db_session, people["sw"], first.id, {"note": "start"})
    assert done.incident is None
    db_session.refresh(incident)
    assert incident.resolution == "completed" and not instance.has_open_incident
    frozen.advance(hours=2)
    (timer_id,) = claim_due_timers(db_session)  # its timer fires now
    assert fire_timer(db_session, timer_id)
    assert [t.element_id for t in _open(db_session, instance.id)] == ["after"]


@pytest.mark.parametrize("limit", [400, 600])
def test_automatic_loops_complete_within_the_budget_or_end_in_an_incident_naming_the_loop(
    db_session, deploy_fixture, people, case, limit
):
    deploy_fixture("auto_loop.bpmn.tmpl")
    instance = start_instance(db_session, people["sw"], "auto_loop", case=case, data={"n": 0, "limit": limit}).instance
    (first,) = _open(db_session, instance.id)

    result = tasks.complete_task(db_session, people["sw"], first.id, {"note": "go"})

    if 2 * limit < steps.DEFAULT_STEP_BUDGET:
        assert result.incident is None
        (after,) = _open(db_session, instance.id)
        assert after.element_id == "after"
        assert load_runner(db_session, instance).task_data(after.spiff_task_id)["n"] == limit
        return
    incident = result.incident
    assert incident is not None and incident.element_id in {"count", "again"}
    assert "1,000 steps" in incident.message
    assert "count (Licz)" in incident.message and "again (Jeszcze?)" in incident.message
    # Retrying without a change repeats the same clear incident; raising the way out lets it finish.
    again = retry_incident(db_session, people["sup"], incident.id)
    assert again.incident is not None and "count (Licz)" in again.incident.message
    set_instance_variables(db_session, people["sup"], instance.id, {"limit": 1})
    assert retry_incident(db_session, people["sup"], incident.id).incident is None
    assert [t.element_id for t in _open(db_session, instance.id)] == ["after"]


def test_the_step_budget_is_configurable(monkeypatch):
    monkeypatch.setenv("IPD_ENGINE_STEP_BUDGET", "50")
    assert steps.step_budget() == 50
    monkeypatch.setenv("IPD_ENGINE_STEP_BUDGET", "many")
    with pytest.raises(ValueError, match="IPD_ENGINE_STEP_BUDGET"):
        steps.step_budget()


def test_timer_give_up_ignores_timers_already_done(db_session):
    give_up_timer(db_session, 987654, RuntimeError("gone"))  # no such timer: nothing to do
    assert db_session.scalars(select(Incident)).all() == []


def test_the_earliest_task_holding_a_bad_value_is_blamed_and_data_objects_are_checked():
    from types import SimpleNamespace

    from engine.spiff.storable import first_unstorable

    workflow = SimpleNamespace(data={})
    old = SimpleNamespace(last_state_change=1.0, data={"x": 1j}, workflow=workflow, name="old")
    producer = SimpleNamespace(last_state_change=5.0, data={"y": float("nan")}, workflow=workflow, name="producer")
    child = SimpleNamespace(last_state_change=6.0, data={"y": float("nan")}, workflow=workflow, name="child")

    task, message = first_unstorable([child, old, producer], since=2.0)
    assert task is producer and "'y'" in message
    assert first_unstorable([SimpleNamespace(last_state_change=3.0, data={}, workflow=workflow)], 2.0) is None
    workflow.data["report"] = {"when": b"bytes"}
    task, message = first_unstorable([child, producer], since=2.0)
    assert message.startswith("'y'")
    producer.data = child.data = {}
    task, message = first_unstorable([child, producer], since=2.0)
    assert task is child and "data object" in message and "report.when" in message
