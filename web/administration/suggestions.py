"""Fill the suggestion lists of task forms (``x-suggest``) from the administrators' lists."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from engine.administration.partners import partners_for_office
from forms.render import Field


def offer_partners(session: Session, fields: Iterable[Field], office_id: int) -> None:
    """Fields asking for ``partner_institutions`` suggest the active partners of the case's office."""
    wanting = [f for f in _all(fields) if f.suggest == "partner_institutions"]
    if not wanting:
        return
    names = [partner.name for partner in partners_for_office(session, office_id)]
    for field in wanting:
        field.suggestions = names


def _all(fields: Iterable[Field]) -> Iterable[Field]:
    for field in fields:
        yield field
        for row in field.rows:
            yield from _all(row.fields)
