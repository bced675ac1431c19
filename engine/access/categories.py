"""Special-category areas (GDPR art. 9 and other sensitive facts) and the roles that read their details.

The one table of this rule. Whoever may see a case but is not a reader of an area learns that an item of the
area exists, its date and its priority, never its content (the narrative, the note, the flag's reason, the
address). Readers are role ids, plus ``CASE_MANAGER`` for the case's own manager whatever their roles.

Choices, and why:
- health (psychological assessment, psychological sessions, medical flags, any session note marked as health):
  psychologists only; nobody else needs the diagnosis to do their work, its priority is enough to plan.
- trafficking indicators: the case manager (refers to KCIK, plans safety), the office's supervisors (four-eyes on
  the response) and lawyers (the victim's certificate and residence permit are legal work).
- hidden address: the case manager and supervisors; everyone else meets the person at the office.
- legal proceedings (the legal assessment, lawyers' sessions): lawyers, the case manager and supervisors.
"""

from __future__ import annotations

from enum import StrEnum

from engine.accounts.roles import Role


class Category(StrEnum):
    HEALTH = "health"
    TRAFFICKING = "trafficking"
    HIDDEN_ADDRESS = "hidden_address"
    LEGAL = "legal"


#: A reader that is a relation to the case, not a role.
CASE_MANAGER = "case_manager"

#: Category → who reads its details.
READERS: dict[Category, frozenset[str]] = {
    Category.HEALTH: frozenset({Role.PSYCHOLOGIST}),
    Category.TRAFFICKING: frozenset({CASE_MANAGER, Role.SUPERVISOR, Role.LAWYER}),
    Category.HIDDEN_ADDRESS: frozenset({CASE_MANAGER, Role.SUPERVISOR}),
    Category.LEGAL: frozenset({Role.LAWYER, CASE_MANAGER, Role.SUPERVISOR}),
}

#: Assessment area → its category (the social and vocational areas are for everyone who sees the case).
ASSESSMENT_AREAS: dict[str, Category] = {
    "psychological": Category.HEALTH,
    "legal": Category.LEGAL,
}

#: Case flag kind → the category of its reason.
FLAG_KINDS: dict[str, Category] = {
    "medical": Category.HEALTH,
    "trafficking_indicators": Category.TRAFFICKING,
    "security_hidden_address": Category.HIDDEN_ADDRESS,
}

#: Task or session role (a BPMN lane) → the category of the work done in it.
WORK_ROLES: dict[str, Category] = {
    Role.PSYCHOLOGIST: Category.HEALTH,
    Role.LAWYER: Category.LEGAL,
}


def reader_roles(category: Category) -> frozenset[str]:
    """The roles (not relations) that read ``category``."""
    return frozenset(reader for reader in READERS[category] if reader != CASE_MANAGER)
