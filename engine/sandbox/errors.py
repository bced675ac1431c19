"""Exceptions raised by the sandbox; every one carries a readable English ``message``."""

from __future__ import annotations


class SandboxError(Exception):
    """Base class: a snippet was refused, stopped or failed inside the sandbox."""

    def __init__(self, message: str, *, lineno: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno
        self.col = col

    def __str__(self) -> str:
        if self.lineno is None:
            return self.message
        return f"{self.message} (line {self.lineno})"


class SandboxViolation(SandboxError):
    """The snippet breaks a static rule (an import, a private attribute, a forbidden name...)."""


class SandboxLimitExceeded(SandboxError):
    """The snippet hit a run-time limit; ``limit`` names which one (time, steps, memory, size...)."""

    def __init__(self, message: str, *, limit: str, lineno: int | None = None) -> None:
        super().__init__(message, lineno=lineno)
        self.limit = limit


class ScriptRuntimeError(SandboxError):
    """The snippet itself raised; ``error_type`` is the name of the original exception class."""

    def __init__(self, message: str, *, error_type: str, lineno: int | None = None) -> None:
        super().__init__(message, lineno=lineno)
        self.error_type = error_type
