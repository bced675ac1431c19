"""The case file as specialists read it: each area's records, the open work and the running processes.

Each area reads its own part (``engine.<area>.read.for_casefile``); this module puts the parts together and
keeps what belongs to the case as a whole (open tasks, running processes, their diagrams).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.models import Case
from engine.definitions.models import DeploymentFile
from engine.definitions.service import spec_bundle
from engine.instances.models import InstanceStatus, ProcessInstance, Timer, TimerStatus
from engine.spiff.runner import SpecBundle, called_processes
from engine.tasks.models import HumanTask, TaskState


@dataclass
class CaseFile:
    case: Case
    person: Any  # engine.people.read
    assessments: Any  # engine.assessments.read
    plan: Any  # engine.plans.read
    delivery: Any  # engine.delivery.read
    subsidies: Any  # engine.subsidies.read
    aid: Any  # engine.aid.read
    open_tasks: list[HumanTask]
    running_instances: list[ProcessInstance]

    def user_ids(self) -> set[int]:
        """Everyone the file names (who recorded, decided, is assigned), to look their names up at once."""
        found: set[int] = set()
        _collect_user_ids(self, found, depth=0)
        return found


def _collect_user_ids(value: Any, found: set[int], depth: int) -> None:
    if depth > 6:
        return
    if is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            inner = getattr(value, item.name)
            if item.name.endswith(("by_id", "assignee_id", "manager_id")) and isinstance(inner, int):
                found.add(inner)
            elif isinstance(inner, (list, tuple, dict)) or is_dataclass(inner):
                _collect_user_ids(inner, found, depth + 1)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(key, str) and key.endswith("by_id") and isinstance(inner, int):
                found.add(inner)
            elif isinstance(inner, (list, tuple, dict)) or is_dataclass(inner):
                _collect_user_ids(inner, found, depth + 1)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            _collect_user_ids(inner, found, depth + 1)


def build_casefile(session: Session, actor: User, case: Case) -> CaseFile:
    """Gather the case file of ``case`` for ``actor`` (who must be allowed to view the case)."""
    from engine.aid import read as aid
    from engine.assessments import read as assessments
    from engine.delivery import read as delivery
    from engine.people import read as people
    from engine.plans import read as plans
    from engine.subsidies import read as subsidies

    tasks = list(session.scalars(select(HumanTask).where(HumanTask.case_id == case.id).order_by(HumanTask.id)))
    instances = list(
        session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id).order_by(ProcessInstance.id))
    )
    return CaseFile(
        case=case,
        person=people.for_casefile(session, actor, case),
        assessments=assessments.for_casefile(session, actor, case),
        plan=plans.for_casefile(session, actor, case),
        delivery=delivery.for_casefile(session, actor, case),
        subsidies=subsidies.for_casefile(session, actor, case),
        aid=aid.for_casefile(session, actor, case),
        open_tasks=[t for t in tasks if t.state == TaskState.OPEN],
        running_instances=[i for i in instances if i.status in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)],
    )


def element_states(session: Session, instance: ProcessInstance, process_id: str | None = None) -> dict[str, str]:
    """Element id → ``current`` (an open task, or a timer still waiting) or ``completed``, for one process's diagram."""
    process = process_id or instance.process_id
    bundle = spec_bundle(instance.definition)
    # A pending timer is work in progress: its event, and every call activity leading to it, are current.
    waiting = _waiting_timers(session, instance, bundle)
    rows = session.execute(
        select(HumanTask.element_id, HumanTask.state).where(
            HumanTask.instance_id == instance.id, HumanTask.process_id == process
        )
    ).all()
    states: dict[str, str] = {}
    for element_id, state in rows:
        if state == TaskState.OPEN:
            states[element_id] = "current"
        elif state == TaskState.COMPLETED and states.get(element_id) != "current":
            states[element_id] = "completed"
    for element_id in waiting.get(process, set()):
        states[element_id] = "current"
    # A call activity is current while the process it calls (or one that calls on) has an open task or timer.
    task_states: dict[str, set[str]] = {}
    for called_process, state in session.execute(
        select(HumanTask.process_id, HumanTask.state).where(HumanTask.instance_id == instance.id)
    ):
        task_states.setdefault(called_process, set()).add(state)
    for waiting_process in waiting:
        task_states.setdefault(waiting_process, set()).add(TaskState.OPEN)

    def reached(process: str, seen: frozenset[str]) -> set[str]:
        found = set(task_states.get(process, set()))
        for nested in called_processes(bundle, process).values():
            if nested not in seen:
                found |= reached(nested, seen | {nested})
        return found

    for element_id, called in called_processes(bundle, process).items():
        seen_states = reached(called, frozenset({process, called}))
        if TaskState.OPEN in seen_states:
            states[element_id] = "current"
        elif TaskState.COMPLETED in seen_states:
            states[element_id] = "completed"
    return states


def _waiting_timers(session: Session, instance: ProcessInstance, bundle: SpecBundle) -> dict[str, set[str]]:
    """Process id → the ids of its timer events that are still waiting in this instance."""
    pending = set(
        session.scalars(
            select(Timer.element_id).where(Timer.instance_id == instance.id, Timer.status == TimerStatus.PENDING)
        )
    )
    if not pending:
        return {}
    found: dict[str, set[str]] = {}
    for process, spec in [(bundle.spec.name, bundle.spec), *bundle.subprocess_specs.items()]:
        ids = {getattr(task_spec, "bpmn_id", None) for task_spec in spec.task_specs.values()} & pending
        if ids:
            found[process] = {str(element_id) for element_id in ids}
    return found


def current_process_ids(session: Session, instance: ProcessInstance) -> list[str]:
    """The processes (the instance's own and called ones) that hold an open task, own process first."""
    found = session.scalars(
        select(HumanTask.process_id)
        .where(HumanTask.instance_id == instance.id, HumanTask.state == TaskState.OPEN)
        .distinct()
    ).all()
    ordered = [instance.process_id] + sorted(p for p in found if p != instance.process_id)
    return ordered


def process_xml(session: Session, instance: ProcessInstance, process_id: str | None = None) -> bytes | None:
    """The BPMN file of the instance's version that holds ``process_id`` (default: the instance's own)."""
    wanted = process_id or instance.process_id
    files = session.scalars(
        select(DeploymentFile).where(DeploymentFile.deployment_id == instance.definition.deployment_id)
    ).all()
    by_name = {f.name: f for f in files}
    own = by_name.get(instance.definition.bpmn_file)
    if own is not None and wanted == instance.process_id:
        return own.content
    marker = re.compile(rb'<(?:\w+:)?process\s[^>]*\bid="' + re.escape(wanted.encode()) + rb'"')
    for file in files:
        if file.name.endswith(".bpmn") and marker.search(file.content):
            return file.content
    return None
