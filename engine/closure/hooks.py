"""What closing a case stops, told by each area that holds open commitments on a case.

An area registers two functions: what it would stop (shown to the supervisor on the closure approval, before
they decide) and how it stops it (run by the closure operation, in the same transaction). Both take the
session and the case; ``stop`` also takes the actor (None: the engine).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.cases.models import Case

#: Modules that register closure hooks; imported when closure hooks are first needed.
HOOK_MODULES = (
    "engine.aid.closure",
    "engine.subsidies.closure",
    "engine.plans.closure",
    "engine.delivery.closure",
)


@dataclass(frozen=True)
class Commitment:
    """One open thing a closure will stop: its record kind and id, and what it amounts to."""

    kind: str
    record_id: int
    summary: str  # e.g. "3 unpaid monthly payments, 3600.00 PLN reserved" (no personal data)


Describe = Callable[[Session, Case], list[Commitment]]
Stop = Callable[[Session, User | None, Case], None]
_HOOKS: list[tuple[str, Describe, Stop]] = []
_loaded = False


def on_case_closed(name: str, describe: Describe, stop: Stop) -> None:
    """Register what area ``name`` stops when a case closes."""
    if all(existing != name for existing, _, _ in _HOOKS):
        _HOOKS.append((name, describe, stop))


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in HOOK_MODULES:
            importlib.import_module(module)
        _loaded = True


def open_commitments(session: Session, case: Case) -> list[Commitment]:
    """Everything the areas would stop if ``case`` closed now."""
    _load()
    found: list[Commitment] = []
    for _, describe, _ in _HOOKS:
        found.extend(describe(session, case))
    return found


def stop_commitments(session: Session, actor: User | None, case: Case) -> None:
    """Stop every area's open commitments on ``case`` (payments, reservations, approved purchases)."""
    _load()
    for _, _, stop in _HOOKS:
        stop(session, actor, case)
