"""Checks of what the engine will actually run, beyond what SpiffWorkflow's parser complains about.

- **One reading only.** SpiffWorkflow reads code with descendant XPath (``.//bpmn:script``,
  ``.//bpmn:conditionExpression``, ``.//bpmn:timeDate``) and extension elements by name, last one winning,
  while the house rules read the direct child. A second ``bpmn:script`` or a ``conditionExpression``
  nested inside another therefore ran code the validator never saw. Such constructs are refused.
- **A pre-script on a script task is never run** by SpiffWorkflow 3.2: refused, with the fix.
- **Someone must act.** A plain ``bpmn:task`` is neither offered to a person nor run by the engine; a
  message start event or a receive task waits for a message nothing in the library sends. Each case
  would wait forever: refused, with the fix.
- **No endless automatic loops.** A cycle of sequence flows with no wait state in it (a person, a
  timer, a message…) runs until the step budget stops it: a warning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from lxml import etree

from engine.definitions.rules import CONTAINERS, FLOW_NODES, Finding, Severity, describe, local_name
from engine.definitions.xml_safety import BPMN_MODEL_NS, DocumentKind, XmlDocument

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_NS = {"bpmn": BPMN_MODEL_NS, "spiffworkflow": SPIFF_NS}
_PROCESS_TAG = f"{{{BPMN_MODEL_NS}}}process"
#: Elements whose text is code or a timer value: they must hold text only.
_CODE_TAGS = {
    "script": "script",
    "conditionExpression": "condition",
    "timeDate": "timer date",
    "timeDuration": "timer duration",
    "timeCycle": "timer cycle",
    "completionCondition": "completion condition",
    "loopCardinality": "loop cardinality",
    "loopCondition": "loop condition",
    "preScript": "pre-script",
    "postScript": "post-script",
}
_TIMER_TAGS = ("timeDate", "timeDuration", "timeCycle")
#: Flow nodes where a run stops and waits for something outside the engine.
_WAITS = (
    frozenset({"userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "eventBasedGateway", "callActivity"})
    | CONTAINERS
)
_MESSAGE_THROWERS = ("sendTask", "intermediateThrowEvent", "endEvent")


def is_executable(process: etree._Element) -> bool:
    """Read isExecutable as SpiffWorkflow 3.2 does: missing means executable; anything but "true" means not."""
    return bool(process.get("isExecutable", "true") == "true")


def check_structure(document: XmlDocument, bundle: Sequence[XmlDocument]) -> list[Finding]:
    """Every finding of this module for the executable processes of one BPMN document."""
    if document.kind is not DocumentKind.BPMN:
        return []
    checker = _Checker(document, _sent_messages(bundle))
    for process in document.root.iterchildren(_PROCESS_TAG):
        if not is_executable(process):
            continue
        if process.get("isExecutable") is None:
            checker.add(
                "process.executable_implicit",
                f"The {describe(process)} does not say whether it is executable; the engine treats it as "
                'executable and it will be deployed. In the modeler, tick "Executable" '
                '(isExecutable="true"), or untick it if the diagram only documents a process.',
                process,
                Severity.WARNING,
            )
        checker.check(process)
    return checker.findings


def _sent_messages(bundle: Sequence[XmlDocument]) -> set[str]:
    """Ids and names of the messages some element of the bundle sends."""
    sent: set[str] = set()
    for document in bundle:
        if document.kind is not DocumentKind.BPMN:
            continue
        messages = {m.get("id"): m.get("name") for m in document.root.iter(f"{{{BPMN_MODEL_NS}}}message")}
        for tag in _MESSAGE_THROWERS:
            for element in document.root.iter(f"{{{BPMN_MODEL_NS}}}{tag}"):
                refs = [element.get("messageRef")] + [
                    d.get("messageRef") for d in element.iterfind("bpmn:messageEventDefinition", _NS)
                ]
                if tag != "sendTask" and element.find("bpmn:messageEventDefinition", _NS) is None:
                    continue
                for ref in filter(None, refs):
                    sent.add(ref)
                    if messages.get(ref):
                        sent.add(str(messages[ref]))
    return sent


class _Checker:
    def __init__(self, document: XmlDocument, sent: set[str]) -> None:
        self.document = document
        self.sent = sent
        self.findings: list[Finding] = []
        self.messages = {m.get("id"): m.get("name") for m in document.root.iter(f"{{{BPMN_MODEL_NS}}}message")}

    def add(self, code: str, message: str, element: etree._Element, severity: Severity = Severity.ERROR) -> None:
        holder = element
        while holder is not None and not holder.get("id"):
            holder = holder.getparent()
        self.findings.append(
            Finding(
                severity,
                code,
                message,
                self.document.name,
                element.sourceline,
                holder.get("id") if holder is not None else None,
            )
        )

    def check(self, process: etree._Element) -> None:
        self.check_code_elements(process)
        self.check_scope(process, top=True)

    # -- one reading only ------------------------------------------------------------------------
    def check_code_elements(self, process: etree._Element) -> None:
        for element in process.iter(etree.Element):
            local = local_name(element)
            if local in _CODE_TAGS and len(element):
                owner = _owner(element)
                self.add(
                    "code.nested",
                    f"The {_CODE_TAGS[local]} of the {describe(owner)} holds other elements; the engine would "
                    "read different code from what was checked. Keep only the code, as text.",
                    element,
                )
            if local == "scriptTask":
                self._at_most_one(element, ".//bpmn:script", "script", "Keep one script and delete the others.")
                if element.find("bpmn:extensionElements/spiffworkflow:preScript", _NS) is not None:
                    self.add(
                        "script.prescript_on_script_task",
                        f"The {describe(element)} has a pre-script, which the engine never runs on a script "
                        "task. Move that code to the start of the script itself.",
                        element,
                    )
            elif local == "sequenceFlow":
                self._at_most_one(
                    element, ".//bpmn:conditionExpression", "condition", "Keep one condition on the flow."
                )
            elif local == "timerEventDefinition":
                found = [child for tag in _TIMER_TAGS for child in element.iter(f"{{{BPMN_MODEL_NS}}}{tag}")]
                if len(found) > 1:
                    self.add(
                        "timer.duplicate",
                        f"The timer of the {describe(_owner(element))} has {len(found)} time specifications; "
                        "the engine would use only one of them. Keep exactly one timeDate, timeDuration or "
                        "timeCycle.",
                        found[1],
                    )
            if local == "extensionElements":
                for tag, label in (("preScript", "pre-scripts"), ("postScript", "post-scripts")):
                    found = list(element.iter(f"{{{SPIFF_NS}}}{tag}"))
                    if len(found) > 1:
                        self.add(
                            "script.duplicate",
                            f"The {describe(_owner(element))} has {len(found)} {label}; the engine would run "
                            "only the last one. Merge them into one.",
                            found[1],
                        )

    def _at_most_one(self, element: etree._Element, path: str, label: str, fix: str) -> None:
        found = element.findall(path, _NS)
        if len(found) > 1:
            self.add(
                f"{'script' if label == 'script' else 'expression'}.duplicate",
                f"The {describe(element)} has {len(found)} {label}s; the engine would run only one of them, "
                f"not necessarily the one checked. {fix}",
                found[1],
            )

    # -- someone must act, and loops wait ----------------------------------------------------------
    def check_scope(self, scope: etree._Element, *, top: bool) -> None:
        nodes = {}
        for element in scope.iterchildren(etree.Element):
            local = local_name(element)
            if local not in FLOW_NODES:
                continue
            if element.get("id"):
                nodes[element.get("id")] = element
            if local == "task":
                self.add(
                    "task.no_actor",
                    f"The {describe(element)} is a plain task: the engine does not run it and nobody is "
                    "offered it, so every case would wait here forever. Make it a user task in a role lane "
                    "(a person does it) or a script task (the engine does it).",
                    element,
                )
            elif local == "startEvent" and top and element.get("triggeredByEvent") != "true":
                self.check_start(element)
            elif local in ("receiveTask", "intermediateCatchEvent"):
                self.check_sender(element)
            if local in CONTAINERS:
                self.check_scope(element, top=False)
        self.check_cycles(scope, nodes)

    def check_start(self, event: etree._Element) -> None:
        if event.find("bpmn:messageEventDefinition", _NS) is not None:
            kind = "message"
        elif event.find("bpmn:signalEventDefinition", _NS) is not None:
            kind = "signal"
        else:
            return
        self.add(
            "start.no_actor",
            f"The {describe(event)} waits for a {kind} to start the process, and nothing on this platform "
            "sends one: cases start from a plain start event. Make it a plain start event (no event "
            "definition).",
            event,
        )

    def check_sender(self, element: etree._Element) -> None:
        if local_name(element) == "receiveTask":
            refs = [element.get("messageRef")]
        else:
            definitions = element.findall("bpmn:messageEventDefinition", _NS)
            if not definitions:
                return
            refs = [definition.get("messageRef") for definition in definitions]
        for ref in refs:
            if ref and (ref in self.sent or (self.messages.get(ref) or "") in self.sent - {""}):
                continue
            what = f'the message "{self.messages.get(ref) or ref}"' if ref else "a message it does not name"
            self.add(
                "message.no_sender",
                f"The {describe(element)} waits for {what}, but no process uploaded with it or in the library "
                "sends it, so the case would wait here forever. Add a send task or message throw event that "
                "sends it, or make this step a user task in a role lane.",
                element,
            )

    def check_cycles(self, scope: etree._Element, nodes: dict[str, etree._Element]) -> None:
        successors: dict[str, list[str]] = defaultdict(list)
        for flow in scope.iterfind("bpmn:sequenceFlow", _NS):
            source, target = flow.get("sourceRef") or "", flow.get("targetRef") or ""
            if source in nodes and target in nodes:
                successors[source].append(target)
        automatic = {node_id for node_id, element in nodes.items() if local_name(element) not in _WAITS}
        for component in _cycles(automatic, successors):
            first = min(component, key=lambda node_id: nodes[node_id].sourceline or 0)
            names = ", ".join(describe(nodes[node_id]) for node_id in sorted(component)[:6])
            self.add(
                "loop.no_wait",
                f"These elements form a loop with no wait state in it (no person, timer or message): {names}. "
                "The engine runs it without pausing and stops it with an incident once it takes too many "
                "steps. Make sure the loop ends, or put a user task or a timer in it.",
                nodes[first],
                Severity.WARNING,
            )


def _owner(element: etree._Element) -> etree._Element:
    node: etree._Element | None = element.getparent()
    while node is not None and local_name(node) not in FLOW_NODES | {"sequenceFlow", "process"}:
        node = node.getparent()
    return node if node is not None else element


def _cycles(nodes: set[str], successors: dict[str, list[str]]) -> Iterator[set[str]]:
    """Strongly connected components of ``nodes`` that contain a cycle (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(_within(successors.get(root, []), nodes)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(_within(successors.get(child, []), nodes))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in successors.get(node, []):
                    yield component


def _within(targets: Iterable[str], nodes: set[str]) -> list[str]:
    return [target for target in targets if target in nodes]
