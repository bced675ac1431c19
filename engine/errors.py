"""Domain errors raised by services; the web layer maps them to HTTP answers."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base class for errors a service reports to its caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing asked for does not exist (or the actor may not know it exists)."""


class Forbidden(DomainError):
    """The actor may not do this."""


class Conflict(DomainError):
    """The request clashes with the current state (already done, duplicate, stale)."""


class InvalidInput(DomainError):
    """The input is wrong; ``fields`` maps a field path to what is wrong with it."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})
