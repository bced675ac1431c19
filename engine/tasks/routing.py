"""Who a human task goes to, and who may work on it.

Lane name = role group. Social-work tasks default to the case manager; a specialist already
associated with the case in that role gets the task; otherwise it waits, unassigned, for the
specialists of that role in the case's office (supervisor tasks for the office's supervisors).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.cases.service import visible_cases
from engine.tasks.models import HumanTask


def default_assignee(case: Case | None, role: str | None) -> int | None:
    if case is None or role is None:
        return None
    if role == Role.SOCIAL_WORKER and case.case_manager_id is not None:
        return case.case_manager_id
    if role == Role.SUPERVISOR:
        return None
    members = [m for m in case.members if m.role == role]
    return members[0].user_id if len(members) == 1 else None


def is_candidate(user: User, task: HumanTask) -> bool:
    """May ``user`` claim ``task``: same office and the task's role (supervisors see their office's tasks)."""
    if not user.active or task.office_id is None or user.office_id != task.office_id:
        return False
    return task.role is not None and user.has_role(task.role)


def candidate_clause(user: User) -> Any:
    """``is_candidate`` as a SQL condition on human_tasks."""
    roles = sorted(str(role) for role in user.roles)
    if not user.active or not roles:
        return false()
    return (HumanTask.office_id == user.office_id) & HumanTask.role.in_(roles)


def can_see(session: Session, user: User, task: HumanTask) -> bool:
    """May ``user`` see ``task``: theirs, one they could take, their office's as supervisor, or of a case they see."""
    if task.assignee_id == user.id or task.completed_by_id == user.id or is_candidate(user, task):
        return True
    if user.office_id == task.office_id and user.has_role(Role.SUPERVISOR):
        return True
    if task.case_id is not None:
        case = session.get(Case, task.case_id)
        return case is not None and case.can_view(user)
    return False


def visible_tasks(user: User) -> Select[Any]:
    """``can_see`` as one query, for lists (the API's and the inbox's)."""
    seen = [
        HumanTask.assignee_id == user.id,
        HumanTask.completed_by_id == user.id,
        HumanTask.case_id.in_(visible_cases(user).with_only_columns(Case.id)),
        candidate_clause(user),
    ]
    if user.has_role(Role.SUPERVISOR):
        seen.append(HumanTask.office_id == user.office_id)
    return select(HumanTask).where(or_(*seen))


def can_work(user: User, task: HumanTask) -> bool:
    """May ``user`` complete ``task`` now: its assignee, or a candidate while nobody holds it."""
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return is_candidate(user, task)
