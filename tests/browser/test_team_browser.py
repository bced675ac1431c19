"""The interdisciplinary team in a real browser: a psychologist flags a case, the quarterly meeting opens on
1 February (the test clock), the supervisor records the agenda and a decision for the career counsellor, who
finds the task in the inbox, a notification under the bell and an e-mail caught by a local SMTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine import clock
from engine.accounts.models import User
from engine.accounts.service import create_user
from engine.cases.models import Case
from engine.cases.occurrences import start_occurrence
from engine.cases.service import BeneficiaryInput, open_case
from engine.db import database
from engine.definitions.service import deploy, read_directory
from engine.instances.models import ProcessInstance, Timer, TimerStatus
from engine.instances.timers import fire_timer
from engine.notifications.jobs import _send_pending
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import claim_task
from engine.team.cycles import start_team_cycles
from forms.registry import FormRegistry, use_registry
from tests import factories
from tests.browser.conftest import SCREENSHOTS
from tests.browser.journey_helpers import fill_form
from tests.smtp_server import smtp_server

pytestmark = pytest.mark.browser
LIBRARY = Path(__file__).resolve().parents[2] / "processes"
OFFICE = "TMO"
BEFORE = datetime(2027, 1, 20, 9, tzinfo=UTC)
MEETING_DAY = datetime(2027, 2, 1, 7, tzinfo=UTC)


@pytest.fixture(scope="module")
def team_office(live_server) -> Iterator[dict[str, int]]:  # type: ignore[no-untyped-def]
    previous = use_registry(FormRegistry())
    database.configure(live_server.database_url)
    with clock.frozen_clock(BEFORE), database.unit_of_work() as session:
        deploy(session, None, read_directory(LIBRARY), source="test")
        manager = factories.user(session, "social_worker", office_code=OFFICE, username="tm-sw")
        psy = factories.user(session, "psychologist", office_code=OFFICE, username="tm-psy")
        factories.user(session, "supervisor", office_code=OFFICE, username="tm-sup")
        create_user(
            session,
            "tm-career",
            office_code=OFFICE,
            roles=["career_counsellor"],
            password=factories.PASSWORD,
            display_name="Kasia Doradczyni",
            email="kasia@example.org",
            preferred_locale="pl",
        )
        case = open_case(session, manager, BeneficiaryInput(given_names_latin="Mariia", family_name_latin="Teamova"))
        # The psychologist becomes a member of the case by taking its session, as in the inbox.
        outcome = start_occurrence(session, manager, case, "service_session", session_role="psychologist")
        claim_task(session, psy, outcome.new_task_ids[0])
        ids = {"case": case.id}
    yield ids
    use_registry(previous)


def login(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".user-link")).to_be_visible()


def logout(page: Page) -> None:
    page.locator("form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login"))


def take_from_role_queue(page: Page, task: str) -> None:
    page.goto("/inbox?view=role")
    offered = page.locator("tbody tr", has_text=task)
    expect(offered).to_have_count(1)
    offered.get_by_role("button", name="Przyjmij").click()
    expect(page.locator(".flash-success")).to_contain_text("Przyjęto zadanie")
    page.goto("/inbox?view=mine")
    page.locator("tbody tr", has_text=task).get_by_role("link", name=task).click()
    expect(page.locator("h1")).to_have_text(task)


def submit(page: Page) -> None:
    page.get_by_role("button", name="Wyślij").click()
    expect(page.locator(".flash-success")).to_contain_text("Zadanie wykonane")


def fire_office_timers() -> None:
    """What the scheduler does at the moment the clock shows: fire this office's due timers."""
    with database.unit_of_work() as session:
        due = session.scalars(
            select(Timer.id)
            .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .join(User, User.office_id == ProcessInstance.office_id)
            .where(User.username == "tm-sup", Timer.status == TimerStatus.PENDING, Timer.due_at <= clock.utcnow())
        ).all()
    for timer_id in due:
        with database.unit_of_work() as session:
            fire_timer(session, timer_id)


def test_a_flagged_case_is_decided_by_the_team_and_the_counsellor_is_told(  # type: ignore[no-untyped-def]
    page: Page, team_office, monkeypatch
) -> None:
    with database.unit_of_work() as session:
        case = session.get(Case, team_office["case"])
        assert case is not None
        number = case.number
    frozen = clock.FrozenClock(BEFORE)
    clock.set_clock(frozen)
    try:
        # The psychologist puts the case on the team's list from the case file.
        login(page, "tm-psy")
        page.goto(f"/cases/{team_office['case']}")
        page.get_by_label("Dlaczego zespół powinien omówić tę sprawę?").fill("Objawy traumy utrudniają pracę")
        page.get_by_role("button", name="Zgłoś na posiedzenie zespołu").click()
        expect(page.locator(".flash-success")).to_be_visible()
        logout(page)

        with database.unit_of_work() as session:
            start_team_cycles(session)
        fire_office_timers()
        with database.unit_of_work() as session:
            assert (
                session.scalar(
                    select(HumanTask.id).where(
                        HumanTask.operation == "record_team_agenda",
                        HumanTask.state == TaskState.OPEN,
                        HumanTask.process_id == "team_meeting",
                        HumanTask.office_id == case.office_id,
                    )
                )
                is None
            )

        # 1 February: the quarterly meeting opens its agenda for the office's supervisors.
        frozen.current = MEETING_DAY
        fire_office_timers()
        login(page, "tm-sup")
        page.goto("/team")
        expect(page.locator("main")).to_contain_text(number)
        take_from_role_queue(page, "Przygotuj agendę")
        expect(page.locator("[name='agenda_items-0-case_ref']")).to_have_value(number)
        # The flagged case, its reason and its presenter (the psychologist who flagged it) are proposed.
        expect(page.locator("[name='agenda_items-0-reason']")).to_have_value("Objawy traumy utrudniają pracę")
        expect(page.locator("[name='agenda_items-0-presenter_role']")).to_have_value("psychologist")
        fill_form(page, "team/agenda", {"meeting_place": "MOPR, sala 2"})
        submit(page)
        take_from_role_queue(page, "Zapisz protokół i decyzje")
        fill_form(
            page,
            "team/minutes",
            {
                "meeting_held_on": "2027-02-03",
                "meeting_attendees": [
                    {"attendee_name": "Koordynator", "attendee_role": "supervisor", "attendee_username": "tm-sup"},
                    {"attendee_name": "Jan Kowal", "attendee_role": "partner", "attendee_organisation": "MOPS Lublin"},
                ],
                "meeting_minutes": "Omówiono jedną sprawę.",
                "meeting_decisions": [
                    {
                        "case_ref": number,
                        "decision": "Znaleźć kurs zawodowy",
                        "decision_kind": "task",
                        "assigned_role": "career_counsellor",
                        "assignee_username": "tm-career",
                        "due_on": "2027-02-26",
                    }
                ],
                "continue_meetings": True,
            },
        )
        submit(page)
        page.goto("/team")
        page.locator("main table a").first.click()
        expect(page.locator("main")).to_contain_text("Znaleźć kurs zawodowy")
        expect(page.locator("main")).to_contain_text("MOPS Lublin")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "team-meeting.png"), full_page=True)
        logout(page)

        # The worker sends the e-mail after the commit: here, to a real SMTP server on this machine.
        with smtp_server() as inbox:
            monkeypatch.setenv("IPD_SMTP_HOST", inbox.host)
            monkeypatch.setenv("IPD_SMTP_PORT", str(inbox.port))
            monkeypatch.setenv("IPD_BASE_URL", "https://ipd.example.org")
            assert _send_pending() >= 1
        (mail,) = inbox.to("kasia@example.org")
        assert mail["Subject"] == "Decyzja zespołu interdyscyplinarnego"
        body = mail.get_content()
        assert number in body and "termin: 2027-02-26" in body and "https://ipd.example.org/tasks/" in body
        assert "Teamova" not in body and "traumy" not in body

        # The counsellor finds the task in the inbox and the notification under the bell.
        login(page, "tm-career")
        expect(page.locator(".bell-count")).to_have_text("1")
        page.goto(f"/inbox?view=mine&q={number}")
        expect(page.locator("tbody tr", has_text="Wykonaj decyzję zespołu")).to_have_count(1)
        page.locator(".bell").click()
        note = page.locator("ul.notifications li", has_text=number)
        expect(note).to_contain_text("Zespół interdyscyplinarny zlecił zadanie")
        note.get_by_role("button", name="Otwórz").click()
        expect(page.locator("h1")).to_have_text("Wykonaj decyzję zespołu")
        expect(page.locator("main")).to_contain_text("Znaleźć kurs zawodowy")  # what the team decided
        expect(page.locator(".bell-count")).to_have_text("0")
        page.screenshot(path=str(SCREENSHOTS / "team-decision-task.png"), full_page=True)
    finally:
        clock.reset_clock()
