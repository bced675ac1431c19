"""The period a report covers: a quarter, a year or the project period (``IPD_PROJECT_PERIOD``)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from engine.clock import utcnow
from engine.errors import InvalidInput

PROJECT_PERIOD_VARIABLE = "IPD_PROJECT_PERIOD"
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class ReportPeriod:
    """Days ``start`` to ``end``, both included; ``key`` is how a URL names it (``2026-Q1``, ``2026``, ``project``)."""

    key: str
    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period (timestamps are compared with ``<``)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)


def quarter(year: int, number: int) -> ReportPeriod:
    start = date(year, 3 * number - 2, 1)
    next_start = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return ReportPeriod(f"{year}-Q{number}", start, next_start - timedelta(days=1))


def quarter_of(day: date) -> ReportPeriod:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def previous_quarters(day: date, count: int) -> list[ReportPeriod]:
    """The quarter of ``day`` and the ``count - 1`` before it, oldest first."""
    found = [quarter_of(day)]
    while len(found) < count:
        found.append(quarter_of(found[-1].start - timedelta(days=1)))
    return list(reversed(found))


def project_period(environ: Mapping[str, str] | None = None) -> ReportPeriod | None:
    """The programme's funding period, ``IPD_PROJECT_PERIOD=2026-01-01/2027-12-31``; None when not set."""
    raw = (os.environ if environ is None else environ).get(PROJECT_PERIOD_VARIABLE, "").strip()
    if not raw:
        return None
    try:
        first, last = (date.fromisoformat(part.strip()) for part in raw.split("/"))
    except ValueError:
        raise InvalidInput(
            f"{PROJECT_PERIOD_VARIABLE} must be START/END dates", fields={"period": "bad_project_period"}
        ) from None
    if last < first:
        raise InvalidInput(f"{PROJECT_PERIOD_VARIABLE} ends before it starts", fields={"period": "bad_project_period"})
    return ReportPeriod("project", first, last)


def parse_period(key: str | None, environ: Mapping[str, str] | None = None) -> ReportPeriod:
    """The period named ``key``; the current quarter when it is empty."""
    if not key:
        return quarter_of(utcnow().date())
    key = key.strip()
    if key == "project":
        found = project_period(environ)
        if found is None:
            raise InvalidInput("no project period is configured", fields={"period": "no_project_period"})
        return found
    if match := _QUARTER.match(key):
        return quarter(int(match[1]), int(match[2]))
    if match := _YEAR.match(key):
        year = int(match[1])
        return ReportPeriod(key, date(year, 1, 1), date(year, 12, 31))
    raise InvalidInput(f"unknown period {key!r}", fields={"period": "unknown_period"})
