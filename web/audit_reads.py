"""Audit of every read of personal data: one place that writes the "viewed", "searched" and "downloaded" rows.

Pages and API endpoints that show a person's data call these after they have built what they show; the
request's view commits. Rows hold ids, the kind of thing read and the names of the filters used, never the
query text or any value (a search for a name must not put the name in the log).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import request
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.service import record

VIEWED = "viewed"
SEARCHED = "searched"
DOWNLOADED = "downloaded"
#: Reads are audited but are not events of a case's story (its timeline and its API events leave them out).
READ_KINDS = frozenset({VIEWED, SEARCHED, DOWNLOADED, "case.viewed", "case.record_viewed"})
#: A search row keeps this many result ids (the count is always exact).
MAX_IDS = 200


def _channel() -> str:
    return "api" if request.blueprint == "api" or request.path.startswith("/api/") else "web"


def audit_view(
    session: Session, actor: User, item: str, *, case_id: int | None = None, office_id: int | None = None, **ids: Any
) -> None:
    """One item (a case, a task, a record, an instance) was shown to ``actor``."""
    record(session, VIEWED, actor=actor, case_id=case_id, office_id=office_id, item=item, channel=_channel(), **ids)


def audit_search(
    session: Session, actor: User, item: str, result_ids: Iterable[int | None], total: int, filters: Iterable[str] = ()
) -> None:
    """A list or search of people's items was shown: the ids on the page, the total, the filters' names."""
    found = [i for i in result_ids if i is not None]
    record(
        session,
        SEARCHED,
        actor=actor,
        item=item,
        channel=_channel(),
        result_count=total,
        result_ids=found[:MAX_IDS],
        filters=sorted(set(filters)),
    )


def audit_page(session: Session, actor: User, item: str, page: dict[str, Any], names: Iterable[str]) -> None:
    """An API list page (``{"items": [...], "total": n}``): audited as a search, then committed."""
    ids = [entry.get("id") for entry in page["items"]]
    audit_search(session, actor, item, ids, page["total"], used_filters(request.args, names))
    session.commit()


def audit_download(session: Session, actor: User, item: str, *, case_id: int | None = None, **ids: Any) -> None:
    record(session, DOWNLOADED, actor=actor, case_id=case_id, item=item, channel=_channel(), **ids)


def used_filters(args: Any, names: Iterable[str]) -> list[str]:
    """The names of the query parameters that were given (never their values)."""
    return [name for name in names if args.get(name)]
