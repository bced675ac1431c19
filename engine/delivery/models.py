"""Service sessions, nursery and kindergarten placements, integration camps and referrals to partners."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.access.categories import WORK_ROLES, Category
from engine.clock import utcnow
from engine.db import Base, intpk
from engine.people.models import PARTNER_TYPES

if TYPE_CHECKING:
    from engine.accounts.models import User
    from engine.cases.models import Case


def _in(column: str, values: type[StrEnum] | tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"  # waiting for a document
    DONE = "done"
    CANCELLED_NO_SHOW = "cancelled_no_show"
    CANCELLED_EXCUSED = "cancelled_excused"


#: A session in one of these states is over: its record task does not come back.
SESSION_CLOSED = frozenset({SessionStatus.DONE, SessionStatus.CANCELLED_NO_SHOW, SessionStatus.CANCELLED_EXCUSED})


class SessionForm(StrEnum):
    INDIVIDUAL = "individual"
    FAMILY = "family"
    GROUP = "group"


class ServiceSession(Base):
    __tablename__ = "service_sessions"
    __table_args__ = (
        CheckConstraint(_in("status", SessionStatus), name="status_known"),
        CheckConstraint(_in("form", SessionForm), name="form_known"),
        CheckConstraint(
            "duration_minutes IS NULL OR (duration_minutes > 0 AND duration_minutes <= 1440)", name="duration_range"
        ),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(40))
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    session_date: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int | None]
    form: Mapped[str] = mapped_column(String(20))
    interpreter: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: The note is health data: set for psychologists' sessions, or by the specialist who marks it so.
    special_category: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @staticmethod
    def is_special_role(role: str | None) -> bool:
        """Sessions of this role are health data whatever the specialist marks."""
        return WORK_ROLES.get(role or "") == Category.HEALTH

    @property
    def category(self) -> Category | None:
        """The note's special category: health when marked so, else the category of the role's work."""
        return Category.HEALTH if self.special_category else WORK_ROLES.get(self.role)

    def note_readable_by(self, actor: User, case: Case | None) -> bool:
        """The note reaches only the readers of its category (``engine.access.categories``)."""
        from engine.access.policy import may_read

        return may_read(actor, self.category, case)


class FacilityType(StrEnum):
    NURSERY = "nursery"  # żłobek
    KINDERGARTEN = "kindergarten"  # przedszkole


class PlacementStatus(StrEnum):
    APPLIED = "applied"  # applied, no recruitment result yet
    WAITING_LIST = "waiting_list"
    PLACED = "placed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"  # the case was closed before a place was found


class NurseryPlacement(Base):
    __tablename__ = "nursery_placements"
    __table_args__ = (
        CheckConstraint(_in("status", PlacementStatus), name="status_known"),
        CheckConstraint(_in("facility_type", FacilityType), name="facility_type_known"),
        CheckConstraint("monthly_fee IS NULL OR monthly_fee >= 0", name="fee_not_negative"),
        CheckConstraint("status != 'placed' OR (start_date IS NOT NULL AND monthly_fee IS NOT NULL)", name="placed"),
        CheckConstraint("start_date IS NULL OR start_date >= applied_on", name="start_after_application"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    child_name: Mapped[str] = mapped_column(String(200))
    child_birth_date: Mapped[date] = mapped_column(Date)
    facility_type: Mapped[str] = mapped_column(String(20))
    facility_name: Mapped[str] = mapped_column(String(200))
    requested_start: Mapped[date] = mapped_column(Date)
    applied_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    monthly_fee: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    fee_paid_by_programme: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    result_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result_at: Mapped[datetime | None]


class CampStatus(StrEnum):
    ENROLLED = "enrolled"
    ATTENDANCE_RECORDED = "attendance_recorded"
    WITHDRAWN = "withdrawn"  # the case was closed before the camp's attendance was recorded


CAMP_NUMBERS = (1, 2, 3)
CAMP_RELATIONS = ("beneficiary", "spouse", "partner", "child", "parent", "sibling", "other")


class CampEnrolment(Base):
    __tablename__ = "camp_enrolments"
    __table_args__ = (
        CheckConstraint("camp_number BETWEEN 1 AND 3", name="camp_number_range"),
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
        CheckConstraint(_in("status", CampStatus), name="status_known"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    camp_number: Mapped[int]
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    special_needs: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    feedback: Mapped[str | None] = mapped_column(Text)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    attendance_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attendance_at: Mapped[datetime | None]

    participants: Mapped[list[CampParticipant]] = relationship(
        back_populates="enrolment", order_by="CampParticipant.position", cascade="all, delete-orphan"
    )


class CampParticipant(Base):
    """The beneficiary or a member of the household on one camp enrolment."""

    __tablename__ = "camp_participants"
    __table_args__ = (
        CheckConstraint("age IS NULL OR (age >= 0 AND age <= 120)", name="age_range"),
        CheckConstraint(_in("relation", CAMP_RELATIONS), name="relation_known"),
    )

    id: Mapped[intpk]
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("camp_enrolments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(20))
    age: Mapped[int | None]
    attended: Mapped[bool | None]

    enrolment: Mapped[CampEnrolment] = relationship(back_populates="participants")


class SharingBasis(StrEnum):
    CONSENT = "consent"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTEREST = "vital_interest"
    OVERRIDE = "override"  # shared without consent: a recorded override with its reason


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # the case was closed while the referral was open


REFERRAL_ANSWERS = ("accepted", "rejected")
REFERRAL_PARTNERS = PARTNER_TYPES


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(_in("status", ReferralStatus), name="status_known"),
        CheckConstraint(_in("sharing_basis", SharingBasis), name="basis_known"),
        CheckConstraint("sharing_basis = 'consent' OR override_reason IS NOT NULL", name="basis_reason"),
        CheckConstraint("answer_due_on >= sent_on", name="due_after_sent"),
        CheckConstraint("answer IS NULL OR answer IN ('accepted', 'rejected')", name="answer_known"),
        CheckConstraint("answer_on IS NULL OR answer_on >= sent_on", name="answer_after_sent"),
        CheckConstraint(
            "done_on IS NULL OR (answer_on IS NOT NULL AND done_on >= answer_on)", name="done_after_answer"
        ),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    partner: Mapped[str] = mapped_column(String(20), index=True)
    partner_name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    sharing_basis: Mapped[str] = mapped_column(String(20))
    override_reason: Mapped[str | None] = mapped_column(Text)
    sent_on: Mapped[date] = mapped_column(Date)
    answer_due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(String(10))
    answer_on: Mapped[date | None] = mapped_column(Date)
    answer_note: Mapped[str | None] = mapped_column(Text)
    answer_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_at: Mapped[datetime | None]
    done_on: Mapped[date | None] = mapped_column(Date)
    result_note: Mapped[str | None] = mapped_column(Text)
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome_at: Mapped[datetime | None]
