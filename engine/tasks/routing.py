"""Who a human task goes to, and who may work on it.

Lane name = role group. Social-work tasks default to the case manager; a specialist already
associated with the case in that role gets the task; otherwise it waits, unassigned, for the
specialists of that role in the case's office (supervisor tasks for the office's supervisors).
"""

from __future__ import annotations

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
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


def can_work(user: User, task: HumanTask) -> bool:
    """May ``user`` complete ``task`` now: its assignee, or a candidate while nobody holds it."""
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return is_candidate(user, task)
