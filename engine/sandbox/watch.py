"""The tracer that bounds time, steps, recursion and memory of one sandboxed run.

CPython calls the global trace function for every new Python frame; frames of sandboxed code (compiled
under `SANDBOX_FILENAME`) get a local trace function that sees each line. Helpers and guards written in
Python are not traced line by line: they are ours and bounded by construction.

Guards and the loop `tick` find the active run's limits and watch through a thread-local.

When a trace function raises, CPython switches tracing off for the thread. That is harmless here
because the policy makes the limit exceptions uncatchable by user code, so nothing sandboxed runs after
the raise, and the runtime restores whatever tracer was active before (a debugger, coverage).
"""

from __future__ import annotations

import os
import threading
from time import monotonic
from types import FrameType
from typing import Any

from engine.sandbox.errors import SandboxLimitExceeded, SandboxViolation
from engine.sandbox.limits import DEFAULT_LIMITS, Limits
from engine.sandbox.policy import SANDBOX_FILENAME

MEMORY_CHECK_INTERVAL_S = 0.001

_state = threading.local()


class _ResidentMemory:
    """Read this process' resident set size from /proc (Linux); other systems report None."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self._available = hasattr(os, "pread") and os.path.exists("/proc/self/statm")

    def bytes(self) -> int | None:
        if not self._available:
            return None
        pid = os.getpid()
        if self._pid != pid:  # /proc/self was resolved at open time: reopen after a fork
            with self._lock:
                if self._pid != pid:
                    self._fd = os.open(f"/proc/{pid}/statm", os.O_RDONLY)
                    self._pid = pid
        assert self._fd is not None
        return int(os.pread(self._fd, 128, 0).split()[1]) * self._page


resident_memory = _ResidentMemory()


class Watch:
    """Count the steps and call depth of sandboxed frames; check the clock and the memory while at it."""

    __slots__ = (
        "steps",
        "depth",
        "max_steps",
        "max_depth",
        "deadline",
        "memory_cap",
        "memory_base",
        "next_memory_check",
    )

    def __init__(self, limits: Limits) -> None:
        self.steps = 0
        self.depth = 0
        self.max_steps = limits.max_steps
        self.max_depth = limits.max_recursion_depth
        now = monotonic()
        self.deadline = now + limits.time_limit_s
        base = resident_memory.bytes() if limits.max_memory_mb is not None else None
        self.memory_base = base
        self.memory_cap = None if base is None or limits.max_memory_mb is None else limits.max_memory_mb * 2**20
        self.next_memory_check = now + MEMORY_CHECK_INTERVAL_S

    def on_call(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != SANDBOX_FILENAME:
            return None
        self.depth += 1
        if self.depth > self.max_depth:
            raise SandboxLimitExceeded(
                f"calls nested deeper than {self.max_depth} levels (runaway recursion?)", limit="recursion"
            )
        self.tick()
        return self.on_event

    def on_event(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.tick()
        elif event == "return":
            self.depth -= 1
        return self.on_event

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            raise SandboxLimitExceeded(f"the snippet ran more than {self.max_steps:,} steps", limit="steps")
        now = monotonic()
        if now > self.deadline:
            raise SandboxLimitExceeded("the snippet ran out of time", limit="time")
        if self.memory_cap is not None and now >= self.next_memory_check:
            self.next_memory_check = now + MEMORY_CHECK_INTERVAL_S
            self.check_memory()

    def check_memory(self) -> None:
        current = resident_memory.bytes()
        if current is not None and self.memory_base is not None and current - self.memory_base > (self.memory_cap or 0):
            grown = (current - self.memory_base) // 2**20
            raise SandboxLimitExceeded(f"the snippet used too much memory ({grown} MB)", limit="memory")


# --- the run active on this thread ---------------------------------------------------------------------


def current_limits() -> Limits:
    """Return the limits of the evaluation running on this thread (the defaults outside of one)."""
    limits: Limits = getattr(_state, "limits", DEFAULT_LIMITS)
    return limits


def push_run(limits: Limits, watch: Watch) -> tuple[Limits | None, Watch | None]:
    """Make ``limits`` and ``watch`` active on this thread (for guards); return the previous pair."""
    previous = (getattr(_state, "limits", None), getattr(_state, "watch", None))
    _state.limits, _state.watch = limits, watch
    return previous


def pop_run(previous: tuple[Limits | None, Watch | None]) -> None:
    """Restore what `push_run` returned."""
    _state.limits, _state.watch = previous
    if previous[0] is None:
        del _state.limits


def tick() -> bool:
    """Count one loop iteration; inserted at the top of every loop body and comprehension.

    Line events alone miss a loop that jumps to itself (``while True: pass`` is a single instruction).
    """
    watch: Watch | None = getattr(_state, "watch", None)
    if watch is None:
        raise SandboxViolation("sandboxed code was called outside of a sandbox run")
    watch.tick()
    return True
