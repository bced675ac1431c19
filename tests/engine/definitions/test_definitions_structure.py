"""The validator checks what SpiffWorkflow will run: no second reading of code, someone to act, loops that wait."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.definitions.validation import Severity, SourceFile, ValidationContext, validate_files

FIXTURES = Path(__file__).parent / "fixtures"
CTX = ValidationContext(
    known_roles=frozenset({"social_worker", "supervisor"}),
    form_exists=frozenset({"plan_visit", "escalation", "review_visit"}).__contains__,
)
VALID = (FIXTURES / "valid_home_visit.bpmn").read_text(encoding="utf-8")
SCRIPT = '<bpmn:script>needs_review = bool(visit_planned)\nrisk_level = "high" if needs_review else "low"</bpmn:script>'
CONDITION = (
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">needs_review == True</bpmn:conditionExpression>'
)
TIMER = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P14D"</bpmn:timeDuration>'
POST = "<spiffworkflow:postScript>visit_planned = True</spiffworkflow:postScript>"
EVIL = "secret = open('/etc/passwd').read()"


def validate(text: str, *others: tuple[str, str]):
    files = [SourceFile("v.bpmn", text.encode())] + [SourceFile(name, body.encode()) for name, body in others]
    return validate_files(files, CTX)


def changed(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


def codes(report) -> set[tuple[str, str | None]]:
    return {(finding.code, finding.element_id) for finding in report.errors}


def test_the_unchanged_fixture_is_clean():
    assert validate(VALID).findings == []


MISMATCHED = {
    "two_scripts": (SCRIPT, SCRIPT + f"<bpmn:script>{EVIL}</bpmn:script>", "script.duplicate", "Task_record_plan"),
    "nested_script": (
        SCRIPT,
        f"<bpmn:script><bpmn:script>{EVIL}</bpmn:script></bpmn:script>",
        "code.nested",
        "Task_record_plan",
    ),
    "two_post_scripts": (
        POST,
        POST + f"<spiffworkflow:postScript>{EVIL}</spiffworkflow:postScript>",
        "script.duplicate",
        "Task_plan_visit",
    ),
    "two_conditions": (
        CONDITION,
        CONDITION + f"<bpmn:conditionExpression>{EVIL}</bpmn:conditionExpression>",
        "expression.duplicate",
        "Flow_review",
    ),
    "nested_condition": (
        CONDITION,
        "<bpmn:conditionExpression><bpmn:conditionExpression>open('x')</bpmn:conditionExpression>"
        "</bpmn:conditionExpression>",
        "code.nested",
        "Flow_review",
    ),
    "two_timer_values": (
        TIMER,
        TIMER + "<bpmn:timeDate>open('x')</bpmn:timeDate>",
        "timer.duplicate",
        "TimerDefinition_overdue",
    ),
    "nested_time_date": (
        TIMER,
        "<bpmn:timeDate><bpmn:timeDate>open('x')</bpmn:timeDate></bpmn:timeDate>",
        "code.nested",
        "TimerDefinition_overdue",
    ),
}


@pytest.mark.parametrize("name", sorted(MISMATCHED))
def test_constructs_the_engine_reads_differently_are_refused(name):
    old, new, code, element_id = MISMATCHED[name]

    report = validate(changed(old, new))

    assert not report.ok
    assert (code, element_id) in codes(report), report.findings
    finding = next(f for f in report.errors if f.code == code)
    assert finding.line is not None


def test_a_pre_script_on_a_script_task_is_refused_because_it_never_runs():
    text = changed(
        '<bpmn:scriptTask id="Task_record_plan" name="Record plan" scriptFormat="python">',
        '<bpmn:scriptTask id="Task_record_plan" name="Record plan" scriptFormat="python"><bpmn:extensionElements>'
        "<spiffworkflow:preScript>visit_planned = False</spiffworkflow:preScript></bpmn:extensionElements>",
    )

    report = validate(text)

    (finding,) = [f for f in report.errors if f.code == "script.prescript_on_script_task"]
    assert finding.element_id == "Task_record_plan" and "start of the script" in finding.message


def test_a_plain_task_is_refused_with_a_fix():
    text = changed(
        '<bpmn:userTask id="Task_review_plan" name="Review visit plan">',
        '<bpmn:task id="Task_review_plan" name="Review">',
    ).replace(
        '</bpmn:userTask>\n    <bpmn:sequenceFlow id="Flow_to_reviewed"',
        '</bpmn:task>\n    <bpmn:sequenceFlow id="Flow_to_reviewed"',
    )

    report = validate(text)

    (finding,) = [f for f in report.errors if f.code == "task.no_actor"]
    assert finding.element_id == "Task_review_plan" and finding.line
    assert "user task in a role lane" in finding.message


def test_a_message_start_event_is_refused():
    text = changed(
        "<bpmn:outgoing>Flow_to_plan</bpmn:outgoing>\n    </bpmn:startEvent>",
        '<bpmn:outgoing>Flow_to_plan</bpmn:outgoing><bpmn:messageEventDefinition id="M1" messageRef="Msg"/>'
        "\n    </bpmn:startEvent>",
    ).replace("  </bpmn:process>", '  </bpmn:process>\n  <bpmn:message id="Msg" name="case_opened"/>')

    report = validate(text)

    assert ("start.no_actor", "StartEvent_case_opened") in codes(report)


RECEIVE = (
    '<bpmn:receiveTask id="Task_wait_answer" name="Wait for the answer" messageRef="Msg_answer">'
    "<bpmn:incoming>Flow_to_reviewed</bpmn:incoming><bpmn:outgoing>Flow_answered</bpmn:outgoing></bpmn:receiveTask>"
    '<bpmn:sequenceFlow id="Flow_answered" sourceRef="Task_wait_answer" targetRef="End_reviewed" />'
)


def _with_receive_task() -> str:
    text = changed(
        '<bpmn:sequenceFlow id="Flow_to_reviewed" sourceRef="Task_review_plan" targetRef="End_reviewed" />',
        '<bpmn:sequenceFlow id="Flow_to_reviewed" sourceRef="Task_review_plan" targetRef="Task_wait_answer" />'
        + RECEIVE,
    ).replace(
        "<bpmn:incoming>Flow_to_reviewed</bpmn:incoming>\n    </bpmn:endEvent>",
        "<bpmn:incoming>Flow_answered</bpmn:incoming>\n    </bpmn:endEvent>",
    )
    text = text.replace(
        "<bpmn:flowNodeRef>End_reviewed</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>End_reviewed</bpmn:flowNodeRef><bpmn:flowNodeRef>Task_wait_answer</bpmn:flowNodeRef>",
    )
    return text.replace("  </bpmn:process>", '  </bpmn:process>\n  <bpmn:message id="Msg_answer" name="answer"/>')


SENDER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d2" targetNamespace="x">
  <bpmn:message id="Msg_answer" name="answer"/>
  <bpmn:process id="answering" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="social_worker"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>
    <bpmn:flowNodeRef>send</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateThrowEvent id="send"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:messageEventDefinition id="md" messageRef="Msg_answer"/></bpmn:intermediateThrowEvent>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="send"/>
    <bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_receive_task_nobody_sends_to_is_refused_and_accepted_once_a_sender_is_uploaded():
    alone = validate(_with_receive_task())
    assert ("message.no_sender", "Task_wait_answer") in codes(alone)
    finding = next(f for f in alone.errors if f.code == "message.no_sender")
    assert '"answer"' in finding.message and finding.line

    together = validate(_with_receive_task(), ("answering.bpmn", SENDER))
    assert ("message.no_sender", "Task_wait_answer") not in codes(together)


def test_a_missing_is_executable_is_read_as_the_engine_reads_it_with_a_warning():
    report = validate(VALID.replace(' isExecutable="true"', "", 1))

    assert report.ok and report.process_ids == ["home_visit"]
    (warning,) = report.warnings
    assert warning.code == "process.executable_implicit" and warning.element_id == "home_visit"
    assert validate(VALID.replace('isExecutable="true"', 'isExecutable="false"', 1)).process_ids == []


LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="looping" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="social_worker"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>
    <bpmn:flowNodeRef>count</bpmn:flowNodeRef><bpmn:flowNodeRef>again</bpmn:flowNodeRef>
    <bpmn:flowNodeRef>e</bpmn:flowNodeRef>__LANE__</bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="count" name="Count"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="again" default="f3"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:outgoing>__BACK__</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="e"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="count"/>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="again"/>
    <bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="e"/>
    __FLOWS__
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_loop_without_a_wait_state_gets_a_warning_and_one_with_a_user_task_does_not():
    automatic = (
        LOOP.replace("__LANE__", "")
        .replace("__BACK__", "f4")
        .replace(
            "__FLOWS__",
            '<bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="count">'
            "<bpmn:conditionExpression>n &lt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>",
        )
    )
    report = validate(automatic)
    (warning,) = [f for f in report.warnings if f.code == "loop.no_wait"]
    assert warning.severity is Severity.WARNING and warning.element_id == "count"
    assert "count" in warning.message and "again" in warning.message

    waiting = (
        LOOP.replace("__LANE__", "<bpmn:flowNodeRef>ask</bpmn:flowNodeRef>")
        .replace("__BACK__", "f5")
        .replace(
            "__FLOWS__",
            '<bpmn:sequenceFlow id="f5" sourceRef="again" targetRef="ask">'
            "<bpmn:conditionExpression>n &lt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>"
            '<bpmn:manualTask id="ask" name="Ask"><bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>'
            '</bpmn:manualTask><bpmn:sequenceFlow id="f4" sourceRef="ask" targetRef="count"/>',
        )
    )
    assert not [f for f in validate(waiting).findings if f.code == "loop.no_wait"]


CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpora" / "miwg-reference"
MIWG = sorted(CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []
PYTHON_TEXT = re.compile(
    r"Traceback|\w+Error\(|\w+Exception\(|NotImplementedError|TypeError|KeyError|AttributeError|<Element |"
    r" at 0x[0-9a-f]+|b'<|%r|unexpected keyword argument|\bNone\b"
)


@pytest.mark.skipif(not MIWG, reason=f"MIWG reference corpus not found at {CORPUS}")
@pytest.mark.parametrize("forced", [False, True], ids=["as-is", "all-executable"])
def test_miwg_reference_files_give_no_python_exception_text(forced):
    for path in MIWG:
        content = path.read_bytes()
        if forced:  # parse every process, so every SpiffWorkflow failure of the corpus is seen
            content = content.replace(b'isExecutable="false"', b'isExecutable="true"')
        report = validate_files([SourceFile(path.name, content)], CTX)
        for finding in report.findings:
            assert not PYTHON_TEXT.search(finding.message), (path.name, finding.message)
            assert finding.line is not None, (path.name, finding)
            assert finding.code != "validation.internal", (path.name, finding.message)


ALLOWANCE = (FIXTURES / "allowance.dmn").read_text(encoding="utf-8")
BUSINESS_RULE = (FIXTURES / "business_rule.bpmn").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "entry"),
    [
        ("<text>1376 + 500 * (household_size - 1)</text>", "<text>().__class__.__base__</text>", "OutputEntry_family"),
        ("<text>&gt; 1</text>", "<text>&gt; (</text>", "InputEntry_family"),
        ("<text>1</text></inputEntry>", "<text>__import__('os')</text></inputEntry>", "InputEntry_single"),
    ],
    ids=["output-dunder", "input-syntax", "input-import"],
)
def test_dmn_cells_are_compiled_in_the_sandbox_at_deploy(old, new, entry):
    from engine.definitions.service import validation_context

    assert old in ALLOWANCE
    files = [
        SourceFile("business_rule.bpmn", BUSINESS_RULE.encode()),
        SourceFile("allowance.dmn", ALLOWANCE.replace(old, new, 1).encode()),
    ]
    ctx = validation_context()
    ctx.form_exists = lambda key: True

    report = validate_files(files, ctx)

    (finding,) = [f for f in report.errors if f.code == "dmn.cell_invalid"]
    assert finding.file == "allowance.dmn" and finding.element_id == entry and finding.line
    assert '"allowance"' in finding.message
    clean = validate_files([files[0], SourceFile("allowance.dmn", ALLOWANCE.encode())], ctx)
    assert not [f for f in clean.findings if f.code == "dmn.cell_invalid"]


def test_a_nameless_data_store_is_located_at_the_data_store():
    text = VALID.replace("  </bpmn:process>", '  </bpmn:process>\n  <bpmn:dataStore id="Store_records" />', 1)

    report = validate(text)

    (finding,) = [f for f in report.errors if f.code == "bpmn.parse"]
    assert (
        finding.element_id == "Store_records"
        and finding.line == text.splitlines().index('  <bpmn:dataStore id="Store_records" />') + 1
    )
    assert "Data stores are not supported" in finding.message
