"""Process instance, its state, its timers and incidents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import utcnow
from engine.db import Base, intpk
from engine.definitions.models import ProcessDefinition


class InstanceStatus(StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


class ProcessInstance(Base):
    """One run of one process version, usually for one case."""

    __tablename__ = "process_instances"
    id: Mapped[intpk]
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    parent_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=InstanceStatus.RUNNING, index=True)
    # Optimistic check on top of the row lock: a writer that read an older version fails.
    version: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(Text)
    task_count: Mapped[int] = mapped_column(Integer, default=0)
    has_open_incident: Mapped[bool] = mapped_column(default=False, index=True)

    definition: Mapped[ProcessDefinition] = relationship()
    state: Mapped[InstanceState] = relationship(lazy="raise", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class InstanceState(Base):
    """The serialized workflow (without its spec), kept apart so listings never load it."""

    __tablename__ = "instance_states"

    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True)
    # Compact JSON text written by the adapter's encoder (it keeps dates and Decimals typed);
    # never queried inside, so neither JSONB parsing nor the driver's JSON handling is paid for.
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TimerStatus(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


class Timer(Base):
    """A BPMN timer waiting in an instance; the scheduler fires the due ones."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("instance_id", "spiff_task_id", "due_at"),
        Index("ix_timers_status_due_at", "status", "due_at"),
    )

    id: Mapped[intpk]
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=TimerStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the scheduler queued a firing, so the next scan does not queue it again at once.
    dispatched_at: Mapped[datetime | None]
    fired_at: Mapped[datetime | None]


class Incident(Base):
    """Something in the process failed; the instance waits for a person to fix and retry."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_open", "resolved_at", "instance_id"),)

    id: Mapped[intpk]
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    element_id: Mapped[str | None] = mapped_column(String(200))
    element_name: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(32))
    # The task whose completion raised it (kind "completion"): completing that task later resolves it,
    # whichever element failed (a postScript, or the next element's timer or condition).
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id", ondelete="SET NULL"))

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
