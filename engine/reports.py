"""Dashboard figures: caseload, overdue work, plans awaiting approval and subsidy spend, per office.

Configuration: the housing-subsidy programme budget per office is read from the environment,
``IPD_SUBSIDY_BUDGET_<OFFICE CODE>`` (e.g. ``IPD_SUBSIDY_BUDGET_LUB=80000.00``) when set for that office,
else ``IPD_SUBSIDY_BUDGET`` for every office, else `DEFAULT_SUBSIDY_BUDGET` (PLN, decimal string).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sa_case
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.cases.models import Case, CaseMember, CaseStatus
from engine.clock import utcnow
from engine.plans.models import Plan, PlanStatus, PlanVersion
from engine.tasks.models import HumanTask, TaskState

DEFAULT_SUBSIDY_BUDGET = Decimal("120000.00")
PAYMENT_ELEMENT = "Task_confirm_payment"
SUBSIDY_APPROVAL_ELEMENT = "Task_approve_subsidy"


def subsidy_budget(office_code: str, environ: Mapping[str, str] | None = None) -> Decimal:
    """The programme's housing-subsidy budget for one office (see the module docstring)."""
    env = os.environ if environ is None else environ
    raw = env.get(f"IPD_SUBSIDY_BUDGET_{office_code.upper()}") or env.get("IPD_SUBSIDY_BUDGET")
    if not raw:
        return DEFAULT_SUBSIDY_BUDGET
    try:
        return Decimal(raw).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"the subsidy budget must be an amount such as 120000.00, got {raw!r}") from None


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
    task_counts = {row.user_id: (row.open_tasks, int(row.overdue or 0)) for row in session.execute(tasks)}
    associated = (
        select(Case.id.label("case_id"), Case.case_manager_id.label("user_id"))
        .where(Case.status == CaseStatus.OPEN, Case.case_manager_id.is_not(None))
        .union(
            select(CaseMember.case_id, CaseMember.user_id)
            .join(Case, Case.id == CaseMember.case_id)
            .where(Case.status == CaseStatus.OPEN)
        )
        .subquery()
    )
    case_counts: dict[int, int] = dict(
        session.execute(select(associated.c.user_id, func.count()).group_by(associated.c.user_id)).all()
    )
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


def overdue_tasks(session: Session, office_id: int | None = None, *, now: datetime | None = None) -> list[HumanTask]:
    """Open tasks past their due date, the most overdue first."""
    stmt = select(HumanTask).where(HumanTask.state == TaskState.OPEN, HumanTask.due_at < (now or utcnow()))
    if office_id is not None:
        stmt = stmt.where(HumanTask.office_id == office_id)
    return list(session.scalars(stmt.order_by(HumanTask.due_at).limit(200)))


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


def _amount(value: object) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def subsidy_spend(
    session: Session, office_id: int | None = None, *, environ: Mapping[str, str] | None = None
) -> list[SubsidySpend]:
    """Per office: confirmed subsidy payments against the office's budget, and approvals granted."""
    offices = _offices(session, office_id)
    # Amounts live in the submitted form data (JSON); summing them in Python keeps SQLite and
    # PostgreSQL identical and Decimal-exact.
    rows = session.execute(
        select(HumanTask.office_id, HumanTask.element_id, HumanTask.submitted).where(
            HumanTask.state == TaskState.COMPLETED,
            HumanTask.process_id == "housing_subsidy",
            or_(HumanTask.element_id == PAYMENT_ELEMENT, HumanTask.element_id == SUBSIDY_APPROVAL_ELEMENT),
            and_(HumanTask.office_id.in_([o.id for o in offices])),
        )
    ).all()
    paid: dict[int, Decimal] = {}
    payments: dict[int, int] = {}
    approved: dict[int, int] = {}
    for office, element, submitted in rows:
        data = submitted or {}
        if element == PAYMENT_ELEMENT:
            paid[office] = paid.get(office, Decimal(0)) + _amount(data.get("payment_amount"))
            payments[office] = payments.get(office, 0) + 1
        elif data.get("subsidy_decision") == "approve":
            approved[office] = approved.get(office, 0) + 1
    reserved = _reserved(session, [o.id for o in offices])
    return [
        SubsidySpend(
            office_id=o.id,
            office_code=o.code,
            budget=subsidy_budget(o.code, environ),
            paid=paid.get(o.id, Decimal(0)).quantize(Decimal("0.01")),
            payments=payments.get(o.id, 0),
            approved_subsidies=approved.get(o.id, 0),
            reserved=reserved.get(o.id, Decimal(0)).quantize(Decimal("0.01")),
        )
        for o in offices
    ]


def _reserved(session: Session, office_ids: list[int]) -> dict[int, Decimal]:
    """Per office: what running, approved subsidies will still pay (approved total minus paid so far)."""
    from engine.instances.models import ACTIVE_STATUSES, ProcessInstance
    from engine.instances.service import load_runner

    found: dict[int, Decimal] = {}
    running = session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.process_id == "housing_subsidy",
            ProcessInstance.status.in_(ACTIVE_STATUSES),
            ProcessInstance.office_id.in_(office_ids),
        )
    )
    for instance in running:
        data = load_runner(session, instance).data
        if data.get("subsidy_status") != "approved" or instance.office_id is None:
            continue
        outstanding = _amount(data.get("subsidy_approved_total")) - _amount(data.get("subsidy_paid_total"))
        found[instance.office_id] = found.get(instance.office_id, Decimal(0)) + max(outstanding, Decimal(0))
    return found
