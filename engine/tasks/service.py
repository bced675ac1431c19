"""Work on human tasks: claim, unclaim, assign, save a draft, complete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.access.policy import can_see_task, can_work, is_candidate
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.cases import caseload
from engine.cases.models import Case, CaseMember
from engine.clock import utcnow
from engine.definitions.forms import DeployedForms, task_forms
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.instances import service as instances
from engine.instances.models import Incident, InstanceStatus
from engine.notifications import events as notification_events
from engine.operations.binding import form_operation, run_form_operation, subject_id
from engine.spiff.runner import StepFailed
from engine.tasks.models import HumanTask, TaskState
from forms.registry import FormNotFound, FormRegistry
from forms.validation import validate_data


@dataclass
class CompletionResult:
    task: HumanTask
    incident: Incident | None = None
    new_task_ids: list[int] | None = None


def get_task(session: Session, actor: User, task_id: int) -> HumanTask:
    """A task the actor may see, fully or as a candidate's summary (``engine.access.policy.task_view``)."""
    task = session.get(HumanTask, task_id)
    if task is None or not can_see_task(session, actor, task):
        raise NotFound(f"no task {task_id}")
    return task


def associate_with_case(session: Session, task: HumanTask, user: User) -> None:
    """Give the holder of a task routed to them by name (a team decision) access to its case."""
    _associate(session, task, user)


def _associate(session: Session, task: HumanTask, user: User) -> None:
    """Working on a case task gives the specialist record-level access to the case."""
    if task.case_id is None or task.role is None or task.role == Role.SUPERVISOR:
        return
    case = session.get(Case, task.case_id)
    if case is None or case.case_manager_id == user.id:
        return
    member = session.scalar(
        select(CaseMember.id).where(
            CaseMember.case_id == task.case_id, CaseMember.user_id == user.id, CaseMember.role == task.role
        )
    )
    if member is None:
        already_holds = session.scalar(
            select(CaseMember.id).where(CaseMember.case_id == task.case_id, CaseMember.user_id == user.id).limit(1)
        )
        session.add(CaseMember(case_id=task.case_id, user_id=user.id, role=task.role, added_at=utcnow()))
        if already_holds is None:
            caseload.joined(session, case, user.id)
        session.flush()
        session.expire(case, ["members"])


def claim_task(session: Session, actor: User, task_id: int) -> HumanTask:
    task = get_task(session, actor, task_id)
    _lock_and_refresh(session, task)
    if not task.is_open:
        raise Conflict("this task is no longer open")
    if task.assignee_id == actor.id:
        return task
    if task.assignee_id is not None:
        raise Conflict("someone else has already taken this task")
    if not is_candidate(actor, task):
        raise Forbidden("this task is for another role or office")
    task.assignee_id = actor.id
    task.claimed_at = utcnow()
    _associate(session, task, actor)
    record(
        session,
        "task.claimed",
        actor=actor,
        case_id=task.case_id,
        instance_id=task.instance_id,
        task_id=task.id,
    )
    return task


def unclaim_task(session: Session, actor: User, task_id: int) -> HumanTask:
    task = get_task(session, actor, task_id)
    _lock_and_refresh(session, task)
    if not task.is_open:
        raise Conflict("this task is no longer open")
    if task.assignee_id != actor.id and not _supervises(actor, task):
        raise Forbidden("only the assignee or a supervisor can release this task")
    task.assignee_id = None
    task.claimed_at = None
    record(
        session,
        "task.unclaimed",
        actor=actor,
        case_id=task.case_id,
        instance_id=task.instance_id,
        task_id=task.id,
    )
    return task


def assign_task(session: Session, actor: User, task_id: int, assignee_id: int) -> HumanTask:
    """A supervisor hands a task to a specialist of the task's role in the same office."""
    task = get_task(session, actor, task_id)
    if not _supervises(actor, task):
        raise Forbidden("only supervisors of the office can assign tasks")
    _lock_and_refresh(session, task)
    if not task.is_open:
        raise Conflict("this task is no longer open")
    assignee = session.get(User, assignee_id)
    if assignee is None:
        raise InvalidInput("unknown user", {"assignee_id": "no such user"})
    if not is_candidate(assignee, task):
        raise InvalidInput(
            "this person cannot take the task",
            {"assignee_id": f"needs the role {task.role} in the task's office"},
        )
    task.assignee_id = assignee.id
    task.claimed_at = utcnow()
    _associate(session, task, assignee)
    notification_events.task_assigned(session, task, actor)
    record(
        session,
        "task.assigned",
        actor=actor,
        case_id=task.case_id,
        instance_id=task.instance_id,
        task_id=task.id,
        assignee_id=assignee.id,
    )
    return task


def save_draft(session: Session, actor: User, task_id: int, data: dict[str, Any]) -> HumanTask:
    """Keep what has been typed so far; no validation, nothing runs."""
    task = get_task(session, actor, task_id)
    if not task.is_open:
        raise Conflict("this task is no longer open")
    if not can_work(actor, task):
        raise Forbidden("take the task before working on it")
    task.draft = dict(data)
    return task


def complete_task(
    session: Session, actor: User, task_id: int, data: dict[str, Any], *, forms: FormRegistry | None = None
) -> CompletionResult:
    """Validate ``data`` against the task's form, complete the task and run the process on.

    Completing a task that is already completed is a Conflict and never runs the engine again.
    """
    task = get_task(session, actor, task_id)
    instance = instances.lock_instance(session, task.instance_id)
    session.refresh(task)
    if task.state == TaskState.COMPLETED:
        raise Conflict("this task has already been completed")
    if task.state != TaskState.OPEN:
        raise Conflict("this task was withdrawn by the process and can no longer be completed")
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"the process is {instance.status}; it must be running to complete tasks")
    if not can_work(actor, task):
        raise Forbidden(
            "this task is assigned to someone else" if task.assignee_id else "this task is for another role"
        )
    operation = form_operation(task)
    data = _validated(task, data, forms or task_forms(session, task.instance_id))

    runner = instances.load_runner(session, instance)
    # The operation's rows and the step stand or fall together: a failing post-script leaves no record.
    savepoint = session.begin_nested()
    try:
        process_data = (
            run_form_operation(session, actor, instance, task, operation, runner.task_data(task.spiff_task_id), data)
            if operation is not None
            else data
        )
        runner.complete_human_task(task.spiff_task_id, process_data)
    except StepFailed as failure:
        savepoint.rollback()
        task.draft = data
        incident = instances.raise_incident(session, instance, failure, kind="completion", human_task_id=task.id)
        return CompletionResult(task=task, incident=incident)
    except LookupError:
        savepoint.rollback()
        raise Conflict("the process has moved on; this task can no longer be completed") from None
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    checkpoint = runner.dump()
    changed = sorted(key for key, value in data.items() if task.input_data.get(key) != value)
    task.state = TaskState.COMPLETED
    task.completed_at = utcnow()
    task.completed_by_id = actor.id
    task.assignee_id = task.assignee_id or actor.id
    task.submitted = process_data
    task.draft = None
    if operation is not None and task.subject_id is None:
        task.subject_id = subject_id(operation, process_data)
    _associate(session, task, actor)
    _resolve_completion_incidents(session, actor, instance.id, task)
    record(
        session,
        "task.completed",
        actor=actor,
        case_id=task.case_id,
        instance_id=task.instance_id,
        task_id=task.id,
        element_id=task.element_id,
        changed_keys=changed,
    )
    outcome = instances.advance(session, actor, instance, runner, checkpoint=checkpoint)
    return CompletionResult(task=task, incident=outcome.incident, new_task_ids=outcome.new_task_ids)


def _validated(task: HumanTask, data: dict[str, Any], forms: FormRegistry | DeployedForms) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidInput("the form data must be an object", {"(form)": "send an object of field values"})
    if not task.form_key:
        return dict(data)
    try:
        schema = forms.load(task.form_key)
    except FormNotFound:
        raise Conflict(f"the form {task.form_key!r} of this task is missing; tell the process owner") from None
    problems = validate_data(schema, data)
    if problems:
        raise InvalidInput("some fields need correcting", {path: problem.message for path, problem in problems.items()})
    return dict(data)


def _resolve_completion_incidents(session: Session, actor: User, instance_id: int, task: HumanTask) -> None:
    """Completing the task resolves what its failed completions raised, on whichever element."""
    for incident in session.scalars(
        select(Incident).where(
            Incident.instance_id == instance_id,
            Incident.resolved_at.is_(None),
            Incident.kind == "completion",
            or_(Incident.human_task_id == task.id, Incident.element_id == task.element_id),
        )
    ):
        incident.resolved_at = utcnow()
        incident.resolved_by_id = actor.id
        incident.resolution = "completed"


def _supervises(actor: User, task: HumanTask) -> bool:
    return actor.has_role(Role.SUPERVISOR) and actor.office_id == task.office_id


def _lock_and_refresh(session: Session, task: HumanTask) -> None:
    instances.lock_instance(session, task.instance_id)
    session.refresh(task)
