"""Deploy-time checks of operations: named operations exist, fit their element, and the form fits the operation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.definitions.service import validate
from engine.definitions.validation import SourceFile
from forms.registry import FormRegistry

LIBRARY = Path(__file__).resolve().parents[3] / "processes"
AID = (LIBRARY / "material_aid.bpmn").read_text(encoding="utf-8")
CLOSURE = (LIBRARY / "case_closure.bpmn").read_text(encoding="utf-8")


def findings(text: str, name: str = "material_aid.bpmn", *, codes: tuple[str, ...] = ("operation.",)) -> list:
    report = validate([SourceFile(name, text.encode())], forms=FormRegistry())
    return [f for f in report.findings if f.code.startswith(codes)]


def test_the_library_names_only_operations_that_exist_and_fit() -> None:
    assert findings(AID) == []
    assert findings(CLOSURE, "case_closure.bpmn") == []


def test_an_unknown_operation_is_an_error_at_its_task_with_the_choices() -> None:
    text = AID.replace('name="operation" value="request_aid"', 'name="operation" value="request_money"')
    (finding,) = findings(text)
    assert finding.severity.value == "error" and finding.element_id == "Task_request_aid"
    assert finding.line and "request_money" in finding.message and "request_aid" in finding.message


def test_a_form_that_does_not_fit_its_operation_is_refused() -> None:
    text = AID.replace('name="operation" value="request_aid"', 'name="operation" value="decide_aid"')
    messages = " ".join(f.message for f in findings(text))
    assert "aid_category" in messages and "does not take" in messages  # fields the operation would drop
    assert "aid_decision" in messages  # a field the operation needs and the form lacks


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ('<spiffworkflow:serviceTaskOperator id="request_aid" />', "fed by a user task's form"),
        ('<spiffworkflow:serviceTaskOperator id="close_everything" />', "does not exist"),
        ("", "must have an operator"),
    ],
)
def test_a_service_task_must_name_a_service_operation(operator: str, expected: str) -> None:
    original = re.search(
        r"<spiffworkflow:serviceTaskOperator id=\"close_case\">.*?</spiffworkflow:serviceTaskOperator>", CLOSURE, re.S
    )
    assert original is not None
    changed = CLOSURE.replace(original.group(0), operator)
    (finding,) = findings(changed, "case_closure.bpmn", codes=("operation.", "bpmn.parse"))
    assert finding.severity.value == "error" and expected in finding.message
    assert finding.element_id == "Task_close_case"
