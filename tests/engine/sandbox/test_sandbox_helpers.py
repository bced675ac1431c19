"""Date, duration and money helpers, inside and outside the sandbox, with a controllable clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import available_timezones

import pytest

from engine.clock import frozen_clock
from engine.sandbox import Duration, Sandbox, ScriptRuntimeError, evaluate, execute
from engine.sandbox.helpers import add_duration, days_between, parse_date, parse_datetime, parse_duration

NOON = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (date(2026, 1, 31), "P1M", date(2026, 2, 28)),
        (date(2024, 1, 31), "P1M", date(2024, 2, 29)),
        (date(2026, 3, 31), "P1M", date(2026, 4, 30)),
        (date(2026, 1, 31), "P3M", date(2026, 4, 30)),
        (date(2026, 12, 15), "P1M", date(2027, 1, 15)),
        (date(2026, 1, 31), "P1Y1M", date(2027, 2, 28)),
        (date(2024, 2, 29), "P1Y", date(2025, 2, 28)),
        (date(2026, 1, 1), "P14D", date(2026, 1, 15)),
        (date(2026, 1, 1), "P2W", date(2026, 1, 15)),
        (date(2026, 3, 31), "-P1M", date(2026, 2, 28)),
        ("2026-01-31", "P1M", date(2026, 2, 28)),
        (NOON, "P1MT2H30M", datetime(2026, 2, 28, 14, 30, tzinfo=UTC)),
        (NOON, "PT36H", datetime(2026, 2, 2, 0, 0, tzinfo=UTC)),
        (NOON, "P0.5D", datetime(2026, 2, 1, 0, 0, tzinfo=UTC)),
        (date(2026, 1, 1), timedelta(days=3), date(2026, 1, 4)),
    ],
)
def test_add_duration_uses_calendar_months(start: Any, duration: Any, expected: date) -> None:
    assert add_duration(start, duration) == expected
    assert evaluate("add_duration(start, duration)", {"start": start, "duration": duration}) == expected


def test_durations_add_to_dates_with_plus_and_minus() -> None:
    context = {"approved_on": date(2026, 1, 31)}

    assert evaluate("approved_on + parse_duration('P1M')", context) == date(2026, 2, 28)
    assert evaluate("approved_on - parse_duration('P2M')", context) == date(2025, 11, 30)
    assert evaluate("parse_duration('P1M') + parse_duration('P1D') + approved_on", context) == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("text", "months", "days", "seconds"),
    [
        ("P3M", 3, 0, 0),
        ("P1Y2M", 14, 0, 0),
        ("P14D", 0, 14, 0),
        ("P1W", 0, 7, 0),
        ("PT36H", 0, 0, 36 * 3600),
        ("P1DT1M1S", 0, 1, 61),
        ("-P1M", -1, 0, 0),
        ("PT1,5S", 0, 0, 1.5),
        ("p2d", 0, 2, 0),
    ],
)
def test_parse_duration(text: str, months: int, days: float, seconds: float) -> None:
    assert parse_duration(text) == Duration(months, days, seconds)


@pytest.mark.parametrize("text", ["", "P", "PT", "3M", "P1H", "P1DT", "P1.5M", "P" + "9" * 100 + "D", 14, None])
def test_parse_duration_refuses_bad_input(text: Any) -> None:
    with pytest.raises(ValueError, match="ISO 8601 duration"):
        parse_duration(text)


@pytest.mark.parametrize(("text", "iso"), [("P3M", "P3M"), ("P1Y2M3DT4H5M6S", "P1Y2M3DT4H5M6S"), ("PT0S", "PT0S")])
def test_durations_print_as_iso(text: str, iso: str) -> None:
    assert str(parse_duration(text)) == iso


def test_durations_with_months_have_no_fixed_length() -> None:
    assert parse_duration("P2DT1H").to_timedelta() == timedelta(days=2, hours=1)
    with pytest.raises(ValueError, match="no fixed length"):
        parse_duration("P1M").to_timedelta()


def test_time_parts_cannot_be_added_to_a_plain_date() -> None:
    with pytest.raises(ValueError, match="use a datetime"):
        add_duration(date(2026, 1, 1), "PT1H")


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2026-01-01", "2026-01-31", 30),
        (date(2026, 3, 1), date(2026, 2, 1), -28),
        (datetime(2026, 1, 1, 23, 0, tzinfo=UTC), "2026-01-02T00:30:00+00:00", 1),
        ("2024-02-28", "2024-03-01", 2),
    ],
)
def test_days_between(start: Any, end: Any, days: int) -> None:
    assert days_between(start, end) == days


def test_parse_date_and_datetime() -> None:
    assert parse_date("2026-01-31") == date(2026, 1, 31)
    assert parse_date("2026-01-31T10:00:00") == datetime(2026, 1, 31, 10, tzinfo=UTC)
    assert parse_datetime("2026-01-31") == datetime(2026, 1, 31, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_date("31.01.2026")


def test_now_reads_the_engine_clock_by_default() -> None:
    with frozen_clock(NOON):
        assert evaluate("now()", {}) == NOON
        assert evaluate("today()", {}) == date(2026, 1, 31)


def test_now_reads_a_clock_given_to_the_sandbox_or_in_the_context() -> None:
    assert Sandbox(clock=lambda: NOON).evaluate("(now(), today())", {}) == (NOON, date(2026, 1, 31))

    later = NOON + timedelta(days=1)

    def clock() -> datetime:
        return later

    context: dict[str, Any] = {"now": clock}
    execute("stamp = now()\nday = today()", context)

    assert context == {"now": clock, "stamp": later, "day": date(2026, 2, 1)}


@pytest.mark.skipif("Europe/Warsaw" not in available_timezones(), reason="no time zone database")
def test_today_can_be_asked_in_a_time_zone() -> None:
    late = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)

    assert Sandbox(clock=lambda: late).evaluate("today('Europe/Warsaw')", {}) == date(2026, 2, 1)
    with pytest.raises(ScriptRuntimeError):
        Sandbox(clock=lambda: late).evaluate("today('../../etc/passwd')", {})


def test_decimal_arithmetic_is_exact() -> None:
    context: dict[str, Any] = {"net": Decimal("100.10"), "rate": Decimal("0.23")}

    execute("vat = (net * rate).quantize(Decimal('0.01'))\ngross = net + vat\ncheck = 0.1 + 0.2", context)

    assert context["vat"] == Decimal("23.02")
    assert context["gross"] == Decimal("123.12")
    assert context["check"] != 0.3
