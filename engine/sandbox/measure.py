"""Estimate how big a value is once unfolded, without being fooled by shared references.

``x = [x, x]`` repeated forty times is forty small lists in memory, yet comparing, printing or
serializing it touches 2**40 elements inside a single C call that no tracer can interrupt. Sizes are
therefore computed per distinct container (memoized by identity), which costs time proportional to
what is really in memory, and compared with a budget before such a C call is allowed to start.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import ModuleType
from typing import Any

from engine.sandbox.errors import SandboxLimitExceeded, ScriptRuntimeError

MAX_NESTING = 100

ATOMS: frozenset[type] = frozenset(
    {type(None), bool, int, float, complex, Decimal, date, datetime, time, timedelta, timezone}
)
_INTS = frozenset({int, bool})
_TEXT = (str, bytes, bytearray)
_CONTAINERS = (list, tuple, set, frozenset, dict)
_IN_PROGRESS = -1
# Lazy or code-carrying objects that must not end up in task data (callables are refused as well).
_NOT_DATA = (Iterator, ModuleType, range, KeysView, ValuesView, ItemsView)


def _atom_chars(value: Any) -> int:
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if isinstance(value, Decimal):
        return len(value.as_tuple().digits) + 12
    return 32


class _Measure:
    def __init__(self, budget: int, *, chars: bool, storable: bool, what: str) -> None:
        self.budget = budget
        self.chars = chars
        self.storable = storable
        self.what = what
        self.memo: dict[int, int] = {}

    def too_big(self) -> SandboxLimitExceeded:
        return SandboxLimitExceeded(f"{self.what} is too large (limit {self.budget:,} units)", limit="size")

    def of(self, value: Any, depth: int) -> int:
        kind = type(value)
        if kind in ATOMS:
            return _atom_chars(value) if self.chars else 1
        if isinstance(value, _TEXT):
            return len(value) + 2 if self.chars else 1
        if isinstance(value, _CONTAINERS):
            return self.container(value, depth)
        if self.storable and (callable(value) or isinstance(value, _NOT_DATA)):
            raise ScriptRuntimeError(
                f"{self.what} holds a {kind.__name__}; only data (numbers, text, dates, lists, dicts) can be stored",
                error_type="TypeError",
            )
        return 64 if self.chars else 1

    def container(self, value: Any, depth: int) -> int:
        key = id(value)
        known = self.memo.get(key)
        if known is not None:
            if known == _IN_PROGRESS:
                if self.storable:
                    raise ScriptRuntimeError(f"{self.what} contains itself", error_type="ValueError")
                return 5
            return known
        if depth > MAX_NESTING:
            raise SandboxLimitExceeded(f"{self.what} is nested more than {MAX_NESTING} levels deep", limit="size")
        self.memo[key] = _IN_PROGRESS
        items: Any = (*value.keys(), *value.values()) if isinstance(value, dict) else value
        count = len(items)
        size = 2 + count * (2 if self.chars else 1)
        kinds = set(map(type, items))
        if self.chars and kinds <= _INTS:
            size += sum(map(int.bit_length, items)) // 3
        elif self.chars and kinds == {str}:
            size += sum(map(len, items))
        elif not self.chars and kinds <= ATOMS | {str, bytes}:
            pass
        else:
            for item in items:
                size += self.of(item, depth + 1)
                if size > self.budget:
                    raise self.too_big()
        if size > self.budget:
            raise self.too_big()
        self.memo[key] = size
        return size


def measure(value: Any, budget: int, *, chars: bool = True, storable: bool = False, what: str = "value") -> int:
    """Return the unfolded size of ``value`` or raise once it exceeds ``budget``.

    With ``chars`` the size approximates the length of its text form (repr or JSON); without, it counts
    elements, which is what bounds the work of a comparison. With ``storable``, functions, iterators and
    self-containing values are refused, as they cannot be stored in task data.
    """
    meter = _Measure(budget, chars=chars, storable=storable, what=what)
    size = meter.of(value, 0)
    if size > budget:
        raise meter.too_big()
    return size
