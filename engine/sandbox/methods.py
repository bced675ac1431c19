"""Attribute access for sandboxed code: methods that can allocate a lot are wrapped with size checks.

The rewriter turns every ``obj.name`` into ``_sb_attr(obj, "name")``. Most attributes pass straight
through; ``str.ljust``, ``str.join``, ``list.extend``, ``dict.get`` and a few others come back wrapped so
that their arguments are checked first (see `engine.sandbox.guards` for the checks themselves).
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, KeysView
from typing import Any

from engine.sandbox.errors import SandboxViolation
from engine.sandbox.guards import (
    check_keys,
    check_length,
    check_nodes,
    check_pairs,
    guarded_key,
    guarded_operand,
    set_source,
    sized,
)
from engine.sandbox.policy import attribute_refusal

_TEXT = (str, bytes, bytearray)


class GuardedType:
    """A builtin type exposed with a checking constructor; ``isinstance`` still sees the real type."""

    __slots__ = ("_real", "_make")

    def __init__(self, real: type, make: Callable[..., Any]) -> None:
        self._real = real
        self._make = make

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._make(*args, **kwargs)

    def __instancecheck__(self, obj: Any) -> bool:
        return isinstance(obj, self._real)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._real, name)

    def __repr__(self) -> str:
        return f"<class '{self._real.__name__}'>"


def _guard_width(method: Callable[..., Any], what: str) -> Callable[..., Any]:
    def padded(width: Any, *args: Any) -> Any:
        if isinstance(width, int):
            check_length(width, what)
        return method(width, *args)

    return padded


def _guard_expandtabs(text: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def expandtabs(tabsize: Any = 8) -> Any:
        if isinstance(tabsize, int):
            tabs = text.count("\t" if isinstance(text, str) else b"\t")
            check_length(len(text) + tabs * max(tabsize, 0), "the expanded text")
        return method(tabsize)

    return expandtabs


def _guard_replace(text: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def replace(old: Any, new: Any, count: Any = -1) -> Any:
        hits = text.count(old) if len(old) else len(text) + 1
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        check_length(len(text) + hits * max(len(new) - len(old), 0), "the replaced text")
        return method(old, new, count)

    return replace


def _guard_join(text: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def join(iterable: Any) -> Any:
        items = list(iterable)
        try:
            size = sum(map(len, items)) + len(text) * max(len(items) - 1, 0)
        except TypeError:
            size = 0  # join() itself reports the item that is not text
        check_length(size, "the joined text")
        return method(items)

    return join


def _guard_translate(text: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def translate(table: Any, *args: Any) -> Any:
        if isinstance(text, str):
            values = table.values() if isinstance(table, dict) else table
            if not isinstance(values, list | tuple | str) and not isinstance(table, dict):
                raise SandboxViolation("str.translate() needs a dict made by str.maketrans()")
            longest = max((len(v) for v in values if isinstance(v, str)), default=1)
            check_length(len(text) * max(longest, 1), "the translated text")
        return method(table, *args)

    return translate


def _guard_to_bytes(method: Callable[..., Any]) -> Callable[..., Any]:
    def to_bytes(length: Any = 1, *args: Any, **kwargs: Any) -> Any:
        if isinstance(length, int):
            check_length(length, "to_bytes()")
        return method(length, *args, **kwargs)

    return to_bytes


def _guard_extend(items: list[Any], method: Callable[..., Any]) -> Callable[..., Any]:
    def extend(iterable: Any) -> None:
        more = sized(iterable)
        check_length(len(items) + len(more), "the extended list")
        method(more)

    return extend


def _guard_comparing(items: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def compare(*args: Any, **kwargs: Any) -> Any:
        check_nodes(items, "the searched or sorted sequence")
        for arg in args:
            guarded_operand(arg)
        return method(*args, **kwargs)

    return compare


def _guard_first_key(table: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def keyed(key: Any, *args: Any) -> Any:
        return method(guarded_key(key), *args)

    return keyed


def _guard_iterables(table: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def combined(*others: Any) -> Any:
        return method(*(check_pairs(other) if isinstance(table, dict) else set_source(other) for other in others))

    return combined


def _guard_update(table: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    check = check_pairs if isinstance(table, dict) else set_source

    def update(*others: Any, **kwargs: Any) -> Any:
        return method(*(check(other) for other in others), **kwargs)

    return update


_TEXT_GUARDS: dict[str, Callable[[Any, Callable[..., Any]], Callable[..., Any]]] = {
    "ljust": lambda text, method: _guard_width(method, "ljust()"),
    "rjust": lambda text, method: _guard_width(method, "rjust()"),
    "center": lambda text, method: _guard_width(method, "center()"),
    "zfill": lambda text, method: _guard_width(method, "zfill()"),
    "expandtabs": _guard_expandtabs,
    "replace": _guard_replace,
    "join": _guard_join,
    "translate": _guard_translate,
}
_LIST_GUARDS: dict[str, Callable[[Any, Callable[..., Any]], Callable[..., Any]]] = {
    "extend": _guard_extend,
    "sort": _guard_comparing,
    "index": _guard_comparing,
    "count": _guard_comparing,
    "remove": _guard_comparing,
}
_TABLE_GUARDS: dict[str, Callable[[Any, Callable[..., Any]], Callable[..., Any]]] = {
    **dict.fromkeys(("get", "setdefault", "pop", "add", "discard", "remove"), _guard_first_key),
    **dict.fromkeys(
        (
            "union",
            "intersection",
            "difference",
            "symmetric_difference",
            "issubset",
            "issuperset",
            "isdisjoint",
            "intersection_update",
            "difference_update",
            "symmetric_difference_update",
        ),
        _guard_iterables,
    ),
    "update": _guard_update,
    "fromkeys": lambda table, method: lambda keys, *args: method(check_keys(keys), *args),
}
_GUARDED_METHODS = frozenset(_TEXT_GUARDS) | frozenset(_LIST_GUARDS) | frozenset(_TABLE_GUARDS) | {"to_bytes"}


def guarded_attr(obj: Any, name: str) -> Any:
    """Read attribute ``name``, wrapping the methods that can allocate a lot."""
    why = attribute_refusal(name)
    if why:
        raise SandboxViolation(why)
    value = getattr(obj, name)
    if name not in _GUARDED_METHODS:
        return value
    if name == "fromkeys":
        return _TABLE_GUARDS[name](obj, value)
    if isinstance(obj, type | GuardedType):
        raise SandboxViolation(f"'{name}' must be called on a value, not on a type")
    if isinstance(obj, _TEXT) and name in _TEXT_GUARDS:
        return _TEXT_GUARDS[name](obj, value)
    if isinstance(obj, list) and name in _LIST_GUARDS:
        return _LIST_GUARDS[name](obj, value)
    if isinstance(obj, tuple) and name in ("index", "count"):
        return _guard_comparing(obj, value)
    if isinstance(obj, dict | set | KeysView | ItemsView) and name in _TABLE_GUARDS:
        return _TABLE_GUARDS[name](obj, value)
    if isinstance(obj, int) and name == "to_bytes":
        return _guard_to_bytes(value)
    return value
