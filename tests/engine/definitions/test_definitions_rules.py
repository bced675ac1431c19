"""House rules on executable processes: one fixture per rule, each finding located by code, line and id."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.definitions.validation import (
    Finding,
    Severity,
    SourceFile,
    ValidationContext,
    ValidationReport,
    validate_files,
)

FIXTURES = Path(__file__).parent / "fixtures"
ROLES = frozenset({"social_worker", "supervisor"})
FORMS = frozenset({"plan_visit", "escalation", "review_visit", "intake", "visit_report"})


def context(**overrides: object) -> ValidationContext:
    values: dict[str, object] = {"known_roles": ROLES, "form_exists": FORMS.__contains__} | overrides
    return ValidationContext(**values)  # type: ignore[arg-type]


def validate(*names: str, ctx: ValidationContext | None = None) -> ValidationReport:
    files = [SourceFile(name, (FIXTURES / name).read_bytes()) for name in names]
    return validate_files(files, ctx or context())


def line_of(name: str, element_id: str) -> int:
    """Find the line that opens the element with this id, reading the fixture as plain text."""
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return next(number for number, text in enumerate(lines, 1) if f'id="{element_id}"' in text)


def located(finding: Finding) -> tuple[str, str, str, int | None, str | None]:
    return (finding.severity.value, finding.code, finding.file, finding.line, finding.element_id)


def test_valid_process_has_no_findings() -> None:
    report = validate("valid_home_visit.bpmn")

    assert report.findings == []
    assert report.ok
    assert report.process_ids == ["home_visit"]


def test_report_serialises_to_json() -> None:
    report = validate("timer_invalid.bpmn")

    data = json.loads(json.dumps(report.to_dict()))

    assert data["ok"] is False
    assert data["process_ids"] == ["timer_invalid"]
    assert data["findings"][0] == {
        "severity": "error",
        "code": "timer.invalid",
        "message": report.findings[0].message,
        "file": "timer_invalid.bpmn",
        "line": line_of("timer_invalid.bpmn", "Timer_wait_unquoted"),
        "element_id": "Timer_wait_unquoted",
    }


@pytest.mark.parametrize(
    ("fixture", "code", "element_id", "severity"),
    [
        ("not_executable.bpmn", "process.not_executable", "not_executable", "error"),
        ("lane_unknown_role.bpmn", "lane.unknown_role", "Lane_caseworker", "error"),
        ("task_no_lane.bpmn", "task.no_lane", "Task_intake", "error"),
        ("form_key_missing.bpmn", "form.key_missing", "Task_intake", "error"),
        ("form_missing.bpmn", "form.missing", "Task_intake", "error"),
        ("task_due_invalid.bpmn", "task.due_invalid", "Task_intake", "error"),
        ("reserved_id.bpmn", "element.reserved_id", "Start", "error"),
        ("expression_invalid.bpmn", "expression.invalid", "Flow_yes", "error"),
        ("gateway_no_default.bpmn", "gateway.no_default", "Gateway_status", "warning"),
        ("bpmn_parse_error.bpmn", "bpmn.parse", "Flow_b", "error"),
        ("call_activity_missing.bpmn", "call_activity.missing", "Call_assessment", "error"),
        ("business_rule.bpmn", "dmn.missing", "Task_decide_allowance", "error"),
        ("dmn_parse_error.dmn", "dmn.parse", "allowance_broken", "error"),
    ],
)
def test_each_broken_fixture_yields_exactly_its_finding(
    fixture: str, code: str, element_id: str, severity: str
) -> None:
    report = validate(fixture)

    assert [located(finding) for finding in report.findings] == [
        (severity, code, fixture, line_of(fixture, element_id), element_id)
    ]
    assert report.ok is (severity == "warning")
    assert report.findings[0].message.endswith(".")


def test_unknown_role_message_lists_the_known_roles() -> None:
    (finding,) = validate("lane_unknown_role.bpmn").findings

    assert '"caseworker"' in finding.message
    assert "social_worker, supervisor" in finding.message


def test_missing_form_message_names_the_form() -> None:
    (finding,) = validate("form_missing.bpmn").findings

    assert '"no_such_form"' in finding.message


def test_invalid_scripts_are_reported_for_the_script_and_the_pre_script() -> None:
    report = validate("script_invalid.bpmn")

    line = line_of("script_invalid.bpmn", "Task_score")
    assert [located(finding) for finding in report.findings] == [
        # SpiffWorkflow never runs a script task's pre-script: refused as such, and still checked.
        ("error", "script.prescript_on_script_task", "script_invalid.bpmn", line, "Task_score"),
        ("error", "script.invalid", "script_invalid.bpmn", line, "Task_score"),
        ("error", "script.invalid", "script_invalid.bpmn", line, "Task_score"),
    ]
    assert "line 2" in report.findings[1].message
    assert "pre-script" in report.findings[2].message


def test_timers_must_be_quoted_iso_values() -> None:
    report = validate("timer_invalid.bpmn")

    assert [located(finding) for finding in report.findings] == [
        ("error", "timer.invalid", "timer_invalid.bpmn", line_of("timer_invalid.bpmn", key), key)
        for key in ("Timer_wait_unquoted", "Timer_wait_bad_value")
    ]
    assert 'write "P14D" with the quotes' in report.findings[0].message
    assert '"a fortnight" is not a valid ISO-8601 duration' in report.findings[1].message


def test_unreachable_elements_are_warnings_and_boundary_and_event_subprocess_count_as_reached() -> None:
    report = validate("element_unreachable.bpmn")

    fixture = "element_unreachable.bpmn"
    assert [located(finding) for finding in report.findings if finding.code != "task.no_actor"] == [
        ("warning", "element.unreachable", fixture, line_of(fixture, key), key)
        for key in ("Task_orphan_in_subprocess", "Task_orphan", "EndEvent_orphan")
    ]
    # The fixture's plain tasks would wait forever (structure.py); unreachability itself only warns.
    assert {finding.code for finding in report.errors} == {"task.no_actor"}


def test_tasks_inside_a_subprocess_take_its_lane_and_manual_tasks_need_one() -> None:
    report = validate("subprocess_lanes.bpmn")

    fixture = "subprocess_lanes.bpmn"
    key = "Task_file_paper_copy"
    assert [located(finding) for finding in report.findings] == [
        ("error", "task.no_lane", fixture, line_of(fixture, key), key)
    ]


def test_a_business_rule_task_finds_its_decision_in_another_file() -> None:
    report = validate("business_rule.bpmn", "allowance.dmn")

    assert report.findings == []
    assert report.process_ids == ["business_rule"]


def test_a_call_activity_finds_its_process_in_another_file() -> None:
    report = validate("call_activity_missing.bpmn", "needs_assessment.bpmn")

    assert report.findings == []
    assert report.process_ids == ["call_activity_missing", "needs_assessment"]


def test_schema_violations_are_located_warnings() -> None:
    report = validate("xsd_invalid.bpmn")

    line = line_of("xsd_invalid.bpmn", "Task_assess") + 2  # the misplaced <bpmn:extensionElements>
    assert [located(finding) for finding in report.findings] == [
        ("warning", "bpmn.xsd", "xsd_invalid.bpmn", line, "Task_assess")
    ]
    assert report.ok


@dataclass
class Issue:
    message: str
    lineno: int | None


def test_the_platform_checkers_see_every_expression_and_script() -> None:
    seen: list[str] = []

    def forbid(word: str) -> Callable[[str], list[Issue]]:
        """Fake the sandbox checker: refuse one word."""

        def check(code: str) -> list[Issue]:
            seen.append(code)
            return [Issue(f"{word} is not allowed", 2)] if word in code else []

        return check

    ctx = context(check_expression=forbid("needs_review"), check_script=forbid("risk_level"))
    report = validate("valid_home_visit.bpmn", ctx=ctx)

    fixture = "valid_home_visit.bpmn"
    assert [located(finding) for finding in report.findings] == [
        ("error", "script.invalid", fixture, line_of(fixture, "Task_record_plan"), "Task_record_plan"),
        ("error", "expression.invalid", fixture, line_of(fixture, "Flow_review"), "Flow_review"),
    ]
    assert "line 2: risk_level is not allowed" in report.findings[0].message
    assert "needs_review is not allowed" in report.findings[1].message
    assert "visit_planned = True" in seen  # the post-script
    assert "needs_review == True" in seen  # the condition, as written
    assert '"P14D"' not in seen  # a quoted ISO literal is checked as a timer value, not by the sandbox


def test_scripts_indented_as_a_whole_are_accepted() -> None:
    content = (FIXTURES / "valid_home_visit.bpmn").read_bytes()
    indented = b"\n          needs_review = bool(visit_planned)\n          risk_level = 'high'\n        "
    content = content.replace(
        b"""needs_review = bool(visit_planned)\nrisk_level = "high" if needs_review else "low\"""", indented
    )
    assert indented in content

    assert validate_files([SourceFile("indented.bpmn", content)], context()).findings == []


def test_a_failing_platform_callback_becomes_a_finding_not_an_exception() -> None:
    def broken(_: str) -> bool:
        raise RuntimeError("form registry is down")

    report = validate("valid_home_visit.bpmn", ctx=context(form_exists=broken))

    assert [finding.code for finding in report.findings] == ["validation.internal"]
    assert report.findings[0].severity is Severity.ERROR
    assert "form registry is down" in report.findings[0].message


def test_a_decision_is_checked_even_where_spiffworkflow_does_not_look_and_only_once() -> None:
    # With no flow into it, SpiffWorkflow never parses the task; our rule still finds the missing decision.
    content = (FIXTURES / "business_rule.bpmn").read_bytes()
    content = content.replace(
        b'sourceRef="StartEvent_1" targetRef="Task_decide_allowance"',
        b'sourceRef="StartEvent_1" targetRef="EndEvent_1"',
    )

    report = validate_files([SourceFile("orphan_rule.bpmn", content)], context())

    line = line_of("business_rule.bpmn", "Task_decide_allowance")
    assert [located(finding) for finding in report.findings] == [
        ("error", "dmn.missing", "orphan_rule.bpmn", line, "Task_decide_allowance"),
        ("warning", "element.unreachable", "orphan_rule.bpmn", line, "Task_decide_allowance"),
    ]


def test_spiffworkflow_deprecations_become_warnings() -> None:
    content = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:message id="Message_done" name="visit_done">
    <bpmn:extensionElements>
      <spiffworkflow:messagePayload>{"done": True}</spiffworkflow:messagePayload>
    </bpmn:extensionElements>
  </bpmn:message>
  <bpmn:process id="notify" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Throw_done" />
    <bpmn:intermediateThrowEvent id="Throw_done">
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
      <bpmn:messageEventDefinition id="MessageDefinition_1" messageRef="Message_done" />
    </bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Throw_done" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
    report = validate_files([SourceFile("deprecated.bpmn", content)], context())

    assert [located(finding) for finding in report.findings] == [
        ("warning", "bpmn.deprecated", "deprecated.bpmn", 9, "notify")
    ]
    assert "messagePayload" in report.findings[0].message
