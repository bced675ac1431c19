"""Reading the audit log: who may read which rows, filters, pages newest first, and the export.

Supervisors and office administrators read the rows of their office (rows written by its people, and rows about
its cases, whoever wrote them); national administrators read every office's. Reading is itself audited by the
caller (``audit.viewed``, ``audit.exported``) with the filters used, as ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.accounts.roles import Role
from engine.audit.models import AuditEvent
from engine.cases.models import Case
from engine.errors import Forbidden
from engine.pagination import after_row, before_row

READER_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.NATIONAL_ADMIN)
PAGE_SIZE = 50


def can_read_audit(user: User) -> bool:
    return user.has_role(*READER_ROLES)


def reads_all_offices(user: User) -> bool:
    return user.has_role(Role.NATIONAL_ADMIN)


@dataclass(frozen=True)
class AuditQuery:
    """What the reader narrowed the log to; every part optional."""

    case_id: int | None = None
    #: The person: the rows of every case of this beneficiary.
    beneficiary_id: int | None = None
    actor_id: int | None = None
    #: A name typed at the login form that matches no account (failed logins keep only the name).
    actor_name: str | None = None
    #: One kind (``case.viewed``) or, ending in a dot, a family of kinds (``case.``).
    kind: str | None = None
    office_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def as_details(self) -> dict[str, Any]:
        """The filters as audit details: ids, a kind and times, nothing a person wrote."""
        details: dict[str, Any] = {}
        for name in ("case_id", "beneficiary_id", "actor_id", "kind", "office_id"):
            value = getattr(self, name)
            if value is not None:
                details[f"filter_{name}"] = value
        if self.actor_name is not None:
            details["filter_actor_name"] = True
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None:
                details[f"filter_{name}"] = moment.isoformat()
        return details


def _scoped(actor: User) -> Select[AuditEvent]:
    if not can_read_audit(actor):
        raise Forbidden("only supervisors and administrators read the audit log")
    stmt = select(AuditEvent)
    if reads_all_offices(actor):
        return stmt
    office_cases = select(Case.id).where(Case.office_id == actor.office_id)
    return stmt.where(or_(AuditEvent.office_id == actor.office_id, AuditEvent.case_id.in_(office_cases)))


def audit_statement(actor: User, query: AuditQuery) -> Select[AuditEvent]:
    """The rows ``actor`` may read that match ``query`` (unordered); Forbidden for anyone else."""
    stmt = _scoped(actor)
    if query.case_id is not None:
        stmt = stmt.where(AuditEvent.case_id == query.case_id)
    if query.beneficiary_id is not None:
        their_cases = select(Case.id).where(Case.beneficiary_id == query.beneficiary_id)
        stmt = stmt.where(AuditEvent.case_id.in_(their_cases))
    if query.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == query.actor_id)
    if query.actor_name is not None:
        stmt = stmt.where(AuditEvent.actor_id.is_(None), AuditEvent.actor_name == query.actor_name)
    if query.kind:
        if query.kind.endswith("."):
            stmt = stmt.where(AuditEvent.kind.startswith(query.kind, autoescape=True))
        else:
            stmt = stmt.where(AuditEvent.kind == query.kind)
    if query.office_id is not None:
        stmt = stmt.where(AuditEvent.office_id == query.office_id)
    if query.since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < query.until)
    return stmt


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    #: Pass as ``before`` for the next (older) page; None on the last page.
    next_before: int | None
    #: Labels for the ids on this page.
    office_codes: dict[int, str] = field(default_factory=dict)
    case_numbers: dict[int, str] = field(default_factory=dict)


def audit_page(
    session: Session, actor: User, query: AuditQuery, before: int | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """One page of the matching rows, newest first, starting below event id ``before``."""
    order: list[ColumnElement[Any]] = [AuditEvent.id.expression]
    stmt = audit_statement(actor, query)
    if before is not None:
        stmt = before_row(stmt, order, [before])
    rows = list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    events, more = rows[:limit], len(rows) > limit
    return AuditPage(
        events=events,
        next_before=events[-1].id if more else None,
        office_codes=office_codes(session, {e.office_id for e in events if e.office_id is not None}),
        case_numbers=case_numbers(session, {e.case_id for e in events if e.case_id is not None}),
    )


def iter_matching(session: Session, actor: User, query: AuditQuery, batch: int = 1000) -> Iterator[AuditEvent]:
    """Every matching row, oldest first, read in batches (the export; the session holds rows only weakly)."""
    order: list[ColumnElement[Any]] = [AuditEvent.id.expression]
    base = audit_statement(actor, query).order_by(AuditEvent.id)
    last: int | None = None
    while True:
        stmt = base if last is None else after_row(base, order, [last])
        rows = list(session.scalars(stmt.limit(batch)))
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].id


def office_codes(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: row.code for row in session.execute(select(Office.id, Office.code).where(Office.id.in_(ids)))}


def case_numbers(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: row.number for row in session.execute(select(Case.id, Case.number).where(Case.id.in_(ids)))}
