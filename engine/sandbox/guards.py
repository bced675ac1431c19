"""Run-time guards the rewriter puts around operations that can allocate a lot inside one C call.

A tracer sees lines and calls, not what happens inside ``'x' * 10**10``: such an operation must be
checked before it starts. The rewriter turns ``a * b`` into ``_sb_mul(a, b)``, ``f"{x:>{n}}"`` into
``_sb_fstr(_sb_fmt(x, -1, ...))`` and so on; the functions here compute the size of the result from the
operands and refuse with `SandboxLimitExceeded` when it would pass the active `Limits`. Method calls go
through `engine.sandbox.methods`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, ItemsView, KeysView
from decimal import Decimal
from typing import Any

from engine.sandbox.errors import SandboxLimitExceeded, SandboxViolation
from engine.sandbox.measure import ATOMS, measure
from engine.sandbox.watch import current_limits

_SEQUENCES = (str, bytes, bytearray, list, tuple)
_TEXT = (str, bytes, bytearray)
_CONTAINERS = (list, tuple, set, frozenset, dict)
_SCALARS = ATOMS | {str, bytes}
_FAST_NUMBERS = frozenset({int, float, Decimal})
_MAX_SPEC_CHARS = 64


def check_length(size: int, what: str) -> None:
    """Refuse a result of ``size`` items or characters when it passes ``max_sequence_len``."""
    limit = current_limits().max_sequence_len
    if size > limit:
        raise SandboxLimitExceeded(f"{what} would have {size:,} items; the limit is {limit:,}", limit="size")


def _check_bits(bits: float, what: str) -> None:
    limit = current_limits().max_int_bits
    if bits > limit:
        raise SandboxLimitExceeded(
            f"{what} would be a number of about {int(bits):,} bits; the limit is {limit:,}", limit="size"
        )


def check_decimal(value: Decimal) -> None:
    """Refuse to expand a Decimal whose exponent would produce thousands of digits."""
    limit = current_limits().max_int_bits // 3
    if value.is_finite() and abs(value.adjusted()) > limit:
        raise SandboxLimitExceeded(
            f"a Decimal with exponent {value.adjusted():,} cannot be expanded into digits", limit="size"
        )


def sized(value: Any) -> Any:
    """Return ``value`` if it has a length, else its items in a list."""
    return value if hasattr(value, "__len__") else list(value)


# --- operators -------------------------------------------------------------------------------------------


def guarded_add(a: Any, b: Any) -> Any:
    if type(a) not in _FAST_NUMBERS and isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        check_length(len(a) + len(b), "the result of '+'")
    return a + b


def guarded_iadd(a: Any, b: Any) -> Any:
    if isinstance(a, _SEQUENCES) and hasattr(b, "__len__"):
        check_length(len(a) + len(b), "the result of '+='")
    a += b
    return a


def _check_mul(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int):
        _check_bits(a.bit_length() + b.bit_length(), "the product")
    elif isinstance(a, _SEQUENCES) and isinstance(b, int):
        check_length(len(a) * max(b, 0), "the repeated sequence")
    elif isinstance(b, _SEQUENCES) and isinstance(a, int):
        check_length(len(b) * max(a, 0), "the repeated sequence")


def guarded_mul(a: Any, b: Any) -> Any:
    if type(a) is not float and type(b) is not float:
        _check_mul(a, b)
    return a * b


def guarded_imul(a: Any, b: Any) -> Any:
    _check_mul(a, b)
    a *= b
    return a


def _check_pow(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and a not in (0, 1, -1):
        limit = current_limits().max_int_bits
        _check_bits(limit + 1 if b > limit else b * math.log2(abs(a)), "the power")


def guarded_pow(a: Any, b: Any) -> Any:
    _check_pow(a, b)
    return a**b


def guarded_ipow(a: Any, b: Any) -> Any:
    _check_pow(a, b)
    a **= b
    return a


def _check_lshift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and b > 0:
        limit = current_limits().max_int_bits
        _check_bits(limit + 1 if b > limit else a.bit_length() + b, "the shifted number")


def guarded_lshift(a: Any, b: Any) -> Any:
    _check_lshift(a, b)
    return a << b


def guarded_ilshift(a: Any, b: Any) -> Any:
    _check_lshift(a, b)
    a <<= b
    return a


_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?[#0 +\-]*(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d+))?[hlL]?", re.S)


def text_size(value: Any, what: str = "the formatted value") -> int:
    """Return about how many characters ``value`` takes as text, refusing oversized ones."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Decimal):
        check_decimal(value)
    if type(value) in ATOMS:
        return 32 + (value.bit_length() // 3 if isinstance(value, int) else 0)
    return measure(value, current_limits().max_sequence_len, what=what)


def _check_percent(template: Any, args: Any) -> None:
    text = template.decode("latin-1") if isinstance(template, bytes | bytearray) else template
    size = len(text)
    keys = []
    for match in _PERCENT.finditer(text):
        for number in (match["width"], match["prec"]):
            if number == "*":
                raise SandboxViolation("'*' widths are not allowed in '%' formatting")
            if number:
                if len(number) > 9:
                    check_length(10**9, "the formatted text")
                size += int(number)
        if match["key"] is not None:
            keys.append(match["key"])
    if isinstance(args, dict):
        values = [args[key] for key in keys if key in args]
    else:
        values = list(args) if isinstance(args, tuple) else [args]
    for value in values:
        size += text_size(value)
    check_length(size, "the formatted text")


def guarded_mod(a: Any, b: Any) -> Any:
    if isinstance(a, _TEXT):
        _check_percent(a, b)
    return a % b


def guarded_imod(a: Any, b: Any) -> Any:
    if isinstance(a, _TEXT):
        _check_percent(a, b)
    a %= b
    return a


def set_source(other: Any) -> Any:
    return other if isinstance(other, dict | set | frozenset | KeysView | ItemsView) else check_keys(other)


def _view_operands(a: Any, b: Any) -> tuple[Any, Any]:
    """Check the plain iterable a dict view would hash in ``view & iterable`` and friends."""
    if isinstance(a, KeysView | ItemsView):
        return a, set_source(b)
    if isinstance(b, KeysView | ItemsView):
        return set_source(a), b
    return a, b


def guarded_sub(a: Any, b: Any) -> Any:
    if type(a) in _FAST_NUMBERS:
        return a - b
    a, b = _view_operands(a, b)
    return a - b


def guarded_and(a: Any, b: Any) -> Any:
    a, b = _view_operands(a, b)
    return a & b


def guarded_or(a: Any, b: Any) -> Any:
    a, b = _view_operands(a, b)
    return a | b


def guarded_xor(a: Any, b: Any) -> Any:
    a, b = _view_operands(a, b)
    return a ^ b


def guarded_isub(a: Any, b: Any) -> Any:
    a, b = _view_operands(a, b)
    a -= b
    return a


def guarded_iand(a: Any, b: Any) -> Any:
    a, b = _view_operands(a, b)
    a &= b
    return a


def guarded_ior(a: Any, b: Any) -> Any:
    a, b = _view_operands(a, b)
    a |= b
    return a


def guarded_ixor(a: Any, b: Any) -> Any:
    a, b = _view_operands(a, b)
    a ^= b
    return a


# --- f-strings -------------------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_CONVERSIONS: dict[int, Callable[[Any], str]] = {ord("s"): str, ord("r"): repr, ord("a"): ascii}


def safe_str(value: Any = "", *args: Any, **kwargs: Any) -> str:
    """``str()`` that refuses to print values whose text would be huge."""
    if not (args or kwargs) and not isinstance(value, str):
        text_size(value, "the value to convert to text")
    return str(value, *args, **kwargs)


def guarded_format(value: Any, conversion: int, spec: str) -> str:
    """Format one ``{value!conversion:spec}`` field of an f-string."""
    if conversion != -1:
        text_size(value)
        value = _CONVERSIONS[conversion](value)
    if spec:
        if len(spec) > _MAX_SPEC_CHARS:
            raise SandboxLimitExceeded(f"format specs are limited to {_MAX_SPEC_CHARS} characters", limit="size")
        for digits in _DIGITS.findall(spec):
            check_length(10**9 if len(digits) > 9 else int(digits), "the formatted field")
        if isinstance(value, Decimal):
            check_decimal(value)
    elif not isinstance(value, str):
        text_size(value)
    return format(value, spec)


def guarded_fstring(*parts: str) -> str:
    check_length(sum(map(len, parts)), "the f-string")
    return "".join(parts)


# --- comparisons, hashing and unpacking -----------------------------------------------------------------

_HASHED_CONTAINERS = frozenset({tuple, frozenset})


def check_nodes(value: Any, what: str) -> None:
    """Refuse a value whose unfolded element count makes comparing or hashing it explode."""
    measure(value, 4 * current_limits().max_sequence_len, chars=False, what=what)


def guarded_operand(value: Any) -> Any:
    """Let a comparison operand through unless comparing it could take exponential time."""
    if type(value) not in _SCALARS and isinstance(value, _CONTAINERS):
        check_nodes(value, "a compared value")
    return value


def guarded_key(key: Any) -> Any:
    """Let a dict key or set element through unless hashing it could take exponential time.

    Tuple hashes are not cached: ``t = (t, t)`` forty times over takes 2**40 steps to hash.
    """
    if type(key) in _HASHED_CONTAINERS:
        check_nodes(key, "a key")
    return key


def check_keys(keys: Any) -> list[Any]:
    """Check the keys of an iterable with `guarded_key` (fast when none is a tuple); return them as a list."""
    items = list(keys)
    if not _HASHED_CONTAINERS.isdisjoint(set(map(type, items))):
        for item in items:
            guarded_key(item)
    return items


def check_pairs(pairs: Any) -> Any:
    """Check the keys of a mapping or of an iterable of (key, value) pairs; return something reusable."""
    if isinstance(pairs, dict | set | frozenset):
        return pairs  # hashes already stored in the table are reused, not recomputed
    items = list(pairs)
    check_keys(item[0] for item in items if isinstance(item, tuple | list) and item)
    return items


def guarded_build(kind: str, *parts: Any) -> Any:
    """Build a list, tuple or set display that contains ``*`` unpackings."""
    materialized = [sized(part) for part in parts]
    check_length(sum(map(len, materialized)), "the unpacked display")
    items = itertools.chain.from_iterable(materialized)
    if kind == "list":
        return list(items)
    return tuple(items) if kind == "tuple" else set(check_keys(items))


def guarded_star(value: Any) -> Any:
    if hasattr(value, "__len__"):
        check_length(len(value), "the unpacked argument")
    return value


def guarded_double_star(value: Any) -> Any:
    if hasattr(value, "__len__"):
        check_length(len(value), "the unpacked mapping")
    return value


# AST operator name -> (guard for ``a op b``, guard for ``a op= b``).
BINARY_GUARDS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "Add": (guarded_add, guarded_iadd),
    "Sub": (guarded_sub, guarded_isub),
    "Mult": (guarded_mul, guarded_imul),
    "Pow": (guarded_pow, guarded_ipow),
    "LShift": (guarded_lshift, guarded_ilshift),
    "Mod": (guarded_mod, guarded_imod),
    "BitAnd": (guarded_and, guarded_iand),
    "BitOr": (guarded_or, guarded_ior),
    "BitXor": (guarded_xor, guarded_ixor),
}
# AST operator name -> guard name, for ``a op b`` and for ``a op= b``.
