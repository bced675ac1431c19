"""Evaluation and execution semantics: context in, data out, errors as SandboxErrors."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine.sandbox import (
    HELPERS,
    Limits,
    Sandbox,
    SandboxLimitExceeded,
    SandboxViolation,
    ScriptRuntimeError,
    clear_compile_cache,
    compile_cache_info,
    evaluate,
    execute,
)


@pytest.mark.parametrize(
    ("priority", "amount", "expected"),
    [("high", 501, True), ("high", 500, False), ("low", 9999, False)],
)
def test_gateway_style_conditions(priority: str, amount: int, expected: bool) -> None:
    context = {"priority": priority, "amount": amount}

    assert evaluate('priority == "high" and amount > 500', context) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("sorted(items, key=lambda item: -item)[0]", 3),
        ("[n * 2 for n in items if n > 1]", [4, 6]),
        ("{str(n): n for n in items}", {"1": 1, "2": 2, "3": 3}),
        ("isinstance(3, int) and isinstance('a', (int, str)) and not isinstance(1.5, int)", True),
        ("int('42') + len(str(10)) + len(range(3))", 47),
        ("dict(a=1) == {'a': 1} and set('aa') == {'a'}", True),
        ("f'{ratio:>8.2f}|{name!r}|{name!s:^7}'", "    0.33|'Ann'|  Ann  "),
        ("'%05.1f %s' % (ratio, name)", "000.3 Ann"),
        ("name.upper().replace('A', 'E') + ', '.join(['x', 'y'])", "ENNx, y"),
        ("max(items) - min(items) + sum(items) + abs(-1) + round(2.6)", 2 + 6 + 1 + 3),
        ("Decimal('0.10') * 3 == Decimal('0.30') and sum([Decimal('0.1')] * 10, Decimal(0)) == 1", True),
        ("approved_on.year * 100 + approved_on.month", 202601),
        ("list(zip(items, 'abc'))[1] + tuple(enumerate('x'))[0]", (2, "b", 0, "x")),
        ("[*items, *'ab'] + list(reversed(items))", [1, 2, 3, "a", "b", 3, 2, 1]),
        ("{**{'a': 1}, 'b': 2}", {"a": 1, "b": 2}),
        ("dict.fromkeys(['a'], 0)", {"a": 0}),
        ("any(n > 2 for n in items) and all(n > 0 for n in items)", True),
        ("'%(who)s' % {'who': name}", "Ann"),
        ("items[1:] + items[::-1][:1]", [2, 3, 3]),
        ("(lambda value: value * 2)(21)", 42),
        ("'yes' if items else 'no'", "yes"),
        ("~5 ^ 3 | 8 & 12", ~5 ^ 3 | 8 & 12),
    ],
)
def test_ordinary_expressions_evaluate(source: str, expected: Any) -> None:
    context = {"items": [1, 2, 3], "ratio": 1 / 3, "name": "Ann", "approved_on": date(2026, 1, 31)}

    assert evaluate(source, context) == expected


def test_execute_writes_new_changed_and_deleted_names_back() -> None:
    context: dict[str, Any] = {"amount": 10, "old": "x", "tags": ["a"], "totals": {"n": 1}}
    script = """
def double(value):
    return value * 2

amount = double(amount)
label = f"{amount} PLN"
tags.append("b")
totals["n"] += 1
del old
helper = now
"""
    execute(script, context)

    assert context == {"amount": 20, "label": "20 PLN", "tags": ["a", "b"], "totals": {"n": 2}}


def test_execute_drops_a_data_name_rebound_to_a_function() -> None:
    context: dict[str, Any] = {"rule": "x"}

    execute("rule = lambda: 1", context)

    assert context == {}


def test_execute_never_copies_helpers_or_builtins_into_the_data() -> None:
    context: dict[str, Any] = {}

    execute("x = 1", context)

    assert context == {"x": 1}
    assert not set(HELPERS) & set(context)


def test_try_except_works_for_ordinary_errors() -> None:
    context: dict[str, Any] = {"a": 1, "b": 0}

    execute("try:\n    ratio = a / b\nexcept ZeroDivisionError as error:\n    ratio = str(error)", context)

    assert context["ratio"] == "division by zero"
    assert "error" not in context


def test_recursion_within_bounds_is_fine() -> None:
    context: dict[str, Any] = {}

    execute("def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\nresult = fact(20)", context)

    assert context == {"result": 2432902008176640000}


@pytest.mark.parametrize(
    ("source", "error_type", "line"),
    [
        ("x = 1\ny = undefined_name", "NameError", 2),
        ("x = 1\n\ny = 1 / 0", "ZeroDivisionError", 3),
        ("x = {}['missing']", "KeyError", 1),
        ("raise ValueError('amount must be positive')", "ValueError", 1),
        ("def f():\n    return [][1]\nf()", "IndexError", 2),
        ("assert 1 == 2, 'broken'", "AssertionError", 1),
    ],
)
def test_errors_of_the_script_become_script_runtime_errors(source: str, error_type: str, line: int) -> None:
    with pytest.raises(ScriptRuntimeError) as caught:
        execute(source, {})

    assert caught.value.error_type == error_type
    assert caught.value.lineno == line
    assert caught.value.message.startswith(error_type)
    assert type(caught.value.__cause__).__name__ == error_type


def test_expression_line_numbers_survive_surrounding_whitespace() -> None:
    with pytest.raises(ScriptRuntimeError) as caught:
        evaluate("\n\n   amount / 0\n  ", {"amount": 1})

    assert caught.value.lineno == 3


def test_huge_error_messages_are_cut_short() -> None:
    with pytest.raises(ScriptRuntimeError) as caught:
        execute("raise ValueError('x' * 900000)", {})

    assert len(caught.value.message) < 600


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("lambda: 1", "function"),
        ("(n for n in [1])", "generator"),
        ("zip([1], [2])", "zip"),
        ("now", "function"),
        ("[lambda: 1]", "function"),
    ],
)
def test_evaluate_only_returns_data(source: str, what: str) -> None:
    with pytest.raises(ScriptRuntimeError) as caught:
        evaluate(source, {})

    assert what in caught.value.message


@pytest.mark.parametrize(
    "source",
    [
        "rows = [n for n in range(3)]\nlater = (n for n in rows)",
        "pairs = zip([1], [2])",
        "a = [1]\na.append(a)",
    ],
)
def test_execute_refuses_to_store_non_data(source: str) -> None:
    with pytest.raises(ScriptRuntimeError):
        execute(source, {})


def test_task_data_cannot_shadow_the_guards_or_the_builtins() -> None:
    context = {"x": [1, 2], "__builtins__": {"len": "nope"}, "_sb_attr": 5, "_sb_mul": None}

    assert evaluate("len(x) * 2 + x.count(1)", context) == 5


def test_sandboxed_functions_that_leak_cannot_run_outside_a_run() -> None:
    context: dict[str, Any] = {"items": []}

    evaluate("items.append(lambda: [n for n in range(3)])", context)

    with pytest.raises(SandboxViolation):
        context["items"][0]()


def test_extra_helpers_are_visible_but_never_stored() -> None:
    sandbox = Sandbox(helpers={"double": lambda value: value * 2})
    context: dict[str, Any] = {"amount": 4}

    sandbox.execute("amount = double(amount)", context)

    assert context == {"amount": 8}


@pytest.mark.parametrize("name", ["_hidden", "not an identifier"])
def test_helper_names_must_be_public_identifiers(name: str) -> None:
    with pytest.raises(ValueError, match="helper names"):
        Sandbox(helpers={name: len})


def test_limits_can_be_tightened_per_call() -> None:
    sandbox = Sandbox()

    with pytest.raises(SandboxLimitExceeded):
        sandbox.evaluate("'x' * 11", {}, limits=Limits(max_sequence_len=10))
    assert sandbox.evaluate("'x' * 10", {}) == "x" * 10


def test_compiled_code_is_cached_by_source() -> None:
    clear_compile_cache()
    source = "amount > 10 and status == 'open'"

    evaluate(source, {"amount": 1, "status": "open"})
    evaluate(source, {"amount": 11, "status": "open"})
    info = compile_cache_info()

    assert (info.hits, info.misses) == (1, 1)


def test_a_condition_evaluated_again_is_not_compiled_again() -> None:
    """What keeps repeated conditions cheap (measured in bench/sandbox_step.py): one compilation per source."""
    clear_compile_cache()
    context = {"priority": "high", "amount": 700}
    source = 'priority == "high" and amount > 500'
    rounds = 200
    for _ in range(rounds):
        assert evaluate(source, context) is True

    info = compile_cache_info()
    assert (info.hits, info.misses) == (rounds - 1, 1)
