"""The periodic scan: tasks due tomorrow and overdue tasks notify the people who hold them."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.roles import Role
from engine.clock import utcnow
from engine.notifications.events import LOCAL, office_role_members, task_params
from engine.notifications.models import NotificationKind
from engine.notifications.service import notify, notify_many
from engine.tasks.models import HumanTask, TaskState


def scan_due_tasks(session: Session) -> int:
    """Notify once per task: the assignee the day before it is due; the assignee (or, unassigned, the
    office's supervisors) once it is overdue. Returns how many notifications were made."""
    now = utcnow()
    today = now.astimezone(LOCAL).date()
    tomorrow_start = datetime.combine(today + timedelta(days=1), time.min, tzinfo=LOCAL)
    tomorrow_end = tomorrow_start + timedelta(days=1)
    made = 0
    due_tomorrow = session.scalars(
        select(HumanTask).where(
            HumanTask.state == TaskState.OPEN,
            HumanTask.assignee_id.is_not(None),
            HumanTask.due_at >= tomorrow_start,
            HumanTask.due_at < tomorrow_end,
        )
    ).all()
    for task in due_tomorrow:
        assert task.assignee_id is not None
        made += (
            notify(
                session,
                task.assignee_id,
                NotificationKind.TASK_DUE_TOMORROW,
                dedupe_key=f"task:{task.id}:due_tomorrow",
                case_id=task.case_id,
                task_id=task.id,
                params=task_params(session, task),
            )
            is not None
        )
    overdue = session.scalars(select(HumanTask).where(HumanTask.state == TaskState.OPEN, HumanTask.due_at < now)).all()
    for task in overdue:
        recipients = (
            [task.assignee_id]
            if task.assignee_id is not None
            else office_role_members(session, task.office_id, Role.SUPERVISOR)
        )
        made += len(
            notify_many(
                session,
                recipients,
                NotificationKind.TASK_OVERDUE,
                dedupe_key=f"task:{task.id}:overdue",
                case_id=task.case_id,
                task_id=task.id,
                params=task_params(session, task),
            )
        )
    return made
