"""Compile, run and bound sandboxed snippets; hand results back as plain data.

Every snippet goes through the same pipeline: static rules (`policy`), guard insertion (`rewrite`),
compilation (cached by source), then a run with a whitelist of builtins, the helpers, the guards and the
tracer (`watch`) active. Errors leave as `SandboxError` subclasses, never as the snippet's own
exception (which stays reachable as ``__cause__``).
"""

from __future__ import annotations

import ast
import functools
import reprlib
import sys
import warnings
from collections.abc import Iterator, Mapping, MutableMapping
from types import CodeType, ModuleType, TracebackType
from typing import Any, cast

from engine.sandbox import policy
from engine.sandbox.errors import SandboxError, SandboxLimitExceeded, SandboxViolation, ScriptRuntimeError
from engine.sandbox.helpers import HELPERS, Clock, make_helpers
from engine.sandbox.limits import DEFAULT_LIMITS, Limits
from engine.sandbox.measure import ATOMS, measure
from engine.sandbox.rewrite import GUARDS, rewrite
from engine.sandbox.safe_builtins import SAFE_BUILTINS
from engine.sandbox.watch import Watch, pop_run, push_run

COMPILE_CACHE_SIZE = 4096
_MISSING: Any = object()
_PLAIN_RESULTS = ATOMS | {str}
# Bound over the task data in every run: the guards, the builtins, and the error classes that ``except``
# clauses look up while an exception is already travelling (a data field named ``ValueError`` must not
# turn a limit error into a catchable TypeError).
_INTERNALS: dict[str, Any] = {
    **GUARDS,
    "__builtins__": SAFE_BUILTINS,
    **{name: SAFE_BUILTINS[name] for name in policy.CATCHABLE_EXCEPTIONS},
}


@functools.lru_cache(maxsize=COMPILE_CACHE_SIZE)
def compile_snippet(source: str, mode: policy.Mode) -> CodeType:
    """Check, rewrite and compile ``source``; raise the first `SandboxViolation` found."""
    tree, violations = policy.parse(source, mode)
    if violations or tree is None:
        raise violations[0]
    try:
        guarded = rewrite(tree)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = compile(cast(ast.Module, guarded), policy.SANDBOX_FILENAME, mode, dont_inherit=True)
    except SyntaxError as exc:
        raise SandboxViolation(f"syntax error: {exc.msg}", lineno=exc.lineno, col=exc.offset) from None
    except (RecursionError, MemoryError, ValueError):
        raise SandboxViolation("the snippet is too complex to compile", lineno=1) from None
    return code


def compile_cache_info() -> Any:
    """Return hit/miss statistics of the compiled-code cache."""
    return compile_snippet.cache_info()


def clear_compile_cache() -> None:
    compile_snippet.cache_clear()


_short = reprlib.Repr()
_short.maxstring = 200
_short.maxother = 200
_short.maxlevel = 3


def _describe(exc: BaseException) -> str:
    """Say what went wrong in at most a few hundred characters, whatever the exception holds."""
    try:
        args = exc.args
        if len(args) == 1 and isinstance(args[0], str) and not isinstance(exc, KeyError):
            text = args[0]
        else:
            text = ", ".join(_short.repr(arg) for arg in args[:3])
    except Exception:  # noqa: BLE001 - a message must come out whatever the arguments are
        text = ""
    if len(text) > 500:
        text = text[:500] + "..."
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def _sandbox_line(tb: TracebackType | None) -> int | None:
    """Return the innermost line of sandboxed code in a traceback."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == policy.SANDBOX_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _run(code: CodeType, namespace: dict[str, Any], limits: Limits) -> Any:
    watch = Watch(limits)
    previous_run = push_run(limits, watch)
    previous_trace = sys.gettrace()
    try:
        sys.settrace(watch.on_call)
        try:
            return eval(code, namespace)  # noqa: S307 - checked, rewritten and traced above
        finally:
            sys.settrace(previous_trace)
            pop_run(previous_run)
    except SandboxError as exc:
        if exc.lineno is None:
            exc.lineno = _sandbox_line(exc.__traceback__)
        raise
    except RecursionError as exc:
        raise SandboxLimitExceeded(
            "too much recursion", limit="recursion", lineno=_sandbox_line(exc.__traceback__)
        ) from exc
    except MemoryError as exc:
        raise SandboxLimitExceeded("out of memory", limit="memory", lineno=_sandbox_line(exc.__traceback__)) from exc
    except Exception as exc:
        raise ScriptRuntimeError(
            _describe(exc), error_type=type(exc).__name__, lineno=_sandbox_line(exc.__traceback__)
        ) from exc


def _check_result(value: Any, limits: Limits) -> None:
    if type(value) in _PLAIN_RESULTS:
        return
    if callable(value) or isinstance(value, Iterator | ModuleType):
        raise ScriptRuntimeError(f"the expression gives a {type(value).__name__}, not a value", error_type="TypeError")
    if isinstance(value, range):
        return
    measure(value, limits.max_output_size, storable=True, what="the result")


class Sandbox:
    """Evaluate expressions and execute scripts with a fixed set of helpers and default limits.

    ``helpers`` adds (or replaces) names visible to snippets; ``clock`` replaces the clock read by
    ``now()`` and ``today()``. A callable ``now`` found in the context replaces the clock for that call.
    """

    def __init__(
        self,
        *,
        limits: Limits = DEFAULT_LIMITS,
        helpers: Mapping[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> None:
        names = dict(make_helpers(clock) if clock is not None else HELPERS)
        names.update(helpers or {})
        bad = [name for name in names if name.startswith("_") or not name.isidentifier()]
        if bad:
            raise ValueError(f"helper names must be identifiers not starting with '_': {bad}")
        self.limits = limits
        self.helpers = names
        self._base = {**names, **_INTERNALS}

    def _namespace(
        self, context: Mapping[str, Any], external: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], Mapping[str, Any]]:
        """Return the globals of one run and the values in them that did not come from ``context``."""
        provided: Mapping[str, Any] = {**self._base, **external} if external else self._base
        overrides: dict[str, Any] = {}
        clock = context.get("now")
        if callable(clock) and clock is not self.helpers.get("now"):
            timed = make_helpers(clock)  # the caller's clock, answering in aware UTC
            overrides = {name: timed[name] for name in ("now", "today") if name == "now" or name not in context}
            provided = {**provided, **overrides}
        # Task data may shadow helpers, never the guards or the builtins.
        return {**provided, **context, **_INTERNALS, **overrides}, provided

    def evaluate(
        self,
        source: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
        *,
        limits: Limits | None = None,
    ) -> Any:
        """Evaluate expression ``source`` with the names in ``context`` and return its value."""
        limits = limits or self.limits
        code = compile_snippet(source, "eval")
        namespace, _ = self._namespace(context, external_context)
        result = _run(code, namespace, limits)
        _check_result(result, limits)
        return result

    def execute(
        self,
        source: str,
        context: MutableMapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
        *,
        limits: Limits | None = None,
    ) -> None:
        """Run script ``source``; names it binds or deletes at top level are written back to ``context``.

        Functions (and other callables) the script defines are dropped, as are names that only came
        from ``external_context`` or the helpers. What is left must be plain data of bounded size.
        """
        limits = limits or self.limits
        code = compile_snippet(source, "exec")
        namespace, provided = self._namespace(context, external_context)
        _run(code, namespace, limits)
        self._write_back(namespace, provided, context, limits)

    @staticmethod
    def _write_back(
        namespace: dict[str, Any],
        provided: Mapping[str, Any],
        context: MutableMapping[str, Any],
        limits: Limits,
    ) -> None:
        for key in [key for key in context if key not in namespace]:
            del context[key]  # the script deleted it
        for key, value in namespace.items():
            before = context.get(key, _MISSING)
            if value is before or key.startswith("_") or value is provided.get(key, _MISSING):
                continue  # unchanged, internal, or a helper / external value nobody rebound
            if callable(value) or isinstance(value, ModuleType):
                if before is not _MISSING:
                    del context[key]
                continue
            context[key] = value
        budget = limits.max_output_size
        for key, value in context.items():
            if not key.startswith("_") and type(value) not in _PLAIN_RESULTS:
                budget -= measure(value, budget, storable=not callable(value), what=f"'{key}'")


DEFAULT_SANDBOX = Sandbox()


def evaluate(source: str, context: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> Any:
    """Evaluate an expression in the sandbox with the default helpers."""
    return DEFAULT_SANDBOX.evaluate(source, context, limits=limits)


def execute(source: str, context: MutableMapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> None:
    """Execute a script in the sandbox with the default helpers, writing results back into ``context``."""
    DEFAULT_SANDBOX.execute(source, context, limits=limits)
