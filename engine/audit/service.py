"""Write audit events; there is deliberately no way to change or remove one.

Details hold ids, codes and field names, never the values a user typed: the log is kept for good and is read by
supervisors and the data-protection officer, so whatever enters it stays. ``record`` refuses text longer than
``MAX_DETAIL_TEXT`` anywhere in the details; outside strict mode (test suites switch it on) such a value is
replaced by a note of its length and a warning is logged, so that a forgotten caller loses a detail rather than
the user's work.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from engine.audit import chain
from engine.audit.models import AuditEvent
from engine.clock import utcnow

log = logging.getLogger(__name__)

#: Longest text a detail may hold: enough for ids, codes, kinds, element ids and field names.
MAX_DETAIL_TEXT = 100
MAX_PURPOSE = 200
_strict = False


class Actor(Protocol):
    id: int
    username: str
    office_id: int


class FreeTextInAudit(ValueError):
    """A caller put a long text (likely something a person typed) into an audit event's details."""


def use_strict_details(strict: bool = True) -> None:
    """Raise on free text in details instead of dropping it (test suites)."""
    global _strict
    _strict = strict


def record(
    session: Session,
    kind: str,
    *,
    actor: Actor | None = None,
    actor_name: str | None = None,
    office_id: int | None = None,
    case_id: int | None = None,
    instance_id: int | None = None,
    purpose: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session's unit of work; it is linked into the chain when the session commits."""
    if purpose is not None:
        purpose = purpose.strip()[:MAX_PURPOSE] or None
    event = AuditEvent(
        occurred_at=utcnow(),
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else actor_name,
        office_id=office_id if office_id is not None else (actor.office_id if actor is not None else None),
        case_id=case_id,
        instance_id=instance_id,
        purpose=purpose,
        details=_checked_details(kind, details),
    )
    session.add(event)
    chain.watch(session, event)
    return event


def _checked_details(kind: str, details: dict[str, Any]) -> dict[str, Any]:
    # The JSON form is what the database gives back (tuples become lists, enums their values): the hash is
    # computed over exactly what a later reader sees.
    plain: dict[str, Any] = json.loads(json.dumps(details, allow_nan=False))
    cleaned: dict[str, Any] = _without_free_text(kind, plain, "details")
    return cleaned


def _without_free_text(kind: str, value: Any, path: str) -> Any:
    if isinstance(value, dict):
        return {key: _without_free_text(kind, item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_without_free_text(kind, item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, str) and len(value) > MAX_DETAIL_TEXT:
        if _strict:
            raise FreeTextInAudit(
                f"audit event {kind}: {path} holds {len(value)} characters of text; "
                "details hold ids and field names, never what a person wrote"
            )
        log.warning("audit event %s: %s dropped (%s characters of text)", kind, path, len(value))
        return f"[text removed: {len(value)} characters]"
    return value


@sa_event.listens_for(Session, "before_commit")
def _link_audit_events(session: Session) -> None:
    chain.link_pending(session)
