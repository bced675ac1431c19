"""Programme configuration the operations read: thresholds and limits, never literals in diagrams.

Read from the environment with the defaults below (PLN, decimal strings). Subsidy budgets are not
configuration: they are kept per office and period in the database (``ipd budgets set``).

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

DEFAULTS = {
    "IPD_SUBSIDY_INCOME_LIMIT_SINGLE": "2020.00",
    "IPD_SUBSIDY_INCOME_LIMIT_FAMILY": "1646.00",
    "IPD_SUBSIDY_RENT_SHARE": "0.50",
    "IPD_SUBSIDY_MAX_MONTHLY": "1500.00",
    "IPD_MATERIAL_AID_APPROVAL_LIMIT": "500.00",
}


def amount(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The configured value of ``name`` as a decimal string; a clear error when it is not a number."""
    env = os.environ if environ is None else environ
    raw = env.get(name) or DEFAULTS[name]
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{name} must be an amount such as {DEFAULTS[name]}, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} cannot be negative")
    return str(value.quantize(Decimal("0.01")))


def subsidy_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    return {
        "income_limit_single": amount("IPD_SUBSIDY_INCOME_LIMIT_SINGLE", environ),
        "income_limit_family": amount("IPD_SUBSIDY_INCOME_LIMIT_FAMILY", environ),
        "rent_share": amount("IPD_SUBSIDY_RENT_SHARE", environ),
        "max_monthly_amount": amount("IPD_SUBSIDY_MAX_MONTHLY", environ),
    }
