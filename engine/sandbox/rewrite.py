"""Rewrite a checked tree so that every operation that can allocate a lot goes through a guard.

Runs only on trees that passed `engine.sandbox.policy`; the guard names start with ``_sb_``, which user
code can neither read nor rebind because the policy refuses every name starting with ``_``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from engine.sandbox import guards
from engine.sandbox.methods import guarded_attr
from engine.sandbox.watch import tick

# Names the rewritten code calls, bound to their functions in every run's globals.
ATTR = "_sb_attr"
TICK = "_sb_tick"
FORMAT = "_sb_fmt"
FSTRING = "_sb_fstr"
OPERAND = "_sb_cmp"
KEY = "_sb_key"
BUILD = "_sb_build"
STAR = "_sb_star"
DOUBLE_STAR = "_sb_dstar"
BINARY = {op: f"_sb_{op.lower()}" for op in guards.BINARY_GUARDS}
INPLACE = {op: f"_sb_i{op.lower()}" for op in guards.BINARY_GUARDS}

GUARDS: dict[str, Callable[..., Any]] = {
    ATTR: guarded_attr,
    TICK: tick,
    FORMAT: guards.guarded_format,
    FSTRING: guards.guarded_fstring,
    OPERAND: guards.guarded_operand,
    KEY: guards.guarded_key,
    BUILD: guards.guarded_build,
    STAR: guards.guarded_star,
    DOUBLE_STAR: guards.guarded_double_star,
    **{BINARY[op]: pair[0] for op, pair in guards.BINARY_GUARDS.items()},
    **{INPLACE[op]: pair[1] for op, pair in guards.BINARY_GUARDS.items()},
}


def _name(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def _call(function: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    return ast.copy_location(ast.Call(func=_name(function), args=args, keywords=[]), like)


def _is_flat_literal(node: ast.expr) -> bool:
    """Tell whether comparing anything with ``node`` is cheap (a literal scalar or flat literal display)."""
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(isinstance(item, ast.Constant) for item in node.elts)
    return False


def _key(node: ast.expr) -> ast.expr:
    """Wrap a future dict key or set element, unless it is a literal scalar."""
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return node
    return _call(KEY, [node], node)


class _Rewriter(ast.NodeTransformer):
    def __init__(self) -> None:
        self.temporaries = 0

    def temporary(self) -> str:
        self.temporaries += 1
        return f"_sb_t{self.temporaries}"

    def _tick(self, node: ast.For | ast.While) -> Any:
        self.generic_visit(node)
        node.body.insert(0, ast.copy_location(ast.Expr(value=_call(TICK, [], node)), node))
        return node

    visit_For = _tick
    visit_While = _tick

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        self.generic_visit(node)
        node.ifs.insert(0, _call(TICK, [], node.target))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        self.generic_visit(node)
        guard = BINARY.get(type(node.op).__name__)
        if guard is None:
            return node
        return _call(guard, [node.left, node.right], node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        self.generic_visit(node)
        guard = INPLACE.get(type(node.op).__name__)
        if guard is None:
            return node
        target = node.target
        if isinstance(target, ast.Name):
            value = _call(guard, [_name(target.id), node.value], node)
            return ast.copy_location(ast.Assign(targets=[target], value=value), node)
        if isinstance(target, ast.Subscript):
            # Evaluate container and key once, as the augmented assignment would.
            container, key = self.temporary(), self.temporary()
            current = ast.Subscript(value=_name(container), slice=_name(key), ctx=ast.Load())
            statements = [
                ast.Assign(targets=[ast.Name(id=container, ctx=ast.Store())], value=target.value),
                ast.Assign(targets=[ast.Name(id=key, ctx=ast.Store())], value=target.slice),
                ast.Assign(
                    targets=[ast.Subscript(value=_name(container), slice=_name(key), ctx=ast.Store())],
                    value=_call(guard, [current, node.value], node),
                ),
            ]
            return [ast.copy_location(statement, node) for statement in statements]
        return node  # attribute targets never get here: the policy refuses them

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load):
            return node
        return _call(ATTR, [node.value, ast.Constant(value=node.attr)], node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Any:
        if not any(isinstance(part, ast.FormattedValue) for part in node.values):
            return node
        parts: list[ast.expr] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                spec = self.visit(part.format_spec) if part.format_spec else ast.Constant(value="")
                value = self.visit(part.value)
                parts.append(_call(FORMAT, [value, ast.Constant(value=part.conversion), spec], part))
            else:
                parts.append(part)
        return _call(FSTRING, parts, node)

    def visit_Compare(self, node: ast.Compare) -> Any:
        self.generic_visit(node)
        operands = [node.left, *node.comparators]
        risky: set[int] = set()
        for index, op in enumerate(node.ops):
            left, right = operands[index], operands[index + 1]
            if isinstance(op, ast.In | ast.NotIn) and not isinstance(left, ast.Constant):
                risky.add(index)  # ``x in {...}`` hashes x, whatever the container holds
            if isinstance(op, ast.Is | ast.IsNot) or _is_flat_literal(left) or _is_flat_literal(right):
                continue
            risky.update((index, index + 1))
        wrapped = [_call(OPERAND, [operand], operand) if i in risky else operand for i, operand in enumerate(operands)]
        node.left, node.comparators = wrapped[0], wrapped[1:]
        return node

    def _display(self, node: ast.List | ast.Tuple | ast.Set, kind: str) -> Any:
        self.generic_visit(node)
        if not isinstance(node, ast.Set) and not isinstance(node.ctx, ast.Load):
            return node
        if not any(isinstance(item, ast.Starred) for item in node.elts):
            return node
        parts: list[ast.expr] = [ast.Constant(value=kind)]
        for item in node.elts:
            if isinstance(item, ast.Starred):
                parts.append(item.value)
            else:
                parts.append(ast.copy_location(ast.Tuple(elts=[item], ctx=ast.Load()), item))
        return _call(BUILD, parts, node)

    def visit_List(self, node: ast.List) -> Any:
        return self._display(node, "list")

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        return self._display(node, "tuple")

    def visit_Set(self, node: ast.Set) -> Any:
        node.elts = [item if isinstance(item, ast.Starred) else _key(item) for item in node.elts]
        return self._display(node, "set")

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        for item in node.args:
            if isinstance(item, ast.Starred):
                item.value = _call(STAR, [item.value], item)
        for keyword in node.keywords:
            if keyword.arg is None:
                keyword.value = _call(DOUBLE_STAR, [keyword.value], keyword)
        return node

    def visit_Dict(self, node: ast.Dict) -> Any:
        self.generic_visit(node)
        node.values = [
            _call(DOUBLE_STAR, [value], value) if key is None else value
            for key, value in zip(node.keys, node.values, strict=True)
        ]
        node.keys = [_key(key) if key is not None else None for key in node.keys]
        return node

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        self.generic_visit(node)
        index = node.slice
        if not isinstance(index, ast.Slice) and not (
            isinstance(index, ast.Tuple) and any(isinstance(item, ast.Slice) for item in index.elts)
        ):
            node.slice = _key(index)
        return node

    def visit_SetComp(self, node: ast.SetComp) -> Any:
        self.generic_visit(node)
        node.elt = _key(node.elt)
        return node

    def visit_DictComp(self, node: ast.DictComp) -> Any:
        self.generic_visit(node)
        node.key = _key(node.key)
        return node


def rewrite(tree: ast.AST) -> ast.AST:
    """Return ``tree`` with guards inserted (the tree is modified in place)."""
    new_tree = _Rewriter().visit(tree)
    return ast.fix_missing_locations(new_tree)
