"""The funder and management report: every indicator's figures for one office or nationally, and the cases
behind a figure (for the people allowed to see them, never those who refused the reporting consent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case as sa_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.cases.service import visible_cases
from engine.clock import utcnow
from engine.errors import Forbidden, NotFound
from engine.reports.consent import not_listable_case_ids
from engine.reports.indicators import BY_KEY, INDICATORS, Indicator, Measure, Scope
from engine.reports.period import ReportPeriod
from engine.subsidies.models import PaymentStatus, SubsidyBudget, SubsidyPayment

CENT = Decimal("0.01")
#: Roles that see every office's figures (the national report).
NATIONAL_ROLES = (Role.PROCESS_OWNER, Role.NATIONAL_ADMIN)
#: Roles that may open the report at all: supervisors and administrators for their own office.
REPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN, *NATIONAL_ROLES)


@dataclass(frozen=True)
class FigureRow:
    grp: str
    values: dict[str, int | Decimal]


@dataclass(frozen=True)
class IndicatorFigures:
    indicator: Indicator
    rows: list[FigureRow]

    def value(self, grp: str, measure: str) -> int | Decimal:
        for row in self.rows:
            if row.grp == grp:
                return row.values[measure]
        return 0

    def total(self, measure: str) -> int | Decimal:
        return sum((row.values[measure] for row in self.rows), start=0)


@dataclass(frozen=True)
class BudgetLeft:
    budget: Decimal
    paid: Decimal
    reserved: Decimal

    @property
    def left(self) -> Decimal:
        return self.budget - self.paid - self.reserved


@dataclass(frozen=True)
class FunderReport:
    scope: Scope
    indicators: list[IndicatorFigures]
    budget: BudgetLeft
    by_key: dict[str, IndicatorFigures] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {f.indicator.key: f for f in self.indicators})


def has_national_scope(actor: User) -> bool:
    return actor.has_role(*NATIONAL_ROLES)


def report_scope(actor: User, period: ReportPeriod, office_id: int | None, *, now: datetime | None = None) -> Scope:
    """The scope ``actor`` asked for, or Forbidden: national and other offices only for national roles."""
    if not actor.has_role(*REPORT_ROLES):
        raise Forbidden("reports are for supervisors and national roles")
    if not has_national_scope(actor) and office_id != actor.office_id:
        raise Forbidden("only national roles see other offices or the whole country")
    return Scope(period=period, office_id=office_id, now=now or utcnow())


def _value(raw: object, measure: Measure) -> int | Decimal:
    if measure.money:
        return (Decimal(str(raw or 0)) / measure.divide_by).quantize(CENT)
    return int(raw or 0)  # type: ignore[call-overload]


def indicator_figures(session: Session, indicator: Indicator, scope: Scope) -> IndicatorFigures:
    sub = indicator.base(scope).subquery()
    stmt = select(sub.c.grp, *(m.aggregate(sub).label(m.key) for m in indicator.measures)).group_by(sub.c.grp)
    rows = [
        FigureRow(str(row.grp), {m.key: _value(row._mapping[m.key], m) for m in indicator.measures})
        for row in session.execute(stmt.order_by(sub.c.grp))
    ]
    return IndicatorFigures(indicator, rows)


def budget_left(session: Session, scope: Scope) -> BudgetLeft:
    """Housing-subsidy budgets in force at the period's end: amount, paid, reserved (what is left follows)."""
    day = scope.period.end
    budgets = select(SubsidyBudget).where(SubsidyBudget.period_start <= day, SubsidyBudget.period_end >= day)
    if scope.office_id is not None:
        budgets = budgets.where(SubsidyBudget.office_id == scope.office_id)
    in_force = budgets.subquery()
    spent = (PaymentStatus.PAID, PaymentStatus.CORRECTION_PENDING)
    sums = session.execute(
        select(
            func.coalesce(func.sum(sa_case((SubsidyPayment.status.in_(spent), SubsidyPayment.amount_paid))), 0),
            func.coalesce(
                func.sum(sa_case((SubsidyPayment.status == PaymentStatus.SCHEDULED, SubsidyPayment.amount))), 0
            ),
        ).join(
            in_force,
            (in_force.c.office_id == SubsidyPayment.office_id)
            & (SubsidyPayment.due_on >= in_force.c.period_start)
            & (SubsidyPayment.due_on <= in_force.c.period_end),
        )
    ).one()
    total = session.scalar(select(func.coalesce(func.sum(in_force.c.amount), 0)))
    return BudgetLeft(
        budget=Decimal(str(total or 0)).quantize(CENT),
        paid=Decimal(str(sums[0])).quantize(CENT),
        reserved=Decimal(str(sums[1])).quantize(CENT),
    )


def funder_report(session: Session, scope: Scope) -> FunderReport:
    figures = [indicator_figures(session, indicator, scope) for indicator in INDICATORS]
    return FunderReport(scope, figures, budget_left(session, scope))


@dataclass(frozen=True)
class FigureCases:
    cases: list[Case]
    #: Cases behind the figure that the reporting consent keeps off the list (they are in the figure).
    not_listed: int
    total: int


def figure_cases(session: Session, actor: User, scope: Scope, key: str, grp: str, *, limit: int = 500) -> FigureCases:
    """The cases behind one figure that ``actor`` may see, without those who refused the reporting consent."""
    indicator = BY_KEY.get(key)
    if indicator is None:
        raise NotFound(f"no indicator {key}")
    sub = indicator.base(scope).subquery()
    behind = select(sub.c.case_id).where(sub.c.grp == grp, sub.c.case_id.is_not(None)).distinct()
    total = session.scalar(select(func.count()).select_from(behind.subquery())) or 0
    refused = not_listable_case_ids()
    not_listed = (
        session.scalar(select(func.count()).select_from(behind.where(sub.c.case_id.in_(refused)).subquery())) or 0
    )
    visible = visible_cases(actor).where(Case.id.in_(behind), Case.id.not_in(refused))
    cases = list(session.scalars(visible.order_by(Case.number).limit(limit)))
    return FigureCases(cases, int(not_listed), int(total))


def report_rows(report: FunderReport) -> list[tuple[str, str, str, int | Decimal]]:
    """The report as a table: indicator, breakdown, measure, value (budget rows last), for the exports."""
    rows: list[tuple[str, str, str, int | Decimal]] = []
    for figures in report.indicators:
        for row in figures.rows:
            for measure in figures.indicator.measures:
                rows.append((figures.indicator.key, row.grp, measure.key, row.values[measure.key]))
    budget = report.budget
    for key, value in (("budget", budget.budget), ("paid", budget.paid), ("reserved", budget.reserved)):
        rows.append(("subsidy_budget", key, "amount", value))
    rows.append(("subsidy_budget", "left", "amount", budget.left))
    return rows
