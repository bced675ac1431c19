"""Who may decide what: the rules every operation that decides or records something applies."""

from __future__ import annotations

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.errors import Forbidden


def require_actor(actor: User | None) -> User:
    if actor is None:
        raise Forbidden("a person must do this, not the engine")
    return actor


def require_supervisor(actor: User | None, case: Case) -> User:
    """Decisions are made by supervisors of the case's office."""
    person = require_actor(actor)
    if not person.has_role(Role.SUPERVISOR) or person.office_id != case.office_id:
        raise Forbidden("only a supervisor of the case's office can decide this")
    return person


def four_eyes(actor: User, prepared_by_id: int | None, what: str) -> None:
    """Whoever prepared a request never decides it."""
    if prepared_by_id is not None and prepared_by_id == actor.id:
        raise Forbidden(f"four-eyes rule: you prepared this {what}; another supervisor must decide it")
