"""Compare two versions of a process and move a running workflow from one to the other.

Built on SpiffWorkflow's ``bpmn.util.diff``. A migration is tried on a copy first (migrate, run the
engine, save and reload); only a workflow that survives all of that is reported as movable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.spiff import serialization
from engine.spiff.runner import InstanceRunner, SpecBundle, StepFailed


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    name: str | None
    process_id: str
    attributes: tuple[str, ...] = ()


@dataclass
class SpecChanges:
    """What a new version adds, removes and changes, by BPMN element id."""

    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass
class MigrationVerdict:
    can_migrate: bool
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _element(spec: Any, process_id: str, attributes: tuple[str, ...] = ()) -> ElementChange | None:
    bpmn_id = getattr(spec, "bpmn_id", None)
    if not bpmn_id:
        return None  # SpiffWorkflow's own helper specs (Start, End, boundary splits) are not elements
    return ElementChange(bpmn_id, getattr(spec, "bpmn_name", None), process_id, attributes)


def compare(old: SpecBundle, new: SpecBundle) -> SpecChanges:
    """The element-level differences between two versions, including called processes."""
    changes = SpecChanges()
    pairs = [(old.spec, new.spec)]
    for name, spec in old.subprocess_specs.items():
        if name in new.subprocess_specs:
            pairs.append((spec, new.subprocess_specs[name]))
        else:
            changes.removed.extend(filter(None, (_element(s, name) for s in spec.task_specs.values())))
    for name, spec in new.subprocess_specs.items():
        if name not in old.subprocess_specs:
            changes.added.extend(filter(None, (_element(s, name) for s in spec.task_specs.values())))
    for original, updated in pairs:
        diff = SpecDiff(serialization.registry(), original, updated)
        changes.added.extend(filter(None, (_element(s, updated.name) for s in diff.added)))
        changes.removed.extend(filter(None, (_element(s, original.name) for s in diff.removed)))
        for spec, attributes in diff.changed.items():
            element = _element(spec, original.name, tuple(sorted(attributes)))
            if element is not None:
                changes.changed.append(element)
    return changes


def _label(task: Any) -> str:
    spec = task.task_spec
    name = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name
    return f"{name!s} ({getattr(spec, 'bpmn_id', spec.name)})"


def _blockers(runner: InstanceRunner, new: SpecBundle) -> list[str]:
    workflow = runner.workflow
    reasons = []
    top = SpecDiff(serialization.registry(), workflow.spec, new.spec)
    removed = set(top.removed)
    for task in workflow.tasks.values():
        if task.task_spec in removed:
            where = "is waiting at" if task.state & TaskState.NOT_FINISHED_MASK else "still holds"
            reasons.append(f"the case {where} {_label(task)}, which the new version removes")
    for subprocess in workflow.subprocesses.values():
        name = subprocess.spec.name
        if name not in new.subprocess_specs:
            reasons.append(f"the case is inside the called process {name}, which the new version no longer has")
            continue
        sub_removed = set(SpecDiff(serialization.registry(), subprocess.spec, new.subprocess_specs[name]).removed)
        for task in subprocess.tasks.values():
            if task.task_spec in sub_removed:
                reasons.append(f"the case is at {_label(task)} in {name}, which the new version removes")
    return reasons


def _apply(runner: InstanceRunner, new: SpecBundle) -> None:
    workflow = runner.workflow
    registry = serialization.registry()
    top_diff = WorkflowDiff(workflow, SpecDiff(registry, workflow.spec, new.spec))
    migrate_workflow(top_diff, workflow, new.spec, reset_mask=TaskState.READY)
    for subprocess in list(workflow.subprocesses.values()):
        updated = new.subprocess_specs[subprocess.spec.name]
        diff = WorkflowDiff(subprocess, SpecDiff(registry, subprocess.spec, updated))
        migrate_workflow(diff, subprocess, updated, reset_mask=TaskState.READY)
    workflow.subprocess_specs = dict(new.subprocess_specs)


def check(state: str, old: SpecBundle, new: SpecBundle) -> MigrationVerdict:
    """Dry run: can the workflow in ``state`` move from ``old`` to ``new``, and if not, why."""
    runner = InstanceRunner.load(state, old)
    reasons = _blockers(runner, new)
    if reasons:
        return MigrationVerdict(False, reasons)
    try:
        _apply(runner, new)
        runner.advance()
        InstanceRunner.load(runner.dump(), new)
    except StepFailed as failure:
        where = f" at {failure.element_id}" if failure.element_id else ""
        return MigrationVerdict(False, [f"after the move the process fails{where}: {failure.message}"])
    except Exception as exc:  # SpiffWorkflow refuses some moves with its own errors
        return MigrationVerdict(False, [f"the engine cannot move this case: {exc}"])
    return MigrationVerdict(True)


def migrate(runner: InstanceRunner, new: SpecBundle) -> InstanceRunner:
    """Move ``runner``'s workflow onto ``new`` (call ``check`` first); returns the advanced runner."""
    _apply(runner, new)
    runner.advance()
    return runner
