"""Run snippets in a small pool of long-lived sandbox processes bounded by the operating system.

The in-process `Sandbox` (static rules, guards, tracer) is the first wall, and it still runs, inside the
worker process (`engine.sandbox.worker`). What it cannot stop is a single C-level operation: one
``set(...)`` of colliding hashes or one huge ``int`` conversion runs for seconds without a line event,
holding the GIL of whichever web thread or Celery worker called it. So every snippet the engine runs
goes to a separate process that bounds its own address space and CPU time, and the caller waits for
the answer with a wall-clock deadline after which the process is killed. Waiting on a pipe releases
the GIL: the rest of the web server keeps answering meanwhile.

Processes are started once and reused (a round trip costs a pickle and a pipe, not a fork); a process
that was killed or ran out of memory is replaced. Each OS process that uses the pool (a gunicorn or
Celery child) gets its own pool.

Settings: ``IPD_SANDBOX_PROCESSES`` (default 2) caps the processes per pool; callers beyond that wait.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import astuple
from datetime import datetime
from pathlib import Path
from time import monotonic
from typing import Any

from engine import clock as engine_clock
from engine.sandbox.errors import SandboxError, SandboxLimitExceeded, SandboxViolation, ScriptRuntimeError
from engine.sandbox.helpers import HELPERS
from engine.sandbox.limits import DEFAULT_LIMITS, Limits
from engine.sandbox.worker import HEADER

_ROOT = Path(__file__).resolve().parents[2]
#: Wall-clock time a caller waits beyond the snippet's time limit before killing the process. The CPU
#: limit inside the process normally ends a runaway first; this catches a process starved or stuck.
WALL_GRACE_S = 1.0
#: How long a new sandbox process may take to import the sandbox (a loaded machine is slow to start one).
STARTUP_TIMEOUT_S = 60.0
_PING = pickle.dumps({"op": "ping"})
#: Signals that mean the kernel ended the process for its CPU time.
_CPU_SIGNALS = {signal.SIGPROF, signal.SIGXCPU}

# What a sandbox process may hand back: plain data and the value types snippets can build. Anything
# else is refused while unpickling, so even a compromised sandbox process cannot make us call a function.
_ALLOWED_CLASSES = {
    ("builtins", name)
    for name in ("set", "frozenset", "complex", "bytearray", "range", "slice", "list", "dict", "tuple", "bytes")
} | {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("decimal", "Decimal"),
    ("zoneinfo", "ZoneInfo"),
    ("zoneinfo._zoneinfo", "ZoneInfo"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
    ("engine.sandbox.helpers", "Duration"),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_CLASSES:
            raise pickle.UnpicklingError(f"{module}.{name}")
        return super().find_class(module, name)


def _loads(payload: bytes) -> Any:
    return _Unpickler(io.BytesIO(payload)).load()


class _Stopped(Exception):
    """The sandbox process ended or was killed before it answered."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Process:
    """One sandbox process and its pipes."""

    def __init__(self) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            # The parent's import path, so helpers passed by reference import the same way here.
            "PYTHONPATH": os.pathsep.join([str(_ROOT), *(path for path in sys.path if path)]),
            "PYTHONDONTWRITEBYTECODE": "1",
            "LANG": "C.UTF-8",
        }
        self.popen = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "engine.sandbox.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=str(_ROOT),
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        assert self.popen.stdin is not None and self.popen.stdout is not None
        self.stdin = self.popen.stdin
        self.fd = self.popen.stdout.fileno()
        # Wait until it has imported the sandbox, so a slow start never counts against a snippet's time.
        try:
            self.call(_PING, STARTUP_TIMEOUT_S)
        except _Stopped:
            self.kill()
            raise SandboxLimitExceeded("the sandbox process could not start", limit="crash") from None

    def call(self, payload: bytes, timeout: float) -> bytes:
        """Send one request and return the answer; raise `_Stopped` if the process dies or overruns."""
        deadline = monotonic() + timeout
        try:
            self.stdin.write(HEADER.pack(len(payload)) + payload)
            self.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Stopped(self._death()) from None
        header = self._read(HEADER.size, deadline)
        (size,) = HEADER.unpack(header)
        return self._read(size, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        missing = size
        while missing:
            left = deadline - monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                self.kill()
                raise _Stopped("time")
            chunk = os.read(self.fd, min(missing, 1 << 20))
            if not chunk:
                raise _Stopped(self._death())
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _death(self) -> str:
        try:
            code = self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            return "crash"
        if -code in _CPU_SIGNALS or code == -signal.SIGKILL:
            return "time"
        if code == 3:
            return "memory"
        return "crash"

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL does not wait for anyone
            self.popen.wait(timeout=5)
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream is not None:
                stream.close()


class SandboxPool:
    """At most ``size`` sandbox processes shared by the threads of this OS process."""

    def __init__(self, size: int = 2) -> None:
        if size < 1:
            raise ValueError("a sandbox pool needs at least one process")
        self.size = size
        self._idle: list[_Process] = []
        self._count = 0
        self._cond = threading.Condition()
        self.killed = 0  # processes replaced after a limit or crash (for tests and monitoring)
        self.started = 0

    def _acquire(self) -> _Process:
        with self._cond:
            while not self._idle and self._count >= self.size:
                self._cond.wait()
            if self._idle:
                return self._idle.pop()
            self._count += 1
        try:
            process = _Process()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise
        self.started += 1
        return process

    def _release(self, process: _Process, *, healthy: bool) -> None:
        if not healthy:
            process.kill()
            self.killed += 1
        with self._cond:
            if healthy:
                self._idle.append(process)
            else:
                self._count -= 1
            self._cond.notify()

    def warm(self, count: int = 1) -> None:
        """Start up to ``count`` processes now, so the first snippet does not pay for the start."""
        started = [self._acquire() for _ in range(min(count, self.size))]
        for process in started:
            self._release(process, healthy=True)

    def run(self, request: dict[str, Any], limits: Limits) -> tuple[Any, ...]:
        """Send ``request`` to a free process and return its answer tuple."""
        try:
            payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - data that cannot be sent cannot be scripted on
            raise ScriptRuntimeError(
                f"the process data holds a value scripts cannot use ({type(exc).__name__})", error_type="TypeError"
            ) from exc
        process = self._acquire()
        while not process.alive():  # died while idle (killed from outside): not this snippet's fault
            self._release(process, healthy=False)
            process = self._acquire()
        healthy = False
        try:
            answer = process.call(payload, limits.time_limit_s + WALL_GRACE_S)
            result: tuple[Any, ...] = _loads(answer)
            # A process that ran out of memory ends itself after answering; never reuse it.
            healthy = not (result[0] == "error" and result[5] == "memory")
        except _Stopped as stopped:
            raise _stopped_error(stopped.reason, limits) from None
        except pickle.UnpicklingError as exc:
            healthy = True
            raise ScriptRuntimeError(
                f"the snippet produced a value that cannot be stored ({exc})", error_type="TypeError"
            ) from None
        finally:
            self._release(process, healthy=healthy and process.alive())
        return result

    def close(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for process in idle:
            process.kill()


def _stopped_error(reason: str, limits: Limits) -> SandboxError:
    if reason == "time":
        return SandboxLimitExceeded(
            f"the snippet ran out of time (limit {limits.time_limit_s:g} s; stopped by the system)", limit="time"
        )
    if reason == "memory":
        return SandboxLimitExceeded(
            f"the snippet used too much memory (limit {limits.max_memory_mb} MB; stopped by the system)",
            limit="memory",
        )
    return SandboxLimitExceeded("the snippet stopped the sandbox process", limit="crash")


_ERRORS: dict[str, type[SandboxError]] = {
    "SandboxViolation": SandboxViolation,
    "SandboxLimitExceeded": SandboxLimitExceeded,
    "ScriptRuntimeError": ScriptRuntimeError,
}


def _raise(answer: tuple[Any, ...]) -> None:
    _, name, message, lineno, col, extra = answer
    if name == "SandboxLimitExceeded":
        raise SandboxLimitExceeded(message, limit=extra or "unknown", lineno=lineno)
    if name == "ScriptRuntimeError":
        raise ScriptRuntimeError(message, error_type=extra or "Exception", lineno=lineno)
    error = _ERRORS.get(name, SandboxError)
    raise error(message, lineno=lineno, col=col)


_pool: SandboxPool | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def pool_size() -> int:
    raw = os.environ.get("IPD_SANDBOX_PROCESSES", "2")
    try:
        return max(1, int(raw))
    except ValueError:
        raise ValueError(f"IPD_SANDBOX_PROCESSES must be a whole number, got {raw!r}") from None


def shared_pool() -> SandboxPool:
    """Return this OS process' pool (a forked child gets a fresh one)."""
    global _pool, _pool_pid
    pid = os.getpid()
    if _pool is None or _pool_pid != pid:
        with _pool_lock:
            if _pool is None or _pool_pid != pid:
                _pool, _pool_pid = SandboxPool(pool_size()), pid
                atexit.register(_pool.close)  # stop the processes with their parent, quietly
    return _pool


class IsolatedSandbox:
    """The `Sandbox` interface, each call run in a pooled sandbox process.

    ``helpers`` must be picklable by reference (module-level functions): they are rebuilt in the
    sandbox process. ``clock`` is read here, once per call, and the value handed over.
    """

    def __init__(
        self,
        *,
        limits: Limits = DEFAULT_LIMITS,
        helpers: Mapping[str, Any] | None = None,
        clock: Callable[[], datetime] | None = None,
        pool: SandboxPool | None = None,
    ) -> None:
        self.limits = limits
        self.helpers = {**HELPERS, **(helpers or {})}
        try:
            self._helpers_blob = pickle.dumps(dict(helpers), protocol=pickle.HIGHEST_PROTOCOL) if helpers else None
        except Exception as exc:  # noqa: BLE001
            raise ValueError("sandbox helpers must be module-level functions (they run in another process)") from exc
        self._clock = clock
        self._pool = pool

    def _run(
        self,
        op: str,
        source: str,
        context: Mapping[str, Any],
        external: Mapping[str, Any] | None,
        limits: Limits | None,
    ) -> tuple[Any, ...]:
        limits = limits or self.limits
        request = {
            "op": op,
            "source": source,
            "context": dict(context),
            "external": dict(external) if external else None,
            "limits": astuple(limits),
            "now": (self._clock or engine_clock.utcnow)(),
            "helpers": self._helpers_blob,
        }
        answer = (self._pool or shared_pool()).run(request, limits)
        if answer[0] == "error":
            _raise(answer)
        return answer

    def evaluate(
        self,
        source: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
        *,
        limits: Limits | None = None,
    ) -> Any:
        """Evaluate expression ``source`` in a sandbox process and return its value."""
        return self._run("eval", source, context, external_context, limits)[1]

    def execute(
        self,
        source: str,
        context: MutableMapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
        *,
        limits: Limits | None = None,
    ) -> None:
        """Run script ``source`` in a sandbox process and write its data back into ``context``."""
        answer = self._run("exec", source, context, external_context, limits)
        context.clear()
        context.update(answer[2])
