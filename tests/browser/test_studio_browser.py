"""The studio in a real browser: a process owner edits housing_subsidy, validates, fixes, deploys v2 and
checks which running cases can move to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from engine.db import database
from engine.definitions.service import deploy, latest_definition, read_directory
from engine.definitions.validation import SourceFile
from engine.instances.models import ProcessInstance
from forms.registry import FormRegistry, use_registry

pytestmark = pytest.mark.browser
LIBRARY = Path(__file__).resolve().parents[2] / "processes"

ADD_LANE_AND_TASK = """() => {
  const modeler = window.studioModeler;
  const registry = modeler.get('elementRegistry');
  const modeling = modeler.get('modeling');
  const participant = registry.filter((e) => e.type === 'bpmn:Participant')[0];
  const lane = modeling.addLane(participant, 'bottom');
  modeling.updateProperties(lane, { name: 'volunteer' });
  const shape = modeler.get('elementFactory').createShape({ type: 'bpmn:UserTask' });
  const task = modeling.createShape(shape, { x: lane.x + 400, y: lane.y + lane.height / 2 }, participant);
  modeling.updateProperties(task, { id: 'Task_check_documents', name: 'Sprawdź dokumenty' });
  // Put it on the path right after the application: apply -> check documents -> what came next.
  const apply = registry.get('Task_apply');
  const flow = apply.outgoing.filter((c) => c.type === 'bpmn:SequenceFlow')[0];
  const next = flow.target;
  modeling.reconnectEnd(flow, task, { x: task.x, y: task.y + task.height / 2 });
  modeling.connect(task, next, { type: 'bpmn:SequenceFlow' });
  modeler.get('selection').select(task);
  return lane.id;
}"""


@pytest.fixture(autouse=True)
def library(live_server) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The library on the shared live server; afterwards a newest housing_subsidy that behaves as the library's,
    so browser tests running later do not meet the task this test adds."""
    previous = use_registry(FormRegistry())
    with database.unit_of_work() as session:
        deploy(session, None, read_directory(LIBRARY), source="test")
    yield
    files = [
        SourceFile(f.name, f.content + b"\n<!-- restored after the studio browser test -->\n")
        if f.name == "housing_subsidy.bpmn"
        else f
        for f in read_directory(LIBRARY)
    ]
    with database.unit_of_work() as session:
        deploy(session, None, files, source="test")
    use_registry(previous)


def _version_of(instance_id: int) -> int:
    with database.unit_of_work() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert instance is not None
        return instance.definition.version


def test_owner_edits_validates_deploys_and_checks_migration(login, page, screenshot, start_process) -> None:  # type: ignore[no-untyped-def]
    with database.unit_of_work() as session:
        before = latest_definition(session, "housing_subsidy").version
    _, existing = start_process("housing_subsidy")
    assert _version_of(existing.id) == before
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    csp: list[str] = []
    page.on("console", lambda message: csp.append(message.text) if "Content Security Policy" in message.text else None)

    login("owner")
    page.get_by_role("link", name="Studio").click()
    row = page.locator(f'tr[data-process="housing_subsidy"][data-version="{before}"]')
    expect(row.locator(".studio-running")).not_to_have_text("0")
    screenshot("studio-list")
    page.locator("th a", has_text="housing_subsidy").click()
    expect(page.locator(".studio-viewer[data-rendered=true]")).to_be_visible()
    screenshot("studio-version")

    page.get_by_role("link", name="Otwórz w edytorze").click()
    editor = page.locator("#studio-editor[data-ready=true]")
    expect(editor).to_be_visible()
    expect(page.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io watermark stays
    lane_id = page.evaluate(ADD_LANE_AND_TASK)

    panel = page.locator("[data-panel]")
    expect(panel).to_have_attribute("data-element-id", "Task_check_documents")
    panel.locator("select[data-prop=formKey]").select_option("housing/application")
    expect(panel.locator("[data-preview] [data-locale=en]")).to_be_visible()
    panel.locator("input[data-prop=nameEn]").fill("Check the documents")
    panel.locator("input[data-prop=nameEn]").dispatch_event("change")
    panel.locator("input[data-prop=dueIn]").fill("P3D")
    panel.locator("input[data-prop=dueIn]").dispatch_event("change")

    page.get_by_role("button", name="Sprawdź poprawność").click()
    finding = page.locator('.studio-finding[data-code="lane.unknown_role"]')
    expect(finding).to_contain_text("volunteer")
    expect(page.locator("[data-report]")).to_have_attribute("data-ok", "false")
    screenshot("studio-validate-error")

    finding.locator("button").click()
    expect(panel).to_have_attribute("data-element-id", lane_id)
    panel.locator("select[data-prop=role]").select_option("lawyer")
    page.get_by_role("button", name="Sprawdź poprawność").click()
    expect(page.locator("[data-report]")).to_have_attribute("data-ok", "true")
    expect(page.locator('.studio-finding[data-code="lane.unknown_role"]')).to_have_count(0)

    page.get_by_role("button", name="Zapisz szkic").click()
    expect(page.locator("[data-status]")).to_have_text("Szkic zapisany.")
    page.get_by_role("button", name="Wdróż jako następną wersję").click()
    expect(editor).to_have_attribute("data-deployed-version", str(before + 1))
    screenshot("studio-deployed")

    _, fresh = start_process("housing_subsidy")
    assert _version_of(fresh.id) == before + 1
    assert _version_of(existing.id) == before

    page.locator("[data-version-link]").click()
    expect(page).to_have_url(re.compile(rf"/studio/housing_subsidy/v/{before + 1}$"))
    page.get_by_role("button", name="Pokaż różnice").click()
    expect(page.locator('[data-diff="added"]')).to_contain_text("Task_check_documents")
    expect(page.locator(".studio-viewer[data-rendered=true]").first).to_be_visible()
    screenshot("studio-diff")

    page.goto(f"/studio/housing_subsidy/migrate?to={before + 1}")
    verdict = page.locator(f'tr[data-instance="{existing.id}"]')
    expect(verdict).to_be_visible()
    expect(verdict).to_have_attribute("data-can-migrate", re.compile("yes|no"))
    screenshot("studio-migrate")
    if verdict.get_attribute("data-can-migrate") == "yes":
        verdict.locator("input[type=checkbox]").check()
        page.get_by_role("button", name="Przenieś wybrane instancje").click()
        expect(page.locator(".flash-success")).to_be_visible()
        expect(page.locator(f'tr[data-instance="{existing.id}"]')).to_have_count(0)
        assert _version_of(existing.id) == before + 1
    assert not errors, errors
    assert not csp, csp


ROUND_TRIP = """async () => {
  const { xml } = await window.studioModeler.saveXML({ format: true });
  const root = document.getElementById('studio-editor');
  const response = await fetch(root.getAttribute('data-validate-url'), {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': root.getAttribute('data-csrf') },
    body: JSON.stringify({ xml }),
  });
  const report = await response.json();
  return { xml, ok: report.ok, errors: report.findings.filter((f) => f.severity === 'error') };
}"""


@pytest.mark.parametrize("process_id", sorted(p.stem for p in LIBRARY.glob("*.bpmn")))
def test_every_library_diagram_survives_the_editor(login, page, process_id) -> None:  # type: ignore[no-untyped-def]
    """Opening and exporting a diagram keeps everything the engine reads: it still validates, same properties."""
    login("owner")
    page.goto(f"/studio/{process_id}/edit")
    expect(page.locator("#studio-editor[data-ready=true]")).to_be_visible()
    result = page.evaluate(ROUND_TRIP)
    assert result["ok"], result["errors"]
    original = (LIBRARY / f"{process_id}.bpmn").read_text(encoding="utf-8")
    for tag in (
        "<spiffworkflow:property ",
        "<spiffworkflow:calledDecisionId",
        "<spiffworkflow:postScript",
        "<bpmn:script",
    ):
        assert result["xml"].count(tag) == original.count(tag), tag


def test_owner_opens_a_decision_table_and_validates_it(login, page, screenshot) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    csp: list[str] = []
    page.on("console", lambda message: csp.append(message.text) if "Content Security Policy" in message.text else None)
    login("owner")
    page.goto("/studio")
    page.locator('[data-decision="decisions/legal_status_rights.dmn"] a', has_text="Otwórz w edytorze").click()
    editor = page.locator("#studio-dmn[data-ready=true]")
    expect(editor).to_be_visible()
    expect(page.locator(".tjs-table")).to_be_visible()  # the decision table itself
    expect(page.locator(".tjs-table")).to_contain_text("refugee")
    expect(page.locator(".powered-by, .bjs-powered-by, .dmn-powered-by").first).to_be_attached()
    page.get_by_role("button", name="Sprawdź poprawność").click()
    expect(page.locator("#studio-dmn [data-report]")).to_have_attribute("data-ok", "true")
    screenshot("studio-decision-table")
    page.get_by_role("button", name="Wdróż", exact=True).click()
    # The editor's export holds the same table, so no process gets a new version.
    expect(page.locator("#studio-dmn")).to_have_attribute("data-deployed", "")
    expect(page.locator("#studio-dmn [data-status]")).to_have_text(
        "Nic się nie zmieniło; każdy proces zostaje w swojej wersji."
    )
    assert not errors, errors
    assert not csp, csp
