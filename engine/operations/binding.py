"""Run operations for the engine: a user task's form, a service task's call.

This is the one place that turns process data into an operation's inputs and its result back into process
data. Results are checked: only the keys the operation declares, and only JSON scalars (ids, dates as ISO
strings, routing words), so narrative and special-category content never reach the workflow state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.errors import Conflict
from engine.operations.registry import Call, Operation, OperationKind, all_operations, get_operation

if TYPE_CHECKING:
    from engine.accounts.models import User
    from engine.instances.models import ProcessInstance
    from engine.tasks.models import HumanTask

_SCALARS = (str, int, bool, type(None))


def _checked(operation: Operation, outputs: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(outputs)
    unknown = sorted(set(result) - set(operation.writes))
    if unknown:
        raise RuntimeError(f"operation {operation.name} returned undeclared keys {unknown}")
    for key, value in result.items():
        if not isinstance(value, _SCALARS):
            raise RuntimeError(f"operation {operation.name} returned a {type(value).__name__} under {key}")
    return result


def _case(session: Session, instance: ProcessInstance) -> Case | None:
    return session.get(Case, instance.case_id) if instance.case_id is not None else None


def form_operation(task: HumanTask) -> Operation | None:
    """The operation a user task's form feeds, if it names one that exists."""
    operation = get_operation(task.operation)
    if task.operation and (operation is None or operation.kind != OperationKind.FORM):
        raise Conflict(
            f"this task feeds the operation {task.operation!r}, which does not exist; tell the process owner"
        )
    return operation


def run_form_operation(
    session: Session,
    actor: User,
    instance: ProcessInstance,
    task: HumanTask,
    operation: Operation,
    task_data: Mapping[str, Any],
    form: Mapping[str, Any],
) -> dict[str, Any]:
    """Apply a submitted form through its operation; return the process data it leads to.

    The caller holds a savepoint around this and the step it leads to.
    """
    values = {key: task_data.get(key) for key in operation.reads}
    if operation.subject is not None and operation.subject.key in values and task.subject_id is not None:
        # The task was opened for one record: what it decides cannot be redirected by changed process data.
        values[operation.subject.key] = task.subject_id
    call = Call(
        session=session,
        actor=actor,
        instance=instance,
        case=_case(session, instance),
        values=values,
        form={key: value for key, value in form.items() if key in operation.fields},
        task=task,
    )
    return _checked(operation, operation.run(call))


class ServiceOperations:
    """What the script engine calls for a service task of ``instance`` (an ``OperationHook``)."""

    def __init__(self, session: Session, actor: User | None, instance: ProcessInstance) -> None:
        self.session = session
        self.actor = actor
        self.instance = instance

    def __call__(self, name: str, params: Mapping[str, Any], task_data: Mapping[str, Any]) -> Mapping[str, Any]:
        operation = get_operation(name)
        if operation is None or operation.kind != OperationKind.SERVICE:
            raise Conflict(f"there is no service operation {name!r}; choose one from the catalogue")
        values = {key: params[key] if key in params else task_data.get(key) for key in operation.reads}
        call = Call(
            session=self.session,
            actor=self.actor,
            instance=self.instance,
            case=_case(self.session, self.instance),
            values=values,
        )
        return _checked(operation, operation.run(call))


def subject_id(operation: Operation | None, data: Mapping[str, Any]) -> int | None:
    """The id of the record a task with ``operation`` works on, read from ``data``."""
    if operation is None or operation.subject is None:
        return None
    value = data.get(operation.subject.key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def prefill(
    session: Session, instance: ProcessInstance, operation: Operation | None, task_data: Mapping[str, Any]
) -> dict[str, Any]:
    """What the form of a new task with ``operation`` starts with, read from the records."""
    if operation is None or operation.prefill is None:
        return {}
    call = Call(
        session=session,
        actor=None,
        instance=instance,
        case=_case(session, instance),
        values={key: task_data.get(key) for key in operation.reads},
    )
    return dict(operation.prefill(call))


def record_keys() -> frozenset[str]:
    """Process-data keys that belong to operations (record ids and outcomes): only operations change them."""
    return frozenset(key for operation in all_operations() for key in (*operation.reads, *operation.writes))
