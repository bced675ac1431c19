"""The one source of "now" for the engine, replaceable in tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return _now()


def set_clock(now: Callable[[], datetime]) -> None:
    """Replace the clock (tests, simulations)."""
    global _now
    _now = now


def reset_clock() -> None:
    """Go back to the system clock."""
    set_clock(lambda: datetime.now(UTC))


class FrozenClock:
    """A clock that stands still until moved; for tests and what-if runs."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start")
        self.current = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.current += timedelta(**delta)
        return self.current


@contextmanager
def frozen_clock(start: datetime) -> Iterator[FrozenClock]:
    """Freeze ``utcnow()`` at ``start`` for the duration of the block."""
    clock = FrozenClock(start)
    set_clock(clock)
    try:
        yield clock
    finally:
        reset_clock()
