"""Who a human task goes to, and who may work on it.

Lane name = role group. Social-work tasks default to the case manager; a specialist already
associated with the case in that role gets the task; otherwise it waits, unassigned, for the
specialists of that role in the case's office (supervisor tasks for the office's supervisors).
Who may see, take and work a task is the access policy's (``engine.access.policy``).
"""

from __future__ import annotations

from engine.accounts.roles import Role
from engine.cases.models import Case


def default_assignee(case: Case | None, role: str | None) -> int | None:
    if case is None or role is None:
        return None
    if role == Role.SOCIAL_WORKER and case.case_manager_id is not None:
        return case.case_manager_id
    if role == Role.SUPERVISOR:
        return None
    members = [m for m in case.members if m.role == role]
    return members[0].user_id if len(members) == 1 else None
