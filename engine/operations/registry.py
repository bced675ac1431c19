"""The catalogue of operations and what each one takes and gives back."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from engine.errors import Conflict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.accounts.models import User
    from engine.cases.models import Case
    from engine.instances.models import ProcessInstance
    from engine.tasks.models import HumanTask

#: Modules that define operations; imported once when the catalogue is first read.
OPERATION_MODULES = (
    "engine.notifications.operations",
    "engine.aid.operations",
    "engine.subsidies.operations",
    "engine.people.operations",
    "engine.assessments.operations",
    "engine.plans.operations",
    "engine.delivery.operations",
    "engine.closure.operations",
    "engine.team.operations",
)


class OperationKind(StrEnum):
    FORM = "form"  # fed by the submitted form of a user task
    SERVICE = "service"  # called by a service task


@dataclass(frozen=True)
class Subject:
    """The record a task works on: its kind and the process-data key holding its id."""

    kind: str
    key: str


@dataclass
class Call:
    """One run of an operation: who, on which case and instance, with which values."""

    session: Session
    actor: User | None
    instance: ProcessInstance
    case: Case | None
    values: Mapping[str, Any]  # the process-data keys the operation reads (``reads``)
    form: Mapping[str, Any] = field(default_factory=dict)  # the validated form (FORM operations)
    task: HumanTask | None = None

    def record_id(self, key: str) -> int:
        """The id the process holds under ``key``; a clear error when the process has none."""
        value = self.values.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Conflict(
                f"the process holds no {key} here: the step that creates the record must come before this one"
            )
        return value

    def require_case(self) -> Case:
        if self.case is None:
            raise Conflict("this operation works on a case, and this process belongs to no case")
        return self.case


@dataclass(frozen=True)
class Operation:
    name: str
    kind: OperationKind
    run: Callable[[Call], Mapping[str, Any]]
    summary: str
    #: FORM operations: the form fields the operation takes, and whether each is required.
    fields: Mapping[str, bool] = field(default_factory=dict)
    #: Process-data keys read (ids of records made by an earlier step).
    reads: tuple[str, ...] = ()
    #: Process-data keys written: ids and routing outcomes, never narrative.
    writes: tuple[str, ...] = ()
    #: The record a task with this operation decides or completes (an approval's request).
    subject: Subject | None = None
    #: FORM operations: what the form starts with, read from the records (a returned plan, the registration).
    prefill: Callable[[Call], Mapping[str, Any]] | None = None


_REGISTRY: dict[str, Operation] = {}
_loaded = False


def operation(
    name: str,
    *,
    kind: OperationKind = OperationKind.FORM,
    summary: str,
    fields: Mapping[str, bool] | None = None,
    reads: tuple[str, ...] = (),
    writes: tuple[str, ...] = (),
    subject: Subject | None = None,
) -> Callable[[Callable[[Call], Mapping[str, Any]]], Callable[[Call], Mapping[str, Any]]]:
    """Register the decorated function as the operation ``name``."""

    def register(function: Callable[[Call], Mapping[str, Any]]) -> Callable[[Call], Mapping[str, Any]]:
        if name in _REGISTRY and _REGISTRY[name].run is not function:
            raise ValueError(f"operation {name!r} is defined twice")
        _REGISTRY[name] = Operation(
            name=name,
            kind=kind,
            run=function,
            summary=summary,
            fields=dict(fields or {}),
            reads=reads,
            writes=writes,
            subject=subject,
        )
        return function

    return register


def prefill_for(name: str) -> Callable[[Callable[[Call], Mapping[str, Any]]], Callable[[Call], Mapping[str, Any]]]:
    """Register the decorated function as what the form of operation ``name`` starts with."""

    def register(function: Callable[[Call], Mapping[str, Any]]) -> Callable[[Call], Mapping[str, Any]]:
        _REGISTRY[name] = replace(_REGISTRY[name], prefill=function)
        return function

    return register


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for module in OPERATION_MODULES:
        importlib.import_module(module)
    _loaded = True


def get_operation(name: str | None) -> Operation | None:
    if not name:
        return None
    _load()
    return _REGISTRY.get(name)


def all_operations() -> list[Operation]:
    _load()
    return sorted(_REGISTRY.values(), key=lambda op: op.name)
