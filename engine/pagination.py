"""One page of a query: where it starts, how long it is, and how many rows there are in all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.orm import Session

S = TypeVar("S", bound=Select)  # any row shape

#: Numbered pages beyond this are refused: no list of ours is that long, and the OFFSET must stay cheap.
MAX_PAGE = 100_000
#: The largest offset a list with limit/offset takes (the JSON API's lists).
MAX_OFFSET = 1_000_000


@dataclass(frozen=True)
class PageWindow:
    """Rows ``offset`` to ``offset + limit`` of an ordered query."""

    limit: int
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit < 1 or not 0 <= self.offset <= MAX_OFFSET * 10:
            raise ValueError(f"no such page: limit {self.limit}, offset {self.offset}")

    @classmethod
    def numbered(cls, page: int, per_page: int) -> PageWindow:
        """Page ``page`` (from 1, at most MAX_PAGE) of ``per_page`` rows."""
        if not 1 <= page <= MAX_PAGE:
            raise ValueError(f"page must be from 1 to {MAX_PAGE}, got {page}")
        return cls(limit=per_page, offset=(page - 1) * per_page)

    @property
    def number(self) -> int:
        return self.offset // self.limit + 1

    def pages(self, total: int) -> int:
        return max(1, -(-total // self.limit))

    def apply(self, stmt: S) -> S:
        limited: S = stmt.limit(self.limit).offset(self.offset)
        return limited


def count_rows(session: Session, stmt: Select) -> int:
    """How many rows ``stmt`` returns in all (its ordering dropped)."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def after_row(stmt: S, order: Sequence[ColumnElement[Any]], values: Sequence[Any]) -> S:
    """Keyset paging: the rows that come after the row whose ``order`` columns hold ``values``.

    ``order`` is the query's ascending ORDER BY, ending in a unique column. Unlike an OFFSET, the database
    seeks straight to the row, however far into a long list it is.
    """
    anchor = tuple_(*(literal(value, type_=column.type) for column, value in zip(order, values, strict=True)))
    after: S = stmt.where(tuple_(*order) > anchor)
    return after


def before_row(stmt: S, order: Sequence[ColumnElement[Any]], values: Sequence[Any]) -> S:
    """Keyset paging for a descending ORDER BY (newest first): the rows that come after ``values`` in it."""
    anchor = tuple_(*(literal(value, type_=column.type) for column, value in zip(order, values, strict=True)))
    before: S = stmt.where(tuple_(*order) < anchor)
    return before
