"""Keep the human-task and timer tables in step with an instance's workflow state."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.definitions.forms import DeployedForms
from engine.instances.models import Timer, TimerStatus
from engine.operations.binding import prefill, subject_id
from engine.operations.registry import get_operation
from engine.sandbox.helpers import add_duration
from engine.spiff.runner import HumanTaskInfo, InstanceRunner
from engine.spiff.serialization import plain_json
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.routing import default_assignee
from forms.registry import FormNotFound

if TYPE_CHECKING:
    from engine.instances.models import ProcessInstance


def _form_fields(forms: DeployedForms, form_key: str | None) -> set[str] | None:
    if not form_key:
        return None
    try:
        schema = forms.load(form_key)
    except (FormNotFound, ValueError):
        return None
    return set((schema.get("properties") or {}).keys())


def _input_data(forms: DeployedForms, info: HumanTaskInfo, data: dict[str, Any]) -> dict[str, Any]:
    """The values the form starts with: only the task data its own fields name."""
    fields = _form_fields(forms, info.properties.get("formKey"))
    if not fields:
        return {}
    result: dict[str, Any] = plain_json({key: data[key] for key in fields if key in data})
    return result


#: Deadlines a process names as a day end where the offices work.
OFFICE_ZONE = ZoneInfo("Europe/Warsaw")


def _routing_from_data(
    props: dict[str, Any], data: dict[str, Any], lane: str | None
) -> tuple[str | None, int | None, datetime | None]:
    """Role, assignee and due time named by the process data, for tasks whose recipient is decided at run time.

    A lane is drawn once, but a team decision names its own role, person and deadline: the task's
    ``roleFrom`` / ``assigneeFrom`` / ``dueOnFrom`` properties name the data keys that hold them.
    """
    role: str | None = lane
    wanted_role = data.get(props["roleFrom"]) if props.get("roleFrom") else None
    if isinstance(wanted_role, str) and wanted_role in {str(r) for r in Role}:
        role = wanted_role
    assignee = data.get(props["assigneeFrom"]) if props.get("assigneeFrom") else None
    assignee_id = assignee if isinstance(assignee, int) and not isinstance(assignee, bool) else None
    due_at = None
    due_on = data.get(props["dueOnFrom"]) if props.get("dueOnFrom") else None
    if isinstance(due_on, str):
        try:
            due_on = date.fromisoformat(due_on[:10])
        except ValueError:
            due_on = None
    if isinstance(due_on, date):
        # Due by the end of that day where the office works.
        local_end = datetime.combine(due_on, time(23, 59), tzinfo=OFFICE_ZONE)
        due_at = local_end.astimezone(UTC)
    return role, assignee_id, due_at


def _may_hold(session: Session, user_id: int, office_id: int | None, role: str | None) -> bool:
    user = session.get(User, user_id)
    return user is not None and user.active and user.office_id == office_id and role is not None and user.has_role(role)


def sync(
    session: Session, instance: ProcessInstance, runner: InstanceRunner, *, actor_id: int | None = None
) -> list[HumanTask]:
    """Create rows for newly ready user tasks; cancel open rows whose task is gone. Return the new ones.

    ``actor_id``: whoever made the process move on; the tasks that come back to them are not announced.
    """
    ready = {info.spiff_id: info for info in runner.ready_human_tasks()}
    open_rows = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == TaskState.OPEN)
    ).all()
    known = {row.spiff_task_id for row in open_rows}
    for row in open_rows:
        if row.spiff_task_id not in ready:
            row.state = TaskState.CANCELLED
            row.completed_at = utcnow()
            record(
                session,
                "task.cancelled",
                actor_name="engine",
                case_id=row.case_id,
                instance_id=instance.id,
                task_id=row.id,
                element_id=row.element_id,
            )
    fresh = [info for spiff_id, info in ready.items() if spiff_id not in known]
    case = session.get(Case, instance.case_id) if fresh and instance.case_id else None
    now = utcnow()
    forms = DeployedForms(session, instance.definition.deployment_id)
    created = []
    for spiff_id, info in ready.items():
        if spiff_id in known:
            continue
        props = info.properties
        due_in = props.get("dueIn")
        data = runner.task_data(spiff_id)
        operation = get_operation(props.get("operation"))
        role, named_assignee, named_due_at = _routing_from_data(props, data, info.lane)
        if named_assignee is not None and not _may_hold(session, named_assignee, instance.office_id, role):
            named_assignee = None  # data naming someone outside the office or the role routes to the role
        row = HumanTask(
            spiff_task_id=spiff_id,
            instance_id=instance.id,
            case_id=instance.case_id,
            office_id=instance.office_id,
            process_id=info.process_id,
            element_id=info.element_id,
            name_pl=info.name[:300],
            name_en=(props.get("nameEn") or info.name)[:300],
            role=role,
            form_key=props.get("formKey"),
            operation=props.get("operation") or None,
            subject_kind=operation.subject.kind if operation is not None and operation.subject else None,
            subject_id=subject_id(operation, data),
            instructions=info.documentation,
            assignee_id=named_assignee or default_assignee(case, role),
            state=TaskState.OPEN,
            created_at=now,
            due_at=named_due_at or (add_duration(now, due_in) if due_in else None),
            input_data={**_input_data(forms, info, data), **prefill(session, instance, operation, data)},
        )
        session.add(row)
        created.append(row)
    session.flush()
    for row in created:
        record(
            session,
            "task.created",
            actor_name="engine",
            case_id=row.case_id,
            instance_id=instance.id,
            task_id=row.id,
            element_id=row.element_id,
            role=row.role,
            assignee_id=row.assignee_id,
        )
    from engine.notifications.events import tasks_created

    tasks_created(session, created, actor_id=actor_id)
    return created


def sync_timers(session: Session, instance: ProcessInstance, runner: InstanceRunner) -> None:
    """Persist newly waiting timers; close rows whose timer is no longer waiting."""
    waiting = {(t.spiff_id, t.due_at): t for t in runner.pending_timers()}
    now = utcnow()
    rows = session.scalars(
        select(Timer).where(Timer.instance_id == instance.id, Timer.status == TimerStatus.PENDING)
    ).all()
    known = set()
    for row in rows:
        key = (row.spiff_task_id, row.due_at)
        if key in waiting:
            known.add(key)
            continue
        if row.due_at <= now:
            row.status = TimerStatus.FIRED
            row.fired_at = now
            record(
                session,
                "timer.fired",
                actor_name="scheduler",
                case_id=instance.case_id,
                instance_id=instance.id,
                timer_id=row.id,
                element_id=row.element_id,
            )
        else:
            row.status = TimerStatus.CANCELLED
    for key, timer in waiting.items():
        if key not in known:
            session.add(
                Timer(
                    instance_id=instance.id,
                    spiff_task_id=timer.spiff_id,
                    element_id=timer.element_id,
                    due_at=timer.due_at,
                    status=TimerStatus.PENDING,
                    created_at=now,
                )
            )


def cancel_open(session: Session, instance: ProcessInstance) -> None:
    for row in session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == TaskState.OPEN)
    ):
        row.state = TaskState.CANCELLED
        row.completed_at = utcnow()
