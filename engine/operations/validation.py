"""Deploy-time checks of a diagram's operations: they exist, and a form fits the operation it feeds."""

from __future__ import annotations

from engine.operations.registry import OperationKind, all_operations, get_operation
from forms.registry import FormNotFound, FormRegistry


def _names(kind: OperationKind) -> str:
    return ", ".join(op.name for op in all_operations() if op.kind == kind)


def problems(kind: str, name: str, form_key: str | None, forms: FormRegistry) -> list[str]:
    """What is wrong with using operation ``name`` from a task of ``kind`` with the form ``form_key``."""
    operation = get_operation(name)
    wanted = OperationKind(kind)
    if operation is None:
        return [f'the operation "{name}" does not exist. Choose one of: {_names(wanted)}.']
    if operation.kind != wanted:
        where = "a user task's form" if operation.kind == OperationKind.FORM else "a service task"
        return [
            f'the operation "{name}" is fed by {where}, not by this element. '
            f"Operations this element can use: {_names(wanted)}."
        ]
    if wanted != OperationKind.FORM or not form_key:
        return []
    try:
        schema = forms.load(form_key)
    except (FormNotFound, ValueError):
        return []  # the form's own finding says what is wrong
    properties = set((schema.get("properties") or {}).keys())
    required = set(schema.get("required") or ())
    found = []
    unknown = sorted(properties - set(operation.fields))
    if unknown:
        found.append(
            f'the form "{form_key}" has fields the operation "{name}" does not take: {", ".join(unknown)}. '
            f"Remove them from the form or choose the operation they belong to."
        )
    missing = sorted(field for field, needed in operation.fields.items() if needed and field not in properties)
    if missing:
        found.append(
            f'the operation "{name}" needs the fields {", ".join(missing)}, which the form "{form_key}" lacks.'
        )
    optional = sorted(
        field for field, needed in operation.fields.items() if needed and field in properties and field not in required
    )
    if optional:
        found.append(
            f'the form "{form_key}" leaves {", ".join(optional)} optional, but the operation "{name}" needs '
            "them: mark them required in the form."
        )
    return found
