"""Who may read the narrative of an assessment, per area: the one rule, as configuration."""

from __future__ import annotations

from engine.accounts.models import User
from engine.accounts.roles import Role

AREAS = ("legal", "psychological", "social", "vocational")

_CASE_WORK = frozenset({Role.SOCIAL_WORKER, Role.LAWYER, Role.PSYCHOLOGIST, Role.CAREER_COUNSELLOR, Role.SUPERVISOR})

#: Area → the roles that may read its details (situation and the area's fields). Health data (the
#: psychological assessment) is for psychologists only; the rest is for the people who work the case.
DETAIL_READERS: dict[str, frozenset[Role]] = {
    "legal": _CASE_WORK,
    "social": _CASE_WORK,
    "vocational": _CASE_WORK,
    "psychological": frozenset({Role.PSYCHOLOGIST}),
}


def may_read_details(actor: User, area: str) -> bool:
    roles = DETAIL_READERS.get(area, frozenset())
    return actor.has_role(*roles)
