"""The IPD as the case file and the record cards show it, read from the plan tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.accounts.models import User
from engine.cases.models import Case
from engine.plans.actions import may_update_action
from engine.plans.models import (
    Plan,
    PlanAction,
    PlanDecision,
    PlanGoal,
    PlanReview,
    PlanReviewGoal,
    PlanStatus,
    PlanVersion,
)
from engine.plans.operations import as_form
from engine.records.views import RecordCard, RecordSection, record_view

PLAN_FORM = "ipd/plan"
DECISION_FORM = "ipd/approval"
SIGNATURE_FORM = "ipd/signature"
REVIEW_FORM = "review/plan_review"
END_FORM = "plan/end_decision"


@dataclass(frozen=True)
class GoalItem:
    id: int
    code: str
    area: str
    text: str
    measurable_result: str
    deadline: date
    status: str


@dataclass(frozen=True)
class ActionItem:
    id: int
    goal_code: str
    text: str
    responsible_type: str
    responsible_role: str | None
    partner_institution: str | None
    deadline: date
    cost_line: str
    estimated_cost: Decimal | None
    status: str
    status_changed_by_id: int | None
    status_changed_at: datetime | None
    #: The reader may mark it in progress / done / dropped (only actions of the version in force).
    may_update: bool


@dataclass(frozen=True)
class DecisionItem:
    version: int
    decision: str
    comment: str | None
    decided_by_id: int
    decided_at: datetime


@dataclass(frozen=True)
class ReviewItem:
    id: int
    reviewed_on: date
    rating_language: str
    rating_work: str
    rating_social: str
    outcome: str
    recorded_by_id: int | None
    goal_ratings: dict[str, str]


@dataclass(frozen=True)
class PlanView:
    id: int
    version: int  # the current version: the newest (an annex waiting for approval is newer than the one in force)
    status: str
    starts_on: date | None
    ends_on: date | None
    ended_on: date | None
    end_reason: str | None
    duration_months: int
    review_interval_months: int
    language: str
    submitted_by_id: int | None
    submitted_at: datetime | None
    approved_on: date | None
    signature_status: str | None
    signed_on: date | None
    signed_language: str | None
    signature_note: str | None
    goals: list[GoalItem]
    actions: list[ActionItem]
    obligations_beneficiary: list[str]
    obligations_organisation: list[str]
    decisions: list[DecisionItem]  # every decision on every version, oldest first
    latest_review: ReviewItem | None
    reviews: int
    in_force_version: int | None


def for_casefile(session: Session, actor: User, case: Case) -> PlanView | None:
    """The case's newest plan: its current version with goals and actions, decisions, signature, last review."""
    plan = session.scalar(select(Plan).where(Plan.case_id == case.id).order_by(Plan.id.desc()).limit(1))
    if plan is None:
        return None
    versions = list(
        session.scalars(
            select(PlanVersion)
            .where(PlanVersion.plan_id == plan.id)
            .order_by(PlanVersion.version)
            .options(
                selectinload(PlanVersion.goals).selectinload(PlanGoal.actions),
                selectinload(PlanVersion.obligations),
                selectinload(PlanVersion.decisions),
            )
        )
    )
    if not versions:
        return None
    current = versions[-1]
    in_force = next((v for v in reversed(versions) if v.status == PlanStatus.SIGNED), None)
    reviews = list(
        session.scalars(
            select(PlanReview)
            .where(PlanReview.plan_id == plan.id)
            .order_by(PlanReview.id)
            .options(selectinload(PlanReview.goal_progress).selectinload(PlanReviewGoal.goal))
        )
    )
    return PlanView(
        id=plan.id,
        version=current.version,
        status=current.status,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        ended_on=plan.ended_on,
        end_reason=plan.end_reason,
        duration_months=current.duration_months,
        review_interval_months=current.review_interval_months,
        language=current.language,
        submitted_by_id=current.submitted_by_id,
        submitted_at=current.submitted_at,
        approved_on=current.approved_on,
        signature_status=current.signature_status,
        signed_on=current.signed_on,
        signed_language=current.signed_language,
        signature_note=current.signature_note,
        goals=[_goal(g) for g in current.goals],
        actions=[
            _action(a, g.code, may_update=current.status == PlanStatus.SIGNED and may_update_action(actor, case, a))
            for g in current.goals
            for a in g.actions
        ],
        obligations_beneficiary=[o.text for o in current.obligations if o.party == "beneficiary"],
        obligations_organisation=[o.text for o in current.obligations if o.party == "organisation"],
        decisions=[_decision(v.version, d) for v in versions for d in v.decisions],
        latest_review=_review(reviews[-1]) if reviews else None,
        reviews=len(reviews),
        in_force_version=in_force.version if in_force else None,
    )


def _goal(goal: PlanGoal) -> GoalItem:
    return GoalItem(goal.id, goal.code, goal.area, goal.text, goal.measurable_result, goal.deadline, goal.status)


def _action(action: PlanAction, code: str, *, may_update: bool) -> ActionItem:
    return ActionItem(
        id=action.id,
        goal_code=code,
        text=action.text,
        responsible_type=action.responsible_type,
        responsible_role=action.responsible_role,
        partner_institution=action.partner_institution,
        deadline=action.deadline,
        cost_line=action.cost_line,
        estimated_cost=action.estimated_cost,
        status=action.status,
        status_changed_by_id=action.status_changed_by_id,
        status_changed_at=action.status_changed_at,
        may_update=may_update,
    )


def _decision(version: int, decision: PlanDecision) -> DecisionItem:
    return DecisionItem(version, decision.decision, decision.comment, decision.decided_by_id, decision.decided_at)


def _review(review: PlanReview) -> ReviewItem:
    return ReviewItem(
        id=review.id,
        reviewed_on=review.reviewed_on,
        rating_language=review.rating_language,
        rating_work=review.rating_work,
        rating_social=review.rating_social,
        outcome=review.outcome,
        recorded_by_id=review.recorded_by_id,
        goal_ratings={p.goal.code: p.rating for p in review.goal_progress},
    )


@record_view("plan")
def plan_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    """The plan's current version as drafted, each decision on it (a return with its comment), the signature."""
    plan = session.get(Plan, record_id)
    if plan is None:
        return None
    version = session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.version.desc()).limit(1)
    )
    if version is None:
        return None
    sections = [RecordSection(PLAN_FORM, as_form(version), by_id=version.submitted_by_id, at=version.submitted_at)]
    sections.extend(
        RecordSection(
            DECISION_FORM,
            {"ipd_approval_decision": d.decision, "ipd_approval_comment": d.comment},
            by_id=d.decided_by_id,
            at=d.decided_at,
        )
        for d in version.decisions
    )
    if version.signature_status is not None:
        sections.append(
            RecordSection(
                SIGNATURE_FORM,
                {
                    "ipd_signature_status": version.signature_status,
                    "ipd_signed_on": version.signed_on.isoformat() if version.signed_on else None,
                    "ipd_signed_language": version.signed_language,
                    "ipd_signature_note": version.signature_note,
                },
                by_id=version.signature_recorded_by_id,
                at=version.signature_recorded_at,
            )
        )
    if plan.end_reason == "finished":
        sections.append(
            RecordSection(
                END_FORM,
                {"plan_end_decision": "finish", "plan_extension_months": None, "plan_end_summary": plan.end_summary},
                by_id=plan.ended_by_id,
            )
        )
    return RecordCard("plan", plan.id, plan.case_id, sections, prepared_by_id=version.submitted_by_id)


@record_view("plan_review")
def plan_review_card(session: Session, actor: User, record_id: int) -> RecordCard | None:
    review = session.get(PlanReview, record_id)
    if review is None:
        return None
    plan = session.get(Plan, review.plan_id)
    if plan is None:
        return None
    values = {
        "reviewed_on": review.reviewed_on.isoformat(),
        "review_rating_language": review.rating_language,
        "review_rating_work": review.rating_work,
        "review_rating_social": review.rating_social,
        "review_goal_ratings": [
            {"goal_id": p.goal.code, "rating": p.rating, "comment": p.comment} for p in review.goal_progress
        ],
        "review_summary": review.summary,
        "review_outcome": review.outcome,
        "subsidy_renewal_requested": review.subsidy_renewal_requested,
    }
    section = RecordSection(REVIEW_FORM, values, by_id=review.recorded_by_id, at=review.recorded_at)
    return RecordCard("plan_review", review.id, plan.case_id, [section], prepared_by_id=review.recorded_by_id)
