"""Record cards on pages: a record's sections rendered read-only through the forms that made them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.definitions.forms import latest_deployed_form
from engine.records.views import RecordCard, record_card
from forms.registry import FormNotFound, current_registry
from forms.render import Field, build_fields


@dataclass(frozen=True)
class ShownSection:
    form_key: str
    title: dict[str, str]
    fields: list[Field]
    by_id: int | None
    at: datetime | None
    restricted: bool


@dataclass(frozen=True)
class ShownCard:
    card: RecordCard
    sections: list[ShownSection]

    @property
    def user_ids(self) -> set[int | None]:
        return {section.by_id for section in self.sections} | {self.card.prepared_by_id}


def _schema(session: Session, form_key: str) -> dict[str, Any]:
    try:
        return latest_deployed_form(session, form_key)
    except (FormNotFound, ValueError):
        pass
    try:
        return current_registry().load(form_key)
    except (FormNotFound, ValueError):
        return {"type": "object", "properties": {}}


def shown_card(session: Session, actor: User, kind: str | None, record_id: int | None, locale: str) -> ShownCard | None:
    """The record as a page shows it (None when there is none); NotFound when its case is not the actor's."""
    card = record_card(session, actor, kind, record_id)
    if card is None:
        return None
    sections = []
    for section in card.sections:
        schema = _schema(session, section.form_key)
        sections.append(
            ShownSection(
                form_key=section.form_key,
                title=dict(schema.get("x-label") or {}),
                fields=[] if section.restricted else build_fields(schema, section.values, locale),
                by_id=section.by_id,
                at=section.at,
                restricted=section.restricted,
            )
        )
    return ShownCard(card, sections)
