"""Programme configuration the operations read: thresholds and limits, never literals in diagrams.

A national administrator changes them on the administration pages (kept in ``programme_settings``, each change
audited); without a change the environment variable holds, and without that the default below (PLN, decimal
strings). Every money rule reads them through ``setting``. Subsidy budgets are not configuration: they are kept
per office and period (``ipd budgets set`` or the administration pages).

| variable | default | meaning |
|---|---|---|
| ``IPD_SUBSIDY_INCOME_LIMIT_SINGLE`` | 2020.00 | income per person limit for a single person |
| ``IPD_SUBSIDY_INCOME_LIMIT_FAMILY`` | 1646.00 | income per person limit in a household |
| ``IPD_SUBSIDY_RENT_SHARE`` | 0.50 | share of the rent the subsidy covers |
| ``IPD_SUBSIDY_MAX_MONTHLY`` | 1500.00 | monthly subsidy cap |
| ``IPD_MATERIAL_AID_APPROVAL_LIMIT`` | 500.00 | material-aid requests above this need a supervisor |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.administration.models import ProgrammeSetting
from engine.administration.scope import require_national
from engine.audit.service import record
from engine.clock import utcnow
from engine.errors import InvalidInput

DEFAULTS = {
    "IPD_SUBSIDY_INCOME_LIMIT_SINGLE": "2020.00",
    "IPD_SUBSIDY_INCOME_LIMIT_FAMILY": "1646.00",
    "IPD_SUBSIDY_RENT_SHARE": "0.50",
    "IPD_SUBSIDY_MAX_MONTHLY": "1500.00",
    "IPD_MATERIAL_AID_APPROVAL_LIMIT": "500.00",
}
#: Settings that are shares (0-1), not amounts.
SHARES = frozenset({"IPD_SUBSIDY_RENT_SHARE"})
SETTING_NAMES = tuple(DEFAULTS)


def _checked(name: str, raw: str) -> str:
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{name} must be an amount such as {DEFAULTS[name]}, got {raw!r}") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} cannot be negative")
    if name in SHARES and value > 1:
        raise ValueError(f"{name} is a share between 0 and 1")
    if value >= Decimal("1e9"):
        raise ValueError(f"{name} is too large")
    return str(value.quantize(Decimal("0.01")))


def amount(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The environment's value of ``name`` (the default of the setting) as a decimal string."""
    env = os.environ if environ is None else environ
    return _checked(name, env.get(name) or DEFAULTS[name])


def setting(session: Session, name: str, environ: Mapping[str, str] | None = None) -> str:
    """The value in force of programme setting ``name``: the administrators' value, else the environment's."""
    if name not in DEFAULTS:
        raise KeyError(name)
    row = session.get(ProgrammeSetting, name)
    return row.value if row is not None else amount(name, environ)


def is_overridden(session: Session, name: str) -> bool:
    return session.get(ProgrammeSetting, name) is not None


def subsidy_settings(session: Session, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    return {
        "income_limit_single": setting(session, "IPD_SUBSIDY_INCOME_LIMIT_SINGLE", environ),
        "income_limit_family": setting(session, "IPD_SUBSIDY_INCOME_LIMIT_FAMILY", environ),
        "rent_share": setting(session, "IPD_SUBSIDY_RENT_SHARE", environ),
        "max_monthly_amount": setting(session, "IPD_SUBSIDY_MAX_MONTHLY", environ),
    }


def change_setting(session: Session, actor: User, name: str, value: str | None) -> str:
    """Set ``name`` (national administrators); an empty value returns it to the environment's default."""
    require_national(actor)
    if name not in DEFAULTS:
        raise InvalidInput("unknown setting", {"name": f"one of {', '.join(SETTING_NAMES)}"})
    row = session.get(ProgrammeSetting, name)
    previous = row.value if row is not None else None
    if value is None or not value.strip():
        if row is not None:
            session.delete(row)
            record(session, "programme.setting_reset", actor=actor, setting=name, previous=previous)
        return amount(name)
    try:
        checked = _checked(name, value)
    except ValueError as error:
        raise InvalidInput("the value is not acceptable", {name: str(error)}) from None
    if row is None:
        row = ProgrammeSetting(key=name, value=checked)
        session.add(row)
    row.value = checked
    row.updated_by_id = actor.id
    row.updated_at = utcnow()
    session.flush()
    # Programme settings are amounts of the programme, not anyone's personal data: the values are kept.
    record(session, "programme.setting_changed", actor=actor, setting=name, value=checked, previous=previous)
    return checked
