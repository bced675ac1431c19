"""Audit event table; rows are only ever inserted (database triggers refuse the rest).

Each committed row is a link of a hash chain: ``seq`` is its position, ``prev_hash`` the ``row_hash`` of the row
at ``seq - 1`` and ``row_hash`` a SHA-256 over the row's fields and ``prev_hash`` (``engine/audit/chain.py``). The
three columns are filled when the transaction that wrote the row commits, under a lock that serialises appends;
the triggers allow exactly that one change to a row whose ``row_hash`` is still empty.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk


class AuditEvent(Base):
    """One thing that happened: who, when, what, on which case or instance."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    # Plain ids rather than foreign keys: the log outlives what it speaks of.
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_name: Mapped[str | None] = mapped_column(String(64))
    office_id: Mapped[int | None] = mapped_column(Integer, index=True)
    case_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), index=True)
    instance_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Why the actor did it, when they said (for example the purpose of reading a file).
    purpose: Mapped[str | None] = mapped_column(String(200))
    seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), unique=True, index=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))
