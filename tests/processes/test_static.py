"""Static checks of the process library: parsing, forms, lanes, English names and diagram interchange."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from forms.registry import FormRegistry
from tests.processes.driver import DECISIONS, PROCESSES, parser

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
ROLES = {"social_worker", "psychologist", "lawyer", "career_counsellor", "supervisor"}
EXPECTED = {
    "case_lifecycle",
    "intake",
    "needs_diagnosis",
    "ipd_drafting",
    "plan_period",
    "plan_review",
    "case_closure",
    "service_session",
    "material_aid",
    "nursery_placement",
    "camp_enrolment",
    "referral",
    "housing_subsidy",
    "team_meeting",
    "team_decision",
}
FLOW_NODES = {
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
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
}
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
IDS = [path.stem for path in BPMN_FILES]


def tree(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def flow_nodes(scope: etree._Element) -> list[etree._Element]:
    """Every flow node in the scope, sub-process contents included."""
    found = []
    for child in scope:
        if isinstance(child.tag, str) and local(child) in FLOW_NODES:
            found.append(child)
            if local(child) == "subProcess":
                found.extend(flow_nodes(child))
    return found


def properties(element: etree._Element) -> dict[str, str]:
    return {
        prop.get("name"): prop.get("value")
        for prop in element.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
    }


def lane_of(root: etree._Element, element: etree._Element) -> str | None:
    """The lane name SpiffWorkflow gives the element: its own flowNodeRef, else its sub-process's lane."""
    lanes = {ref.text: ref.getparent().get("name") for ref in root.iterfind(".//bpmn:flowNodeRef", NS)}
    while element is not None:
        if element.get("id") in lanes:
            return lanes[element.get("id")]
        element = element.getparent()
    return None


def test_the_library_holds_every_process() -> None:
    assert set(IDS) == EXPECTED


@pytest.mark.parametrize("path", BPMN_FILES, ids=IDS)
def test_one_executable_process_named_after_the_file(path: Path) -> None:
    processes = tree(path).findall("bpmn:process", NS)
    assert len(processes) == 1
    assert processes[0].get("id") == path.stem
    assert processes[0].get("isExecutable") == "true"
    assert properties(processes[0]).get("nameEn"), "the process needs an English name"


def test_everything_parses_together_and_follows_the_schemas() -> None:
    strict = SpiffBpmnParser(validator=VALIDATOR)
    for path in BPMN_FILES:
        strict.add_bpmn_file(str(path))
    for path in sorted(DECISIONS.glob("*.dmn")):
        strict.add_dmn_file(str(path))
    assert set(strict.get_process_ids()) == EXPECTED
    for process_id in EXPECTED:
        spec = strict.get_spec(process_id)
        strict.get_subprocess_specs(process_id)
        assert spec.name == process_id
    assert set(parser().dmn_parsers) == {"legal_status_rights"}


def test_the_engine_would_accept_the_bundle() -> None:
    validation = pytest.importorskip("engine.definitions.validation")
    from engine.definitions.xml_safety import SourceFile

    files = [SourceFile(name=p.name, content=p.read_bytes()) for p in [*BPMN_FILES, *sorted(DECISIONS.glob("*.dmn"))]]
    try:
        from engine.sandbox import check_expression, check_script
    except ImportError:  # pragma: no cover - the sandbox is optional for this check
        check_expression = check_script = None
    ctx = validation.ValidationContext(
        known_roles=frozenset(ROLES),
        form_exists=FormRegistry().exists,
        check_expression=check_expression,
        check_script=check_script,
    )
    report = validation.validate_files(files, ctx)
    assert [(f.file, f.element_id, f.message) for f in report.findings] == []
    assert set(report.process_ids) == EXPECTED


@pytest.mark.parametrize("path", BPMN_FILES, ids=IDS)
def test_user_tasks_have_forms_lanes_and_valid_properties(path: Path) -> None:
    root = tree(path)
    registry = FormRegistry()
    lane_names = [lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)]
    assert set(lane_names) <= ROLES, "every lane is named after a role id"
    assert len(lane_names) == len(set(lane_names)), "one lane per role"
    user_tasks = root.findall(".//bpmn:userTask", NS)
    task_ids = {task.get("id") for task in user_tasks}
    for task in user_tasks:
        props = properties(task)
        assert registry.exists(props.get("formKey", "")), f"{task.get('id')}: form {props.get('formKey')} missing"
        assert lane_of(root, task) in ROLES, f"{task.get('id')} is not in a role's lane"
        if "dueIn" in props:
            assert ISO_DURATION.match(props["dueIn"]), f"{task.get('id')}: dueIn {props['dueIn']}"
        if "fourEyesWith" in props:
            assert props["fourEyesWith"] in task_ids - {task.get("id")}, task.get("id")
    assert not root.findall(".//bpmn:manualTask", NS)


@pytest.mark.parametrize("path", BPMN_FILES, ids=IDS)
def test_every_flow_node_has_an_english_name(path: Path) -> None:
    process = tree(path).find("bpmn:process", NS)
    for node in flow_nodes(process):
        assert node.get("name"), f"{node.get('id')} has no Polish name"
        assert properties(node).get("nameEn"), f"{node.get('id')} has no nameEn"
    for flow in process.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
        if flow.get("name"):
            assert properties(flow).get("nameEn"), f"{flow.get('id')} is named but has no nameEn"


def bounds(shape: etree._Element) -> tuple[float, float, float, float]:
    box = shape.find("dc:Bounds", NS)
    return tuple(float(box.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (
        outer[0] <= inner[0]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and outer[1] <= inner[1]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


@pytest.mark.parametrize("path", BPMN_FILES, ids=IDS)
def test_diagram_interchange_is_complete_and_tidy(path: Path) -> None:
    root = tree(path)
    process = root.find("bpmn:process", NS)
    planes = root.findall(".//bpmndi:BPMNPlane", NS)
    assert len(planes) == 1
    shapes = {s.get("bpmnElement"): s for s in planes[0].iterfind("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in planes[0].iterfind("bpmndi:BPMNEdge", NS)}
    nodes = flow_nodes(process)
    for node in nodes:
        assert node.get("id") in shapes, f"{node.get('id')} has no shape"
    for lane in root.iterfind(".//bpmn:lane", NS):
        assert lane.get("id") in shapes, f"lane {lane.get('name')} has no shape"
    for flow in process.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"{flow.get('id')} has no edge"
        points = [(float(p.get("x")), float(p.get("y"))) for p in edge.iterfind("di:waypoint", NS)]
        assert len(points) >= 2
        for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
            assert ax == bx or ay == by, f"{flow.get('id')} has a diagonal segment"

    by_id = {node.get("id"): node for node in nodes}
    plain = [node for node in nodes if local(node) != "boundaryEvent"]
    for i, a in enumerate(plain):
        for b in plain[i + 1 :]:
            if a in b.iterancestors() or b in a.iterancestors():
                continue
            assert not overlap(bounds(shapes[a.get("id")]), bounds(shapes[b.get("id")])), (
                f"{a.get('id')} overlaps {b.get('id')}"
            )
    lane_boxes = {lane.get("name"): bounds(shapes[lane.get("id")]) for lane in root.iterfind(".//bpmn:lane", NS)}
    for node in nodes:
        box = bounds(shapes[node.get("id")])
        if local(node) == "boundaryEvent":
            host = bounds(shapes[node.get("attachedToRef")])
            assert overlap(box, host), f"{node.get('id')} is not on its task's border"
            assert node.get("attachedToRef") in by_id
        elif lane_boxes:
            assert inside(box, lane_boxes[lane_of(root, node)]), f"{node.get('id')} is drawn outside its lane"
    # Left to right: the start event is the left-most shape of its scope.
    start = process.find("bpmn:startEvent", NS)
    assert bounds(shapes[start.get("id")])[0] == min(bounds(shapes[n.get("id")])[0] for n in plain)


def test_rights_table_covers_every_legal_status_of_the_intake_form() -> None:
    statuses = FormRegistry().load("intake/legal_status")["properties"]["legal_status"]["enum"]
    table = etree.parse(str(DECISIONS / "legal_status_rights.dmn")).getroot()
    rules = table.findall(".//dmn:rule", NS)
    assert [rule.find("dmn:inputEntry/dmn:text", NS).text.strip('"') for rule in rules] == statuses
    outputs = [o.get("name") for o in table.findall(".//dmn:output", NS)]
    assert outputs == [
        "social_assistance",
        "statutory_ipi",
        "ipi_deadline_days",
        "referral",
        "eligible_for_programme",
        "rights_note",
    ]
    for rule in rules:
        assert len(rule.findall("dmn:outputEntry", NS)) == len(outputs)


def test_every_operation_is_described_for_process_owners():
    """The processes README lists every operation a process owner can name, with what it takes and gives."""
    from engine.operations.registry import all_operations

    readme = (PROCESSES / "README.md").read_text(encoding="utf-8")
    missing = [op.name for op in all_operations() if f"| `{op.name}` |" not in readme]
    assert not missing, f"describe these operations in processes/README.md: {missing}"
