"""The operation a process calls to remind people of their overdue work (the diagnosis reminder)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from engine.accounts.roles import Role
from engine.clock import utcnow
from engine.notifications.events import office_role_members, task_params
from engine.notifications.models import NotificationKind
from engine.notifications.service import notify_many
from engine.operations.registry import Call, OperationKind, operation
from engine.tasks.models import HumanTask, TaskState


@operation(
    "remind_overdue_tasks",
    kind=OperationKind.SERVICE,
    summary="Remind whoever holds an overdue task of this process (or, unassigned, the specialists of its role).",
)
def remind_overdue_tasks(call: Call) -> Mapping[str, Any]:
    now = utcnow()
    overdue = call.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == call.instance.id,
            HumanTask.state == TaskState.OPEN,
            HumanTask.due_at <= now,
        )
    ).all()
    for task in overdue:
        if task.assignee_id is not None:
            recipients = [task.assignee_id]
        else:
            recipients = office_role_members(call.session, task.office_id, task.role or Role.SUPERVISOR)
        notify_many(
            call.session,
            recipients,
            NotificationKind.TASK_REMINDER,
            dedupe_key=f"task:{task.id}:reminder",
            case_id=task.case_id,
            task_id=task.id,
            params=task_params(call.session, task),
        )
    return {}
