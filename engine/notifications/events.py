"""Turn what happens to tasks, plans and team decisions into notifications for the people concerned."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User, UserRole
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.notifications.models import NotificationKind
from engine.notifications.service import notify, notify_many
from engine.tasks.models import HumanTask

LOCAL = ZoneInfo("Europe/Warsaw")


def local_day(moment: datetime | None) -> str | None:
    return moment.astimezone(LOCAL).date().isoformat() if moment is not None else None


def task_params(session: Session, task: HumanTask) -> dict[str, object]:
    """What a task notification may say: the case number, the task's name from the process, its due day."""
    case = session.get(Case, task.case_id) if task.case_id is not None else None
    return {
        "case_number": case.number if case else None,
        "task_pl": task.name_pl,
        "task_en": task.name_en,
        "due_on": local_day(task.due_at),
    }


def office_role_members(session: Session, office_id: int | None, role: str) -> list[int]:
    if office_id is None:
        return []
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.office_id == office_id, User.active.is_(True), UserRole.role == role)
        )
    )


def is_approval(task: HumanTask) -> bool:
    """A supervisor's decision on someone else's work (the ``decide_*`` operations)."""
    return task.role == Role.SUPERVISOR and (task.operation or "").startswith("decide_")


#: Tasks announced by a notification of their own (a team decision tells its recipient itself).
ANNOUNCED_ELSEWHERE = frozenset({"record_team_follow_up"})


def tasks_created(session: Session, tasks: Iterable[HumanTask], *, actor_id: int | None = None) -> None:
    """A new task goes to its assignee; an approval or an unassigned supervisor task to the office's supervisors.

    The person whose step created the task is not told about it: they are looking at it already.
    """
    for task in tasks:
        if task.operation in ANNOUNCED_ELSEWHERE:
            continue
        if task.assignee_id is not None and task.assignee_id == actor_id:
            continue
        params = task_params(session, task)
        if task.assignee_id is not None:
            notify(
                session,
                task.assignee_id,
                NotificationKind.TASK_ASSIGNED,
                dedupe_key=f"task:{task.id}:assigned:{task.assignee_id}",
                case_id=task.case_id,
                task_id=task.id,
                params=params,
            )
        elif task.role == Role.SUPERVISOR:
            kind = NotificationKind.APPROVAL_WAITING if is_approval(task) else NotificationKind.TASK_ASSIGNED
            notify_many(
                session,
                [u for u in office_role_members(session, task.office_id, Role.SUPERVISOR) if u != actor_id],
                kind,
                dedupe_key=f"task:{task.id}:{kind}",
                case_id=task.case_id,
                task_id=task.id,
                params=params,
            )


def task_assigned(session: Session, task: HumanTask, actor: User | None) -> None:
    """A supervisor handed a task to someone (claiming one's own task tells no one)."""
    if task.assignee_id is None or (actor is not None and actor.id == task.assignee_id):
        return
    notify(
        session,
        task.assignee_id,
        NotificationKind.TASK_ASSIGNED,
        dedupe_key=f"task:{task.id}:assigned:{task.assignee_id}",
        case_id=task.case_id,
        task_id=task.id,
        params=task_params(session, task),
    )


def plan_returned(session: Session, case: Case, drafter_id: int | None, plan_id: int, version: int) -> None:
    if drafter_id is None:
        return
    notify(
        session,
        drafter_id,
        NotificationKind.PLAN_RETURNED,
        dedupe_key=f"plan:{plan_id}:{version}:returned",
        case_id=case.id,
        params={"case_number": case.number},
    )


def team_decision(
    session: Session,
    *,
    decision_id: int,
    case: Case | None,
    office_id: int,
    role: str,
    assignee_id: int | None,
    due_on: str,
    task_id: int | None = None,
) -> None:
    """The person the team named, or everyone of the role in the office, hears of the decision."""
    recipients = [assignee_id] if assignee_id is not None else office_role_members(session, office_id, role)
    notify_many(
        session,
        recipients,
        NotificationKind.TEAM_DECISION,
        dedupe_key=f"team_decision:{decision_id}",
        case_id=case.id if case else None,
        task_id=task_id,
        params={"case_number": case.number if case else None, "due_on": due_on},
    )
