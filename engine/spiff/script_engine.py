"""SpiffWorkflow's script engine with every expression and script run through `engine.sandbox`.

Use ``BpmnWorkflow(spec, subprocess_specs, script_engine=SandboxedScriptEngine())``. Script tasks,
pre/post scripts, gateway conditions, timer expressions, multi-instance expressions and DMN cells all
reach `SandboxEnvironment`, which hands them to a `Sandbox` with the helpers as globals (never copied
into task data).

Service tasks call our named domain operations (``engine.operations``): the service layer puts an
``operation_hook`` on the engine before running a step; a service task without one (raw SpiffWorkflow, a
test) fails with a clear message instead of running nothing.

Finding the sandbox error behind a SpiffWorkflow exception: the engine raises SpiffWorkflow's
``WorkflowTaskException`` (so SpiffWorkflow can add its notes and task trace) with the `SandboxError` as
``__cause__`` and as attribute ``sandbox_error``. SpiffWorkflow also calls the environment directly in a
few places (process completion conditions, message correlations); there the `SandboxError` itself
propagates. `find_sandbox_error` covers all of these: it follows ``sandbox_error``, ``__cause__`` and
``__context__`` and returns the first `SandboxError`, or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.specs.defaults import ServiceTask as _SpiffServiceTask

from engine.sandbox import DEFAULT_LIMITS, Duration, Limits, Sandbox, SandboxError
from engine.sandbox.pool import IsolatedSandbox
from engine.spiff.timer_check import timer_value_problem

#: Runs the named operation with the service task's parameters and the task's data; returns what the
#: operation writes into the process data (ids and routing outcomes).
OperationHook = Callable[[str, Mapping[str, Any], Mapping[str, Any]], Mapping[str, Any]]


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """The SpiffWorkflow environment that evaluates and executes through a `Sandbox`."""

    def __init__(self, sandbox: Sandbox | IsolatedSandbox) -> None:
        super().__init__(environment_globals={})
        self.sandbox = sandbox

    def evaluate(
        self, expression: str, context: Mapping[str, Any], external_context: Mapping[str, Any] | None = None
    ) -> Any:
        return self.sandbox.evaluate(expression, context, external_context)

    def execute(
        self,
        script: str,
        context: MutableMapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        self.sandbox.execute(script, context, external_context)
        return True

    def call_service(self, context: Mapping[str, Any], **kwargs: Any) -> Any:
        raise OperationUnavailable("service tasks run named operations only (see engine.operations)")


class OperationUnavailable(Exception):
    """A service task ran where no operations are bound (outside the engine's services)."""


def _timer_text(value: Any) -> Any:
    """Turn helper results into the ISO text SpiffWorkflow's timers parse; leave anything else alone."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat()
    if isinstance(value, Duration):
        return value.isoformat()
    if isinstance(value, timedelta):
        return Duration(days=value.days, seconds=value.seconds + value.microseconds / 1e6).isoformat()
    return value


def _name_error(err: SandboxError) -> NameError | None:
    """The NameError behind ``err``, rebuilt from its message when it ran in another process."""
    if isinstance(err.__cause__, NameError):
        return err.__cause__
    found = re.search(r"name '(\w+)' is not defined", err.message)
    if getattr(err, "error_type", None) != "NameError" or found is None:
        return None
    return NameError(f"name '{found.group(1)}' is not defined", name=found.group(1))


def find_sandbox_error(exc: BaseException | None) -> SandboxError | None:
    """Return the `SandboxError` behind ``exc`` (itself, its ``sandbox_error`` or a cause), or None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, SandboxError):
            return exc
        attached = getattr(exc, "sandbox_error", None)
        if isinstance(attached, SandboxError):
            return attached
        exc = exc.__cause__ or exc.__context__
    return None


class SandboxedScriptEngine(PythonScriptEngine):
    """A `PythonScriptEngine` whose every evaluation runs in the sandbox.

    ``limits`` bounds each snippet, ``helpers`` adds names for snippets, ``now`` replaces the clock read
    by ``now()``/``today()`` (the default is `engine.clock.utcnow`).
    """

    def __init__(
        self,
        limits: Limits | None = None,
        helpers: Mapping[str, Any] | None = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        # Every snippet runs in a pooled process the OS bounds (engine/sandbox/pool.py).
        self.sandbox = IsolatedSandbox(limits=limits or DEFAULT_LIMITS, helpers=helpers, clock=now)
        self.operation_hook: OperationHook | None = None
        super().__init__(environment=SandboxEnvironment(self.sandbox))

    def call_operation(self, task: Any, name: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """Run operation ``name`` for a service task; any failure names the task (it becomes an incident)."""
        if self.operation_hook is None:
            raise WorkflowTaskException(
                f"the service task calls the operation {name!r}, which only the case engine can run",
                task=task,
                exception=OperationUnavailable(name),
            )
        try:
            return self.operation_hook(name, params, task.data)
        except Exception as err:
            raise WorkflowTaskException(
                f"{name}: {getattr(err, 'message', None) or err}", task=task, exception=err
            ) from err

    def evaluate(self, task: Any, expression: str, external_context: Mapping[str, Any] | None = None) -> Any:
        try:
            result = self.environment.evaluate(expression, task.data, external_context)
        except SandboxError as err:
            raise self._task_error(task, expression, err, "Error evaluating expression") from err
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            value = _timer_text(result)
            problem = timer_value_problem(definition, value)  # engine/spiff/timer_check.py
            if problem:
                raise WorkflowTaskException(problem, task=task)
            return value
        return result

    def execute(self, task: Any, script: str, external_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except SandboxError as err:
            raise self._task_error(task, script, err, "Error running script") from err

    @staticmethod
    def _task_error(task: Any, source: str, err: SandboxError, action: str) -> WorkflowTaskException:
        lines = source.splitlines()
        line = err.lineno or 0
        error_line = lines[line - 1] if 0 < line <= len(lines) else ""
        wrapped = WorkflowTaskException(
            f"{action}: {err.message}", task=task, exception=err, line_number=line, error_line=error_line
        )
        wrapped.sandbox_error = err
        name_error = _name_error(err)
        if name_error is not None:
            hint = WorkflowTaskException.did_you_mean_from_name_error(name_error, list(task.data))
            if hint:
                wrapped.add_note(hint.strip())
        return wrapped


def _run_operation(self: Any, task: Any) -> bool:
    """A service task runs its named operation and merges what it returns into the task's data."""
    params = {name: param["value"] for name, param in self.evaluate_params(task).items()}
    outputs = task.workflow.script_engine.call_operation(task, self.operation_name, params)
    task.data.update(outputs)
    return True


# SpiffWorkflow would call an HTTP-style connector and store its JSON under a result variable named after
# the element; our operations write their declared keys instead.
_SpiffServiceTask._execute = _run_operation
