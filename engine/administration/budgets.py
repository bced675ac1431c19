"""Housing-subsidy budgets as administrators set them: within their offices, through the budget service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.administration.scope import administered_office, administered_office_ids, require_administrator
from engine.subsidies.budgets import BudgetUse, list_budgets, set_budget
from engine.subsidies.models import SubsidyBudget


def set_office_budget(
    session: Session, actor: User, office_id: int, period_start: date, period_end: date, amount: Decimal
) -> SubsidyBudget:
    """Set the budget of an administered office for a period (audited by the budget service)."""
    require_administrator(actor)
    office = administered_office(session, actor, office_id)
    return set_budget(session, actor, office.code, period_start, period_end, amount)


def administered_budgets(session: Session, actor: User) -> list[tuple[str, BudgetUse]]:
    """The budget periods of the offices ``actor`` administers, with what is paid and reserved."""
    require_administrator(actor)
    ids = administered_office_ids(actor)
    if ids is None:
        return list_budgets(session)
    return [row for office_id in sorted(ids) for row in list_budgets(session, office_id)]
