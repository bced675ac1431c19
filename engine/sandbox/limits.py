"""Run-time limits applied to every sandboxed evaluation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds for one evaluate/execute call.

    ``max_steps`` counts trace events (lines and calls) of sandboxed code. ``max_sequence_len`` bounds any
    single string, list, tuple or range the snippet builds with an amplifying operation (``*``, ``+``,
    ``%``, ``join``, ``ljust``...). ``max_memory_mb`` bounds the growth of the process' resident memory
    during the call (sampled about every millisecond; ``None`` switches sampling off).
    ``max_output_size`` bounds the estimated serialized size of a result or of the task data after a
    script, so a few small nested lists cannot stand for gigabytes of JSON.
    """

    time_limit_s: float = 1.0
    max_steps: int = 200_000
    max_sequence_len: int = 1_000_000
    max_int_bits: int = 4096
    max_recursion_depth: int = 50
    max_memory_mb: int | None = 256
    max_output_size: int = 5_000_000


DEFAULT_LIMITS = Limits()
