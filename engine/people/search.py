"""Case search: by case number, by name in any script (through the search key) and by document number or PESEL.

Names are matched on ``Beneficiary.search_key`` (casefolded in Python, with the Latin transliteration), so
"Марія" finds "Марія" on SQLite, whose lower() folds ASCII only, exactly as on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, or_, select

from engine.cases.models import Beneficiary, Case
from engine.people.models import IdentityDocument
from engine.people.names import query_forms


def _bare(column: Any) -> ColumnElement[str]:
    """A document number as compared: upper case, without spaces."""
    return func.replace(func.upper(column), " ", "")


def case_search(query: str) -> ColumnElement[bool]:
    """A condition on a query joining Case and Beneficiary: the cases ``query`` finds."""
    query = " ".join(query.split())
    if not query:
        return false()
    number = query.replace(" ", "").upper()
    holds_document = exists(
        select(IdentityDocument.id).where(
            IdentityDocument.beneficiary_id == Beneficiary.id, _bare(IdentityDocument.number) == number
        )
    )
    conditions = [
        func.lower(Case.number).contains(query.lower(), autoescape=True),
        _bare(Beneficiary.document_number) == number,
        Beneficiary.pesel == number,
        holds_document,
    ]
    conditions += [Beneficiary.search_key.contains(form, autoescape=True) for form in query_forms(query)]
    return or_(*conditions)
