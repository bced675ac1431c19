"""The dashboard's trend per quarter: cases served, work overdue at the quarter's end, subsidy paid and budget.

Read from the funder report's indicators, so a trend point and the report of that quarter always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.clock import utcnow
from engine.reports.funder import budget_left
from engine.reports.indicators import Scope, beneficiaries_by_sex, overdue_work, rent_subsidies
from engine.reports.period import ReportPeriod, previous_quarters


@dataclass(frozen=True)
class QuarterPoint:
    period: ReportPeriod
    cases: int
    overdue: int
    paid: Decimal
    budget: Decimal


def quarter_trend(
    session: Session, office_id: int | None, *, quarters: int = 8, now: datetime | None = None
) -> list[QuarterPoint]:
    """The last ``quarters`` quarters up to the current one, oldest first."""
    moment = now or utcnow()
    points = []
    for period in previous_quarters(moment.date(), quarters):
        scope = Scope(period, office_id, moment)
        served = beneficiaries_by_sex(scope).subquery()
        overdue = overdue_work(scope).subquery()
        subsidies = rent_subsidies(scope).subquery()
        cases = session.scalar(select(func.count(served.c.case_id.distinct()))) or 0
        late = session.scalar(select(func.count()).select_from(overdue)) or 0
        paid = session.scalar(select(func.coalesce(func.sum(subsidies.c.amount), 0)).where(subsidies.c.grp == "paid"))
        points.append(
            QuarterPoint(
                period,
                int(cases),
                int(late),
                Decimal(str(paid or 0)).quantize(Decimal("0.01")),
                budget_left(session, scope).budget,
            )
        )
    return points
