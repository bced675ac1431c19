"""Who may decide what: the rules every operation that decides or records something applies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.errors import Conflict, Forbidden
from engine.operations import inputs


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


@dataclass(frozen=True)
class DecisionForm:
    """How an approval form names its decision and comment, and which decision needs a reason."""

    decision_field: str
    comment_field: str
    choices: tuple[str, ...]
    needs_comment: str  # the decision that must say why (a rejection, a return)


def take_decision(
    form: Mapping[str, Any],
    actor: User,
    *,
    what: str,
    prepared_by_id: int | None,
    status: str,
    waiting: str,
    fields: DecisionForm,
) -> tuple[str, str | None]:
    """The supervisor's decision on a request: never on their own, only while it waits, a reason when refusing."""
    four_eyes(actor, prepared_by_id, what)
    if status != waiting:
        raise Conflict(f"this {what} is {status}; it is not waiting for a decision")
    decision = inputs.choice(form, fields.decision_field, fields.choices)
    comment = inputs.text(form, fields.comment_field, required=decision == fields.needs_comment)
    return decision, comment
