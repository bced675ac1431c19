"""Case pages in a real browser: new case with the duplicate check, the case file with its timeline and
bpmn-js diagram, the rights lookup and the dashboard charts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.accounts.models import User
from engine.cases.models import Case
from engine.db import database
from engine.definitions.service import deploy, read_directory
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import complete_task
from forms.registry import FormRegistry, use_registry
from tests.processes.samples import sample

pytestmark = pytest.mark.browser
LIBRARY = Path(__file__).resolve().parents[2] / "processes"


@pytest.fixture(autouse=True)
def library(live_server) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The process library on the live server (deploying it again changes nothing), with the real forms."""
    previous = use_registry(FormRegistry())
    with database.unit_of_work() as session:
        deploy(session, None, read_directory(LIBRARY), source="test")
    yield
    use_registry(previous)


def register(page, given: str, family: str, born: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/cases/new")
    page.fill("#given_names_latin", given)
    page.fill("#family_name_latin", family)
    page.fill("#date_of_birth", born)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()


def test_social_worker_registers_and_lands_on_the_intake_task(login, page, screenshot) -> None:  # type: ignore[no-untyped-def]
    login("sw")
    register(page, "Oksana", "Bondarenko", "1988-05-17")
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    with database.unit_of_work() as session:
        case = session.scalar(select(Case).order_by(Case.id.desc()))
        assert case is not None and case.beneficiary.family_name_latin == "Bondarenko"
        number = case.number
        task = session.scalar(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == TaskState.OPEN))
        assert task is not None and task.element_id == "Task_register"
    assert page.url.endswith(f"/tasks/{task.id}")

    register(page, "Oksana", "Bondarenko", "1988-05-17")
    warning = page.locator(".duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(number)
    screenshot("cases-new-duplicate")
    page.goto("/cases?q=bondarenko")
    expect(page.locator("table")).to_contain_text(number)
    screenshot("cases-list")


def test_case_file_timeline_and_highlighted_diagram(login, page, start_process, live_server, screenshot) -> None:  # type: ignore[no-untyped-def]
    case, instance = start_process("intake", family="Shevchenko")
    with database.unit_of_work() as session:
        actor = session.get(User, live_server.users["sw"].id)
        task = session.scalar(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.element_id == "Task_register")
        )
        complete_task(session, actor, task.id, sample("intake/register", family_name_latin="Shevchenko"))
    login("sw")
    page.goto(f"/cases/{case.id}")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Sw — zakończono zadanie „Zarejestruj beneficjenta”")
    expect(timeline).to_contain_text("rozpoczęto proces „Przyjęcie”")
    diagram = page.locator(".bpmn-diagram[data-rendered=true]")
    expect(diagram.locator("svg").first).to_be_visible()
    expect(diagram.locator(".djs-element.ipd-current[data-element-id=Task_legal_status]")).to_have_count(1)
    expect(diagram.locator(".djs-element.ipd-completed[data-element-id=Task_register]")).to_have_count(1)
    expect(diagram.locator(".bjs-powered-by")).to_be_visible()
    screenshot("case-file")


def test_rights_lookup(login, page, screenshot) -> None:  # type: ignore[no-untyped-def]
    login("career")
    page.goto("/rights")
    page.select_option("#legal_status", "trafficking_victim")
    page.locator("main form button[type=submit]").click()
    result = page.locator(".rights-result")
    expect(result).to_contain_text("KCIK")
    expect(result.locator("[data-outcome=social_assistance]")).to_contain_text("Ograniczona")
    screenshot("rights")


def test_dashboard_charts_render(login, page, start_process, screenshot) -> None:  # type: ignore[no-untyped-def]
    start_process("intake", family="Dashboard")
    login("sup")
    page.goto("/dashboard")
    charts = page.locator("canvas.dashboard-chart[data-rendered=true]")
    expect(charts).to_have_count(4)  # caseload, spend, and the quarterly trends of work and of spend
    expect(page.locator('canvas[data-chart="trend-work"][data-rendered=true]')).to_have_count(1)
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100
    expect(page.locator("#caseload-table")).to_contain_text("Sw")
    screenshot("dashboard")
