"""The operations of the IPD processes: draft (and amend), decide, sign, review, end; and the action status.

Only ``plan_id`` and routing outcomes travel in the process: ``plan_decision`` (approve / return),
``plan_signature`` (signed / refused), ``plan_review_outcome`` (continue / amend / close),
``plan_end_decision`` (finish / extend) and the dates the plan period's timers wait for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.service import record
from engine.clock import utcnow
from engine.errors import Conflict, InvalidInput, NotFound
from engine.notifications import events as notification_events
from engine.operations import inputs
from engine.operations.registry import Call, OperationKind, Subject, operation, prefill_for
from engine.operations.rules import DecisionForm, require_actor, require_supervisor, take_decision
from engine.plans.models import (
    COST_LINES,
    GOAL_AREAS,
    RATINGS,
    RESPONSIBLE_ROLES,
    RESPONSIBLE_TYPES,
    ActionStatus,
    Decision,
    GoalStatus,
    Plan,
    PlanAction,
    PlanDecision,
    PlanGoal,
    PlanObligation,
    PlanReview,
    PlanReviewGoal,
    PlanStatus,
    PlanVersion,
    ReviewOutcome,
)
from engine.sandbox.helpers import add_duration

SUBJECT = Subject("plan", "plan_id")
PLAN_FIELDS = {
    "ipd_goals": True,
    "ipd_actions": True,
    "ipd_obligations_beneficiary": True,
    "ipd_obligations_organisation": True,
    "review_interval_months": True,
    "plan_duration_months": True,
    "ipd_language": True,
}
#: What a goal becomes after a review rates its progress.
GOAL_STATUS_AFTER_RATING = {
    "no_progress": GoalStatus.OPEN,
    "some_progress": GoalStatus.PARTLY,
    "good_progress": GoalStatus.PARTLY,
    "achieved": GoalStatus.ACHIEVED,
    "not_applicable": GoalStatus.DROPPED,
}


def add_months(day: date, months: int) -> date:
    """Calendar months: 2026-01-31 + 1 = 2026-02-28."""
    moved = add_duration(day, f"P{months}M")
    return moved if type(moved) is date else date(moved.year, moved.month, moved.day)


# -- loading --------------------------------------------------------------------------------------------------
def current_version(session: Session, plan_id: int, *, lock: bool = False) -> PlanVersion:
    stmt = select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.version.desc()).limit(1)
    if lock:
        stmt = stmt.with_for_update()
    version = session.scalar(stmt)
    if version is None:
        raise NotFound("this plan has no version")
    return version


def in_force(session: Session, plan_id: int) -> PlanVersion | None:
    """The signed version in force (while an annex waits, the previous one still binds)."""
    return session.scalar(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan_id, PlanVersion.status == PlanStatus.SIGNED)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )


def load_plan(call: Call, *, lock: bool = False) -> Plan:
    case = call.require_case()
    plan = call.session.get(Plan, call.record_id(SUBJECT.key), with_for_update=lock)
    if plan is None or plan.case_id != case.id:
        raise NotFound("the plan of this process does not exist")
    return plan


# -- drafting -------------------------------------------------------------------------------------------------
def _latest_end(plan: Plan | None, duration: int) -> date:
    """The last day a goal may fall on: the end the plan would have with this duration."""
    start = plan.starts_on if plan is not None and plan.starts_on is not None else utcnow().date()
    return add_months(start, duration + (plan.extended_months if plan is not None else 0))


def _goals(form: Mapping[str, Any], latest: date) -> list[PlanGoal]:
    goals: list[PlanGoal] = []
    seen: set[str] = set()
    for index, raw in enumerate(form.get("ipd_goals") or []):
        path = f"ipd_goals/{index}"
        code = inputs.text(raw, "goal_id")
        if code is None or code in seen:
            raise InvalidInput("two goals have the same reference", {f"{path}/goal_id": f"{code} is used twice"})
        seen.add(code)
        deadline = _day(raw, "target_date", path)
        if deadline > latest:
            raise InvalidInput(
                "a goal falls after the end of the plan",
                {f"{path}/target_date": f"at the latest {latest.isoformat()} (the end of the plan)"},
            )
        goals.append(
            PlanGoal(
                position=index,
                code=code,
                area=_choice(raw, "goal_area", GOAL_AREAS, path),
                text=_text(raw, "goal", path),
                measurable_result=_text(raw, "target", path),
                deadline=deadline,
                status=GoalStatus.OPEN,
            )
        )
    if not goals:
        raise InvalidInput("a plan needs at least one goal", {"ipd_goals": "add a goal"})
    return goals


def _actions(form: Mapping[str, Any], goals: Sequence[PlanGoal]) -> None:
    by_code = {goal.code: goal for goal in goals}
    for index, raw in enumerate(form.get("ipd_actions") or []):
        path = f"ipd_actions/{index}"
        ref = raw.get("goal_ref")
        goal = by_code.get(ref) if isinstance(ref, str) else None
        if goal is None:
            raise InvalidInput(
                f"action {index + 1} is for goal {ref!r}, which is not in the plan",
                {f"{path}/goal_ref": f"choose one of the plan's goals: {', '.join(by_code)}"},
            )
        deadline = _day(raw, "deadline", path)
        if deadline > goal.deadline:
            raise InvalidInput(
                "an action is due after its goal",
                {f"{path}/deadline": f"at the latest {goal.deadline.isoformat()} (the deadline of {goal.code})"},
            )
        kind = _choice(raw, "responsible_type", RESPONSIBLE_TYPES, path)
        role = raw.get("responsible_role") if kind == "role" else None
        if kind == "role" and role not in RESPONSIBLE_ROLES:
            raise InvalidInput("the responsible role is missing", {f"{path}/responsible_role": "choose a role"})
        partner = inputs.text(raw, "partner_institution", required=kind == "partner") if kind == "partner" else None
        cost = raw.get("estimated_cost")
        goal.actions.append(
            PlanAction(
                position=index,
                text=_text(raw, "action", path),
                responsible_type=kind,
                responsible_role=role,
                partner_institution=partner,
                deadline=deadline,
                cost_line=_choice(raw, "cost_line", COST_LINES, path),
                estimated_cost=_cost(cost, path) if cost not in (None, "") else None,
                status=ActionStatus.PLANNED,
            )
        )


def _prefixed(error: InvalidInput, path: str) -> InvalidInput:
    return InvalidInput(error.message, {f"{path}/{key}": what for key, what in error.fields.items()})


def _day(raw: Mapping[str, Any], key: str, path: str) -> date:
    try:
        return inputs.day(raw, key)
    except InvalidInput as error:
        raise _prefixed(error, path) from None


def _text(raw: Mapping[str, Any], key: str, path: str) -> str:
    try:
        return inputs.text(raw, key) or ""
    except InvalidInput as error:
        raise _prefixed(error, path) from None


def _choice(raw: Mapping[str, Any], key: str, allowed: tuple[str, ...], path: str) -> str:
    try:
        return inputs.choice(raw, key, allowed)
    except InvalidInput as error:
        raise _prefixed(error, path) from None


def _cost(value: Any, path: str) -> Decimal:
    try:
        return inputs.money({"estimated_cost": value}, "estimated_cost", positive=False)
    except InvalidInput as error:
        raise _prefixed(error, path) from None


def _obligations(form: Mapping[str, Any]) -> list[PlanObligation]:
    rows: list[PlanObligation] = []
    for party, key in (
        ("beneficiary", "ipd_obligations_beneficiary"),
        ("organisation", "ipd_obligations_organisation"),
    ):
        texts = [t.strip() for t in form.get(key) or [] if isinstance(t, str) and t.strip()]
        if not texts:
            raise InvalidInput("obligations are missing", {key: "write at least one obligation"})
        rows.extend(PlanObligation(party=party, position=i, text=text) for i, text in enumerate(texts))
    return rows


def _fill(
    version: PlanVersion, plan: Plan | None, form: Mapping[str, Any], previous: PlanVersion | None = None
) -> None:
    duration = inputs.whole(form, "plan_duration_months", low=1, high=24)
    version.duration_months = duration
    version.review_interval_months = inputs.whole(form, "review_interval_months", low=1, high=3)
    version.language = inputs.text(form, "ipd_language") or ""
    goals = _goals(form, _latest_end(plan, duration))
    _actions(form, goals)
    if previous is not None:
        _carry_progress(previous, goals)
    version.goals = goals
    version.obligations = _obligations(form)


def _carry_progress(previous: PlanVersion, goals: Sequence[PlanGoal]) -> None:
    """An annex keeps what was reached: a goal with the same reference, an action with the same text and goal."""
    goal_status = {goal.code: goal.status for goal in previous.goals}
    action_status = {(action.goal.code, action.text): action.status for action in previous.actions}
    for goal in goals:
        goal.status = goal_status.get(goal.code, GoalStatus.OPEN)
        for action in goal.actions:
            action.status = action_status.get((goal.code, action.text), ActionStatus.PLANNED)


@operation(
    "submit_plan",
    summary="Submit the plan for approval: the first version, a returned version redrafted, or an annex.",
    fields=PLAN_FIELDS,
    reads=("plan_id",),
    writes=("plan_id",),
    subject=SUBJECT,
)
def submit_plan(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    session = call.session
    plan: Plan | None = None
    if call.values.get(SUBJECT.key) is not None:
        plan = load_plan(call, lock=True)
    previous: PlanVersion | None = None
    if plan is None:
        plan = Plan(case_id=case.id, created_by_id=actor.id, created_at=utcnow())
        version = PlanVersion(version=1, status=PlanStatus.DRAFT)
        plan.versions.append(version)
        session.add(plan)
        annex = False
    else:
        if plan.ended_on is not None:
            raise Conflict("this plan has ended; it cannot be changed")
        latest = current_version(session, plan.id)
        if latest.status in (PlanStatus.DRAFT, PlanStatus.RETURNED):
            version, annex = latest, False
            version.goals.clear()
            version.obligations.clear()
            session.flush()
        elif latest.status == PlanStatus.SIGNED:
            version, annex = PlanVersion(version=latest.version + 1, status=PlanStatus.DRAFT), True
            previous = latest
            plan.versions.append(version)
        else:
            raise Conflict(f"version {latest.version} of this plan is {latest.status}: it cannot be redrafted now")
    if previous is None and version.version > 1:
        previous = in_force(session, plan.id)  # a returned annex still builds on the version in force
    _fill(version, plan if plan.starts_on else None, call.form, previous)
    version.status = PlanStatus.SUBMITTED
    version.instance_id = call.instance.id
    version.submitted_by_id = actor.id
    version.submitted_at = utcnow()
    version.signature_status = None
    version.signed_on = None
    version.signed_language = None
    version.signature_note = None
    session.flush()
    record(
        session,
        "plan.submitted",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        plan_id=plan.id,
        version=version.version,
        annex=annex,
        goals=len(version.goals),
        actions=len(version.actions),
    )
    return {"plan_id": plan.id}


def as_form(version: PlanVersion) -> dict[str, Any]:
    return {
        "ipd_goals": [
            {
                "goal_id": goal.code,
                "goal_area": goal.area,
                "goal": goal.text,
                "target": goal.measurable_result,
                "target_date": goal.deadline.isoformat(),
            }
            for goal in version.goals
        ],
        "ipd_actions": [
            {
                "action": action.text,
                "goal_ref": action.goal.code,
                "responsible_type": action.responsible_type,
                "responsible_role": action.responsible_role,
                "partner_institution": action.partner_institution,
                "deadline": action.deadline.isoformat(),
                "cost_line": action.cost_line,
                "estimated_cost": str(action.estimated_cost) if action.estimated_cost is not None else None,
            }
            for action in sorted(version.actions, key=lambda a: a.position)
        ],
        "ipd_obligations_beneficiary": [o.text for o in version.obligations if o.party == "beneficiary"],
        "ipd_obligations_organisation": [o.text for o in version.obligations if o.party == "organisation"],
        "review_interval_months": version.review_interval_months,
        "plan_duration_months": version.duration_months,
        "ipd_language": version.language,
    }


@prefill_for("submit_plan")
def plan_as_drafted(call: Call) -> Mapping[str, Any]:
    """A returned version (or, for an annex, the version in force) as the drafting form starts with it."""
    plan_id = call.values.get(SUBJECT.key)
    if not isinstance(plan_id, int) or isinstance(plan_id, bool):
        return {}
    plan = call.session.get(Plan, plan_id)
    if plan is None or (call.case is not None and plan.case_id != call.case.id):
        return {}
    return as_form(current_version(call.session, plan.id))


# -- approval and signature -----------------------------------------------------------------------------------
@operation(
    "decide_plan",
    summary="A supervisor approves the submitted version or returns it with a comment (never their own).",
    fields={"ipd_approval_decision": True, "ipd_approval_comment": False},
    reads=("plan_id",),
    writes=("plan_decision",),
    subject=SUBJECT,
)
def decide_plan(call: Call) -> Mapping[str, Any]:
    case = call.require_case()
    actor = require_supervisor(call.actor, case)
    plan = load_plan(call, lock=True)
    version = current_version(call.session, plan.id, lock=True)
    decision, comment = take_decision(
        call.form,
        actor,
        what=f"plan version {version.version}",
        prepared_by_id=version.submitted_by_id,
        status=version.status,
        waiting=PlanStatus.SUBMITTED,
        fields=DecisionForm("ipd_approval_decision", "ipd_approval_comment", tuple(Decision), Decision.RETURN),
    )
    now = utcnow()
    version.decisions.append(PlanDecision(decision=decision, comment=comment, decided_by_id=actor.id, decided_at=now))
    if decision == Decision.APPROVE:
        version.status = PlanStatus.APPROVED
        version.approved_on = now.date()
        if plan.starts_on is None:
            plan.starts_on = now.date()
        plan.ends_on = add_months(plan.starts_on, version.duration_months + plan.extended_months)
    else:
        version.status = PlanStatus.RETURNED
        notification_events.plan_returned(call.session, case, version.submitted_by_id, plan.id, version.version)
    call.session.flush()
    record(
        call.session,
        "plan.decided",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        plan_id=plan.id,
        version=version.version,
        decision=decision,
    )
    return {"plan_decision": decision}


@operation(
    "sign_plan",
    summary="Record the beneficiary's signature of the approved version (or the refusal, which sends it back).",
    fields={
        "ipd_signature_status": True,
        "ipd_signed_on": False,
        "ipd_signed_language": False,
        "ipd_signature_note": False,
    },
    reads=("plan_id",),
    writes=("plan_signature",),
    subject=SUBJECT,
)
def sign_plan(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    plan = load_plan(call, lock=True)
    version = current_version(call.session, plan.id, lock=True)
    if version.status != PlanStatus.APPROVED:
        raise Conflict(f"version {version.version} of this plan is {version.status}: only an approved one is signed")
    status = inputs.choice(call.form, "ipd_signature_status", ("signed", "refused"))
    version.signature_status = status
    version.signature_recorded_by_id = actor.id
    version.signature_recorded_at = utcnow()
    version.signature_note = inputs.text(call.form, "ipd_signature_note", required=status == "refused")
    if status == "signed":
        signed_on = inputs.day(call.form, "ipd_signed_on")
        version.signed_on = signed_on
        version.signed_language = inputs.text(call.form, "ipd_signed_language")
        version.status = PlanStatus.SIGNED
        # The annex replaces the version that was in force.
        for older in plan.versions:
            if older.id != version.id and older.status == PlanStatus.SIGNED:
                older.status = PlanStatus.ENDED
                older.ended_on = signed_on
    else:
        version.signed_on = None
        version.signed_language = None
        version.status = PlanStatus.RETURNED
    call.session.flush()
    record(
        call.session,
        "plan.signature_recorded",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        plan_id=plan.id,
        version=version.version,
        signature=status,
    )
    return {"plan_signature": status}


# -- the plan period ------------------------------------------------------------------------------------------
@operation(
    "schedule_plan_review",
    kind=OperationKind.SERVICE,
    summary="The next review date and the end of the plan, and whether the review falls before the end.",
    reads=("plan_id",),
    writes=("next_review_on", "plan_ends_on", "plan_review_due"),
    subject=SUBJECT,
)
def schedule_plan_review(call: Call) -> Mapping[str, Any]:
    plan = load_plan(call)
    version = in_force(call.session, plan.id)
    if version is None or plan.starts_on is None or plan.ends_on is None:
        raise Conflict("the plan is not signed yet: its period has not started")
    done = call.session.scalar(select(func.count(PlanReview.id)).where(PlanReview.plan_id == plan.id)) or 0
    next_review = add_months(plan.starts_on, (done + 1) * version.review_interval_months)
    return {
        "next_review_on": next_review.isoformat(),
        "plan_ends_on": plan.ends_on.isoformat(),
        "plan_review_due": next_review < plan.ends_on,
    }


def _end(plan: Plan, version: PlanVersion, actor: User, reason: str, summary: str | None) -> None:
    today = utcnow().date()
    plan.ended_on = today
    plan.end_reason = reason
    plan.end_summary = summary
    plan.ended_by_id = actor.id
    version.status = PlanStatus.ENDED
    version.ended_on = today
    for goal in version.goals:
        if goal.status == GoalStatus.OPEN:
            goal.status = GoalStatus.NOT_ACHIEVED


@operation(
    "record_review",
    summary="Record a plan review: ratings per area, progress per goal (updating the goals), the outcome.",
    fields={
        "reviewed_on": True,
        "review_rating_language": True,
        "review_rating_work": True,
        "review_rating_social": True,
        "review_goal_ratings": True,
        "review_summary": True,
        "review_outcome": True,
        "subsidy_renewal_requested": True,
    },
    reads=("plan_id",),
    writes=("plan_review_outcome",),
    subject=SUBJECT,
)
def record_review(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    plan = load_plan(call, lock=True)
    version = in_force(call.session, plan.id)
    if version is None or plan.ended_on is not None:
        raise Conflict("only a plan in force is reviewed")
    form = call.form
    outcome = inputs.choice(form, "review_outcome", tuple(ReviewOutcome))
    review = PlanReview(
        version=version,
        instance_id=call.instance.id,
        reviewed_on=inputs.day(form, "reviewed_on"),
        rating_language=inputs.choice(form, "review_rating_language", RATINGS),
        rating_work=inputs.choice(form, "review_rating_work", RATINGS),
        rating_social=inputs.choice(form, "review_rating_social", RATINGS),
        summary=inputs.text(form, "review_summary") or "",
        outcome=outcome,
        subsidy_renewal_requested=bool(form.get("subsidy_renewal_requested")),
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    if plan.starts_on is not None and review.reviewed_on < plan.starts_on:
        raise InvalidInput("the review is dated before the plan", {"reviewed_on": "not before the plan started"})
    goals = {goal.code: goal for goal in version.goals}
    rated: set[str] = set()
    for index, raw in enumerate(form.get("review_goal_ratings") or []):
        path = f"review_goal_ratings/{index}"
        goal = goals.get(raw.get("goal_id"))
        if goal is None or goal.code in rated:
            raise InvalidInput(
                "a rating is for a goal that is not in the plan (or rates it twice)",
                {f"{path}/goal_id": f"one of the plan's goals: {', '.join(goals)}"},
            )
        rated.add(goal.code)
        rating = _choice(raw, "rating", RATINGS, path)
        comment = raw.get("comment")
        review.goal_progress.append(
            PlanReviewGoal(
                goal_id=goal.id, rating=rating, comment=comment.strip() if isinstance(comment, str) else None
            )
        )
        goal.status = GOAL_STATUS_AFTER_RATING[rating]
    plan.reviews.append(review)
    if outcome == ReviewOutcome.CLOSE:
        _end(plan, version, actor, "closed_after_review", review.summary)
    call.session.flush()
    record(
        call.session,
        "plan.reviewed",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        plan_id=plan.id,
        plan_review_id=review.id,
        version=version.version,
        outcome=outcome,
    )
    return {"plan_review_outcome": outcome}


@operation(
    "decide_plan_end",
    summary="At the end of the period: finish the plan, or extend it by some months.",
    fields={"plan_end_decision": True, "plan_extension_months": False, "plan_end_summary": True},
    reads=("plan_id",),
    writes=("plan_end_decision", "plan_ends_on"),
    subject=SUBJECT,
)
def decide_plan_end(call: Call) -> Mapping[str, Any]:
    actor = require_actor(call.actor)
    case = call.require_case()
    plan = load_plan(call, lock=True)
    version = in_force(call.session, plan.id)
    if version is None or plan.ends_on is None or plan.ended_on is not None:
        raise Conflict("only a plan in force can be finished or extended")
    decision = inputs.choice(call.form, "plan_end_decision", ("finish", "extend"))
    summary = inputs.text(call.form, "plan_end_summary")
    months = None
    if decision == "extend":
        months = inputs.whole(call.form, "plan_extension_months", low=1, high=12)
        plan.extended_months += months
        plan.ends_on = add_months(plan.ends_on, months)
    else:
        _end(plan, version, actor, "finished", summary)
    call.session.flush()
    record(
        call.session,
        "plan.period_decided",
        actor=actor,
        case_id=case.id,
        instance_id=call.instance.id,
        plan_id=plan.id,
        decision=decision,
        extension_months=months,
        ends_on=plan.ends_on.isoformat(),
    )
    return {"plan_end_decision": decision, "plan_ends_on": plan.ends_on.isoformat()}
