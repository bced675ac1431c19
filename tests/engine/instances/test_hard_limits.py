"""Single C-level operations the tracer cannot see are stopped by the OS: an incident, never a held worker.

Each expression below ran for seconds (or took hundreds of MB) in one line inside the in-process sandbox.
Run through the pooled sandbox processes they end in an incident on the script task, the web app keeps
answering meanwhile, and once a supervisor fixes the data the case continues.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from engine.instances.models import InstanceStatus
from engine.instances.service import retry_incident, set_instance_variables, start_instance
from engine.sandbox import Limits, SandboxLimitExceeded
from engine.sandbox.pool import IsolatedSandbox, SandboxPool, shared_pool
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState

P = "2305843009213693951"  # 2**61 - 1: every multiple hashes to the same slot
BYPASSES = {
    "hash_collisions": ("r = len(set(range(0, n * " + P + ", " + P + ")))", 20000),
    "key_str": ("r = max(range(n), key=str)", 999_999),
    "decimal_ratio": ("r = Decimal('1e' + str(n)).as_integer_ratio()", 7_000_000),
    "sixty_lists": ("r = len([" + ", ".join(["[0] * n"] * 60) + "])", 999_999),
}


def _open(db_session, instance_id):
    return db_session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.OPEN)
    ).all()


@pytest.mark.parametrize("name", sorted(BYPASSES))
def test_c_level_bypass_ends_in_an_incident_and_the_case_continues_after_a_fix(
    db_session, deploy_fixture, people, case, name
):
    script, hostile_n = BYPASSES[name]
    deploy_fixture("script_step.bpmn.tmpl", script=script)
    instance = start_instance(db_session, people["sw"], "scripted", case=case, data={"n": hostile_n}).instance
    (first,) = _open(db_session, instance.id)

    result = tasks.complete_task(db_session, people["sw"], first.id, {"note": "start"})

    incident = result.incident
    assert incident is not None and incident.element_id == "calc"
    assert "time" in incident.message or "memory" in incident.message
    assert instance.status == InstanceStatus.RUNNING and _open(db_session, instance.id) == []
    set_instance_variables(db_session, people["sup"], instance.id, {"n": 3})
    assert retry_incident(db_session, people["sup"], incident.id).incident is None
    (after,) = _open(db_session, instance.id)
    assert after.element_id == "after"


def test_web_server_and_other_cases_are_served_while_a_snippet_runs_away(
    db_session, deploy_fixture, people, case, client
):
    deploy_fixture("script_step.bpmn.tmpl", script="r = n + 1")
    other = start_instance(db_session, people["sw"], "scripted", case=case, data={"n": 1}).instance
    (other_task,) = _open(db_session, other.id)
    shared_pool().warm(2)
    sent = threading.Event()
    outcome: list[BaseException] = []

    def runaway() -> None:
        sent.set()
        try:
            # A longer limit than the default, so "meanwhile" holds however loaded the test machine is.
            IsolatedSandbox(limits=Limits(time_limit_s=5)).evaluate(
                "[max(range(n), key=str) for i in range(10)]", {"n": 999_999}
            )
        except SandboxLimitExceeded as exc:
            outcome.append(exc)

    thread = threading.Thread(target=runaway)
    thread.start()
    sent.wait(5)
    health = client.get("/healthz")
    completed = tasks.complete_task(db_session, people["sw"], other_task.id, {"note": "in the meantime"})
    answered_while_running = thread.is_alive()
    thread.join(30)

    assert health.status_code == 200
    assert completed.incident is None and [t.element_id for t in _open(db_session, other.id)] == ["after"]
    assert answered_while_running  # both answers came while the runaway snippet was still being stopped
    assert not thread.is_alive() and len(outcome) == 1 and outcome[0].limit == "time"


def test_a_killed_process_is_replaced_and_the_pool_keeps_serving():
    pool = SandboxPool(1)
    sandbox = IsolatedSandbox(pool=pool)
    try:
        with pytest.raises(SandboxLimitExceeded) as caught:
            sandbox.evaluate("max(range(n), key=str)", {"n": 999_999})
        assert caught.value.limit == "time"
        with pytest.raises(SandboxLimitExceeded) as memory:
            sandbox.evaluate("len([" + ", ".join(["[0] * n"] * 60) + "])", {"n": 999_999})
        assert memory.value.limit == "memory"
        assert pool.killed == 2
        assert sandbox.evaluate("n * 2", {"n": 21}) == 42
        context = {"n": 1}
        sandbox.execute("m = n + 1", context)
        assert context == {"n": 1, "m": 2}
    finally:
        pool.close()


def test_the_sandbox_process_sees_no_secrets_and_values_come_back_typed(monkeypatch):
    from datetime import date
    from decimal import Decimal

    pool = SandboxPool(1)
    monkeypatch.setenv("IPD_SECRET_KEY", "do-not-leak")
    try:
        sandbox = IsolatedSandbox(pool=pool)
        assert sandbox.evaluate("(Decimal('1.5'), date(2026, 1, 2))", {}) == (Decimal("1.5"), date(2026, 1, 2))
        process = pool._acquire()
        try:
            with open(f"/proc/{process.popen.pid}/environ", "rb") as environ:
                assert b"IPD_" not in environ.read()
        finally:
            pool._release(process, healthy=True)
    finally:
        pool.close()


def test_zoned_datetimes_come_back_as_the_same_instant():
    from datetime import UTC, datetime

    fixed = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    context: dict = {}
    IsolatedSandbox(clock=lambda: fixed).execute("local = now('Europe/Warsaw')", context)
    assert context["local"] == fixed and context["local"].utcoffset().total_seconds() == 7200


def test_a_runaway_snippet_behind_a_timer_is_an_incident_and_the_job_ends(
    db_session, deploy_fixture, people, case, frozen
):
    from engine.instances.models import Incident
    from engine.instances.timers import claim_due_timers, fire_timer

    deploy_fixture("timer_step.bpmn.tmpl", script=BYPASSES["hash_collisions"][0])
    instance = start_instance(
        db_session, people["sw"], "timer_step", case=case, data={"n": 20000, "delay": "PT1H"}
    ).instance
    (first,) = _open(db_session, instance.id)
    tasks.complete_task(db_session, people["sw"], first.id, {"note": "start"})
    frozen.advance(hours=2)
    (timer_id,) = claim_due_timers(db_session)

    assert fire_timer(db_session, timer_id) is True  # the job returns: bounded, not blocked for seconds

    incident = db_session.scalar(select(Incident).where(Incident.instance_id == instance.id))
    assert incident.kind == "timer" and incident.element_id == "calc" and "time" in incident.message
    set_instance_variables(db_session, people["sup"], instance.id, {"n": 3})
    assert retry_incident(db_session, people["sup"], incident.id).incident is None
    assert [t.element_id for t in _open(db_session, instance.id)] == ["after"]


def test_a_runaway_dmn_cell_is_stopped_by_the_system():
    from pathlib import Path

    from engine.spiff.decisions import evaluate_decision
    from engine.spiff.script_engine import find_sandbox_error

    dmn = (Path(__file__).parents[1] / "definitions" / "fixtures" / "allowance.dmn").read_text(encoding="utf-8")
    dmn = dmn.replace("<text>1376</text>", "<text>max(range(999999), key=str)</text>")

    assert evaluate_decision(dmn.encode(), "allowance", {"household_size": 2})["allowance"] == 1876
    with pytest.raises(Exception) as caught:  # noqa: PT011 - outside a process SpiffWorkflow wraps it oddly
        evaluate_decision(dmn.encode(), "allowance", {"household_size": 1})
    error = find_sandbox_error(caught.value)
    assert isinstance(error, SandboxLimitExceeded) and error.limit == "time"
