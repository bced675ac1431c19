"""Static rules every snippet must pass before anything is compiled or run.

The rules work on a whitelist of syntax: a node type that is not listed below is refused, so a new
Python release cannot add an escape hatch silently. Names and attributes starting with ``_`` are refused
everywhere, which closes the classic ``().__class__.__base__.__subclasses__()`` family; attribute names
that reach frames, code objects or the ``str.format`` mini-language are refused by name as well.

``try`` is allowed, but only with ``except`` clauses naming a few ordinary error classes and without
``finally``: a limit exception raised from the tracer switches CPython's tracing off, so user code must
never get a chance to catch it and carry on untraced.
"""

from __future__ import annotations

import ast
import textwrap
import warnings
from typing import Literal, cast

from engine.sandbox.errors import SandboxViolation

Mode = Literal["eval", "exec"]

SANDBOX_FILENAME = "<sandbox>"
MAX_SOURCE_CHARS = 100_000
MAX_UNPACKINGS = 4

FORBIDDEN_NAMES = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "open",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "hasattr",
        "input",
        "breakpoint",
        "type",
        "object",
        "super",
        "memoryview",
        "help",
        "dir",
        "exit",
        "quit",
        "classmethod",
        "staticmethod",
        "property",
        "issubclass",
        "reload",
    }
)

FORBIDDEN_ATTRIBUTES = frozenset({"mro", "format", "format_map", "clear_cache", "from_file", "no_cache"})
# Frames, code objects, generator/coroutine internals, tracebacks and old function attribute names.
FORBIDDEN_ATTRIBUTE_PREFIXES = ("_", "gi_", "cr_", "ag_", "f_", "tb_", "co_", "func_", "im_")

# The only errors a script may catch; none of them is a base class of the sandbox's own errors.
CATCHABLE_EXCEPTIONS = frozenset(
    {
        "ValueError",
        "TypeError",
        "KeyError",
        "IndexError",
        "LookupError",
        "ArithmeticError",
        "ZeroDivisionError",
    }
)

_ALLOWED_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        # roots
        ast.Module,
        ast.Expression,
        # statements
        ast.FunctionDef,
        ast.Return,
        ast.Delete,
        ast.Assign,
        ast.AugAssign,
        ast.For,
        ast.While,
        ast.If,
        ast.Raise,
        ast.Try,
        ast.ExceptHandler,
        ast.Assert,
        ast.Expr,
        ast.Pass,
        ast.Break,
        ast.Continue,
        # expressions
        ast.BoolOp,
        ast.NamedExpr,
        ast.BinOp,
        ast.UnaryOp,
        ast.Lambda,
        ast.IfExp,
        ast.Dict,
        ast.Set,
        ast.ListComp,
        ast.SetComp,
        ast.DictComp,
        ast.GeneratorExp,
        ast.Compare,
        ast.Call,
        ast.FormattedValue,
        ast.JoinedStr,
        ast.Constant,
        ast.Attribute,
        ast.Subscript,
        ast.Starred,
        ast.Name,
        ast.List,
        ast.Tuple,
        ast.Slice,
        # helpers of the above
        ast.comprehension,
        ast.arguments,
        ast.arg,
        ast.keyword,
        ast.Load,
        ast.Store,
        ast.Del,
        ast.And,
        ast.Or,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Div,
        ast.Mod,
        ast.Pow,
        ast.LShift,
        ast.RShift,
        ast.BitOr,
        ast.BitXor,
        ast.BitAnd,
        ast.FloorDiv,
        ast.Invert,
        ast.Not,
        ast.UAdd,
        ast.USub,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.LtE,
        ast.Gt,
        ast.GtE,
        ast.Is,
        ast.IsNot,
        ast.In,
        ast.NotIn,
    }
)

_REFUSED_WHY: dict[type[ast.AST], str] = {
    ast.Import: "import statements are not allowed",
    ast.ImportFrom: "import statements are not allowed",
    ast.Global: "'global' is not allowed",
    ast.Nonlocal: "'nonlocal' is not allowed",
    ast.ClassDef: "class definitions are not allowed",
    ast.AsyncFunctionDef: "async functions are not allowed",
    ast.Await: "'await' is not allowed",
    ast.AsyncFor: "'async for' is not allowed",
    ast.AsyncWith: "'async with' is not allowed",
    ast.With: "'with' statements are not allowed",
    ast.Yield: "'yield' is not allowed; use a list instead of a generator function",
    ast.YieldFrom: "'yield from' is not allowed",
    ast.Match: "'match' statements are not allowed",
    ast.TryStar: "'except*' is not allowed",
    ast.AnnAssign: "annotated assignments are not allowed; drop the type annotation",
    ast.MatMult: "the '@' operator is not allowed",
}


def _violation(message: str, node: ast.AST | None = None) -> SandboxViolation:
    lineno = getattr(node, "lineno", None) if node is not None else None
    col = getattr(node, "col_offset", None) if node is not None else None
    return SandboxViolation(message, lineno=lineno, col=None if col is None else col + 1)


def attribute_refusal(attr: str) -> str | None:
    """Say why attribute ``attr`` may not be used, or return None when it may."""
    if attr.startswith(FORBIDDEN_ATTRIBUTE_PREFIXES) or attr in FORBIDDEN_ATTRIBUTES:
        if attr in ("format", "format_map"):
            return f"'.{attr}()' is not allowed; use an f-string or '%' formatting"
        return f"attribute '{attr}' is not allowed"
    return None


def _name_refusal(name: str, *, binding: bool) -> str | None:
    if name.startswith("_"):
        return f"names starting with '_' are not allowed: '{name}'"
    if name in FORBIDDEN_NAMES:
        return f"'{name}' is not available in scripts"
    if binding and name in CATCHABLE_EXCEPTIONS:
        return f"'{name}' cannot be reassigned"
    return None


class _Checker:
    """Collect every violation in a tree (never stops at the first)."""

    def __init__(self) -> None:
        self.found: list[SandboxViolation] = []

    def refuse(self, message: str, node: ast.AST) -> None:
        self.found.append(_violation(message, node))

    def check_name(self, name: str, node: ast.AST, *, binding: bool) -> None:
        why = _name_refusal(name, binding=binding)
        if why:
            self.refuse(why, node)

    def run(self, tree: ast.AST) -> list[SandboxViolation]:
        pending = [tree]  # an explicit stack: deep trees must not exhaust Python's own recursion
        while pending:
            node = pending.pop()
            kind = type(node)
            if kind not in _ALLOWED_NODES:
                self.refuse(_REFUSED_WHY.get(kind, f"'{kind.__name__}' syntax is not allowed"), node)
                continue  # one message per refused construct, not one per part of it
            handler = getattr(self, f"visit_{kind.__name__}", None)
            if handler is not None:
                handler(node)
            pending.extend(ast.iter_child_nodes(node))
        return sorted(self.found, key=lambda v: (v.lineno or 0, v.col or 0))

    def visit_Name(self, node: ast.Name) -> None:
        self.check_name(node.id, node, binding=not isinstance(node.ctx, ast.Load))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        why = attribute_refusal(node.attr)
        if why:
            self.refuse(why, node)
        if not isinstance(node.ctx, ast.Load):
            self.refuse("assigning to or deleting attributes is not allowed", node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.check_name(node.name, node, binding=True)
        if node.decorator_list:
            self.refuse("decorators are not allowed", node.decorator_list[0])

    def visit_arg(self, node: ast.arg) -> None:
        self.check_name(node.arg, node, binding=True)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg is not None and node.arg.startswith("_"):
            self.refuse(f"keyword arguments starting with '_' are not allowed: '{node.arg}'", node)

    def visit_Try(self, node: ast.Try) -> None:
        if node.finalbody:
            self.refuse("'finally' is not allowed", node.finalbody[0])

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        allowed = ", ".join(sorted(CATCHABLE_EXCEPTIONS))
        if node.type is None:
            self.refuse(f"a bare 'except:' is not allowed; name the errors to catch ({allowed})", node)
        else:
            names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            for item in names:
                if not (isinstance(item, ast.Name) and item.id in CATCHABLE_EXCEPTIONS):
                    self.refuse(f"'except' may only name these errors: {allowed}", item)
        if node.name is not None:
            self.check_name(node.name, node, binding=True)

    def visit_Call(self, node: ast.Call) -> None:
        stars = sum(isinstance(arg, ast.Starred) for arg in node.args)
        double_stars = sum(kw.arg is None for kw in node.keywords)
        if stars > MAX_UNPACKINGS or double_stars > MAX_UNPACKINGS:
            self.refuse(f"at most {MAX_UNPACKINGS} '*' or '**' unpackings per call", node)

    def visit_Dict(self, node: ast.Dict) -> None:
        if sum(key is None for key in node.keys) > MAX_UNPACKINGS:
            self.refuse(f"at most {MAX_UNPACKINGS} '**' unpackings per dict", node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Subscript) and isinstance(node.target.slice, ast.Slice):
            self.refuse("augmented assignment to a slice is not allowed", node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:
            self.refuse("async comprehensions are not allowed", node.target)


def normalize(source: str, mode: Mode) -> tuple[str, int, int]:
    """Return the text to parse, how many leading lines were cut off and the indent cut from the first.

    Expressions from BPMN attributes often carry surrounding blank lines and indentation; scripts are
    often indented as a whole inside their XML element.
    """
    if mode == "eval":
        stripped = source.lstrip()
        removed = source[: len(source) - len(stripped)]
        return stripped.rstrip(), removed.count("\n"), len(removed.rpartition("\n")[2])
    return textwrap.dedent(source), 0, 0


def _shift(tree: ast.AST, lines: int, indent: int) -> None:
    """Give nodes the positions they have in the source as written, before `normalize`."""
    if indent:
        for node in ast.walk(tree):
            if isinstance(node, ast.expr | ast.stmt | ast.arg | ast.keyword | ast.excepthandler):
                if node.lineno == 1:
                    node.col_offset += indent
                if node.end_lineno == 1 and node.end_col_offset is not None:
                    node.end_col_offset += indent
    if lines:
        ast.increment_lineno(tree, lines)


def parse(source: str, mode: Mode) -> tuple[ast.AST | None, list[SandboxViolation]]:
    """Parse ``source`` and apply the static rules; the tree is None when it could not be parsed."""
    if not isinstance(source, str):
        return None, [SandboxViolation("the snippet must be a string")]
    if len(source) > MAX_SOURCE_CHARS:
        return None, [SandboxViolation(f"the snippet is longer than {MAX_SOURCE_CHARS} characters", lineno=1)]
    text, skipped, indent = normalize(source, mode)
    if not text and mode == "eval":
        return None, [SandboxViolation("the expression is empty", lineno=1)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=SANDBOX_FILENAME, mode=mode)
    except SyntaxError as exc:
        lineno = None if exc.lineno is None else exc.lineno + skipped
        col = exc.offset + indent if exc.offset is not None and exc.lineno == 1 else exc.offset
        return None, [SandboxViolation(f"syntax error: {exc.msg}", lineno=lineno, col=col)]
    except ValueError as exc:
        return None, [SandboxViolation(f"the snippet cannot be parsed: {exc}", lineno=1)]
    except (RecursionError, MemoryError):
        return None, [SandboxViolation("the snippet is nested too deeply to parse", lineno=1)]
    _shift(tree, skipped, indent)
    try:
        found = _Checker().run(tree)
        if not found:
            # Some errors ('return' outside a function, 'break' outside a loop) only show up in the compiler.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(cast(ast.Module, tree), SANDBOX_FILENAME, mode, dont_inherit=True)
    except SyntaxError as exc:
        return None, [SandboxViolation(f"syntax error: {exc.msg}", lineno=exc.lineno, col=exc.offset)]
    except (RecursionError, MemoryError, ValueError):
        return None, [SandboxViolation("the snippet is nested too deeply", lineno=1)]
    return tree, found


def check_expression(source: str) -> list[SandboxViolation]:
    """List the static violations of an expression (gateway condition, timer, DMN cell); never runs it."""
    return parse(source, "eval")[1]


def check_script(source: str) -> list[SandboxViolation]:
    """List the static violations of a script (script task, pre/post script); never runs it."""
    return parse(source, "exec")[1]
