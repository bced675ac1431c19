"""Date, duration and money helpers offered to scripts, with an injectable clock."""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from engine import clock as engine_clock

Clock = Callable[[], datetime]

_MAX_INPUT = 64
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"(?P<sign>[-+])?P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>{_NUMBER})W)?"
    rf"(?:(?P<days>{_NUMBER})D)?(?:T(?=\d)(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?"
    rf"(?:(?P<seconds>{_NUMBER})S)?)?",
    re.IGNORECASE,
)
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}")


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration; months stay calendar months so that adding them respects month ends."""

    months: int = 0
    days: float = 0
    seconds: float = 0

    def add_to(self, value: Any) -> date:
        """Return ``value`` (a date, datetime or ISO text) moved by this duration."""
        moment = parse_date(value) if isinstance(value, str) else value
        if not isinstance(moment, date):
            raise TypeError(f"cannot add a duration to {type(value).__name__}")
        total = moment.year * 12 + moment.month - 1 + self.months
        year, month = divmod(total, 12)
        month += 1
        shifted = moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))
        if not self.days and not self.seconds:
            return shifted
        if not isinstance(shifted, datetime) and (self.seconds or self.days != int(self.days)):
            raise ValueError("cannot add hours, minutes or seconds to a date; use a datetime")
        return shifted + timedelta(days=self.days, seconds=self.seconds)

    def to_timedelta(self) -> timedelta:
        """Return the duration as a timedelta; only possible without years and months."""
        if self.months:
            raise ValueError("a duration with years or months has no fixed length")
        return timedelta(days=self.days, seconds=self.seconds)

    def isoformat(self) -> str:
        sign = "-" if min(self.months, self.days, self.seconds) < 0 else ""
        years, months = divmod(abs(self.months), 12)
        text = "P"
        for amount, unit in ((years, "Y"), (months, "M"), (abs(self.days), "D")):
            if amount:
                text += f"{amount:g}{unit}"
        if self.seconds:
            hours, rest = divmod(abs(self.seconds), 3600)
            minutes, seconds = divmod(rest, 60)
            text += "T" + "".join(
                f"{amount:g}{unit}" for amount, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if amount
            )
        return sign + (text if text != "P" else "PT0S")

    def __str__(self) -> str:
        return self.isoformat()

    def __add__(self, other: Any) -> Any:
        if isinstance(other, Duration):
            return Duration(self.months + other.months, self.days + other.days, self.seconds + other.seconds)
        if isinstance(other, date):
            return self.add_to(other)
        return NotImplemented

    __radd__ = __add__

    def __neg__(self) -> Duration:
        return Duration(-self.months, -self.days, -self.seconds)

    def __rsub__(self, other: Any) -> Any:
        if isinstance(other, date):
            return (-self).add_to(other)
        return NotImplemented


def _number(text: str | None) -> float:
    if not text:
        return 0
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def parse_duration(text: Any) -> Duration:
    """Parse an ISO 8601 duration such as ``"P3M"``, ``"P14D"``, ``"PT36H"`` or ``"-P1Y2M"``."""
    if isinstance(text, Duration):
        return text
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        raise ValueError(f"not an ISO 8601 duration: {str(text)[:_MAX_INPUT]!r}")
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    sign = -1 if match["sign"] == "-" else 1
    months = int(match["years"] or 0) * 12 + int(match["months"] or 0)
    days = _number(match["weeks"]) * 7 + _number(match["days"])
    seconds = _number(match["hours"]) * 3600 + _number(match["minutes"]) * 60 + _number(match["seconds"])
    return Duration(sign * months, sign * days, sign * seconds)


def parse_date(value: Any) -> date:
    """Parse ISO text: a bare date gives a date, text with a time an aware datetime (UTC if naive)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value.strip()) > _MAX_INPUT:
        raise ValueError(f"not an ISO 8601 date: {str(value)[:_MAX_INPUT]!r}")
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_datetime(value: Any) -> datetime:
    """Parse ISO text into an aware datetime; a bare date means midnight UTC."""
    parsed = parse_date(value)
    if not isinstance(parsed, datetime):
        return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def add_duration(value: Any, duration: Any) -> date:
    """Move a date or datetime by an ISO duration, with calendar months: 2026-01-31 + P1M = 2026-02-28."""
    if isinstance(duration, timedelta):
        return parse_date(value) + duration
    return parse_duration(duration).add_to(value)


def _as_date(value: Any) -> date:
    moment = parse_date(value)
    if isinstance(moment, datetime):
        return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    return moment


def days_between(start: Any, end: Any) -> int:
    """Count calendar days from ``start`` to ``end`` (negative when ``end`` is earlier); datetimes in UTC."""
    return (_as_date(end) - _as_date(start)).days


def _zone(name: Any) -> timezone | ZoneInfo:
    if name is None:
        return UTC
    if not isinstance(name, str) or len(name) > _MAX_INPUT or not _ZONE.fullmatch(name):
        raise ValueError(f"not a time zone name: {str(name)[:_MAX_INPUT]!r}")
    return ZoneInfo(name)


def make_helpers(clock: Clock | None = None) -> dict[str, Any]:
    """Return the helper namespace; ``now()`` and ``today()`` read ``clock`` (or `engine.clock.utcnow`)."""
    read = clock or engine_clock.utcnow

    def now(tz: Any = None) -> datetime:
        """Return the current time, aware, in UTC or in the named zone (e.g. "Europe/Warsaw")."""
        current = read()
        if current.tzinfo is None:
            current = current.replace(tzinfo=UTC)
        return current.astimezone(_zone(tz))

    def today(tz: Any = None) -> date:
        """Return today's date in UTC or in the named zone."""
        return now(tz).date()

    return {
        "now": now,
        "today": today,
        "parse_date": parse_date,
        "parse_datetime": parse_datetime,
        "parse_duration": parse_duration,
        "add_duration": add_duration,
        "days_between": days_between,
        "datetime": datetime,
        "date": date,
        "timedelta": timedelta,
        "timezone": timezone,
        "Decimal": Decimal,
    }


HELPERS: dict[str, Any] = make_helpers()
