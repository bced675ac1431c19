"""Run-time limits: runaway loops, recursion and allocation bombs stop fast and leave the interpreter sane."""

from __future__ import annotations

import os
import sys
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from engine.sandbox import (
    Limits,
    SandboxError,
    SandboxLimitExceeded,
    SandboxViolation,
    ScriptRuntimeError,
    evaluate,
    execute,
)

FAST = Limits(max_steps=20_000)


def _spy(frame: Any, event: str, arg: Any) -> None:
    return None


@pytest.fixture
def healthy_interpreter() -> Iterator[None]:
    """Run the test under a tracer of our own and check that it, and the recursion limit, survive."""
    previous = sys.gettrace()
    recursion_limit = sys.getrecursionlimit()
    sys.settrace(_spy)
    try:
        yield
        assert sys.gettrace() is _spy
    finally:
        sys.settrace(previous)
    assert sys.getrecursionlimit() == recursion_limit
    assert evaluate('priority == "high" and amount > 500', {"priority": "high", "amount": 501}) is True


@pytest.mark.usefixtures("healthy_interpreter")
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("().__class__.__base__.__subclasses__()", SandboxViolation),
        ("__import__('os')", SandboxViolation),
        ("open('/etc/passwd')", SandboxViolation),
        ("while True:\n    pass", SandboxLimitExceeded),
        ("x = 'x' * 10**10", SandboxLimitExceeded),
        ("def f():\n    return f()\nf()", SandboxLimitExceeded),
    ],
)
def test_the_classic_attacks_are_stopped(source: str, expected: type[SandboxError]) -> None:
    with pytest.raises(expected) as caught:
        execute(source, {})

    assert caught.value.message
    assert caught.value.lineno is not None


def test_an_endless_loop_stops_at_the_time_limit() -> None:
    # With a step budget it can never reach, only the time limit can stop the loop: it is the one that did.
    with pytest.raises(SandboxLimitExceeded) as caught:
        execute("n = 0\nwhile True:\n    n = n + 1", {}, Limits(time_limit_s=0.2, max_steps=10**9))

    assert caught.value.limit == "time"


@pytest.mark.parametrize(
    "source",
    [
        "while True: pass",
        "while 1:\n    continue",
        "for i in range(10**6):\n    pass",
        "x = [i for i in range(10**6)]",
        "x = sum(i for i in range(10**6))",
        "def spin(n):\n    while n:\n        pass\nspin(1)",
    ],
)
def test_loops_are_bounded_by_the_step_budget(source: str) -> None:
    with pytest.raises(SandboxLimitExceeded) as caught:
        execute(source, {}, FAST)

    assert caught.value.limit == "steps"


@pytest.mark.usefixtures("healthy_interpreter")
@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    return f()\nf()",
        "f = lambda: f()\nf()",
        "def f(n):\n    return [f(n + 1) for i in range(2)]\nf(0)",
        "y = (lambda g: g(g))(lambda g: g(g))",
    ],
)
def test_recursion_bombs_stop_without_crashing(source: str) -> None:
    with pytest.raises(SandboxLimitExceeded) as caught:
        execute(source, {})

    assert caught.value.limit == "recursion"


@pytest.mark.usefixtures("healthy_interpreter")
@pytest.mark.parametrize(
    "handler",
    ["ValueError", "ArithmeticError", "(KeyError, TypeError, LookupError, IndexError, ZeroDivisionError)"],
)
def test_limit_errors_cannot_be_caught_by_the_script(handler: str) -> None:
    source = f"done = False\ntry:\n    while True:\n        pass\nexcept {handler}:\n    done = True\n"
    context: dict[str, Any] = {}

    with pytest.raises(SandboxLimitExceeded):
        execute(source, context, FAST)

    assert context == {}


def test_task_data_cannot_replace_the_error_classes_of_except_clauses() -> None:
    source = (
        "try:\n    try:\n        while True:\n            pass\n    except ValueError:\n        pass\n"
        "except TypeError:\n    log.append('escaped')\n"
    )
    context: dict[str, Any] = {"ValueError": "not a class", "log": []}

    # The time limit is raised from the tracer, which switches tracing off: nothing may run after it.
    with pytest.raises(SandboxLimitExceeded):
        execute(source, context, Limits(time_limit_s=0.05, max_steps=10**9))
    assert context["log"] == []

    execute("try:\n    n = int('x')\nexcept ValueError:\n    n = 0", context)
    assert context == {"ValueError": "not a class", "log": [], "n": 0}


ALLOCATION_BOMBS = [
    "'x' * 10**10",
    "[0] * 10**9",
    "(0,) * 10**9",
    "b'x' * 10**10",
    "2 ** 10**9",
    "10**10**10",
    "1 << 10**9",
    "(2**4000) * (2**4000)",
    "list(range(10**12))",
    "range(10**12)",
    "'a'.ljust(10**10)",
    "'a'.rjust(10**10)",
    "'a'.center(10**10)",
    "'a'.zfill(10**10)",
    "('a\\t' * 1000).expandtabs(10**6)",
    "('a' * 1000).replace('a', 'b' * 10000)",
    "('a' * 1000).translate({97: 'b' * 10000})",
    "', '.join(['x' * 1000] * 10000)",
    "(1).to_bytes(10**9, 'big')",
    '"%10000000000d" % 1',
    '"%.10000000000f" % 1.5',
    "'%s' * 2000 % tuple(['x' * 1000] * 2000)",
    'f"{1:10000000000}"',
    'f"{1:>{10**10}}"',
    "f\"{'x' * 900000}{'x' * 900000}\"",
    "str([['x' * 100000] * 10] * 10)",
    "[*range(10**6), *range(10**6)]",
    "round(5, -10**9)",
    "int(Decimal('1e99999'))",
    "round(Decimal('1e99999'))",
    "f\"{Decimal('1e-999999999'):f}\"",
    "'%d' % Decimal('1e999999')",
]


@pytest.mark.parametrize("source", ALLOCATION_BOMBS)
def test_allocation_bombs_fail_fast_without_allocating(source: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(SandboxLimitExceeded) as caught:
            evaluate(source, {"Decimal": Decimal})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert caught.value.limit == "size"
    assert peak < 64 * 2**20


@pytest.mark.parametrize(
    "source",
    [
        "x = [0] * 10**6\nx.extend(x)",
        "x = [0] * 10**6\nx += x",
        "s = 'x' * 10**5\nwhile True:\n    s += s",
        "s = 'x' * 10**5\nwhile True:\n    s = s + s",
        "s = 'x' * 10**5\nwhile True:\n    s *= 2",
        "n = 3\nwhile True:\n    n = n * n",
        "n = 3\nwhile True:\n    n **= 2",
    ],
)
def test_doubling_loops_hit_the_size_limit(source: str) -> None:
    with pytest.raises(SandboxLimitExceeded) as caught:
        execute(source, {})

    assert caught.value.limit == "size"


SHARED_STRUCTURE = "x = [0]\nfor i in range(60):\n    x = [x, x]\n"
SHARED_TUPLE = "t = (0,)\nfor i in range(60):\n    t = (t, t)\n"


@pytest.mark.parametrize(
    "source",
    [
        SHARED_STRUCTURE + "y = [0]\nfor i in range(60):\n    y = [y, y]\nsame = x == y",
        SHARED_STRUCTURE + "text = str(x)",
        SHARED_STRUCTURE + "text = f'{x}'",
        SHARED_STRUCTURE + "text = '%s' % (x,)",
        SHARED_STRUCTURE + "ordered = sorted([x, x])",
        SHARED_STRUCTURE + "found = [x].count(x)",
        SHARED_TUPLE + "seen = {t}",
        SHARED_TUPLE + "seen = {t: 1}",
        SHARED_TUPLE + "seen = {}\nseen[t] = 1",
        SHARED_TUPLE + "seen = set([t])",
        SHARED_TUPLE + "seen = dict([(t, 1)])",
        SHARED_TUPLE + "seen = {1: 2}.get(t)",
        SHARED_TUPLE + "seen = {1}.union([t])",
        SHARED_TUPLE + "seen = {1: 2}.keys() & [t]",
        SHARED_TUPLE + "seen = t in {1}",
        SHARED_TUPLE + "seen = {u for u in [t]}",
        SHARED_TUPLE + "seen = {*[t]}",
        SHARED_TUPLE + "seen = {1}\nseen.update([t])",
        SHARED_TUPLE + "seen = {}\nseen.update([(t, 1)])",
        SHARED_TUPLE + "seen = {1: 2}.keys().isdisjoint([t])",
        "t = (0,)\nfor i in range(60):\n    t = list(zip([t], [t]))[0]\nseen = {t}",
    ],
)
def test_shared_structures_cannot_make_one_c_call_run_forever(source: str) -> None:
    with pytest.raises(SandboxLimitExceeded) as caught:
        execute(source, {})

    assert caught.value.limit == "size"


def test_results_too_big_to_store_are_refused() -> None:
    context: dict[str, Any] = {}

    with pytest.raises(SandboxLimitExceeded) as caught:
        execute("row = ['x' * 1000] * 1000\ntable = [row] * 1000", context)

    assert caught.value.limit == "size"
    with pytest.raises(SandboxLimitExceeded):
        evaluate("[['x' * 1000] * 1000] * 1000", {})


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="memory sampling reads /proc")
@pytest.mark.parametrize(
    "source",
    [
        "chunks = []\nwhile True:\n    chunks.append('x' * 500000 + str(len(chunks)))",
        "chunks = []\nwhile True:\n    chunks.append(list(range(100000)))",
        "base = list(range(10**6))\ncopies = [base[:] for i in range(1000)]",
    ],
)
def test_memory_growth_is_bounded(source: str) -> None:
    limits = Limits(max_memory_mb=48, max_steps=10**9, time_limit_s=5)

    with pytest.raises(SandboxLimitExceeded) as caught:
        execute(source, {}, limits)

    assert caught.value.limit == "memory"


def test_sum_of_lists_is_refused_as_quadratic() -> None:
    with pytest.raises(ScriptRuntimeError) as caught:
        evaluate("sum([[1]] * 1000, [])", {})

    assert caught.value.error_type == "TypeError"


def test_tracer_and_limits_are_restored_after_a_normal_run() -> None:
    before = sys.gettrace()

    assert evaluate("amount * 2", {"amount": 21}) == 42
    assert sys.gettrace() is before
