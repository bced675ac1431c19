"""Start, advance and operate process instances.

Every change to an instance happens under ``locked_instance``: the instance row is locked
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serializes writers with BEGIN IMMEDIATE) and its
version is checked on write, so two specialists completing parallel tasks are applied one after
the other and neither is lost. The state, the human-task projection and the timers are written in
the same transaction. Nothing here commits: the edge (request, Celery task, command) does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.analytics.passages import record_passages
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.definitions.service import latest_definition, spec_bundle
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.instances.models import (
    Incident,
    InstanceState,
    InstanceStatus,
    ProcessInstance,
    Timer,
    TimerStatus,
)
from engine.operations.binding import ServiceOperations, record_keys
from engine.spiff.runner import InstanceRunner, StepFailed
from engine.tasks import projection


@dataclass
class StepOutcome:
    """What a change to an instance led to; ``incident`` is set when the engine stopped on an error."""

    instance: ProcessInstance
    incident: Incident | None = None
    new_task_ids: list[int] = field(default_factory=list)


def lock_instance(session: Session, instance_id: int) -> ProcessInstance:
    """Load an instance with its row locked until the transaction ends."""
    stmt = select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update(of=ProcessInstance)
    instance = session.execute(stmt, execution_options={"populate_existing": True}).unique().scalar_one_or_none()
    if instance is None:
        raise NotFound(f"no process instance {instance_id}")
    return instance


def load_runner(session: Session, instance: ProcessInstance) -> InstanceRunner:
    state = session.get(InstanceState, instance.id, populate_existing=True)
    if state is None:
        raise NotFound(f"process instance {instance.id} has no stored state")
    return InstanceRunner.load(state.state, spec_bundle(instance.definition))


def _save(session: Session, instance: ProcessInstance, runner: InstanceRunner) -> None:
    state = session.get(InstanceState, instance.id)
    dumped = runner.dump()
    if state is None:
        session.add(InstanceState(instance_id=instance.id, state=dumped, updated_at=utcnow()))
    else:
        state.state = dumped
        state.updated_at = utcnow()
    instance.task_count = runner.tree_size()
    instance.updated_at = utcnow()


def start_instance(
    session: Session,
    actor: User | None,
    process_id: str,
    *,
    case: Case | None = None,
    data: Mapping[str, Any] | None = None,
    parent: ProcessInstance | None = None,
    office_id: int | None = None,
) -> StepOutcome:
    """Start the newest version of ``process_id`` (for ``case``, when given) and run it to its first wait.

    A process that belongs to no case belongs to ``office_id`` (default: the actor's office).
    """
    if actor is not None:
        if case is not None and not case.can_view(actor):
            raise Forbidden("you have no access to this case")
        if case is None and not actor.has_role(Role.SUPERVISOR, Role.ADMIN, Role.PROCESS_OWNER):
            raise Forbidden("only supervisors can start processes that belong to no case")
    definition = latest_definition(session, process_id)
    start_data = dict(data or {})
    if case is not None:
        start_data.setdefault("case_id", case.id)
        start_data.setdefault("case_number", case.number)
    runner = InstanceRunner.start(spec_bundle(definition), start_data)
    instance = ProcessInstance(
        definition=definition,
        process_id=definition.process_id,
        case_id=case.id if case else None,
        office_id=case.office_id if case else (office_id or (actor.office_id if actor else None)),
        parent_instance_id=parent.id if parent else None,
        status=InstanceStatus.RUNNING,
        started_at=utcnow(),
        started_by_id=actor.id if actor else None,
        updated_at=utcnow(),
    )
    session.add(instance)
    session.flush()
    record(
        session,
        "instance.started",
        actor=actor,
        case_id=instance.case_id,
        instance_id=instance.id,
        process_id=definition.process_id,
        version=definition.version,
    )
    return advance(session, actor, instance, runner, checkpoint=runner.dump())


def advance(
    session: Session,
    actor: User | None,
    instance: ProcessInstance,
    runner: InstanceRunner,
    *,
    checkpoint: str,
    incident_kind: str = "engine",
) -> StepOutcome:
    """Run the engine from ``runner``; on failure keep ``checkpoint`` and raise an incident.

    Either way the state, the task projection and the timers are saved consistently.
    """
    incident = None
    try:
        run_engine(session, actor, instance, runner)
    except StepFailed as failure:
        runner = InstanceRunner.load(checkpoint, spec_bundle(instance.definition))
        incident = raise_incident(session, instance, failure, kind=incident_kind)
    new_tasks = _settle(session, actor, instance, runner, succeeded=incident is None)
    return StepOutcome(instance=instance, incident=incident, new_task_ids=[t.id for t in new_tasks])


def run_engine(session: Session, actor: User | None, instance: ProcessInstance, runner: InstanceRunner) -> None:
    """Run the engine with operations bound; a failed step leaves no row that its operations wrote."""
    runner.bind_operations(ServiceOperations(session, actor, instance))
    savepoint = session.begin_nested()
    try:
        runner.advance()
        record_passages(session, instance, runner.take_gateway_choices())
    except BaseException:
        runner.take_gateway_choices()  # a failed step is rolled back: its passages never happened
        savepoint.rollback()
        raise
    finally:
        runner.bind_operations(None)
    savepoint.commit()


def _settle(
    session: Session, actor: User | None, instance: ProcessInstance, runner: InstanceRunner, *, succeeded: bool
) -> list[Any]:
    """Save the state, bring tasks and timers in line, and apply what a successful step leads to."""
    _save(session, instance, runner)
    new_tasks = projection.sync(session, instance, runner, actor_id=actor.id if actor else None)
    projection.sync_timers(session, instance, runner)
    finished = succeeded and runner.is_finished()
    if finished:
        _finish(session, actor, instance)
    session.flush()
    instance.has_open_incident = (
        session.scalar(
            select(Incident.id).where(Incident.instance_id == instance.id, Incident.resolved_at.is_(None)).limit(1)
        )
        is not None
    )
    return new_tasks


def _finish(session: Session, actor: User | None, instance: ProcessInstance) -> None:
    instance.status = InstanceStatus.COMPLETED
    instance.ended_at = utcnow()
    record(session, "instance.completed", actor=actor, case_id=instance.case_id, instance_id=instance.id)


def raise_incident(
    session: Session, instance: ProcessInstance, failure: StepFailed, *, kind: str, human_task_id: int | None = None
) -> Incident:
    """Record a failure on the instance; an identical open incident is reused, not repeated."""
    existing = session.scalar(
        select(Incident).where(
            Incident.instance_id == instance.id,
            Incident.resolved_at.is_(None),
            Incident.element_id == failure.element_id,
            Incident.message == failure.message,
        )
    )
    if existing is not None:
        existing.human_task_id = existing.human_task_id or human_task_id
        return existing
    incident = Incident(
        human_task_id=human_task_id,
        instance_id=instance.id,
        case_id=instance.case_id,
        element_id=failure.element_id,
        element_name=failure.element_name,
        kind=kind,
        message=failure.message[:4000],
        raised_at=utcnow(),
    )
    session.add(incident)
    instance.has_open_incident = True
    session.flush()
    record(
        session,
        "incident.raised",
        actor_name="engine",
        case_id=instance.case_id,
        instance_id=instance.id,
        incident_id=incident.id,
        element_id=failure.element_id,
        # The message stays on the incident: the log is kept for good and a message can quote process data.
        incident_kind=incident.kind,
    )
    return incident


def _operable(session: Session, actor: User, instance: ProcessInstance) -> None:
    from engine.access.policy import can_operate_instance

    if not can_operate_instance(session, actor, instance):
        raise Forbidden("only supervisors and administrators of the office can operate process instances")


def suspend_instance(session: Session, actor: User, instance_id: int, reason: str | None = None) -> ProcessInstance:
    """Pause an instance: its tasks cannot be completed and its timers wait."""
    instance = lock_instance(session, instance_id)
    _operable(session, actor, instance)
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"only a running instance can be suspended; this one is {instance.status}")
    instance.status = InstanceStatus.SUSPENDED
    instance.updated_at = utcnow()
    record(
        session,
        "instance.suspended",
        actor=actor,
        case_id=instance.case_id,
        instance_id=instance.id,
        reason=reason,
    )
    return instance


def resume_instance(session: Session, actor: User, instance_id: int) -> StepOutcome:
    """Continue a suspended instance; timers that fell due meanwhile fire now."""
    instance = lock_instance(session, instance_id)
    _operable(session, actor, instance)
    if instance.status != InstanceStatus.SUSPENDED:
        raise Conflict(f"only a suspended instance can be resumed; this one is {instance.status}")
    instance.status = InstanceStatus.RUNNING
    record(session, "instance.resumed", actor=actor, case_id=instance.case_id, instance_id=instance.id)
    if instance.has_open_incident:
        instance.updated_at = utcnow()
        return StepOutcome(instance=instance)
    runner = load_runner(session, instance)
    return advance(session, actor, instance, runner, checkpoint=runner.dump())


def cancel_instance(session: Session, actor: User, instance_id: int, reason: str) -> ProcessInstance:
    """Stop an instance for good; its open tasks and timers are cancelled. A reason is required."""
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required to cancel a process", {"reason": "say why the process is cancelled"})
    instance = lock_instance(session, instance_id)
    _operable(session, actor, instance)
    if not instance.is_active:
        raise Conflict(f"the instance is already {instance.status}")
    runner = load_runner(session, instance)
    runner.workflow.cancel()
    _save(session, instance, runner)
    instance.status = InstanceStatus.CANCELLED
    instance.ended_at = utcnow()
    instance.end_reason = reason.strip()
    projection.cancel_open(session, instance)
    session.execute(
        update(Timer)
        .where(Timer.instance_id == instance.id, Timer.status == TimerStatus.PENDING)
        .values(status=TimerStatus.CANCELLED)
    )
    _resolve_incidents(session, actor, instance, "cancelled")
    record(
        session,
        "instance.cancelled",
        actor=actor,
        case_id=instance.case_id,
        instance_id=instance.id,
        reason=reason.strip(),
    )
    return instance


def retry_incident(session: Session, actor: User, incident_id: int) -> StepOutcome:
    """Run the engine again from the last good state; resolves the instance's incidents on success."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    instance = lock_instance(session, incident.instance_id)
    _operable(session, actor, instance)
    session.refresh(incident)
    if not incident.is_open:
        raise Conflict("this incident is already resolved")
    if incident.kind == "completion":
        raise Conflict(
            "this error happened while a task was being completed: once the cause is fixed, "
            "the task's assignee completes it again (their answers were kept as a draft)"
        )
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"resume the instance before retrying (it is {instance.status})")
    runner = load_runner(session, instance)
    record(
        session,
        "incident.retried",
        actor=actor,
        case_id=instance.case_id,
        instance_id=instance.id,
        incident_id=incident.id,
    )
    try:
        run_engine(session, actor, instance, runner)
    except StepFailed as failure:
        incident.message = failure.message[:4000]
        incident.element_id = failure.element_id or incident.element_id
        record(
            session,
            "incident.retry_failed",
            actor=actor,
            case_id=instance.case_id,
            instance_id=instance.id,
            incident_id=incident.id,
            element_id=incident.element_id,  # the message stays on the incident (see raise_incident)
        )
        return StepOutcome(instance=instance, incident=incident)
    _resolve_incidents(session, actor, instance, "retried")
    new_tasks = _settle(session, actor, instance, runner, succeeded=True)
    return StepOutcome(instance=instance, new_task_ids=[t.id for t in new_tasks])


def _resolve_incidents(session: Session, actor: User | None, instance: ProcessInstance, resolution: str) -> None:
    for incident in session.scalars(
        select(Incident).where(Incident.instance_id == instance.id, Incident.resolved_at.is_(None))
    ):
        incident.resolved_at = utcnow()
        incident.resolved_by_id = actor.id if actor else None
        incident.resolution = resolution
        record(
            session,
            "incident.resolved",
            actor=actor,
            case_id=instance.case_id,
            instance_id=instance.id,
            incident_id=incident.id,
            resolution=resolution,
        )
    instance.has_open_incident = False


def set_instance_variables(session: Session, actor: User, instance_id: int, values: Mapping[str, Any]) -> None:
    """Correct process data (e.g. before retrying an incident); every open task sees the new values."""
    bad = [key for key in values if not isinstance(key, str) or not key.isidentifier() or key.startswith("_")]
    if bad:
        raise InvalidInput(
            "invalid variable names", {key: "use a plain name such as monthly_rent" for key in map(str, bad)}
        )
    owned = sorted(set(values) & record_keys())
    if owned:
        raise InvalidInput(
            "these values belong to the case records and change only through their operations",
            {key: "record ids and decisions cannot be set by hand" for key in owned},
        )
    instance = lock_instance(session, instance_id)
    _operable(session, actor, instance)
    runner = load_runner(session, instance)
    runner.set_variables(dict(values))
    _save(session, instance, runner)
    record(
        session,
        "instance.variables_changed",
        actor=actor,
        case_id=instance.case_id,
        instance_id=instance.id,
        keys=sorted(values),
    )
