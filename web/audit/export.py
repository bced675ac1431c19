"""The audit log as CSV for the data-protection officer, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.read import AuditQuery, case_numbers, iter_matching, office_codes

#: A cell starting with one of these is a formula to a spreadsheet (CSV injection); such cells get a leading '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500


def neutralised(value: Any) -> Any:
    """``value`` as a spreadsheet shows it, never runs it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _header() -> list[str]:
    return [
        _("Event"),
        _("Position in the chain"),
        _("Time (UTC)"),
        _("Kind of event"),
        _("User id"),
        _("User name"),
        _("Office"),
        _("Case id"),
        _("Case number"),
        _("Process instance"),
        _("Purpose"),
        _("Details"),
        _("Hash of the previous event"),
        _("Hash"),
    ]


def _line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([neutralised(value) for value in values])
    return out.getvalue()


def export_rows(session: Session, actor: User, query: AuditQuery) -> Iterator[str]:
    """CSV lines (with a BOM first, so spreadsheets read the Polish letters right) of every matching event."""
    yield "\ufeff" + _line(_header())
    batch: list[Any] = []
    for event in iter_matching(session, actor, query, batch=BATCH):
        batch.append(event)
        if len(batch) == BATCH:
            yield from _lines(session, batch)
            batch = []
    yield from _lines(session, batch)


def _lines(session: Session, events: list[Any]) -> Iterator[str]:
    offices = office_codes(session, {e.office_id for e in events if e.office_id is not None})
    cases = case_numbers(session, {e.case_id for e in events if e.case_id is not None})
    for event in events:
        yield _line(
            [
                event.id,
                event.seq,
                event.occurred_at.isoformat(),
                event.kind,
                event.actor_id,
                event.actor_name,
                offices.get(event.office_id, ""),
                event.case_id,
                cases.get(event.case_id, ""),
                event.instance_id,
                event.purpose,
                json.dumps(event.details or {}, ensure_ascii=False, sort_keys=True),
                event.prev_hash,
                event.row_hash,
            ]
        )
