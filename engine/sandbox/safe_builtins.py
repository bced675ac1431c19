"""The builtins a snippet sees: a short whitelist, some of them wrapped with size checks."""

from __future__ import annotations

import builtins
from datetime import timedelta
from decimal import Decimal
from typing import Any

from engine.sandbox.errors import SandboxLimitExceeded
from engine.sandbox.guards import check_decimal, check_keys, check_nodes, check_pairs, safe_str
from engine.sandbox.methods import GuardedType
from engine.sandbox.policy import CATCHABLE_EXCEPTIONS
from engine.sandbox.watch import current_limits


def safe_int(value: Any = 0, *args: Any, **kwargs: Any) -> int:
    """``int()`` that refuses to expand huge Decimals or parse very long digit strings."""
    if isinstance(value, Decimal):
        check_decimal(value)
    elif isinstance(value, str | bytes | bytearray) and len(value) > current_limits().max_int_bits:
        raise SandboxLimitExceeded("the text is too long to convert to a number", limit="size")
    return int(value, *args, **kwargs)


def safe_range(*args: Any) -> range:
    """``range()`` limited to ``max_sequence_len`` numbers."""
    numbers = range(*args)
    limit = current_limits().max_sequence_len
    try:
        count = len(numbers)
    except OverflowError:
        count = limit + 1
    if count > limit:
        raise SandboxLimitExceeded(f"range() of more than {limit:,} numbers is not allowed", limit="size")
    return numbers


def safe_round(number: Any, ndigits: Any = None) -> Any:
    """``round()`` that cannot be asked for 10**-(10**9) precision or a huge integer from a Decimal."""
    if ndigits is None:
        if isinstance(number, Decimal):
            check_decimal(number)
        return round(number)
    if isinstance(ndigits, int) and abs(ndigits) > current_limits().max_int_bits // 3:
        raise SandboxLimitExceeded("round() to that many digits is not allowed", limit="size")
    return round(number, ndigits)


def safe_sum(iterable: Any, /, start: Any = 0) -> Any:
    """``sum()`` of numbers or durations; adding lists this way is quadratic, so it is refused."""
    if not isinstance(start, int | float | Decimal | timedelta):
        raise TypeError("sum() adds numbers or durations; join lists with '+' or a comprehension")
    return sum(iterable, start)


def _comparable(args: tuple[Any, ...], what: str) -> list[Any]:
    items = list(args[0]) if len(args) == 1 else list(args)
    check_nodes(items, what)
    return items


def safe_sorted(iterable: Any, /, *, key: Any = None, reverse: bool = False) -> list[Any]:
    return sorted(_comparable((iterable,), "the list to sort"), key=key, reverse=reverse)


def safe_min(*args: Any, **kwargs: Any) -> Any:
    return min(_comparable(args, "the input of min()"), **kwargs)


def safe_max(*args: Any, **kwargs: Any) -> Any:
    return max(_comparable(args, "the input of max()"), **kwargs)


def safe_set(iterable: Any = ()) -> set[Any]:
    """``set()`` that checks its elements can be hashed in reasonable time."""
    return set(iterable if isinstance(iterable, dict | set | frozenset) else check_keys(iterable))


def safe_dict(*args: Any, **kwargs: Any) -> dict[Any, Any]:
    """``dict()`` that checks its keys can be hashed in reasonable time."""
    return dict(*(check_pairs(arg) for arg in args), **kwargs)


SAFE_BUILTINS: dict[str, Any] = {
    "None": None,
    "True": True,
    "False": False,
    "len": len,
    "abs": abs,
    "any": any,
    "all": all,
    "bool": bool,
    "float": float,
    "list": list,
    "dict": GuardedType(dict, safe_dict),
    "set": GuardedType(set, safe_set),
    "tuple": tuple,
    "enumerate": enumerate,
    "zip": zip,
    "reversed": reversed,
    "isinstance": isinstance,
    "int": GuardedType(int, safe_int),
    "str": GuardedType(str, safe_str),
    "range": GuardedType(range, safe_range),
    "min": safe_min,
    "max": safe_max,
    "sum": safe_sum,
    "sorted": safe_sorted,
    "round": safe_round,
    **{name: getattr(builtins, name) for name in sorted(CATCHABLE_EXCEPTIONS)},
}
