"""engine.spiff.parsing: the bundle the engine deploys from, and the schema check."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.definitions.xml_safety import SourceFile, XmlRejected, load_document
from engine.spiff.parsing import (
    BundleError,
    ParsedBundle,
    ProblemKind,
    is_reserved_id,
    parse_bundle,
    parse_documents,
    timer_value_problem,
    xsd_findings,
)

FIXTURES = Path(__file__).parent / "fixtures"


def bundle(*names: str) -> ParsedBundle:
    return parse_bundle([SourceFile(name, (FIXTURES / name).read_bytes()) for name in names])


def test_a_valid_bundle_gives_specs_the_engine_can_run() -> None:
    parsed = bundle("valid_home_visit.bpmn")

    assert parsed.ok
    assert parsed.process_ids == parsed.parsed_process_ids == ["home_visit"]
    spec = parsed.get_spec("home_visit")
    task = spec.task_specs["Task_plan_visit"]
    assert task.lane == "social_worker"
    assert task.extensions["properties"] == {"formKey": "plan_visit", "dueIn": "P14D"}
    assert task.postscript == "visit_planned = True"
    assert parsed.get_subprocess_specs("home_visit") == {}


def test_called_processes_and_decisions_resolve_across_files() -> None:
    parsed = bundle("call_activity_missing.bpmn", "needs_assessment.bpmn", "business_rule.bpmn", "allowance.dmn")

    assert parsed.ok
    assert parsed.decision_ids == ["allowance"]
    assert set(parsed.get_subprocess_specs("call_activity_missing")) == {"needs_assessment"}
    assert parsed.get_spec("business_rule").task_specs["Task_decide_allowance"] is not None


def test_embedded_subprocess_specs_are_handed_out() -> None:
    parsed = bundle("subprocess_lanes.bpmn")

    specs = parsed.get_subprocess_specs("subprocess_lanes")

    assert set(specs) == {"SubProcess_visit"}
    assert specs["SubProcess_visit"].task_specs["Task_visit_report"].lane == "social_worker"


def test_a_process_that_failed_to_parse_is_never_handed_out_half_built() -> None:
    parsed = bundle("bpmn_parse_error.bpmn")

    (problem,) = parsed.problems
    assert (problem.kind, problem.file, problem.element_id) == (
        ProblemKind.PARSE,
        "bpmn_parse_error.bpmn",
        "Flow_b",
    )
    assert problem.line is not None
    assert not parsed.ok
    assert parsed.parsed_process_ids == []
    with pytest.raises(BundleError):
        parsed.get_spec("bpmn_parse_error")


def test_a_missing_called_process_is_a_located_problem() -> None:
    parsed = bundle("call_activity_missing.bpmn")

    (problem,) = parsed.problems
    assert problem.kind is ProblemKind.CALLED_PROCESS_MISSING
    assert (problem.element_id, problem.target) == ("Call_assessment", "needs_assessment")
    with pytest.raises(BundleError):
        parsed.get_subprocess_specs("call_activity_missing")


def test_a_called_process_that_failed_is_never_handed_out_half_built() -> None:
    callee = (FIXTURES / "needs_assessment.bpmn").read_bytes().replace(b' value="intake"', b"")
    caller = (FIXTURES / "call_activity_missing.bpmn").read_bytes()

    parsed = parse_bundle([SourceFile("caller.bpmn", caller), SourceFile("callee.bpmn", callee)])

    assert parsed.parsed_process_ids == ["call_activity_missing"]
    assert [(problem.file, problem.element_id) for problem in parsed.problems] == [("callee.bpmn", "Task_assess")]
    with pytest.raises(BundleError):
        parsed.get_subprocess_specs("call_activity_missing")


def test_a_missing_decision_is_located_in_the_calling_file() -> None:
    (problem,) = bundle("business_rule.bpmn").problems

    assert problem.kind is ProblemKind.DECISION_MISSING
    assert (problem.file, problem.element_id, problem.target) == (
        "business_rule.bpmn",
        "Task_decide_allowance",
        "allowance",
    )


def test_the_same_process_id_in_two_files_is_a_problem_of_the_second() -> None:
    content = (FIXTURES / "valid_home_visit.bpmn").read_bytes()

    parsed = parse_bundle([SourceFile("one.bpmn", content), SourceFile("two.bpmn", content)])

    (problem,) = parsed.problems
    assert (problem.file, problem.element_id) == ("two.bpmn", "home_visit")
    assert "Duplicate process ID" in problem.message
    assert parsed.parsed_process_ids == ["home_visit"]


def test_parse_bundle_refuses_unsafe_bytes() -> None:
    with pytest.raises(XmlRejected) as refused:
        parse_bundle([SourceFile("x.bpmn", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')])

    assert refused.value.code == "xml.doctype_forbidden"


def test_parse_documents_never_raises_on_what_spiffworkflow_rejects() -> None:
    content = (FIXTURES / "valid_home_visit.bpmn").read_bytes().replace(b' value="plan_visit"', b"")

    parsed = parse_documents([load_document(SourceFile("v.bpmn", content))])

    (problem,) = parsed.problems
    assert (problem.element_id, problem.message) == (
        "Task_plan_visit",
        "An attribute the engine needs is missing: 'value'",
    )


def test_xsd_findings_carry_lines() -> None:
    root = load_document(SourceFile("x.bpmn", (FIXTURES / "xsd_invalid.bpmn").read_bytes())).root

    (problem,) = xsd_findings(root, "x.bpmn")

    assert problem.file == "x.bpmn"
    assert problem.line == 17
    assert problem.message.startswith("Element 'bpmn:extensionElements': This element is not expected.")


def test_xsd_findings_leave_the_tree_untouched_and_cap_the_list() -> None:
    processes = "".join(f'<bpmn:process id="p{index}" isExecutable="maybe"/>' for index in range(80))
    # SpiffWorkflow's schema check renames this formalExpression in place; ours must work on a copy.
    correlation = (
        '<bpmn:correlationProperty id="c"><bpmn:correlationPropertyRetrievalExpression messageRef="m">'
        "<bpmn:formalExpression>x</bpmn:formalExpression>"
        "</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>"
    )
    root = etree.fromstring(
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
        f'targetNamespace="t">{correlation}{processes}</bpmn:definitions>'
    )
    before = etree.tostring(root)

    problems = xsd_findings(root, "many.bpmn", limit=10)

    assert len(problems) == 11
    assert "isExecutable" in problems[0].message
    assert problems[-1].message == "70 more schema problems are not listed."
    assert etree.tostring(root) == before


def test_dmn_files_are_checked_against_their_own_schema() -> None:
    root = load_document(SourceFile("a.dmn", (FIXTURES / "allowance.dmn").read_bytes())).root

    assert xsd_findings(root, "a.dmn") == []


@pytest.mark.parametrize(
    ("kind", "value", "valid"),
    [
        ("timeDuration", "P14D", True),
        ("timeDuration", "PT48H", True),
        ("timeDuration", "P3M", True),
        ("timeDuration", "P", False),
        ("timeDuration", "14 days", False),
        ("timeDate", "2025-01-31T09:00:00+01:00", True),
        ("timeDate", "next tuesday", False),
        ("timeCycle", "R3/PT24H", True),
        ("timeCycle", "every day", False),
    ],
)
def test_timer_values_are_judged_as_spiffworkflow_reads_them(kind: str, value: str, valid: bool) -> None:
    assert (timer_value_problem(kind, value) is None) is valid


def test_reserved_ids() -> None:
    assert is_reserved_id("Start")
    assert is_reserved_id("End")
    assert is_reserved_id("Task_1.BoundaryEventSplit")
    assert not is_reserved_id("StartEvent_1")
