"""The housing-subsidy budget of each office and period, and what is paid and reserved against it.

A scheduled month counts against the budget period its due date falls in: paid months with the amount paid,
unpaid scheduled months with their amount (the reservation). Approving a subsidy locks the budget rows its
months fall in, so two approvals that together exceed a budget never both pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case as sa_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.audit.service import record
from engine.clock import utcnow
from engine.errors import InvalidInput, NotFound
from engine.subsidies.models import PaymentStatus, SubsidyBudget, SubsidyPayment

ZERO = Decimal("0.00")
_SPENT = (PaymentStatus.PAID, PaymentStatus.CORRECTION_PENDING)


@dataclass(frozen=True)
class BudgetUse:
    """One budget period of an office with what is paid and reserved in it."""

    budget: SubsidyBudget
    paid: Decimal
    reserved: Decimal
    payments: int  # months paid in the period

    @property
    def remaining(self) -> Decimal:
        return self.budget.amount - self.paid - self.reserved


def office_by_code(session: Session, code: str) -> Office:
    office = session.scalar(select(Office).where(Office.code == code.upper()))
    if office is None:
        raise NotFound(f"there is no office {code.upper()}")
    return office


def covering(session: Session, office_id: int, day: date) -> SubsidyBudget | None:
    """The budget period of the office that ``day`` falls in."""
    return session.scalar(
        select(SubsidyBudget).where(
            SubsidyBudget.office_id == office_id,
            SubsidyBudget.period_start <= day,
            SubsidyBudget.period_end >= day,
        )
    )


def usage(session: Session, budgets: Iterable[SubsidyBudget]) -> list[BudgetUse]:
    """What is paid and reserved in each budget period (one aggregate query per period)."""
    found = list(budgets)
    if not found:
        return []
    sums = {}
    for budget in found:
        row = session.execute(
            select(
                func.coalesce(
                    func.sum(sa_case((SubsidyPayment.status.in_(_SPENT), SubsidyPayment.amount_paid), else_=0)), 0
                ),
                func.coalesce(
                    func.sum(
                        sa_case((SubsidyPayment.status == PaymentStatus.SCHEDULED, SubsidyPayment.amount), else_=0)
                    ),
                    0,
                ),
                func.count(sa_case((SubsidyPayment.status.in_(_SPENT), 1))),
            ).where(
                SubsidyPayment.office_id == budget.office_id,
                SubsidyPayment.due_on >= budget.period_start,
                SubsidyPayment.due_on <= budget.period_end,
            )
        ).one()
        sums[budget.id] = row
    return [
        BudgetUse(
            b,
            Decimal(str(sums[b.id][0])).quantize(ZERO),
            Decimal(str(sums[b.id][1])).quantize(ZERO),
            int(sums[b.id][2]),
        )
        for b in found
    ]


def reserve(
    session: Session, office: Office, months: list[tuple[date, Decimal]], *, field: str = "subsidy_approved_months"
) -> None:
    """Check under a row lock that the budget periods of ``months`` can hold them; refuse naming what is left.

    The caller creates the scheduled payments in the same transaction, so the lock is held until they exist.
    """
    needed: dict[int, Decimal] = {}
    for due_on, amount in months:
        budget = covering(session, office.id, due_on)
        if budget is None:
            raise InvalidInput(
                f"no housing-subsidy budget of office {office.code} covers {due_on.isoformat()}",
                {field: f"an administrator must set a budget for {due_on.isoformat()} first"},
            )
        needed[budget.id] = needed.get(budget.id, ZERO) + amount
    # Lock in id order: two approvals over the same periods never wait on each other crosswise.
    locked = list(
        session.scalars(
            select(SubsidyBudget).where(SubsidyBudget.id.in_(needed)).order_by(SubsidyBudget.id).with_for_update()
        )
    )
    for use in usage(session, locked):
        want = needed[use.budget.id]
        if want > use.remaining:
            period = f"{use.budget.period_start.isoformat()} – {use.budget.period_end.isoformat()}"
            raise InvalidInput(
                f"over the budget: {want} PLN needed, {use.remaining} PLN remaining in the budget of "
                f"office {office.code} for {period}",
                {field: f"only {use.remaining} PLN remain in the budget for {period}"},
            )


def set_budget(
    session: Session,
    actor: User | None,
    office_code: str,
    period_start: date,
    period_end: date,
    amount: Decimal,
) -> SubsidyBudget:
    """Set the budget of an office for a period: a new period, or a new amount for an existing one."""
    office = office_by_code(session, office_code)
    if amount <= 0 or amount != amount.quantize(ZERO):
        raise InvalidInput("a budget is an amount above zero", {"amount": "write an amount such as 120000.00"})
    if period_end < period_start:
        raise InvalidInput("the period ends before it starts", {"to": "must be on or after the start"})
    session.get(Office, office.id, with_for_update=True)  # one writer of an office's periods at a time
    overlapping = list(
        session.scalars(
            select(SubsidyBudget)
            .where(
                SubsidyBudget.office_id == office.id,
                SubsidyBudget.period_start <= period_end,
                SubsidyBudget.period_end >= period_start,
            )
            .with_for_update()
        )
    )
    same = [b for b in overlapping if (b.period_start, b.period_end) == (period_start, period_end)]
    if len(overlapping) != len(same):
        other = next(b for b in overlapping if b not in same)
        raise InvalidInput(
            "budget periods of an office may not overlap",
            {"from": f"office {office.code} has a budget for {other.period_start} – {other.period_end}"},
        )
    if same:
        budget = same[0]
        (use,) = usage(session, [budget])
        committed = use.paid + use.reserved
        if amount < committed:
            raise InvalidInput(
                "the budget would be below what is already paid and reserved",
                {"amount": f"at least {committed} PLN are paid or reserved in this period"},
            )
        previous = str(budget.amount)
        budget.amount = amount
    else:
        previous = None
        budget = SubsidyBudget(office_id=office.id, period_start=period_start, period_end=period_end, amount=amount)
        session.add(budget)
    budget.set_by_id = actor.id if actor else None
    budget.set_at = utcnow()
    session.flush()
    record(
        session,
        "subsidy.budget_set",
        actor=actor,
        actor_name=None if actor else "cli",
        office_id=office.id,
        budget_id=budget.id,
        period_start=period_start.isoformat(),
        period_end=period_end.isoformat(),
        amount=str(amount),
        previous=previous,
    )
    return budget


def list_budgets(session: Session, office_id: int | None = None) -> list[tuple[str, BudgetUse]]:
    """Every budget period (office code, use), by office and period."""
    stmt = select(SubsidyBudget, Office.code).join(Office, Office.id == SubsidyBudget.office_id)
    if office_id is not None:
        stmt = stmt.where(SubsidyBudget.office_id == office_id)
    rows = session.execute(stmt.order_by(Office.code, SubsidyBudget.period_start)).all()
    uses = usage(session, [budget for budget, _ in rows])
    return [(code, use) for (_, code), use in zip(rows, uses, strict=True)]
