"""Record views: a record shown through the forms that made it, so labels and choices read as they were asked.

Each area registers a view per record kind (``@record_view("aid_request")``) in its ``read`` module. A view
returns the record's case and its sections (the request, each decision, what followed), each naming the form
whose labels it uses and holding values under that form's field names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.access.policy import can_view_record
from engine.accounts.models import User
from engine.errors import NotFound

#: Modules that register record views; imported once when a view is first asked for.
READ_MODULES = (
    "engine.aid.read",
    "engine.subsidies.read",
    "engine.people.read",
    "engine.assessments.read",
    "engine.plans.read",
    "engine.delivery.read",
    "engine.closure.read",
    "engine.team.read",
)


@dataclass(frozen=True)
class RecordSection:
    form_key: str
    values: Mapping[str, Any]
    by_id: int | None = None
    at: datetime | None = None
    #: Withheld from this reader (special-category details): they learn that it exists, nothing more.
    restricted: bool = False


@dataclass(frozen=True)
class RecordCard:
    kind: str
    record_id: int
    case_id: int | None  # None: a record of the office (a team meeting), for its supervisors
    sections: list[RecordSection] = field(default_factory=list)
    #: Who prepared the record: an approval card tells the preparer they cannot decide it.
    prepared_by_id: int | None = None
    office_id: int | None = None


View = Callable[[Session, User, int], RecordCard | None]
_VIEWS: dict[str, View] = {}
_loaded = False


def record_view(kind: str) -> Callable[[View], View]:
    def register(function: View) -> View:
        _VIEWS[kind] = function
        return function

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in READ_MODULES:
            importlib.import_module(module)
        _loaded = True


def record_card(session: Session, actor: User, kind: str | None, record_id: int | None) -> RecordCard | None:
    """The card of one record, or None when there is none; NotFound when the actor may not see its case."""
    if not kind or record_id is None:
        return None
    _load()
    view = _VIEWS.get(kind)
    if view is None:
        return None
    card = view(session, actor, record_id)
    if card is None:
        return None
    if not can_view_record(session, actor, card.case_id, card.office_id):
        raise NotFound(f"no {kind} {record_id}")
    return card
