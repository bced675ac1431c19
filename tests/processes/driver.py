"""A small in-memory driver for scenario tests of the process library on raw SpiffWorkflow.

It parses every BPMN and DMN file in ``processes/`` once, runs one workflow with the sandboxed script engine
and a controllable clock, and completes ready user tasks only with data that passes the task's form schema,
so the forms and the diagrams are proven to fit together. It mimics the engine's four-eyes rule
(``fourEyesWith``) with the actor names the test gives.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import clock as engine_clock
from forms.registry import FormRegistry
from forms.validation import validate_data

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
DECISIONS = PROCESSES / "decisions"
FORMS = FormRegistry()
START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)


class FormDataRejected(AssertionError):
    """The test tried to complete a task with data its form would refuse."""


class FourEyesViolation(AssertionError):
    """The same person tried to approve what they requested."""


@functools.cache
def parser() -> SpiffBpmnParser:
    """Parse the whole library once per test session."""
    bpmn_parser = SpiffBpmnParser()
    for path in sorted(PROCESSES.glob("*.bpmn")):
        bpmn_parser.add_bpmn_file(str(path))
    for path in sorted(DECISIONS.glob("*.dmn")):
        bpmn_parser.add_dmn_file(str(path))
    return bpmn_parser


def script_engine(clock: TestClock) -> Any:
    """Return the engine's sandboxed script engine, or the bare sandbox behind SpiffWorkflow's engine API."""
    try:
        from engine.spiff.script_engine import SandboxedScriptEngine

        return SandboxedScriptEngine()
    except (ImportError, TypeError):
        return PythonScriptEngine(environment=_SandboxEnvironment(clock))


class _SandboxEnvironment:
    """SpiffWorkflow's script environment API over our sandbox (used until the engine's adapter exists)."""

    def __init__(self, clock: TestClock) -> None:
        from engine.sandbox import Sandbox

        self.sandbox = Sandbox(clock=clock)

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        return self.sandbox.evaluate(expression, context, external_context)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        self.sandbox.execute(script, context, external_context)
        return True  # a script task whose script returns a falsy value stays STARTED in SpiffWorkflow

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are not used by the process library")


class TestClock:
    """An aware UTC clock that moves only when told."""

    __test__ = False

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


def _clocked_datetime(clock: TestClock) -> type[datetime]:
    class ClockedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            current = clock()
            return current.astimezone(tz) if tz is not None else current.astimezone(UTC).replace(tzinfo=None)

    return ClockedDatetime


class Scenario:
    """One running process instance; use as a context manager so the clock patches are undone."""

    def __init__(self, process_id: str, data: dict[str, Any] | None = None, start: datetime = START) -> None:
        self.clock = TestClock(start)
        self._saved_datetime = spiff_timer.datetime
        spiff_timer.datetime = _clocked_datetime(self.clock)
        engine_clock.set_clock(self.clock)
        bpmn_parser = parser()
        self.workflow = BpmnWorkflow(
            bpmn_parser.get_spec(process_id),
            bpmn_parser.get_subprocess_specs(process_id),
            script_engine=script_engine(self.clock),
        )
        self.completed_by: dict[str, str] = {}
        self.trail: list[str] = []
        start_task = next(t for t in self._tasks() if t.task_spec.name == "Start")
        start_task.data.update(data or {})
        self._steps()

    def __enter__(self) -> Scenario:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        spiff_timer.datetime = self._saved_datetime
        engine_clock.reset_clock()

    # -- looking ---------------------------------------------------------------------------------------------
    def _tasks(self) -> Iterator[Any]:
        for workflow in [self.workflow, *self.workflow.subprocesses.values()]:
            yield from workflow.tasks.values()

    def ready(self, lane: str | None = None) -> list[Any]:
        tasks = [t for t in self._tasks() if t.state == TaskState.READY and t.task_spec.manual]
        return [t for t in tasks if lane is None or t.task_spec.lane == lane]

    def ready_ids(self) -> list[str]:
        return sorted(t.task_spec.bpmn_id for t in self.ready())

    def task(self, bpmn_id: str) -> Any:
        found = [t for t in self.ready() if t.task_spec.bpmn_id == bpmn_id]
        assert found, f"{bpmn_id} is not ready; ready: {self.ready_ids()}"
        return found[0]

    def data_of(self, bpmn_id: str) -> dict[str, Any]:
        """Return the data of the last completed task with this id (e.g. an end event)."""
        done = [t for t in self._tasks() if t.task_spec.bpmn_id == bpmn_id and t.state == TaskState.COMPLETED]
        assert done, f"{bpmn_id} never completed; trail: {self.trail}"
        return max(done, key=lambda t: t.last_state_change).data

    @property
    def data(self) -> dict[str, Any]:
        return self.workflow.data

    @property
    def completed(self) -> bool:
        return self.workflow.is_completed()

    def waiting_timers(self) -> list[Any]:
        return list(self.workflow.waiting_events())

    def count(self, bpmn_id: str) -> int:
        return self.trail.count(bpmn_id)

    # -- acting ----------------------------------------------------------------------------------------------
    def complete(self, bpmn_id: str, data: dict[str, Any], actor: str = "anna") -> Any:
        """Validate ``data`` against the task's form, enforce four-eyes, complete the task, run the engine."""
        spiff_task = self.task(bpmn_id)
        properties = spiff_task.task_spec.extensions.get("properties", {})
        schema = FORMS.load(properties["formKey"])
        problems = validate_data(schema, data)
        if problems:
            raise FormDataRejected(f"{bpmn_id} ({properties['formKey']}): {problems}")
        other = properties.get("fourEyesWith")
        if other and self.completed_by.get(other) == actor:
            raise FourEyesViolation(f"{actor} completed {other} and cannot complete {bpmn_id}")
        spiff_task.data.update(data)
        spiff_task.run()
        self.completed_by[bpmn_id] = actor
        self.trail.append(bpmn_id)
        self._steps()
        return spiff_task

    def advance(self, **delta: float) -> None:
        """Move the clock and fire whatever timers fell due."""
        self.clock.advance(**delta)
        self._steps()

    def advance_to(self, moment: datetime) -> None:
        assert moment >= self.clock.current
        self.clock.current = moment
        self._steps()

    def set_timer_data(self, bpmn_id: str, **data: Any) -> None:
        """Put data on a waiting event, as the engine does before firing one (e.g. flagged cases)."""
        waiting = [t for t in self._tasks() if t.task_spec.bpmn_id == bpmn_id and t.state == TaskState.WAITING]
        assert waiting, f"{bpmn_id} is not waiting"
        for spiff_task in waiting:
            # A copy each: SpiffWorkflow merges task data in place, so a shared list would be emptied.
            spiff_task.data.update(copy.deepcopy(data))

    def _steps(self) -> None:
        def did_complete(spiff_task: Any) -> None:
            if spiff_task.task_spec.bpmn_id:
                self.trail.append(spiff_task.task_spec.bpmn_id)

        for _ in range(50):
            before = len(self.trail)
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps(did_complete_task=did_complete)
            if len(self.trail) == before:
                return
        raise AssertionError("the engine did not settle")
