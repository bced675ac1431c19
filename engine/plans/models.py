"""The Individual Action Plan: a plan per case, its numbered versions (the original and each annex), the
supervisor's decisions on each version, goals with their actions, and the periodic reviews."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import utcnow
from engine.db import Base, intpk


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the supervisor
    RETURNED = "returned"  # back to the drafter (by the supervisor, or the beneficiary refused to sign)
    APPROVED = "approved"  # waiting for the beneficiary's signature
    SIGNED = "signed"  # in force
    ENDED = "ended"  # replaced by an annex, closed at a review, or finished at the end of the period


class GoalStatus(StrEnum):
    OPEN = "open"
    ACHIEVED = "achieved"
    PARTLY = "partly"
    NOT_ACHIEVED = "not_achieved"
    DROPPED = "dropped"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class Decision(StrEnum):
    APPROVE = "approve"
    RETURN = "return"


class ReviewOutcome(StrEnum):
    CONTINUE = "continue"
    AMEND = "amend"
    CLOSE = "close"


GOAL_AREAS = ("legal", "psychological", "social", "housing", "vocational", "education", "polish_language")
RESPONSIBLE_TYPES = ("role", "partner", "beneficiary")
RESPONSIBLE_ROLES = ("social_worker", "psychologist", "lawyer", "career_counsellor", "supervisor")
COST_LINES = ("rent_subsidy", "material_aid", "nursery_fee", "travel_ticket", "course", "none")
RATINGS = ("no_progress", "some_progress", "good_progress", "achieved", "not_applicable")


def _in(column: str, values: tuple[str, ...] | type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


#: Deadlines are checked against the plan period by the operation; the database refuses the absurd.
_SANE_DEADLINE = "deadline BETWEEN '2000-01-01' AND '2100-12-31'"


class Plan(Base):
    """One IPD of a case; its content lives in versions, its period here."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_in_order"),
        CheckConstraint("extended_months >= 0", name="extension_not_negative"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: Set when the first version is approved; the end moves with annexes and extensions.
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    extended_months: Mapped[int] = mapped_column(default=0)
    ended_on: Mapped[date | None] = mapped_column(Date)
    #: How the plan ended: finished / closed_after_review.
    end_reason: Mapped[str | None] = mapped_column(String(30))
    end_summary: Mapped[str | None] = mapped_column(Text)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.version", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[PlanReview]] = relationship(back_populates="plan", order_by="PlanReview.id")


class PlanVersion(Base):
    """Version 1 is the original plan, each annex the next version; every version is approved and signed."""

    __tablename__ = "plan_versions"
    __table_args__ = (
        UniqueConstraint("plan_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(_in("status", PlanStatus), name="status_known"),
        CheckConstraint("review_interval_months BETWEEN 1 AND 3", name="review_interval_range"),
        CheckConstraint("duration_months BETWEEN 1 AND 24", name="duration_range"),
        CheckConstraint(
            "signature_status IS NULL OR signature_status IN ('signed', 'refused')", name="signature_known"
        ),
        CheckConstraint("signature_status != 'signed' OR signed_on IS NOT NULL", name="signed_has_date"),
    )

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), index=True)
    duration_months: Mapped[int]
    review_interval_months: Mapped[int]
    language: Mapped[str] = mapped_column(String(3))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    #: Who submitted this version last (after a return, the one who resubmitted it): never its approver.
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    approved_on: Mapped[date | None] = mapped_column(Date)
    signature_status: Mapped[str | None] = mapped_column(String(10))
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_language: Mapped[str | None] = mapped_column(String(3))
    signature_note: Mapped[str | None] = mapped_column(Text)
    signature_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signature_recorded_at: Mapped[datetime | None]
    ended_on: Mapped[date | None] = mapped_column(Date)

    plan: Mapped[Plan] = relationship(back_populates="versions")
    goals: Mapped[list[PlanGoal]] = relationship(
        back_populates="version", order_by="PlanGoal.position", cascade="all, delete-orphan"
    )
    obligations: Mapped[list[PlanObligation]] = relationship(
        order_by="PlanObligation.position", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[PlanDecision]] = relationship(back_populates="version", order_by="PlanDecision.id")

    @property
    def actions(self) -> list[PlanAction]:
        return [action for goal in self.goals for action in goal.actions]


class PlanObligation(Base):
    __tablename__ = "plan_obligations"
    __table_args__ = (CheckConstraint("party IN ('beneficiary', 'organisation')", name="party_known"),)

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(12))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class PlanDecision(Base):
    """A supervisor's decision on one version; a return always says why."""

    __tablename__ = "plan_decisions"
    __table_args__ = (
        CheckConstraint(_in("decision", Decision), name="decision_known"),
        CheckConstraint("decision = 'approve' OR comment IS NOT NULL", name="return_has_comment"),
    )

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[PlanVersion] = relationship(back_populates="decisions")


class PlanGoal(Base):
    __tablename__ = "plan_goals"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint(_in("status", GoalStatus), name="status_known"),
        CheckConstraint(_in("area", GOAL_AREAS), name="area_known"),
        CheckConstraint(_SANE_DEADLINE, name="deadline_sane"),
    )

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(10))
    area: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    measurable_result: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=GoalStatus.OPEN)

    version: Mapped[PlanVersion] = relationship(back_populates="goals")
    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="goal", order_by="PlanAction.position", cascade="all, delete-orphan"
    )


class PlanAction(Base):
    __tablename__ = "plan_actions"
    __table_args__ = (
        CheckConstraint(_in("status", ActionStatus), name="status_known"),
        CheckConstraint(_in("responsible_type", RESPONSIBLE_TYPES), name="responsible_known"),
        CheckConstraint(
            "(responsible_type != 'role' OR responsible_role IS NOT NULL)"
            " AND (responsible_type != 'partner' OR partner_institution IS NOT NULL)",
            name="responsible_named",
        ),
        CheckConstraint(_in("cost_line", COST_LINES), name="cost_line_known"),
        CheckConstraint("estimated_cost IS NULL OR estimated_cost >= 0", name="cost_not_negative"),
        CheckConstraint(_SANE_DEADLINE, name="deadline_sane"),
        Index("ix_plan_actions_responsible_role_status", "responsible_role", "status"),
    )

    id: Mapped[intpk]
    goal_id: Mapped[int] = mapped_column(ForeignKey("plan_goals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    responsible_type: Mapped[str] = mapped_column(String(12))
    responsible_role: Mapped[str | None] = mapped_column(String(32))
    partner_institution: Mapped[str | None] = mapped_column(String(200))
    deadline: Mapped[date] = mapped_column(Date)
    cost_line: Mapped[str] = mapped_column(String(20))
    estimated_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(12), default=ActionStatus.PLANNED)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status_changed_at: Mapped[datetime | None]

    goal: Mapped[PlanGoal] = relationship(back_populates="actions")


class PlanReview(Base):
    """A periodic review of the version in force: ratings per area, progress per goal, the outcome."""

    __tablename__ = "plan_reviews"
    __table_args__ = (
        CheckConstraint(_in("outcome", ReviewOutcome), name="outcome_known"),
        CheckConstraint(_in("rating_language", RATINGS), name="rating_language_known"),
        CheckConstraint(_in("rating_work", RATINGS), name="rating_work_known"),
        CheckConstraint(_in("rating_social", RATINGS), name="rating_social_known"),
    )

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id", ondelete="SET NULL"))
    reviewed_on: Mapped[date] = mapped_column(Date)
    rating_language: Mapped[str] = mapped_column(String(16))
    rating_work: Mapped[str] = mapped_column(String(16))
    rating_social: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(10))
    subsidy_renewal_requested: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="reviews")
    version: Mapped[PlanVersion] = relationship()
    goal_progress: Mapped[list[PlanReviewGoal]] = relationship(
        order_by="PlanReviewGoal.id", cascade="all, delete-orphan"
    )


class PlanReviewGoal(Base):
    __tablename__ = "plan_review_goals"
    __table_args__ = (
        UniqueConstraint("review_id", "goal_id"),
        CheckConstraint(_in("rating", RATINGS), name="rating_known"),
    )

    id: Mapped[intpk]
    review_id: Mapped[int] = mapped_column(ForeignKey("plan_reviews.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("plan_goals.id", ondelete="CASCADE"), index=True)
    rating: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)

    goal: Mapped[PlanGoal] = relationship()
