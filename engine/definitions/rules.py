"""The findings a validation reports, and the house rules an executable process must follow.

Rules read the safely parsed XML rather than SpiffWorkflow's specs: the XML has the lines users need, and it
also holds the elements SpiffWorkflow never parses because no sequence flow reaches them. Lanes are resolved
the way SpiffWorkflow 3.2 resolves them (see `_LaneIndex`), so what we check is what the engine will route.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol

from lxml import etree

from engine.definitions.xml_safety import BPMN_MODEL_NS, DEFAULT_MAX_BYTES, XmlDocument
from engine.spiff.parsing import is_reserved_id, timer_value_problem

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_NS = {"bpmn": BPMN_MODEL_NS, "spiffworkflow": SPIFF_NS}

# ISO-8601 durations with whole numbers: P14D, P3M, PT48H, P1Y2M10DT2H30M.
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
# What an ISO date, duration or cycle written without quotes looks like.
_UNQUOTED_ISO = re.compile(r"^(R\d*/|PT?\d|\d{4}-?\d{2})", re.IGNORECASE)

CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
FLOW_NODES = CONTAINERS | frozenset(
    {
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
        "callActivity",
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "eventBasedGateway",
        "complexGateway",
    }
)
_KIND_NAMES = {
    "subProcess": "sub-process",
    "adHocSubProcess": "ad hoc sub-process",
    "sequenceFlow": "sequence flow",
}
_TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One located problem: what is wrong, where, and what to do about it."""

    severity: Severity
    code: str
    message: str
    file: str
    line: int | None = None
    element_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"severity": self.severity.value}


class CodeIssue(Protocol):
    """What an expression or script checker reports: a message and a line within the checked code."""

    @property
    def message(self) -> str: ...

    @property
    def lineno(self) -> int | None: ...


CodeChecker = Callable[[str], Sequence[CodeIssue]]


@dataclass
class ValidationContext:
    """What the validator needs to know about the platform: roles, forms and the expression sandbox."""

    known_roles: frozenset[str]
    form_exists: Callable[[str], bool]
    check_expression: CodeChecker | None = None
    check_script: CodeChecker | None = None
    #: (kind "form" or "service", operation name, form key or None) → what is wrong, in sentences.
    check_operation: Callable[[str, str, str | None], list[str]] | None = None
    max_bytes: int = DEFAULT_MAX_BYTES


def check_process(
    document: XmlDocument, process: etree._Element, ctx: ValidationContext, decision_ids: Iterable[str]
) -> list[Finding]:
    """Apply the house rules to one executable process (and the sub-processes inside it)."""
    checker = _ProcessChecker(document, ctx, frozenset(decision_ids))
    checker.check_scope(process, inherited_lane=None)
    checker.check_reachability(process)
    return checker.findings


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def describe(element: etree._Element) -> str:
    """Name an element the way a process owner sees it in the modeler."""
    local = local_name(element)
    kind = _KIND_NAMES.get(local) or re.sub(r"(?<!^)([A-Z])", r" \1", local).lower()
    name = " ".join((element.get("name") or "").split())
    element_id = element.get("id") or "without id"
    return f'{kind} "{name}" ({element_id})' if name else f"{kind} {element_id}"


class _LaneIndex:
    """Map flow node ids to lanes as SpiffWorkflow 3.2 does: by any flowNodeRef in the file, last wins."""

    def __init__(self, root: etree._Element) -> None:
        self.by_node: dict[str, etree._Element] = {}
        for ref in root.iterfind(".//bpmn:flowNodeRef", _NS):
            if ref.text is not None:
                self.by_node[ref.text] = ref.getparent()

    def lane_of(self, element: etree._Element, inherited: etree._Element | None) -> etree._Element | None:
        # Inside a sub-process, SpiffWorkflow gives every task the sub-process's lane name when it has one.
        if inherited is not None and inherited.get("name") is not None:
            return inherited
        return self.by_node.get(element.get("id") or "")


class _ProcessChecker:
    def __init__(self, document: XmlDocument, ctx: ValidationContext, decision_ids: frozenset[str]) -> None:
        self.document = document
        self.ctx = ctx
        self.decision_ids = decision_ids
        self.lanes = _LaneIndex(document.root)
        self.findings: list[Finding] = []
        self._reported_lanes: set[str] = set()
        self._forms: dict[str, bool] = {}

    def add(self, code: str, message: str, element: etree._Element, severity: Severity = Severity.ERROR) -> None:
        self.findings.append(
            Finding(severity, code, message, self.document.name, element.sourceline, element.get("id"))
        )

    # Walking the process

    def check_scope(self, scope: etree._Element, inherited_lane: etree._Element | None) -> None:
        outgoing: dict[str, list[etree._Element]] = defaultdict(list)
        for flow in scope.iterfind("bpmn:sequenceFlow", _NS):
            outgoing[flow.get("sourceRef") or ""].append(flow)
            self.check_condition(flow)
        for element in scope.iterchildren(etree.Element):
            local = local_name(element)
            if local not in FLOW_NODES:
                continue
            lane = self.lanes.lane_of(element, inherited_lane)
            if is_reserved_id(element.get("id") or ""):
                self.add(
                    "element.reserved_id",
                    f'The id "{element.get("id")}" of the {describe(element)} is reserved by the workflow '
                    "engine, which would silently replace the element with its own. Give it another id.",
                    element,
                )
            if local in ("userTask", "manualTask"):
                self.check_human_task(element, lane, form_required=local == "userTask")
            elif local == "scriptTask":
                self.check_script_task(element)
            elif local == "serviceTask":
                self.check_service_task(element)
            elif local == "businessRuleTask":
                self.check_decision(element)
            elif local in ("exclusiveGateway", "inclusiveGateway"):
                self.check_default_flow(element, outgoing.get(element.get("id") or "", []))
            self.check_pre_post_scripts(element)
            self.check_timers(element)
            self.check_other_expressions(element)
            if local in CONTAINERS:
                self.check_scope(element, lane)

    def check_reachability(self, scope: etree._Element) -> None:
        nodes = {
            element.get("id"): element
            for element in scope.iterchildren(etree.Element)
            if local_name(element) in FLOW_NODES and element.get("id")
        }
        successors: dict[str, list[str]] = defaultdict(list)
        has_incoming: set[str] = set()
        for flow in scope.iterfind("bpmn:sequenceFlow", _NS):
            source, target = flow.get("sourceRef") or "", flow.get("targetRef") or ""
            successors[source].append(target)
            has_incoming.add(target)
        for node_id, element in nodes.items():
            if local_name(element) == "boundaryEvent":
                successors[element.get("attachedToRef") or ""].append(str(node_id))
        ad_hoc = local_name(scope) == "adHocSubProcess"
        reached = {
            node_id
            for node_id, element in nodes.items()
            if local_name(element) == "startEvent"
            or element.get("triggeredByEvent") == "true"  # event sub-processes start on their own
            or element.get("isForCompensation") == "true"  # compensation handlers are not on any flow
            or (ad_hoc and node_id not in has_incoming)
        }
        queue = deque(reached)
        while queue:
            for target in successors.get(queue.popleft() or "", []):
                if target in nodes and target not in reached:
                    reached.add(target)
                    queue.append(target)
        for node_id, element in nodes.items():
            if node_id not in reached:
                self.add(
                    "element.unreachable",
                    f"The {describe(element)} cannot be reached from a start event, so it will never run. "
                    "Connect it with a sequence flow, or delete it.",
                    element,
                    Severity.WARNING,
                )
            elif local_name(element) in CONTAINERS:
                self.check_reachability(element)

    # Human tasks

    def check_human_task(self, task: etree._Element, lane: etree._Element | None, form_required: bool) -> None:
        roles = ", ".join(sorted(self.ctx.known_roles)) or "(no roles are defined yet)"
        if lane is None:
            self.add(
                "task.no_lane",
                f"The {describe(task)} is not in a lane, so nobody would be offered it. Put it in a lane "
                f"named after the role that does the work; known roles: {roles}.",
                task,
            )
        elif (lane.get("id") or "") not in self._reported_lanes:
            self._reported_lanes.add(lane.get("id") or "")
            name = lane.get("name")
            if not name or not name.strip():
                self.add(
                    "lane.unknown_role",
                    f"The lane {lane.get('id')} holding the {describe(task)} has no name. "
                    f"Name it after the role that does its tasks; known roles: {roles}.",
                    lane,
                )
            elif name not in self.ctx.known_roles:
                self.add(
                    "lane.unknown_role",
                    f'The lane "{name}" is not a known role, so nobody would be offered its tasks. '
                    f"Rename the lane to one of the role ids: {roles}.",
                    lane,
                )
        properties = _properties(task)
        due = properties.get("dueIn")
        if due is not None and not ISO_DURATION.match(due.strip()):
            self.add(
                "task.due_invalid",
                f'The dueIn "{due}" of the {describe(task)} is not an ISO-8601 duration. '
                "Write it like P14D (14 days), P3M (3 months) or PT48H (48 hours).",
                task,
            )
        operation = (properties.get("operation") or "").strip()
        if operation and self.ctx.check_operation is not None:
            for problem in self.ctx.check_operation(
                "form", operation, (properties.get("formKey") or "").strip() or None
            ):
                self.add("operation.invalid", f"The {describe(task)}: {problem}", task)
        if not form_required:
            return
        form_key = (properties.get("formKey") or "").strip()
        if not form_key:
            self.add(
                "form.key_missing",
                f"The {describe(task)} has no formKey property, so there is no form to show. Add a "
                "spiffworkflow:property named formKey whose value is the id of a form.",
                task,
            )
        elif not self._form_exists(form_key):
            self.add(
                "form.missing",
                f'The {describe(task)} uses the form "{form_key}", which does not exist. '
                "Create the form first, or correct the formKey property.",
                task,
            )

    def check_service_task(self, task: etree._Element) -> None:
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", _NS)
        name = (operator.get("id") or "").strip() if operator is not None else ""
        if not name:
            self.add(
                "operation.missing",
                f"The {describe(task)} names no operation, so it would do nothing. Choose an operation in its "
                "properties (spiffworkflow:serviceTaskOperator with the operation's name as id).",
                task,
            )
        elif self.ctx.check_operation is not None:
            for problem in self.ctx.check_operation("service", name, None):
                self.add("operation.invalid", f"The {describe(task)}: {problem}", task)

    def _form_exists(self, form_key: str) -> bool:
        if form_key not in self._forms:
            self._forms[form_key] = bool(self.ctx.form_exists(form_key))
        return self._forms[form_key]

    # Code: scripts, conditions, timers

    def check_script_task(self, task: etree._Element) -> None:
        script = task.find("bpmn:script", _NS)
        if script is None or not (script.text or "").strip():
            self.add(
                "script.invalid",
                f"The {describe(task)} has no script. Write the script or use a plain task.",
                task,
            )
            return
        for problem in self._code_problems(script.text or "", "exec", self.ctx.check_script):
            self.add("script.invalid", f"The script of the {describe(task)} is invalid: {problem}.", task)

    def check_pre_post_scripts(self, element: etree._Element) -> None:
        for tag, label in (("preScript", "pre-script"), ("postScript", "post-script")):
            node = element.find(f"bpmn:extensionElements/spiffworkflow:{tag}", _NS)
            if node is None or not (node.text or "").strip():
                continue
            for problem in self._code_problems(node.text or "", "exec", self.ctx.check_script):
                self.add(
                    "script.invalid",
                    f"The {label} of the {describe(element)} is invalid: {problem}.",
                    element,
                )

    def check_condition(self, flow: etree._Element) -> None:
        condition = flow.find("bpmn:conditionExpression", _NS)
        if condition is None or not (condition.text or "").strip():
            return
        for problem in self._code_problems(condition.text or "", "eval", self.ctx.check_expression):
            self.add(
                "expression.invalid",
                f"The condition of the {describe(flow)} is not a valid expression: {problem}. "
                "Conditions are Python expressions such as: decision == 'approved'.",
                flow,
            )

    def check_other_expressions(self, element: etree._Element) -> None:
        paths = {
            "bpmn:standardLoopCharacteristics/bpmn:loopCondition": "loop condition",
            "bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality": "loop cardinality",
            "bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition": "completion condition",
            "bpmn:completionCondition": "completion condition",
            "bpmn:conditionalEventDefinition/bpmn:condition": "condition",
        }
        for path, label in paths.items():
            node = element.find(path, _NS)
            if node is None or not (node.text or "").strip():
                continue
            for problem in self._code_problems(node.text or "", "eval", self.ctx.check_expression):
                self.add(
                    "expression.invalid",
                    f"The {label} of the {describe(element)} is not a valid expression: {problem}.",
                    element,
                )

    def check_timers(self, event: etree._Element) -> None:
        for definition in event.iterfind("bpmn:timerEventDefinition", _NS):
            given = [child for child in definition.iterchildren(etree.Element) if local_name(child) in _TIMER_KINDS]
            if not given:
                self.add(
                    "timer.invalid",
                    f'The timer of the {describe(event)} has no time. Set a duration such as "P14D" '
                    "(with the quotes), a date or a cycle.",
                    event,
                )
            for node in given:
                problem = self._timer_problem(local_name(node), (node.text or "").strip())
                if problem:
                    self.add("timer.invalid", f"The timer of the {describe(event)} is invalid: {problem}", event)

    def _timer_problem(self, kind: str, text: str) -> str | None:
        quote_hint = f'Timer values are expressions: write "{text}" with the quotes.'
        if not text:
            return f'its {kind} is empty. Write a value such as "P14D" (with the quotes).'
        try:
            body = ast.parse(text, mode="eval").body
        except Exception:
            body = None
        if (body is None or isinstance(body, ast.Name)) and _UNQUOTED_ISO.match(text):
            return f"{text} is not quoted. {quote_hint}"
        if isinstance(body, ast.Constant) and isinstance(body.value, str):
            value_problem = timer_value_problem(kind, body.value)
            if value_problem:
                return (
                    f'"{body.value}" is not a valid ISO-8601 {_TIMER_TEXT[kind]} ({value_problem}). '
                    f"Write it like {_TIMER_EXAMPLES[kind]}."
                )
            return None
        problems = self._code_problems(text, "eval", self.ctx.check_expression)
        return f"{problems[0]}." if problems else None

    def _code_problems(self, code: str, mode: Literal["eval", "exec"], checker: CodeChecker | None) -> list[str]:
        """Compile the code (never run it), then ask the sandbox checker about the code as written."""
        # Expressions carry blank lines and indentation from the XML; scripts are often indented as a whole.
        # Neither means anything, and the sandbox normalises both the same way before it runs them.
        text = code.strip() if mode == "eval" else textwrap.dedent(code)
        multiline = "\n" in text.strip()
        try:
            ast.parse(text, mode=mode)
        except SyntaxError as exc:
            return [_at_line(exc.msg, exc.lineno, multiline)]
        except Exception as exc:  # null bytes, nesting too deep for the compiler
            return [f"it cannot be compiled ({type(exc).__name__}: {exc})"]
        if checker is None:
            return []
        return [_at_line(str(issue.message), issue.lineno, multiline) for issue in checker(code)]

    # Decisions and gateways

    def check_decision(self, task: etree._Element) -> None:
        node = task.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", _NS)
        decision_id = node.text if node is not None else None
        if decision_id in self.decision_ids:
            return
        available = ", ".join(sorted(self.decision_ids)) or "none"
        if not decision_id:
            message = (
                f"The {describe(task)} names no decision. Set spiffworkflow:calledDecisionId to the id of a "
                f"decision in an uploaded DMN file; available decisions: {available}."
            )
        else:
            message = (
                f'The {describe(task)} calls the decision "{decision_id}", which no uploaded DMN file '
                "defines. Upload its DMN file with this one, or correct the decision id; available "
                f"decisions: {available}."
            )
        self.add("dmn.missing", message, task)

    def check_default_flow(self, gateway: etree._Element, flows: list[etree._Element]) -> None:
        if len(flows) < 2 or gateway.get("default"):
            return
        conditional = [flow for flow in flows if (flow.findtext("bpmn:conditionExpression", "", _NS) or "").strip()]
        if len(conditional) == len(flows):
            self.add(
                "gateway.no_default",
                f"Every outgoing flow of the {describe(gateway)} has a condition and none is the default: "
                "when no condition holds, the case stops here with an error. Make one flow the default.",
                gateway,
                Severity.WARNING,
            )


_TIMER_TEXT = {"timeDate": "date", "timeDuration": "duration", "timeCycle": "cycle"}
_TIMER_EXAMPLES = {
    "timeDate": '"2025-01-31T09:00:00+01:00"',
    "timeDuration": '"P14D", "P3M" or "PT48H"',
    "timeCycle": '"R3/PT24H" (three times, a day apart)',
}


def _properties(task: etree._Element) -> dict[str, str]:
    """Read spiffworkflow:properties the way SpiffWorkflow does."""
    properties: dict[str, str] = {}
    for node in task.iterfind("bpmn:extensionElements/spiffworkflow:properties", _NS):
        for prop in node.iterfind(".//spiffworkflow:property", _NS):
            if prop.get("name") is not None:
                properties[prop.get("name") or ""] = prop.get("value") or ""
    return properties


def _at_line(message: str, lineno: int | None, multiline: bool) -> str:
    message = message.rstrip(".")
    return f"line {lineno}: {message}" if multiline and lineno else message
