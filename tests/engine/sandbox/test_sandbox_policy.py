"""Static rules: escapes are refused before anything runs, with line and column."""

from __future__ import annotations

import pytest

from engine.sandbox import SandboxViolation, check_expression, check_script, evaluate, execute

ESCAPE_EXPRESSIONS = [
    "().__class__.__base__.__subclasses__()",
    "__import__('os')",
    "open('/etc/passwd')",
    "[c for c in ().__class__.__mro__]",
    "getattr((), '__cl' + 'ass__')",
    "(lambda: 0).__globals__",
    "(x for x in []).gi_frame",
    "(x for x in []).gi_code",
    "task.gi_frame.f_back.f_globals",
    "error.tb_frame",
    "frame.f_locals",
    "frame.f_builtins",
    "coroutine.cr_frame",
    "agen.ag_frame",
    "code.co_code",
    "function.func_globals",
    "int.mro()",
    '"{0.__class__}".format(1)',
    '"{x.__class__}".format_map({"x": 1})',
    "'{}'.format",
    "eval('1')",
    "exec('x = 1')",
    "compile('1', 'x', 'eval')",
    "globals()",
    "locals()",
    "vars()",
    "type(1)",
    "object",
    "super()",
    "memoryview(b'x')",
    "help()",
    "dir()",
    "input()",
    "breakpoint()",
    "setattr(task, 'x', 1)",
    "delattr(task, 'x')",
    "hasattr(task, 'x')",
    "_private",
    "task._private",
    "__builtins__",
    "__name__",
    "[x for _x in range(3)]",
    "(lambda _x: 1)(2)",
    "sorted([1], _key=1)",
    "(yield 1)",
]

ESCAPE_SCRIPTS = [
    "import os",
    "from os import path",
    "import builtins as b",
    "def f():\n    global x\n    x = 1",
    "class A:\n    pass",
    "with open('x') as f:\n    pass",
    "async def f():\n    pass",
    "def f():\n    yield 1",
    "def f():\n    yield from [1]",
    "try:\n    x = 1\nexcept:\n    pass",
    "try:\n    x = 1\nexcept Exception:\n    pass",
    "try:\n    x = 1\nexcept BaseException:\n    pass",
    "try:\n    x = 1\nexcept (ValueError, RuntimeError):\n    pass",
    "try:\n    x = 1\nexcept errors:\n    pass",
    "try:\n    x = 1\nfinally:\n    y = 2",
    "try:\n    x = 1\nexcept* ValueError:\n    pass",
    "try:\n    x = 1\nexcept ValueError as _e:\n    pass",
    "ValueError = Exception",
    "def f(ValueError):\n    return 1",
    "for KeyError in []:\n    pass",
    "task.attr = 1",
    "del task.attr",
    "@decorator\ndef f():\n    pass",
    "x: int = 1",
    "match x:\n    case 1:\n        pass",
    "def _helper():\n    pass",
    "f(*a, *b, *c, *d, *e)",
    "x = [1]\nx[0:1] += [2]",
    "return 1",
    "break",
]


@pytest.mark.parametrize("source", ESCAPE_EXPRESSIONS)
def test_escape_expressions_are_refused_without_running(source: str) -> None:
    violations = check_expression(source)

    assert violations, source
    assert all(isinstance(v, SandboxViolation) and v.lineno == 1 for v in violations)
    with pytest.raises(SandboxViolation):
        evaluate(source, {"task": {}, "error": None, "frame": None, "x": 1})


@pytest.mark.parametrize("source", ESCAPE_SCRIPTS)
def test_escape_scripts_are_refused_without_running(source: str) -> None:
    violations = check_script(source)

    assert violations, source
    assert violations[0].message
    context = {"task": {}, "x": 1}
    with pytest.raises(SandboxViolation):
        execute(source, context)
    assert context == {"task": {}, "x": 1}


@pytest.mark.parametrize(
    "source",
    [
        'priority == "high" and amount > 500',
        "status in ('new', 'open') or not approved",
        "len(items) > 0 and items[0]['kind'] == 'x'",
        "any(item['amount'] > 100 for item in items)",
        "sorted(items, key=lambda item: item['amount'])[0]",
        "{name: len(name) for name in names}",
        "f'{amount:>10.2f} PLN'",
        "'%05.1f' % ratio",
        "add_duration(approved_on, 'P3M') > today()",
        "Decimal('0.10') * 3",
        "x if x is not None else 0",
        "-amount // 3 % 7 ** 2 << 1 | 4 & 5 ^ 6",
        "isinstance(amount, (int, float))",
        '"P14D"',
    ],
)
def test_ordinary_expressions_pass(source: str) -> None:
    assert check_expression(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "total = sum(item['amount'] for item in items)\nlabels = [item['name'].upper() for item in items]",
        "def score(item):\n    return item['amount'] * 2\nscores = [score(i) for i in items]",
        "try:\n    ratio = a / b\nexcept (ZeroDivisionError, TypeError) as error:\n    ratio = None",
        "while count < 10:\n    count += 1\n    if count == 5:\n        break\nelse:\n    pass",
        "data['total'] += 1\ndel data['old']\nassert total >= 0, 'negative'",
        "if missing:\n    raise ValueError('missing ' + ', '.join(missing))",
    ],
)
def test_ordinary_scripts_pass(source: str) -> None:
    assert check_script(source) == []


@pytest.mark.parametrize(
    ("checker", "source", "line", "col"),
    [
        (check_script, "a = 1\nb = 2\nimport os", 3, 1),
        (check_script, "a = 1\n\n    b = 2", 3, None),
        (check_script, "total = 1\nvalue = (\n", 2, None),
        (check_script, "x = 1\ny = x.__class__", 2, 5),
        (check_expression, "amount >", 1, None),
        (check_expression, "\n\n   amount.__class__", 3, 4),
        (check_expression, "", 1, None),
    ],
)
def test_violations_carry_line_numbers(checker, source: str, line: int, col: int | None) -> None:
    violations = checker(source)

    assert violations
    assert violations[0].lineno == line
    if col is not None:
        assert violations[0].col == col
    assert f"line {line}" in str(violations[0])


def test_syntax_errors_are_reported_as_violations() -> None:
    (violation,) = check_script("x = (1,\ny = 2\n")

    assert violation.message.startswith("syntax error")
    assert violation.lineno in (1, 2)


def test_every_violation_is_listed_in_source_order() -> None:
    violations = check_script("import os\nx = y.__dict__\nclass A:\n    pass")

    assert [v.lineno for v in violations] == [1, 2, 3]


def test_checks_never_run_the_code() -> None:
    # Running any of these would hang, raise or exhaust memory; checking them only reads the syntax tree.
    assert check_script("while True:\n    pass") == []
    assert check_script("x = 1 / 0") == []
    assert check_expression("10 ** 10 ** 10") == []


@pytest.mark.parametrize(
    "source",
    [None, "x" * 100_001, "-" * 60_000 + "1", "(" * 300 + "1" + ")" * 300, "1" + "+1" * 40_000, "x = 'a'\0"],
)
def test_unusable_sources_are_refused_as_violations(source) -> None:
    violations = check_expression(source)

    assert len(violations) == 1
    assert isinstance(violations[0], SandboxViolation)
