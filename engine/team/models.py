"""Team meetings of an office, what they discussed and what they decided."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import utcnow
from engine.db import Base, intpk


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"


class TeamMeeting(Base):
    __tablename__ = "team_meetings"
    __table_args__ = (CheckConstraint("held_on IS NULL OR held_on >= planned_on", name="held_after_planned"),)

    id: Mapped[intpk]
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    planned_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.PLANNED)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime] = mapped_column(default=utcnow)
    held_on: Mapped[date | None] = mapped_column(Date)
    minutes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None]

    agenda: Mapped[list[TeamAgendaItem]] = relationship(order_by="TeamAgendaItem.id", cascade="all, delete-orphan")
    attendees: Mapped[list[TeamAttendee]] = relationship(order_by="TeamAttendee.id", cascade="all, delete-orphan")
    decisions: Mapped[list[TeamDecision]] = relationship(order_by="TeamDecision.id", cascade="all, delete-orphan")


class TeamAgendaItem(Base):
    __tablename__ = "team_agenda_items"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(ForeignKey("team_meetings.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    presenter_role: Mapped[str | None] = mapped_column(String(32))


class TeamAttendee(Base):
    __tablename__ = "team_attendees"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(ForeignKey("team_meetings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    #: An internal member (a user of the office), or None for an external partner named with their organisation.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation: Mapped[str | None] = mapped_column(String(200))


class DecisionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class DecisionKind(StrEnum):
    """A decision is work for a role or a person, or a change of the case's plan (an annex to the IPD)."""

    TASK = "task"
    PLAN_AMENDMENT = "plan_amendment"


class TeamDecision(Base):
    """What the team decided, for a case (or for the office as a whole), for a role, by a date."""

    __tablename__ = "team_decisions"

    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(ForeignKey("team_meetings.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    decision: Mapped[str] = mapped_column(Text)
    assigned_role: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=DecisionStatus.OPEN)
    kind: Mapped[str] = mapped_column(String(16), default=DecisionKind.TASK, server_default=DecisionKind.TASK)
    #: A named person, when the team chose one; otherwise the task waits for the role in the office.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The follow-up process started for the decision once the minutes were recorded.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
