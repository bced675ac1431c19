"""The human-task projection: queried by inboxes, never by opening workflow state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base, intpk


class TaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HumanTask(Base):
    """A user task of a process instance, as the people who work it see it."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_assignee_state", "assignee_id", "state", "due_at"),
        Index("ix_human_tasks_office_role_state", "office_id", "role", "state", "due_at"),
        Index("ix_human_tasks_state_due", "state", "due_at"),
        Index("ix_human_tasks_instance_state", "instance_id", "state"),
        Index("ix_human_tasks_case_state", "case_id", "state"),
        Index("ix_human_tasks_subject", "subject_kind", "subject_id"),
        # The dashboard's caseload: open tasks of an office per assignee, overdue ones counted from due_at.
        Index("ix_human_tasks_office_state_assignee", "office_id", "state", "assignee_id", "due_at"),
        # The navigation counts: overdue work of an office, tasks waiting for a role, what a person completed.
        Index(
            "ix_human_tasks_open_office_due",
            "office_id",
            "due_at",
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
        Index(
            "ix_human_tasks_open_unassigned",
            "office_id",
            "role",
            "due_at",
            postgresql_where=text("state = 'open' AND assignee_id IS NULL"),
            sqlite_where=text("state = 'open' AND assignee_id IS NULL"),
        ),
        Index("ix_human_tasks_completed_by_state", "completed_by_id", "state"),
        # The report's work overdue at the end of a past period: tasks completed after that moment.
        Index(
            "ix_human_tasks_completed_at_due",
            "completed_at",
            "due_at",
            "office_id",
            postgresql_where=text("state = 'completed'"),
            sqlite_where=text("state = 'completed'"),
        ),
    )

    id: Mapped[intpk]
    spiff_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    process_id: Mapped[str] = mapped_column(String(100))
    element_id: Mapped[str] = mapped_column(String(200))
    name_pl: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(32))
    form_key: Mapped[str | None] = mapped_column(String(200))
    #: The operation the task's form feeds (``engine.operations``), and the record the task works on.
    operation: Mapped[str | None] = mapped_column(String(100))
    subject_kind: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    instructions: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16), default=TaskState.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # What the form showed when the task became ready, the draft being typed, and what the completion put
    # into the process (for a task with an operation: the ids and outcomes it returned, never the form).
    input_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    draft: Mapped[dict[str, Any] | None]
    submitted: Mapped[dict[str, Any] | None]

    @property
    def is_open(self) -> bool:
        return self.state == TaskState.OPEN
