"""The reporting consent as the report reads it: the people's consent rule, as a list of cases not to list.

A person is listed by name only while their newest reporting consent is in force (engine.people.consents); the
others — refused, withdrawn or never asked — are counted in every figure and never listed.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from engine.cases.models import Case
from engine.people.consents import reporting_allowed_clause


def not_listable_case_ids() -> Select[int]:
    """Ids of cases whose person may not be listed in a report."""
    return select(Case.id).where(~reporting_allowed_clause(Case.beneficiary_id))
