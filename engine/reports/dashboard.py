"""Dashboard figures: caseload, overdue work, plans awaiting approval and subsidy spend, per office.

Subsidy spend is summed in SQL over the subsidy tables: each office's budget for the current period (set by an
administrator, ``ipd budgets set``), what is paid and reserved in it, and the subsidies approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case as sa_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.cases.caseload import CaseLoad
from engine.cases.models import Case
from engine.clock import utcnow
from engine.plans.models import Plan, PlanStatus, PlanVersion
from engine.subsidies.models import HousingSubsidy, PaymentStatus, SubsidyBudget, SubsidyPayment
from engine.tasks.models import HumanTask, TaskState


@dataclass(frozen=True)
class CaseloadRow:
    user_id: int
    display_name: str
    office_code: str
    open_tasks: int
    overdue_tasks: int
    open_cases: int


@dataclass(frozen=True)
class SubsidySpend:
    office_id: int
    office_code: str
    #: The budget period in force today (None: no budget set for today, and the budget is 0).
    period_start: date | None
    period_end: date | None
    budget: Decimal
    paid: Decimal
    payments: int
    approved_subsidies: int
    # Approved months not paid yet: the budget is committed to them already.
    reserved: Decimal = Decimal("0.00")

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.paid - self.reserved


def _offices(session: Session, office_id: int | None) -> list[Office]:
    stmt = select(Office).order_by(Office.code)
    if office_id is not None:
        stmt = stmt.where(Office.id == office_id)
    return list(session.scalars(stmt))


def caseload(session: Session, office_id: int | None = None, *, now: datetime | None = None) -> list[CaseloadRow]:
    """Per active user: open tasks assigned, how many are overdue, open cases managed or assigned."""
    moment = now or utcnow()
    tasks = (
        select(
            HumanTask.assignee_id.label("user_id"),
            func.count().label("open_tasks"),
            func.sum(sa_case((HumanTask.due_at < moment, 1), else_=0)).label("overdue"),
        )
        .where(HumanTask.state == TaskState.OPEN, HumanTask.assignee_id.is_not(None))
        .group_by(HumanTask.assignee_id)
    )
    if office_id is not None:
        tasks = tasks.where(HumanTask.office_id == office_id)
    task_counts = {row.user_id: (row.open_tasks, int(row.overdue or 0)) for row in session.execute(tasks)}
    # Kept as cases open, gain specialists and close (engine.cases.caseload): no count over every open case.
    held = select(CaseLoad.user_id, CaseLoad.open_cases).join(User, User.id == CaseLoad.user_id)
    if office_id is not None:
        held = held.where(User.office_id == office_id)
    case_counts: dict[int, int] = {int(user_id): int(count) for user_id, count in session.execute(held)}
    users = select(User, Office.code).join(Office, Office.id == User.office_id).where(User.active.is_(True))
    if office_id is not None:
        users = users.where(User.office_id == office_id)
    rows = []
    for user, code in session.execute(users.order_by(Office.code, User.display_name)):
        open_tasks, overdue = task_counts.get(user.id, (0, 0))
        cases = case_counts.get(user.id, 0)
        if open_tasks or cases:
            rows.append(CaseloadRow(user.id, user.display_name, code, open_tasks, overdue, cases))
    return rows


def overdue_tasks(
    session: Session, office_id: int | None = None, *, now: datetime | None = None, limit: int = 50
) -> list[HumanTask]:
    """Open tasks past their due date, the most overdue first (the caseload table counts them all)."""
    stmt = select(HumanTask).where(HumanTask.state == TaskState.OPEN, HumanTask.due_at < (now or utcnow()))
    if office_id is not None:
        stmt = stmt.where(HumanTask.office_id == office_id)
    return list(session.scalars(stmt.order_by(HumanTask.due_at).limit(limit)))


@dataclass(frozen=True)
class PlanAwaitingApproval:
    plan_id: int
    version: int
    case_id: int
    submitted_by_id: int | None
    submitted_at: datetime | None


def plans_awaiting_approval(session: Session, office_id: int | None = None) -> list[PlanAwaitingApproval]:
    """Plan versions submitted and not decided yet (originals and annexes), oldest first."""
    stmt = (
        select(
            PlanVersion.plan_id,
            PlanVersion.version,
            Plan.case_id,
            PlanVersion.submitted_by_id,
            PlanVersion.submitted_at,
        )
        .join(Plan, Plan.id == PlanVersion.plan_id)
        .where(PlanVersion.status == PlanStatus.SUBMITTED)
    )
    if office_id is not None:
        stmt = stmt.join(Case, Case.id == Plan.case_id).where(Case.office_id == office_id)
    rows = session.execute(stmt.order_by(PlanVersion.submitted_at, PlanVersion.id))
    return [PlanAwaitingApproval(*row) for row in rows]


def subsidy_spend(session: Session, office_id: int | None = None, *, on: date | None = None) -> list[SubsidySpend]:
    """Per office and its budget period in force ``on`` (today): budget, paid, reserved, approvals granted."""
    day = on or utcnow().date()
    offices = _offices(session, office_id)
    ids = [o.id for o in offices]
    periods = {
        b.office_id: b
        for b in session.scalars(
            select(SubsidyBudget).where(
                SubsidyBudget.office_id.in_(ids), SubsidyBudget.period_start <= day, SubsidyBudget.period_end >= day
            )
        )
    }
    spent = (PaymentStatus.PAID, PaymentStatus.CORRECTION_PENDING)
    sums = {
        row.office_id: row
        for row in session.execute(
            select(
                SubsidyPayment.office_id,
                func.coalesce(
                    func.sum(sa_case((SubsidyPayment.status.in_(spent), SubsidyPayment.amount_paid))), 0
                ).label("paid"),
                func.coalesce(
                    func.sum(sa_case((SubsidyPayment.status == PaymentStatus.SCHEDULED, SubsidyPayment.amount))), 0
                ).label("reserved"),
                func.count(sa_case((SubsidyPayment.status.in_(spent), 1))).label("payments"),
            )
            .join(
                SubsidyBudget,
                (SubsidyBudget.office_id == SubsidyPayment.office_id)
                & (SubsidyPayment.due_on >= SubsidyBudget.period_start)
                & (SubsidyPayment.due_on <= SubsidyBudget.period_end),
            )
            .where(SubsidyBudget.id.in_([b.id for b in periods.values()]))
            .group_by(SubsidyPayment.office_id)
        )
    }
    approved = dict(
        session.execute(
            select(HousingSubsidy.office_id, func.count())
            .join(
                SubsidyBudget,
                (SubsidyBudget.office_id == HousingSubsidy.office_id)
                & (func.date(HousingSubsidy.decided_at) >= SubsidyBudget.period_start)
                & (func.date(HousingSubsidy.decided_at) <= SubsidyBudget.period_end),
            )
            .where(SubsidyBudget.id.in_([b.id for b in periods.values()]), HousingSubsidy.decision == "approve")
            .group_by(HousingSubsidy.office_id)
        ).all()
    )
    cent = Decimal("0.01")
    found = []
    for office in offices:
        period = periods.get(office.id)
        row = sums.get(office.id)
        found.append(
            SubsidySpend(
                office_id=office.id,
                office_code=office.code,
                period_start=period.period_start if period else None,
                period_end=period.period_end if period else None,
                budget=period.amount if period else Decimal("0.00"),
                paid=Decimal(str(row.paid)).quantize(cent) if row else Decimal("0.00"),
                payments=int(row.payments) if row else 0,
                approved_subsidies=int(approved.get(office.id, 0)),
                reserved=Decimal(str(row.reserved)).quantize(cent) if row else Decimal("0.00"),
            )
        )
    return found
