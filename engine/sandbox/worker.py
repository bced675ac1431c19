"""The sandbox process: runs one snippet at a time under operating-system limits (see `engine.sandbox.pool`).

Started by the pool as ``python -m engine.sandbox.worker`` with a pipe on stdin and stdout and an
empty environment. Each request is a length-prefixed pickle; each answer too. Before a snippet runs,
the process bounds itself: ``RLIMIT_AS`` (address space: what it holds now plus the memory limit) and a
CPU-time interval timer (``ITIMER_PROF``, whose default action ends the process) backed by
``RLIMIT_CPU``. So a single C-level operation the tracer cannot see (a huge ``int`` conversion, a set
of colliding hashes) is stopped by the kernel, not by the snippet's good will.

The process imports nothing but the sandbox and holds no database connection or secret.
"""

from __future__ import annotations

import io
import os
import pickle
import resource
import signal
import struct
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, BinaryIO

from engine import clock as engine_clock
from engine.sandbox.errors import SandboxError, SandboxLimitExceeded, ScriptRuntimeError
from engine.sandbox.limits import Limits
from engine.sandbox.runtime import Sandbox

HEADER = struct.Struct(">I")
#: CPU seconds the kernel allows beyond the snippet's time limit before it ends the process; the
#: tracer stops Python-level loops at the limit itself, this only catches single C-level operations.
CPU_GRACE_S = 0.25
#: Address space allowed on top of what the process holds before a run, beyond the memory limit
#: (the interpreter's own bookkeeping while it raises MemoryError needs a little).
AS_SLACK = 16 * 2**20


@dataclass
class _Now:
    value: datetime | None = None

    def __call__(self) -> datetime:
        assert self.value is not None
        return self.value


_now = _Now()


def read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def _address_space() -> int | None:
    """The address space this process holds now (Linux); None where /proc is not available."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


def _bound(limits: Limits) -> None:
    held = _address_space()
    if limits.max_memory_mb is not None and held is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = held + limits.max_memory_mb * 2**20 + AS_SLACK
        resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    cpu_soft = int(used + limits.time_limit_s + CPU_GRACE_S) + 2
    if cpu_hard != resource.RLIM_INFINITY:
        cpu_soft = min(cpu_soft, cpu_hard)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_soft, cpu_hard))
    signal.setitimer(signal.ITIMER_PROF, limits.time_limit_s + CPU_GRACE_S)


def _unbound() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)
    for limit in (resource.RLIMIT_AS, resource.RLIMIT_CPU):
        _, hard = resource.getrlimit(limit)
        resource.setrlimit(limit, (hard, hard))


_sandboxes: dict[bytes | None, Sandbox] = {}


def _sandbox(helpers: bytes | None) -> Sandbox:
    sandbox = _sandboxes.get(helpers)
    if sandbox is None:
        names = pickle.loads(helpers) if helpers else None  # noqa: S301 - sent by our own parent process
        sandbox = _sandboxes[helpers] = Sandbox(helpers=names)
    return sandbox


def _error(err: SandboxError) -> tuple[Any, ...]:
    extra = getattr(err, "limit", None) or getattr(err, "error_type", None)
    return ("error", type(err).__name__, err.message, err.lineno, err.col, extra)


def handle(request: dict[str, Any]) -> tuple[Any, ...]:
    """Run one request; return the answer tuple (never raises for a snippet's own failure)."""
    limits = Limits(*request["limits"])
    _now.value = request["now"]
    context = request["context"]
    try:
        sandbox = _sandbox(request.get("helpers"))
    except Exception as exc:  # noqa: BLE001 - a helper that cannot be rebuilt here is a setup error
        return _error(ScriptRuntimeError(f"the script helpers are not available ({exc})", error_type="ImportError"))
    try:
        _bound(limits)
        try:
            if request["op"] == "eval":
                value = sandbox.evaluate(request["source"], context, request.get("external"), limits=limits)
                return ("ok", value, None)
            sandbox.execute(request["source"], context, request.get("external") or {}, limits=limits)
            return ("ok", None, context)
        finally:
            _unbound()
    except SandboxError as err:
        return _error(err)
    except MemoryError:
        return _error(SandboxLimitExceeded("out of memory", limit="memory"))
    except RecursionError:
        return _error(SandboxLimitExceeded("too much recursion", limit="recursion"))


class _AnswerPickler(pickle.Pickler):
    """Send zoned datetimes with a fixed offset: the parent refuses to unpickle time-zone classes."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is datetime and obj.tzinfo is not None and not isinstance(obj.tzinfo, timezone):
            offset = obj.utcoffset()
            if offset is not None:
                return obj.replace(tzinfo=timezone(offset)).__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        return NotImplemented


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _AnswerPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def _encode(answer: tuple[Any, ...]) -> bytes:
    try:
        return _dumps(answer)
    except Exception as exc:  # noqa: BLE001 - a value the parent could never read is the snippet's failure
        return pickle.dumps(
            _error(
                ScriptRuntimeError(
                    f"the snippet produced a value that cannot be stored ({type(exc).__name__})",
                    error_type="TypeError",
                )
            )
        )


def main() -> int:
    """Serve requests from stdin until it closes."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers may reach the pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine_clock.set_clock(_now)
    while True:
        frame = read_frame(stdin)
        if frame is None:
            return 0
        request = pickle.loads(frame)  # noqa: S301 - only our own parent writes to this pipe
        if request.get("op") == "ping":
            write_frame(stdout, pickle.dumps(("ok", os.getpid(), None)))
            continue
        answer = handle(request)
        write_frame(stdout, _encode(answer))
        if answer[0] == "error" and answer[1] == "SandboxLimitExceeded" and answer[5] == "memory":
            return 3  # a process that ran out of memory is not trusted with the next snippet


if __name__ == "__main__":
    raise SystemExit(main())
