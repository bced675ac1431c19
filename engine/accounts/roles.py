"""The role groups of the domain; a BPMN lane name is one of these ids."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SOCIAL_WORKER = "social_worker"
    PSYCHOLOGIST = "psychologist"
    LAWYER = "lawyer"
    CAREER_COUNSELLOR = "career_counsellor"
    SUPERVISOR = "supervisor"
    PROCESS_OWNER = "process_owner"
    ADMIN = "admin"
    NATIONAL_ADMIN = "national_admin"


#: Roles that carry out case work (hold cases, get diagnosis and delivery tasks).
SPECIALIST_ROLES = frozenset({Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.LAWYER, Role.CAREER_COUNSELLOR})
ROLE_IDS = frozenset(role.value for role in Role)


def parse_role(value: str) -> Role:
    """Return the role named ``value`` or raise ValueError listing the valid ones."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValueError(f"unknown role {value!r}; valid roles: {', '.join(sorted(ROLE_IDS))}") from None
