"""Limit/offset pages with the total count, and the query-string values lists take."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import request
from sqlalchemy import Select
from sqlalchemy.orm import Session

from engine.pagination import MAX_OFFSET, PageWindow, count_rows
from web.api.problems import invalid

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
#: Largest id any table hands out (BIGINT); larger ones cannot exist.
MAX_ID = 2**63 - 1


def int_arg(name: str, *, default: int | None = None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.strip().isdigit() or len(raw.strip()) > 19:
        raise invalid({name: f"must be a whole number from {minimum} to {maximum}"})
    value = int(raw.strip())
    if not minimum <= value <= maximum:
        raise invalid({name: f"must be a whole number from {minimum} to {maximum}"})
    return value


def choice_arg(name: str, choices: Iterable[str], default: str | None = None) -> str | None:
    options = tuple(choices)
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in options:
        raise invalid({name: f"must be one of {', '.join(options)}"})
    return raw


def bool_arg(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise invalid({name: "must be true or false"})


def page_args() -> tuple[int, int]:
    limit = int_arg("limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    offset = int_arg("offset", default=0, minimum=0, maximum=MAX_OFFSET)
    assert limit is not None and offset is not None
    return limit, offset


def paginate(session: Session, stmt: Select[Any], render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """Run one page of ``stmt`` (already ordered) and count all its rows."""
    limit, offset = page_args()
    total = count_rows(session, stmt)
    rows = session.scalars(PageWindow(limit, offset).apply(stmt)).unique().all()
    return {"items": [render(row) for row in rows], "total": total, "limit": limit, "offset": offset}
