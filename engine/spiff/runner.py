"""Run one process instance: the only code that drives SpiffWorkflow objects.

Two measured pitfalls shape it (see docs/engine.md):
- SpiffWorkflow's task iterator stops at depth 1000, so a long loop can look finished. We never
  ask the iterator whether work is left (we scan the task map), and after each step we prune the
  finished history above the live part of the tree, so depth and state size stay bounded.
- Every step walks the whole tree, so pruning also keeps the cost of a step flat as a case ages.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask as _ManualTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as _UserTaskMixin
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.sandbox.errors import ScriptRuntimeError
from engine.spiff import serialization, storable
from engine.spiff.script_engine import OperationHook, SandboxedScriptEngine, find_sandbox_error
from engine.spiff.steps import run_engine

#: Deeper than this after pruning means the process itself keeps nested work open; we stop it
#: with an incident long before SpiffWorkflow's iterator limit (1000) could hide pending tasks.
MAX_TREE_DEPTH = 600


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now()`` reads the engine clock, so timers follow a test clock."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        current = clock.utcnow()
        return current.astimezone(tz) if tz is not None else current.astimezone(UTC).replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime


class StepFailed(Exception):
    """A script, condition or expression failed while the engine ran; becomes an incident."""

    def __init__(self, message: str, element_id: str | None, element_name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.element_id = element_id
        self.element_name = element_name


class TreeTooDeep(StepFailed):
    """The live task tree is deeper than MAX_TREE_DEPTH even after pruning."""


@dataclass(frozen=True)
class SpecBundle:
    """A process version's parsed specs."""

    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> SpecBundle:
        spec, subprocess_specs = serialization.load_specs(data)
        return cls(spec, subprocess_specs)

    def to_stored(self) -> dict[str, Any]:
        return serialization.dump_specs(self.spec, self.subprocess_specs)


@dataclass(frozen=True)
class HumanTaskInfo:
    """What the engine needs to know about a ready user or manual task."""

    spiff_id: str
    element_id: str
    name: str
    lane: str | None
    process_id: str
    properties: dict[str, str] = field(default_factory=dict)
    documentation: str | None = None


@dataclass(frozen=True)
class TimerInfo:
    spiff_id: str
    element_id: str
    due_at: datetime


#: Our own texts of script failures that hold no value of the data (kept, up to the parenthesis).
_OWN_RUNTIME_TEXTS = (
    "the process data holds a value scripts cannot use",
    "the snippet produced a value that cannot be stored",
    "the expression gives a",
    "the script helpers are not available",
)


def _error_message(exc: BaseException) -> str:
    """Say which kind of error stopped the element, never the error's own text.

    An exception's text may quote the data it failed on (``invalid literal for int() with base 10: 'PTSD…'``),
    and the incident message is read by every case member and kept in the audit log: so a failing script
    reports the exception's class, the sandbox's limits and refusals their own (value-free) explanation.
    """
    found = find_sandbox_error(exc)
    if found is not None:
        line = f" (line {found.lineno})" if getattr(found, "lineno", None) else ""
        if isinstance(found, ScriptRuntimeError):
            own = next((text for text in _OWN_RUNTIME_TEXTS if found.message.startswith(text)), None)
            if own is not None:
                return f"{own}{line}"
            return f"{found.error_type} in a script or expression of this element{line}"
        return f"{found.message}{line}"
    if _own_text(exc):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__} while running this element"


def _own_text(exc: BaseException) -> bool:
    """Texts written by us (the engine's errors) or by SpiffWorkflow about the diagram, quoting no other error."""
    from engine.errors import DomainError

    seen: BaseException | None = exc
    while seen is not None:
        module = type(seen).__module__
        if isinstance(seen, DomainError) or module.startswith("engine."):
            return True
        if not module.startswith("SpiffWorkflow"):
            return False
        seen = seen.__cause__ or seen.__context__
    return True


def _failed_element(exc: BaseException, workflow: BpmnWorkflow) -> tuple[str | None, str | None]:
    task_spec = getattr(exc, "task_spec", None)
    task = getattr(exc, "task", None)
    if task_spec is None and task is not None:
        task_spec = task.task_spec
    if task_spec is None:
        errored = [t for t in _all_tasks(workflow) if t.state == TaskState.ERROR]
        task_spec = errored[0].task_spec if errored else None
    if task_spec is None:
        return None, None
    return getattr(task_spec, "bpmn_id", None) or task_spec.name, getattr(task_spec, "bpmn_name", None)


def _workflows(workflow: BpmnWorkflow) -> list[Any]:
    return [workflow, *workflow.subprocesses.values()]


def _all_tasks(workflow: BpmnWorkflow) -> Iterator[SpiffTask]:
    for wf in _workflows(workflow):
        yield from list(wf.tasks.values())


class InstanceRunner:
    """A loaded workflow plus the operations our services need."""

    def __init__(self, workflow: BpmnWorkflow) -> None:
        self.workflow = workflow
        #: (process id, gateway id, target element id) of each exclusive gateway passed since the last take.
        self.gateway_choices: list[tuple[str, str, str]] = []

    # -- creating and loading -------------------------------------------------------------
    @classmethod
    def start(cls, bundle: SpecBundle, data: dict[str, Any] | None = None) -> InstanceRunner:
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=SandboxedScriptEngine())
        if data:
            # Start data is visible to the first tasks through the start task's data.
            workflow.task_tree.data.update(data)
            for task in workflow.task_tree.children:
                task.data.update(data)
        return cls(workflow)

    @classmethod
    def load(cls, state: str, bundle: SpecBundle) -> InstanceRunner:
        workflow = serialization.load_state(state, bundle.spec, bundle.subprocess_specs)
        workflow.script_engine = SandboxedScriptEngine()
        return cls(workflow)

    def dump(self) -> str:
        return serialization.dump_state(self.workflow)

    def bind_operations(self, hook: OperationHook | None) -> None:
        """Let service tasks run named operations through ``hook`` (None: they fail with an incident)."""
        engine = self.workflow.script_engine
        if isinstance(engine, SandboxedScriptEngine):
            engine.operation_hook = hook

    # -- running ----------------------------------------------------------------------------
    def advance(self) -> None:
        """Run everything the engine can run now (scripts, gateways, due timers)."""
        since = time.time()
        try:
            self.workflow.refresh_timers()
            # Budgeted, pruning as it goes (engine/spiff/steps.py): no silent stop, no runaway loop.
            run_engine(self.workflow, lambda: _all_tasks(self.workflow), self.prune, on_complete=self._note_gateway)
        except Exception as exc:  # every failure of user-supplied logic becomes an incident
            element_id, name = _failed_element(exc, self.workflow)
            raise StepFailed(_error_message(exc), element_id, name) from exc
        self.check_storable(since)
        self.compact()

    def _note_gateway(self, task: SpiffTask) -> None:
        """Remember where an exclusive gateway sent the token: its only child left is the chosen flow's target."""
        spec = task.task_spec
        if not isinstance(spec, ExclusiveGateway) or len(spec.outputs) < 2 or len(task.children) != 1:
            return  # a merging gateway chooses nothing
        target = task.children[0].task_spec
        self.gateway_choices.append(
            (task.workflow.spec.name, spec.bpmn_id, getattr(target, "bpmn_id", None) or target.name)
        )

    def take_gateway_choices(self) -> list[tuple[str, str, str]]:
        taken, self.gateway_choices = self.gateway_choices, []
        return taken

    def complete_human_task(self, spiff_id: str, data: dict[str, Any]) -> None:
        """Complete a ready user/manual task with ``data`` (its post-script runs here)."""
        task = self.get_task(spiff_id)
        if task is None or task.state != TaskState.READY:
            raise LookupError(f"task {spiff_id} is not ready in this instance")
        task.data.update(data)
        since = time.time()
        try:
            task.run()
        except Exception as exc:
            element_id, name = _failed_element(exc, self.workflow)
            raise StepFailed(_error_message(exc), element_id, name) from exc
        self.check_storable(since)

    def check_storable(self, since: float) -> None:
        """Raise `StepFailed` on the element that left data the database cannot store (engine/spiff/storable.py)."""
        found = storable.first_unstorable(_all_tasks(self.workflow), since)
        if found is not None:
            task, message = found
            raise StepFailed(
                f"{message}. Change the element so that it stores plain data (text, numbers, dates, lists).",
                task.task_spec.bpmn_id or task.task_spec.name,
                task.task_spec.bpmn_name,
            )

    def set_variables(self, values: dict[str, Any]) -> None:
        """Put ``values`` into the data of every unfinished task (what runs next will see them)."""
        for task in _all_tasks(self.workflow):
            if task.state & TaskState.NOT_FINISHED_MASK:
                task.data.update(values)
                # A waiting task takes its data from its finished parent again when it fires
                # (joins and events merge it back), so the parent must agree.
                parent = task.parent
                if parent is not None and parent.state & TaskState.FINISHED_MASK:
                    parent.data.update(values)

    def get_task(self, spiff_id: str) -> SpiffTask | None:
        task_id = UUID(spiff_id)
        for wf in _workflows(self.workflow):
            if task_id in wf.tasks:
                task: SpiffTask = wf.tasks[task_id]
                return task
        return None

    def task_data(self, spiff_id: str) -> dict[str, Any]:
        task = self.get_task(spiff_id)
        return dict(task.data) if task is not None else {}

    # -- reading ------------------------------------------------------------------------------
    def ready_human_tasks(self) -> list[HumanTaskInfo]:
        found = []
        for task in _all_tasks(self.workflow):
            spec = task.task_spec
            if task.state != TaskState.READY or not isinstance(spec, (_UserTaskMixin, _ManualTaskMixin)):
                continue
            extensions = getattr(spec, "extensions", None) or {}
            found.append(
                HumanTaskInfo(
                    spiff_id=str(task.id),
                    element_id=spec.bpmn_id or spec.name,
                    name=spec.bpmn_name or spec.bpmn_id or spec.name,
                    lane=spec.lane,
                    process_id=task.workflow.spec.name,
                    properties=dict(extensions.get("properties") or {}),
                    documentation=getattr(spec, "documentation", None),
                )
            )
        return found

    def pending_timers(self) -> list[TimerInfo]:
        timers = []
        for task in list(self.workflow.event_manager.tasks.values()):
            definition = getattr(task.task_spec, "event_definition", None)
            if not isinstance(definition, TimerEventDefinition) or task.state != TaskState.WAITING:
                continue
            value = definition.details(task).value
            if not value:
                continue
            due = datetime.fromisoformat(value) if isinstance(value, str) else value
            if due.tzinfo is None:
                due = due.replace(tzinfo=UTC)
            timers.append(TimerInfo(str(task.id), task.task_spec.bpmn_id or task.task_spec.name, due))
        return timers

    def is_finished(self) -> bool:
        """True only when no task anywhere is unfinished (never trusts the depth-limited iterator)."""
        return not any(task.state & TaskState.NOT_FINISHED_MASK for task in _all_tasks(self.workflow))

    @property
    def data(self) -> dict[str, Any]:
        """The data of the latest completed task merged into the workflow's own data."""
        merged = dict(self.workflow.data)
        last = self.workflow.last_task
        if last is not None:
            merged.update(last.data)
        return merged

    def tree_size(self) -> int:
        return sum(len(wf.tasks) for wf in _workflows(self.workflow))

    def max_depth(self) -> int:
        deepest = 0
        for wf in _workflows(self.workflow):
            stack = [(wf.task_tree, 0)]
            while stack:
                task, depth = stack.pop()
                deepest = max(deepest, depth)
                stack.extend((child, depth + 1) for child in task.children)
        return deepest

    # -- keeping it small ---------------------------------------------------------------------
    def prune(self) -> int:
        """Drop finished history above the live part of every (sub)workflow; return tasks removed."""
        removed = 0
        for wf in list(_workflows(self.workflow)):
            removed += _compact_one(self.workflow, wf)
        return removed

    def compact(self) -> int:
        """Prune finished history above the live part of every (sub)workflow; return tasks removed."""
        removed = self.prune()
        depth = self.max_depth()
        if depth > MAX_TREE_DEPTH:
            raise TreeTooDeep(
                f"the instance's task tree is {depth} levels deep (limit {MAX_TREE_DEPTH}); "
                "the process keeps nested work open and must be changed",
                None,
            )
        return removed


def _compact_one(top: BpmnWorkflow, wf: Any) -> int:
    if wf is not top and wf.parent_task_id not in top.subprocesses:
        return 0
    root: SpiffTask = wf.task_tree
    unfinished = [task for task in wf.tasks.values() if task.state & TaskState.NOT_FINISHED_MASK]
    if not unfinished:
        return 0
    # Lowest common ancestor of everything still open.
    chain: list[SpiffTask] = []
    node: SpiffTask | None = unfinished[0]
    while node is not None:
        chain.append(node)
        node = node.parent
    position = {task.id: index for index, task in enumerate(chain)}
    lca_index = 0
    for task in unfinished[1:]:
        node = task
        while node is not None and node.id not in position:
            node = node.parent
        if node is None:
            return 0  # a detached task: leave the tree alone
        lca_index = max(lca_index, position[node.id])
    keep = chain[lca_index]
    # Keep a finished task as the new top: open tasks below it still inherit its data.
    while keep.parent is not None and not keep.state & TaskState.FINISHED_MASK:
        keep = keep.parent
    if keep is root or keep.parent is root or keep.parent is None:
        return 0
    live: set[UUID] = set()
    stack = [keep]
    while stack:
        task = stack.pop()
        live.add(task.id)
        stack.extend(task.children)
    doomed = [task_id for task_id in wf.tasks if task_id not in live and task_id != root.id]
    for task_id in doomed:
        if task_id in top.subprocesses:
            _drop_subprocess(top, task_id)
        wf.tasks.pop(task_id)
    root._children = [keep.id]
    keep._parent = root.id
    if wf.last_task is not None and wf.last_task.id not in wf.tasks:
        wf.last_task = keep
    return len(doomed)


def _drop_subprocess(top: BpmnWorkflow, task_id: UUID) -> None:
    subprocess = top.subprocesses.pop(task_id, None)
    if subprocess is None:
        return
    for child_id in [tid for tid, sp in top.subprocesses.items() if sp.parent_workflow is subprocess]:
        _drop_subprocess(top, child_id)


def called_processes(bundle: SpecBundle, process_id: str) -> dict[str, str]:
    """Call activities of ``process_id`` in this version: element id → id of the process it calls."""
    spec = bundle.spec if bundle.spec.name == process_id else bundle.subprocess_specs.get(process_id)
    if spec is None:
        return {}
    calls = {}
    for task_spec in spec.task_specs.values():
        called = getattr(task_spec, "spec", None)
        if isinstance(task_spec, SubWorkflowTask) and isinstance(called, str) and task_spec.bpmn_id:
            calls[task_spec.bpmn_id] = called
    return calls
