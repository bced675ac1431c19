"""The hash chain over the audit log: how a row is hashed, how appends are serialised, how the chain is checked.

A row's hash covers its position, its fields and the hash of the row before it, so changing, removing or
reordering any committed row breaks every link after it. The serialisation below is frozen: rows hashed with it
must verify forever, so a change means a new ``FORMAT`` and a verifier that knows both.

Appends are serialised when the transaction commits, not when the row is written: on PostgreSQL a
transaction-scoped advisory lock is taken in ``before_commit`` (the last lock the transaction takes, so it cannot
be part of a deadlock) and released by the commit itself; on SQLite every writing transaction already holds the
database's write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent

FORMAT = "ipd-audit-v1"
GENESIS = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends ("audit" in ASCII).
LOCK_KEY = 0x6175646974
#: Rows of the session's transaction that still wait for their link (``Session.info`` key).
UNCHAINED = "ipd_audit_unchained"


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def compute_hash(
    prev_hash: str,
    *,
    seq: int,
    occurred_at: datetime,
    kind: str,
    actor_id: int | None,
    actor_name: str | None,
    office_id: int | None,
    case_id: int | None,
    instance_id: int | None,
    purpose: str | None,
    details: dict[str, Any],
) -> str:
    """The SHA-256 (hex) of one row's fields after ``prev_hash``."""
    fields = {
        "format": FORMAT,
        "seq": seq,
        "occurred_at": _moment(occurred_at),
        "kind": kind,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "office_id": office_id,
        "case_id": case_id,
        "instance_id": instance_id,
        "purpose": purpose,
        "details": details,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def hash_of(event: Any, prev_hash: str, seq: int) -> str:
    """The hash ``event`` (an AuditEvent or a row of its table) has at position ``seq`` after ``prev_hash``."""
    return compute_hash(
        prev_hash,
        seq=seq,
        occurred_at=event.occurred_at,
        kind=event.kind,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        office_id=event.office_id,
        case_id=event.case_id,
        instance_id=event.instance_id,
        purpose=event.purpose,
        details=event.details or {},
    )


def lock_chain(session: Session) -> None:
    """Wait for the right to append; held until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def chain_head(session: Session) -> tuple[int, str]:
    """Position and hash of the last linked row (0 and the genesis hash on an empty log)."""
    with session.no_autoflush:
        row = session.execute(
            select(AuditEvent.seq, AuditEvent.row_hash)
            .where(AuditEvent.seq.is_not(None))
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
    if row is None or row.row_hash is None:
        return 0, GENESIS
    return int(row.seq), str(row.row_hash)


def link_pending(session: Session) -> None:
    """Give this transaction's new audit rows their place and hash (``before_commit``)."""
    pending: list[AuditEvent] = session.info.pop(UNCHAINED, [])
    # Rows written inside a savepoint that was rolled back are no longer in the session.
    pending = [event for event in pending if event in session and event.row_hash is None]
    if not pending:
        return
    lock_chain(session)
    seq, prev_hash = chain_head(session)
    for event in pending:
        seq += 1
        event.seq = seq
        event.prev_hash = prev_hash
        event.row_hash = prev_hash = hash_of(event, prev_hash, seq)


def watch(session: Session, event: AuditEvent) -> None:
    """Remember ``event`` so that it is linked when ``session`` commits."""
    session.info.setdefault(UNCHAINED, []).append(event)


@dataclass(frozen=True)
class Break:
    """The first row at which the chain does not hold."""

    event_id: int
    occurred_at: datetime
    seq: int | None
    reason: str


@dataclass(frozen=True)
class Verdict:
    checked: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _rows(session: Session, batch: int) -> Iterator[Row[Any]]:
    # Plain rows, not ORM objects: a log of millions of rows is walked without filling the session.
    table = AuditEvent.__table__
    last = 0
    while True:
        rows = list(session.execute(select(table).where(table.c.seq > last).order_by(table.c.seq).limit(batch)))
        yield from rows
        if len(rows) < batch:
            return
        last = int(rows[-1].seq)


def verify_chain(session: Session, *, batch: int = 1000) -> Verdict:
    """Walk the whole log in order and report the first row whose link does not hold."""
    unlinked = session.scalars(
        select(AuditEvent).where(AuditEvent.row_hash.is_(None)).order_by(AuditEvent.id).limit(1)
    ).first()
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for event in _rows(session, batch):
        reason = None
        if event.seq != expected_seq:
            reason = f"position {event.seq} follows {expected_seq - 1}: rows are missing"
        elif event.prev_hash != prev_hash:
            reason = "its link to the row before does not match"
        elif event.row_hash != hash_of(event, prev_hash, expected_seq):
            reason = "its contents do not match its hash"
        if reason is not None:
            return Verdict(checked, Break(event.id, event.occurred_at, event.seq, reason))
        checked += 1
        expected_seq += 1
        prev_hash = str(event.row_hash)
    if unlinked is not None:
        return Verdict(checked, Break(unlinked.id, unlinked.occurred_at, None, "it has no place in the chain"))
    return Verdict(checked, None)
