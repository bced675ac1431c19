"""Read an operation's form values into typed Python values, with errors that name the field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.errors import InvalidInput

CENT = Decimal("0.01")


def money(form: Mapping[str, Any], key: str, *, positive: bool = True) -> Decimal:
    """An amount in PLN with at most two decimals."""
    raw = form.get(key)
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise InvalidInput("an amount is not a number", {key: "write an amount such as 1250.00"}) from None
    if not value.is_finite() or value != value.quantize(CENT):
        raise InvalidInput("an amount has more than two decimals", {key: "write an amount such as 1250.00"})
    if value < 0 or (positive and value == 0):
        raise InvalidInput("an amount must be above zero", {key: "must be more than 0.00"})
    return value.quantize(CENT)


def optional_money(form: Mapping[str, Any], key: str) -> Decimal | None:
    return None if form.get(key) in (None, "") else money(form, key, positive=False)


def day(form: Mapping[str, Any], key: str) -> date:
    raw = form.get(key)
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise InvalidInput("a date is missing or wrong", {key: "write a date as YYYY-MM-DD"}) from None


def optional_day(form: Mapping[str, Any], key: str) -> date | None:
    return None if form.get(key) in (None, "") else day(form, key)


def text(form: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    raw = form.get(key)
    value = raw.strip() if isinstance(raw, str) else None
    if not value:
        if required:
            raise InvalidInput("a required field is empty", {key: "required"})
        return None
    return value


def choice(form: Mapping[str, Any], key: str, allowed: frozenset[str] | tuple[str, ...]) -> str:
    value = form.get(key)
    if value not in allowed:
        raise InvalidInput("a choice is not one of the options", {key: f"choose one of: {', '.join(allowed)}"})
    return str(value)


def whole(form: Mapping[str, Any], key: str, *, low: int, high: int) -> int:
    value = form.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput("a number is out of range", {key: f"a whole number from {low} to {high}"})
    return value
