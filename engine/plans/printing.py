"""The data of the printed IPD: one approved version of a case's plan, with the labels of its two languages.

Only a version the supervisor approved prints: a draft is not a document anyone signs, so printing one is
refused (``Conflict``) rather than stamped DRAFT — a stamped draft on paper is too easily signed by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine.accounts.models import User
from engine.cases.models import Case
from engine.errors import Conflict, NotFound
from engine.plans.models import Decision, Plan, PlanGoal, PlanStatus, PlanVersion
from engine.plans.operations import add_months
from engine.plans.print_labels import LABELS, is_rtl, second_language

#: Versions the supervisor approved: waiting for the signature, in force, or since replaced.
PRINTABLE = (PlanStatus.APPROVED, PlanStatus.SIGNED, PlanStatus.ENDED)


@dataclass(frozen=True)
class PrintedGoal:
    code: str
    area: str
    text: str
    measurable_result: str
    deadline: date


@dataclass(frozen=True)
class PrintedAction:
    goal_code: str
    text: str
    #: A label key (``role.lawyer``, ``beneficiary``) or None when ``partner`` names the body.
    responsible_key: str | None
    partner: str | None
    deadline: date
    cost_line: str
    estimated_cost: Decimal | None


@dataclass(frozen=True)
class PrintedPlan:
    case_id: int
    case_number: str
    office_name: str
    beneficiary_name: str
    beneficiary_name_original: str | None
    date_of_birth: date | None
    version: int
    language: str | None  # the second language of the labels; None prints Polish only
    rtl: bool
    starts_on: date | None
    ends_on: date | None
    review_dates: list[date]
    approved_on: date | None
    signed_on: date | None
    case_manager_name: str | None
    supervisor_name: str | None
    goals: list[PrintedGoal]
    actions: list[PrintedAction]
    obligations_beneficiary: list[str]
    obligations_organisation: list[str]
    costs: list[tuple[str, Decimal]]  # (cost line, sum of the estimates), lines with an estimate only
    total_cost: Decimal

    def label(self, key: str) -> tuple[str, str | None]:
        """The label in Polish and in the plan's language (None when the plan is in Polish)."""
        return LABELS["pl"][key], LABELS[self.language][key] if self.language else None


def printable_plan(session: Session, actor: User, case: Case, version: int | None = None) -> PrintedPlan:
    """The case's newest plan as printed: ``version``, or the newest approved one (an unapproved annex waits)."""
    if not case.can_view(actor):
        raise NotFound(f"no case {case.id}")
    plan = session.scalar(select(Plan).where(Plan.case_id == case.id).order_by(Plan.id.desc()).limit(1))
    if plan is None:
        raise NotFound("the case has no plan")
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
    if version is not None:
        chosen = next((v for v in versions if v.version == version), None)
        if chosen is None:
            raise NotFound(f"the plan has no version {version}")
    else:
        chosen = next((v for v in reversed(versions) if v.status in PRINTABLE), None)
        if chosen is None:
            raise Conflict("the plan is not approved yet: it prints once the supervisor has approved it")
    if chosen.status not in PRINTABLE:
        raise Conflict(f"version {chosen.version} of the plan is not approved: only approved versions print")
    return _printed(session, case, plan, chosen)


def _printed(session: Session, case: Case, plan: Plan, version: PlanVersion) -> PrintedPlan:
    approval = next((d for d in reversed(version.decisions) if d.decision == Decision.APPROVE), None)
    supervisor = session.get(User, approval.decided_by_id) if approval else None
    language = second_language(version.language)
    costs: dict[str, Decimal] = {}
    for action in version.actions:
        if action.estimated_cost is not None and action.cost_line != "none":
            costs[action.cost_line] = costs.get(action.cost_line, Decimal("0")) + action.estimated_cost
    beneficiary = case.beneficiary
    return PrintedPlan(
        case_id=case.id,
        case_number=case.number,
        office_name=case.office.name,
        beneficiary_name=f"{beneficiary.given_names_latin} {beneficiary.family_name_latin}",
        beneficiary_name_original=beneficiary.names_original,
        date_of_birth=beneficiary.date_of_birth,
        version=version.version,
        language=language,
        rtl=is_rtl(language),
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        review_dates=review_dates(plan.starts_on, plan.ends_on, version.review_interval_months),
        approved_on=version.approved_on,
        signed_on=version.signed_on if version.signature_status == "signed" else None,
        case_manager_name=case.case_manager.display_name if case.case_manager else None,
        supervisor_name=supervisor.display_name if supervisor else None,
        goals=[PrintedGoal(g.code, g.area, g.text, g.measurable_result, g.deadline) for g in version.goals],
        actions=[
            PrintedAction(
                goal_code=goal.code,
                text=action.text,
                responsible_key=(
                    f"role.{action.responsible_role}"
                    if action.responsible_type == "role"
                    else "beneficiary"
                    if action.responsible_type == "beneficiary"
                    else None
                ),
                partner=action.partner_institution if action.responsible_type == "partner" else None,
                deadline=action.deadline,
                cost_line=action.cost_line,
                estimated_cost=action.estimated_cost,
            )
            for goal in version.goals
            for action in goal.actions
        ],
        obligations_beneficiary=[o.text for o in version.obligations if o.party == "beneficiary"],
        obligations_organisation=[o.text for o in version.obligations if o.party == "organisation"],
        costs=sorted(costs.items()),
        total_cost=sum(costs.values(), Decimal("0")),
    )


def review_dates(starts_on: date | None, ends_on: date | None, interval_months: int) -> list[date]:
    """Every ``interval_months`` from the start, before the end (the end itself closes the plan, no review)."""
    if starts_on is None or ends_on is None or interval_months < 1:
        return []
    found: list[date] = []
    step = interval_months
    while True:
        due = add_months(starts_on, step)
        if due >= ends_on:
            return found
        found.append(due)
        step += interval_months
