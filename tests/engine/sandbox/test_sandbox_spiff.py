"""SpiffWorkflow runs scripts, gateway conditions, DMN cells and timers through the sandbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.sandbox import Limits, SandboxError, SandboxLimitExceeded, SandboxViolation, ScriptRuntimeError
from engine.spiff.script_engine import SandboxedScriptEngine, find_sandbox_error

FIXTURES = Path(__file__).parent / "fixtures"
QUICK = Limits(time_limit_s=0.3, max_steps=20_000)

SINGLE_SCRIPT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:test">
  <bpmn:process id="single" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_script</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="script" name="Uploaded script">
      <bpmn:incoming>to_script</bpmn:incoming><bpmn:outgoing>to_end</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>to_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_script" sourceRef="start" targetRef="script" />
    <bpmn:sequenceFlow id="to_end" sourceRef="script" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""

SINGLE_GATEWAY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:test">
  <bpmn:process id="gateway" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_gateway</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="choice" default="to_no">
      <bpmn:incoming>to_gateway</bpmn:incoming>
      <bpmn:outgoing>to_yes</bpmn:outgoing><bpmn:outgoing>to_no</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="yes"><bpmn:incoming>to_yes</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="no"><bpmn:incoming>to_no</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_gateway" sourceRef="start" targetRef="choice" />
    <bpmn:sequenceFlow id="to_yes" sourceRef="choice" targetRef="yes">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_no" sourceRef="choice" targetRef="no" />
  </bpmn:process>
</bpmn:definitions>
"""


def _workflow(
    process_id: str,
    data: dict[str, Any],
    *,
    bpmn: str | None = None,
    bpmn_file: str | None = None,
    dmn: str | None = None,
    engine: SandboxedScriptEngine | None = None,
) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    if bpmn is not None:
        parser.add_bpmn_str(bpmn.encode())
    if bpmn_file is not None:
        parser.add_bpmn_file(str(FIXTURES / bpmn_file))
    if dmn is not None:
        parser.add_dmn_str(dmn.encode())
    workflow = BpmnWorkflow(
        parser.get_spec(process_id),
        parser.get_subprocess_specs(process_id),
        script_engine=engine or SandboxedScriptEngine(),
    )
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    return workflow


def _routing(data: dict[str, Any], *, dmn: str | None = None, engine: SandboxedScriptEngine | None = None):
    text = dmn if dmn is not None else (FIXTURES / "route.dmn").read_text(encoding="utf-8")
    return _workflow("routing", data, bpmn_file="routing.bpmn", dmn=text, engine=engine)


def _end_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    assert workflow.is_completed()
    (end,) = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == "end"]
    return end.data


@pytest.mark.parametrize(
    ("amount", "priority", "route", "fee"),
    [
        (700, "high", "fast", Decimal("70.00")),
        (700, "low", "slow", Decimal("70.00")),
        (100, "high", "slow", Decimal("10.00")),
    ],
)
def test_script_dmn_and_gateway_run_in_the_sandbox(amount: int, priority: str, route: str, fee: Decimal) -> None:
    workflow = _routing({"amount": amount, "priority": priority, "approved_on": "2026-01-31"})

    workflow.do_engine_steps()
    data = _end_data(workflow)

    assert data["route"] == route
    assert data["lane"] == route
    assert data["fee"] == fee
    assert data["review_on"] == date(2026, 2, 28)
    assert "add_duration" not in data and "Decimal" not in data


def test_timer_expressions_use_the_helpers() -> None:
    workflow = _workflow("timers", {"approved_on": date(2099, 1, 31)}, bpmn_file="timers.bpmn")

    workflow.do_engine_steps()
    events = {event.name: event.value for event in workflow.waiting_events()}

    assert events["Review due"] == "2099-04-30T00:00:00+00:00"
    reminder = datetime.fromisoformat(events["Reminder"])
    assert 13.9 < (reminder - datetime.now(UTC)).total_seconds() / 86400 < 14.1


HOSTILE_SCRIPTS = [
    ("().__class__.__base__.__subclasses__()", SandboxViolation),
    ("__import__('os').system('true')", SandboxViolation),
    ("data = open('/etc/passwd').read()", SandboxViolation),
    ("while True:\n    pass", SandboxLimitExceeded),
    ("def f():\n    return f()\nf()", SandboxLimitExceeded),
    ("x = 'x' * 10**10", SandboxLimitExceeded),
    ("x = 1 / 0", ScriptRuntimeError),
]


@pytest.mark.parametrize(("script", "expected"), HOSTILE_SCRIPTS)
def test_a_hostile_script_task_fails_with_the_sandbox_error_reachable(
    script: str, expected: type[SandboxError]
) -> None:
    workflow = _workflow(
        "single", {}, bpmn=SINGLE_SCRIPT.format(script=escape(script)), engine=SandboxedScriptEngine(QUICK)
    )

    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()

    found = find_sandbox_error(caught.value)
    assert isinstance(found, expected)
    assert caught.value.sandbox_error is found
    assert caught.value.__cause__ is found
    assert caught.value.error_type == expected.__name__
    assert found.message in str(caught.value)
    assert not workflow.is_completed()


def test_script_errors_point_at_the_line_and_suggest_names() -> None:
    script = "total = 1\ntotal = amuont * 2"
    workflow = _workflow("single", {"amount": 2}, bpmn=SINGLE_SCRIPT.format(script=escape(script)))

    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()

    assert caught.value.line_number == 2
    assert caught.value.error_line == "total = amuont * 2"
    assert "amount" in str(caught.value)


@pytest.mark.parametrize(
    ("condition", "data", "end"),
    [
        ("score &gt; 5", {"score": 6}, "yes"),
        ("score &gt; 5", {"score": 5}, "no"),
        ('kind == "x"', {"kind": "x"}, "yes"),
    ],
)
def test_gateway_conditions(condition: str, data: dict[str, Any], end: str) -> None:
    workflow = _workflow("gateway", data, bpmn=SINGLE_GATEWAY.format(condition=condition))

    workflow.do_engine_steps()

    assert workflow.is_completed()
    assert [
        t.task_spec.bpmn_id
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.bpmn_id in ("yes", "no")
    ] == [end]


@pytest.mark.parametrize("condition", ["score.__class__", "[0] * 10**10", "open('x')"])
def test_a_hostile_gateway_condition_fails(condition: str) -> None:
    workflow = _workflow("gateway", {"score": 1}, bpmn=SINGLE_GATEWAY.format(condition=escape(condition)))

    with pytest.raises(SpiffWorkflowException) as caught:
        workflow.do_engine_steps()

    assert isinstance(find_sandbox_error(caught.value), SandboxViolation | SandboxLimitExceeded)


@pytest.mark.parametrize(
    ("cell", "replacing", "expected"),
    [
        ("().__class__.__bases__", "&gt;= 1000", SandboxViolation),
        ("'x' * 10**10", '"fast"', SandboxLimitExceeded),
    ],
)
def test_a_hostile_dmn_cell_fails(cell: str, replacing: str, expected: type[SandboxError]) -> None:
    dmn = (FIXTURES / "route.dmn").read_text(encoding="utf-8").replace(replacing, escape(cell), 1)
    workflow = _routing({"amount": 700, "priority": "high", "approved_on": "2026-01-31"}, dmn=dmn)

    with pytest.raises(SpiffWorkflowException) as caught:
        workflow.do_engine_steps()

    assert isinstance(find_sandbox_error(caught.value), expected)


def office() -> str:
    """A helper for scripts; module-level, because helpers are rebuilt in the sandbox processes."""
    return "Warsaw"


def test_the_engine_clock_can_be_injected() -> None:
    fixed = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    engine = SandboxedScriptEngine(now=lambda: fixed, helpers={"office": office})
    workflow = _workflow(
        "single", {}, bpmn=SINGLE_SCRIPT.format(script="stamp = now()\nplace = office()"), engine=engine
    )

    workflow.do_engine_steps()

    (end,) = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == "end"]
    assert end.data == {"stamp": fixed, "place": "Warsaw"}


def test_find_sandbox_error_follows_causes() -> None:
    inner = SandboxViolation("no")
    try:
        try:
            raise inner
        except SandboxViolation as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as outer:
        assert find_sandbox_error(outer) is inner
    assert find_sandbox_error(ValueError("plain")) is None
    assert find_sandbox_error(None) is None
