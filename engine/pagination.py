"""One page of a query: where it starts, how long it is, and how many rows there are in all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, func, select
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
