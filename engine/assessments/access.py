"""Who may read (and record) an assessment's details: the area's special category in ``engine.access``."""

from __future__ import annotations

from engine.access.categories import ASSESSMENT_AREAS, READERS
from engine.access.policy import may_read
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case

AREAS = ("legal", "psychological", "social", "vocational")

_CASE_WORK = (Role.SOCIAL_WORKER, Role.LAWYER, Role.PSYCHOLOGIST, Role.CAREER_COUNSELLOR, Role.SUPERVISOR)


def may_read_details(actor: User, area: str, case: Case | None) -> bool:
    return actor.has_role(*_CASE_WORK) and may_read(actor, ASSESSMENT_AREAS.get(area), case)


def readers_text(area: str) -> str:
    """The area's readers, for messages and the operation catalogue."""
    category = ASSESSMENT_AREAS.get(area)
    readers = READERS[category] if category is not None else frozenset(str(role) for role in _CASE_WORK)
    return ", ".join(sorted(readers))
