"""One beneficiary's journey through the real process library, in a real browser, as each role.

A social worker (who is also a supervisor, so four-eyes can be seen refusing) registers a beneficiary,
meets the duplicate warning on a repeat, completes the intake; the psychologist and the lawyer take
their diagnoses from their inboxes; the plan is drafted, returned with a comment, fixed, refused to its
drafter, approved by another supervisor and signed; a housing subsidy is applied for from the case file
and approved; the case file shows the timeline and the highlighted diagram; a lawyer is refused the
psychological record; a form with errors keeps what was typed; English changes the interface.
Every form is filled through the page from `tests.processes.samples`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine.cases.models import Case
from engine.clock import utcnow
from engine.db import database
from engine.definitions.service import deploy, read_directory
from engine.subsidies.budgets import set_budget
from forms.registry import FormRegistry, use_registry
from tests import factories
from tests.browser.conftest import SCREENSHOTS
from tests.browser.journey_helpers import fill_form
from tests.processes.samples import sample

pytestmark = pytest.mark.browser
LIBRARY = Path(__file__).resolve().parents[2] / "processes"
OFFICE = "KRK"
# username → roles; all in one office of their own so the inboxes hold only this journey's work.
PEOPLE = {
    "jmanager": ("social_worker", "supervisor"),
    "jpsy": ("psychologist",),
    "jlaw": ("lawyer",),
    "jsup": ("supervisor",),
    "jsup2": ("supervisor",),
}


@pytest.fixture(scope="module")
def journey_office(live_server) -> Iterator[None]:  # type: ignore[no-untyped-def]
    previous = use_registry(FormRegistry())
    database.configure(live_server.database_url)
    with database.unit_of_work() as session:
        deploy(session, None, read_directory(LIBRARY), source="test")
        for name, roles in PEOPLE.items():
            factories.user(session, *roles, office_code=OFFICE, username=name)
        today = utcnow().date()
        set_budget(session, None, OFFICE, today - timedelta(days=1), today + timedelta(days=400), Decimal("120000.00"))
    yield
    use_registry(previous)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"journey-{name}.png"), full_page=True)


def login(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".user-link")).to_contain_text(username.title())


def logout(page: Page) -> None:
    page.locator("form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login"))


def open_from_inbox(page: Page, number: str, task: str, *, claim: bool = False) -> None:
    """Open ``task`` of case ``number`` from my tasks, claiming it from my role's queue if nobody has
    (``claim``: it must be waiting there)."""
    page.goto(f"/inbox?view=mine&q={number}")
    mine = page.locator("tbody tr", has_text=task)
    if claim:
        expect(mine).to_have_count(0)
    if mine.count() == 0:
        page.goto(f"/inbox?view=role&q={number}")
        offered = page.locator("tbody tr", has_text=task)
        expect(offered).to_have_count(1)
        offered.get_by_role("button", name="Przyjmij").click()
        expect(page.locator(".flash-success")).to_contain_text("Przyjęto zadanie")
        page.goto(f"/inbox?view=mine&q={number}")
    page.locator("tbody tr", has_text=task).get_by_role("link", name=task).click()
    expect(page.locator("h1")).to_have_text(task)


def submit(page: Page) -> None:
    page.get_by_role("button", name="Wyślij").click()
    expect(page.locator(".flash-success")).to_contain_text("Zadanie wykonane")


def register_person(page: Page, screenshot: str | None = None) -> None:
    page.goto("/cases/new")
    if screenshot:
        shot(page, screenshot)
    page.get_by_label("Imiona (alfabet łaciński)").fill("Mariam")
    page.get_by_label("Nazwisko (alfabet łaciński)").fill("Journeyova")
    page.get_by_label("Data urodzenia").fill("1991-02-03")
    page.get_by_label("Numer dokumentu").fill("RP7654321")
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()


def case_of(page: Page) -> Any:
    with database.unit_of_work() as session:
        case = session.scalar(select(Case).order_by(Case.id.desc()))
        assert case is not None and case.beneficiary.family_name_latin == "Journeyova"
        return case.id, case.number


def test_a_beneficiary_from_registration_to_an_approved_plan_and_subsidy(  # type: ignore[no-untyped-def]
    journey_office, page: Page
) -> None:
    # -- intake: register (duplicates first), legal status and consent ---------------------------
    login(page, "jmanager")
    register_person(page, "new-case")
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    register_url = page.url
    case_id, number = case_of(page)
    expect(page.locator("h1")).to_have_text("Zarejestruj beneficjenta")
    register_person(page)
    warning = page.locator(".duplicate-warning")
    expect(warning).to_contain_text(number)
    shot(page, "new-case-duplicate")

    page.goto(register_url)
    fill_form(
        page,
        "intake/register",
        sample("intake/register", given_names_latin="Mariam", family_name_latin="Journeyova", birth_date="1991-02-03"),
    )
    shot(page, "task-register")
    submit(page)

    page.goto("/inbox")
    shot(page, "inbox")
    open_from_inbox(page, number, "Ustal status prawny i zgody")
    fill_form(page, "intake/legal_status", sample("intake/legal_status", diagnosis_areas=["legal", "psychological"]))
    submit(page)
    logout(page)

    # -- needs diagnosis: the psychologist and the lawyer from their inboxes -----------------------
    login(page, "jpsy")
    open_from_inbox(page, number, "Diagnoza psychologiczna", claim=True)
    shot(page, "task-psychological")
    fill_form(page, "diagnosis/psychological", sample("diagnosis/psychological"))
    submit(page)
    logout(page)

    login(page, "jlaw")
    page.goto(f"/inbox?view=role&q={number}")
    shot(page, "inbox-lawyer")
    open_from_inbox(page, number, "Diagnoza prawna", claim=True)
    fill_form(page, "diagnosis/legal", sample("diagnosis/legal"))
    submit(page)
    logout(page)

    # -- the plan: drafted, returned, fixed, four-eyes, approved, signed --------------------------
    login(page, "jmanager")
    open_from_inbox(page, number, "Opracuj IPD")
    plan = sample("ipd/plan")
    # A form with errors keeps what was typed.
    fill_form(page, "ipd/plan", {**plan, "review_interval_months": "co kwartał"})
    page.get_by_role("button", name="Wyślij").click()
    expect(page.locator(".flash-error").first).to_contain_text("wymagają poprawienia")
    expect(page.locator("[name='ipd_goals-1-goal']")).to_have_value("Find work")
    expect(page.locator("[name='ipd_actions-0-partner_institution']")).to_have_value("CIC Lublin")
    expect(page.locator("[name='review_interval_months']")).to_have_value("co kwartał")
    expect(page.locator("#review_interval_months-error")).to_be_visible()
    shot(page, "task-plan-errors")
    page.fill("[name='review_interval_months']", "3")
    submit(page)
    logout(page)

    login(page, "jsup")
    page.goto("/approvals")
    section = page.locator("section.approval", has_text=number)
    expect(section).to_contain_text("Learn Polish")
    expect(page.locator(".subsidy-budget")).to_contain_text("zł")
    shot(page, "approvals")
    section.get_by_role("link", name="Zdecyduj").click()
    fill_form(
        page,
        "ipd/approval",
        {"ipd_approval_decision": "return", "ipd_approval_comment": "Dodaj termin rejestracji w PUP."},
    )
    submit(page)
    logout(page)

    login(page, "jmanager")
    open_from_inbox(page, number, "Opracuj IPD")
    expect(page.locator("main")).to_contain_text("Dodaj termin rejestracji w PUP.")
    expect(page.locator("[name='ipd_goals-0-goal']")).to_have_value("Learn Polish")
    page.fill("[name='ipd_actions-1-deadline']", "2026-12-15")
    submit(page)
    # The drafter is a supervisor too, but may not approve their own plan.
    page.goto("/approvals")
    page.locator("section.approval", has_text=number).get_by_role("link", name="Zdecyduj").click()
    fill_form(page, "ipd/approval", sample("ipd/approval"))
    page.get_by_role("button", name="Wyślij").click()
    expect(page.locator(".flash-error[role=alert]").first).to_contain_text("Zasada czworga oczu")
    approve_url = page.url
    logout(page)

    # The supervisor who returned the plan may decide again (nothing of theirs to approve).
    login(page, "jsup")
    page.goto(approve_url)
    expect(page.locator("form.task-form")).to_be_visible()
    logout(page)

    login(page, "jsup2")
    page.goto(approve_url)
    fill_form(page, "ipd/approval", {"ipd_approval_decision": "approve", "ipd_approval_comment": "Dobry plan."})
    submit(page)
    logout(page)

    login(page, "jmanager")
    open_from_inbox(page, number, "Podpisz IPD z beneficjentem")
    fill_form(page, "ipd/signature", sample("ipd/signature"))
    submit(page)

    # -- a housing subsidy from the case file's start panel ---------------------------------------
    page.goto(f"/cases/{case_id}")
    page.select_option("#start-process", "housing_subsidy")
    page.locator("form.start-work button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Złóż wniosek o dofinansowanie")
    fill_form(page, "housing/application", sample("housing/application"))
    submit(page)
    logout(page)

    login(page, "jsup")
    page.goto("/approvals")
    section = page.locator("section.approval", has_text=number).filter(has_text="Zatwierdź dofinansowanie")
    section.get_by_role("link", name="Zdecyduj").click()
    fill_form(page, "housing/approval", sample("housing/approval"))
    submit(page)
    logout(page)

    # -- the case file: timeline, highlighted diagram, restricted psychological record ------------
    login(page, "jmanager")
    page.goto(f"/cases/{case_id}")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Jmanager — zakończono zadanie „Zarejestruj beneficjenta”")
    expect(timeline).to_contain_text("Jsup2")
    expect(page.locator(".plan-status")).to_be_visible()
    diagram = page.locator(".bpmn-diagram[data-rendered=true]")
    expect(diagram.first.locator("svg").first).to_be_visible()
    expect(page.locator(".djs-element.ipd-current[data-element-id=Task_confirm_payment]")).to_have_count(1)
    expect(page.locator(".djs-element.ipd-completed[data-element-id=Task_approve_subsidy]")).to_have_count(1)
    plan_section = page.locator("section[aria-labelledby=sec-plan]")
    expect(plan_section).to_contain_text("Dodaj termin rejestracji w PUP.")
    expect(plan_section).to_contain_text("Jsup2: zatwierdzony")
    expect(page.locator("section[aria-labelledby=sec-subsidy]")).to_contain_text(re.compile(r"1\s200,00"))
    shot(page, "case-file")
    psychological = page.locator("tr.diagnosis-psychological")
    expect(psychological).to_contain_text("niski")
    expect(psychological).to_contain_text("widoczne tylko dla psychologów")
    logout(page)

    login(page, "jpsy")
    page.goto(f"/cases/{case_id}")
    record = page.locator("tr.diagnosis-psychological a", has_text="Szczegóły")
    record_url = record.get_attribute("href")
    assert record_url is not None
    logout(page)

    login(page, "jlaw")
    response = page.goto(record_url)
    # The lawyer learns the area was assessed and its priority; the psychologist's answers are withheld.
    assert response is not None and response.status == 200
    expect(page.locator(".record-section .restricted")).to_have_count(1)
    expect(page.locator(".record-card")).not_to_contain_text(
        sample("diagnosis/psychological")["psychological_situation"]
    )
    shot(page, "record-restricted")

    # -- switching to English changes the interface ----------------------------------------------
    page.goto(f"/cases/{case_id}")
    page.select_option("#locale-select", "en")
    page.locator(".language-switch button").click()
    expect(page.locator("#sec-timeline")).to_have_text("Timeline")
    shot(page, "case-file-english")
    page.select_option("#locale-select", "pl")
    page.locator(".language-switch button").click()
    expect(page.locator("#sec-timeline")).to_have_text("Historia sprawy")


def test_a_list_nested_in_a_copied_row_grows_under_its_own_name(  # type: ignore[no-untyped-def]
    journey_office, page: Page, start_process, live_server
) -> None:
    from engine.accounts.models import User
    from engine.tasks.models import HumanTask, TaskState
    from engine.tasks.service import complete_task

    case, instance = start_process("intake", family="Nested")
    with database.unit_of_work() as session:
        actor = session.get(User, live_server.users["sw"].id)
        register = session.scalar(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.element_id == "Task_register")
        )
        complete_task(session, actor, register.id, sample("intake/register", family_name_latin="Nested"))
        task_id = session.scalar(
            select(HumanTask.id).where(HumanTask.instance_id == instance.id, HumanTask.state == TaskState.OPEN)
        )
    login(page, "sw")
    page.goto(f"/tasks/{task_id}")
    page.locator("button[data-add-row='consents']").click()
    expect(page.locator("[name='consents-1-partner_names-0']")).to_have_count(1)
    page.locator("[data-row='consents-1'] button[data-add-row]").click()
    expect(page.locator("[name='consents-1-partner_names-1']")).to_have_count(1, timeout=2_000)
