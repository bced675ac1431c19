"""A sandbox for the Python snippets in uploaded BPMN and DMN files.

Process owners write script tasks, gateway conditions, timer expressions and DMN cells in Python. Each
snippet is checked statically (`check_expression`, `check_script`), rewritten so that allocating
operations are size-checked, and run with a whitelist of builtins plus `HELPERS` under a tracer that
enforces the `Limits`. Anything that goes wrong leaves as a `SandboxError`.
"""

from engine.sandbox.errors import SandboxError, SandboxLimitExceeded, SandboxViolation, ScriptRuntimeError
from engine.sandbox.helpers import HELPERS, Duration, make_helpers
from engine.sandbox.limits import DEFAULT_LIMITS, Limits
from engine.sandbox.policy import check_expression, check_script
from engine.sandbox.runtime import Sandbox, clear_compile_cache, compile_cache_info, evaluate, execute

__all__ = [
    "DEFAULT_LIMITS",
    "HELPERS",
    "Duration",
    "Limits",
    "Sandbox",
    "SandboxError",
    "SandboxLimitExceeded",
    "SandboxViolation",
    "ScriptRuntimeError",
    "check_expression",
    "check_script",
    "clear_compile_cache",
    "compile_cache_info",
    "evaluate",
    "execute",
    "make_helpers",
]
