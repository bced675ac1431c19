"""Write audit events; there is deliberately no way to change or remove one."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.clock import utcnow


class Actor(Protocol):
    id: int
    username: str
    office_id: int


def record(
    session: Session,
    kind: str,
    *,
    actor: Actor | None = None,
    actor_name: str | None = None,
    office_id: int | None = None,
    case_id: int | None = None,
    instance_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session's unit of work."""
    event = AuditEvent(
        occurred_at=utcnow(),
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else actor_name,
        office_id=office_id if office_id is not None else (actor.office_id if actor is not None else None),
        case_id=case_id,
        instance_id=instance_id,
        details=details,
    )
    session.add(event)
    return event
