"""One assessment per diagnosed area; its narrative details in a table of their own, read per area's roles."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import utcnow
from engine.db import Base, intpk


class AssessmentStatus(StrEnum):
    ASSESSED = "assessed"
    #: Kept for the record but no longer the area's current assessment (a later diagnosis replaced it).
    SUPERSEDED = "superseded"


PRIORITIES = ("high", "medium", "low")


class Assessment(Base):
    """What the specialist concluded for one area: priority and the needs in short. No narrative here."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("area IN ('legal', 'psychological', 'social', 'vocational')", name="area_known"),
        CheckConstraint("priority IN ('high', 'medium', 'low')", name="priority_known"),
        CheckConstraint("status IN ('assessed', 'superseded')", name="status_known"),
        UniqueConstraint("instance_id", "area"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    area: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[str] = mapped_column(String(10))
    needs: Mapped[str] = mapped_column(Text)
    assessed_on: Mapped[date] = mapped_column(Date)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=AssessmentStatus.ASSESSED)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    details: Mapped[AssessmentDetails | None] = relationship(back_populates="assessment", uselist=False)


class AssessmentDetails(Base):
    """The narrative of one assessment: the situation and the area's own fields (forms/diagnosis/<area>.json).

    Read only through ``engine.assessments.access`` (the roles allowed for the area).
    """

    __tablename__ = "assessment_details"

    id: Mapped[intpk]
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), unique=True)
    situation: Mapped[str] = mapped_column(Text)
    #: The area's other answers under their form field names (codes, dates, yes/no).
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    assessment: Mapped[Assessment] = relationship(back_populates="details")
