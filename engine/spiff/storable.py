"""Refuse process data the database cannot store, and say which element put it there.

Scripts may build values the sandbox allows but our storage cannot keep: complex numbers, sets,
bytes, ``time`` and time-zone objects, NaN and infinities, text with NUL characters (PostgreSQL
refuses them in text and JSONB), integers too long to write out (Python's 4,300-digit limit), dict
keys that are not text. Saved once, such a value made every later save of the case fail. After each
engine step the data of every task the step touched is checked here; the first task (in the order
the step ran them) holding a bad value is the element blamed, and the step is undone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

#: CPython refuses to convert longer integers to text (sys.get_int_max_str_digits), so JSON cannot hold them.
MAX_INT_DIGITS = 4300
_MAX_INT = 10**MAX_INT_DIGITS

_KINDS: dict[type, str] = {
    complex: "a complex number",
    set: "a set (use a list)",
    frozenset: "a set (use a list)",
    bytes: "bytes",
    bytearray: "bytes",
    time: "a time of day without a date (use text such as '09:30')",
    range: "a range (use a list)",
}


def _kind(value: Any) -> str:
    for cls, text in _KINDS.items():
        if isinstance(value, cls):
            return text
    if isinstance(value, tzinfo):
        return "a time zone (store its name as text)"
    return f"a {type(value).__name__} object"


def problem(value: Any, name: str = "") -> str | None:
    """Return why ``value`` (found under ``name``) cannot be stored, or None when it can."""
    stack: list[tuple[Any, str]] = [(value, name)]
    while stack:
        item, path = stack.pop()
        where = f"'{path}'" if path else "the value"
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, str):
            if "\x00" in item:
                return f"{where} contains a NUL character (\\x00), which the database cannot store"
            continue
        if isinstance(item, int):
            if abs(item) >= _MAX_INT:
                return f"{where} is a number with more than {MAX_INT_DIGITS:,} digits"
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return f"{where} is {item!r} (not a number or infinite), which the database cannot store"
            continue
        if isinstance(item, Decimal):
            if not item.is_finite():
                return f"{where} is {item} (not a number or infinite), which the database cannot store"
            continue
        if isinstance(item, datetime | date | timedelta):
            if isinstance(item, datetime) and item.tzinfo is not None and item.utcoffset() is None:
                return f"{where} has a time zone without an offset"
            continue
        if isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str):
                    return f"{where} has a key {key!r} that is not text (keys must be text)"
                if "\x00" in key:
                    return f"{where} has a key with a NUL character"
                stack.append((sub, f"{path}.{key}" if path else key))
            continue
        if isinstance(item, list | tuple):
            stack.extend((sub, f"{path}[{index}]") for index, sub in enumerate(item))
            continue
        return f"{where} holds {_kind(item)}, which cannot be stored in process data"
    return None


def data_problem(data: dict[str, Any]) -> str | None:
    """Return why the task data ``data`` cannot be stored, or None."""
    for key, value in data.items():
        if not isinstance(key, str):
            return f"a variable is named {key!r}; variable names must be text"
        found = problem(value, key)
        if found:
            return found
    return None


def first_unstorable(tasks: Iterable[Any], since: float) -> tuple[Any, str] | None:
    """Among ``tasks`` (SpiffWorkflow tasks) changed at or after ``since``, the earliest with bad data.

    The data objects of the touched tasks' workflows are checked too (blamed on the last task touched
    in that workflow: data objects are written by the task that just ran).
    """
    touched = sorted((t for t in tasks if t.last_state_change >= since), key=lambda t: t.last_state_change)
    for task in touched:
        found = data_problem(task.data)
        if found:
            return task, found
    last_by_workflow = {id(task.workflow): task for task in touched}
    for task in last_by_workflow.values():
        found = data_problem(getattr(task.workflow, "data", None) or {})
        if found:
            return task, f"a data object: {found}"
    return None
