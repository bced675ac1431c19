"""The work pages in a real browser: inbox, claiming, task forms, drafts, four-eyes approval, language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.accounts.models import User
from engine.cases.service import BeneficiaryInput, open_case
from engine.db import database
from engine.instances.service import start_instance
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import assign_task, complete_task
from tests.processes.samples import sample

pytestmark = pytest.mark.browser
#: 1 250,00 as Polish formats it (a no-break space between thousands).
THOUSAND_250 = re.compile(r"1\s250,00")


def open_task(instance_id: int, element_id: str) -> HumanTask:
    with database.unit_of_work() as session:
        task = session.scalar(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id,
                HumanTask.element_id == element_id,
                HumanTask.state == TaskState.OPEN,
            )
        )
        assert task is not None
        return task


def test_each_role_logs_in(login, page, live_server, screenshot):
    for username in live_server.users:
        login(username)
        expect(page.locator(".user-link")).to_contain_text(username.title())
        expect(page.locator(".mainnav")).to_contain_text("Zadania (")
        if username == "sup":
            page.goto("/approvals")
            expect(page.locator("h1")).to_have_text("Zatwierdzenia")
        page.locator("form[action='/logout'] button").click()
        expect(page).to_have_url(re.compile(r"/login"))


def test_inbox_shows_a_routed_task_and_claims_it(login, page, start_process, screenshot):
    case, instance = start_process("browser_diagnosis", family="Melnyk")
    login("psy")
    page.goto("/inbox?view=role")
    row = page.locator("tr", has_text=case.number).filter(has_text="Diagnoza psychologiczna")
    expect(row).to_be_visible()
    # A candidate sees the case number, not the person (engine.access.policy); taking the task opens the case.
    expect(row).not_to_contain_text("Melnyk")
    expect(row).not_to_contain_text("None")
    screenshot("inbox")
    row.get_by_role("button", name="Przyjmij").click()
    expect(page.locator(".flash-success")).to_contain_text("Przyjęto zadanie")
    expect(page).to_have_url(re.compile(r"view=role"))  # back where the claim was made
    page.goto("/inbox")
    expect(page.locator("tr", has_text=case.number)).to_contain_text("Diagnoza psychologiczna")
    expect(page.locator("tr", has_text=case.number)).to_contain_text("Olena Melnyk")


def test_a_lawyer_cannot_open_the_psychologists_task(login, page, start_process):
    _case, instance = start_process("browser_diagnosis")
    psy = open_task(instance.id, "psy")
    law = open_task(instance.id, "law")
    login("law")
    response = page.goto(f"/tasks/{psy.id}")
    assert response is not None and response.status in (403, 404)
    response = page.goto(f"/tasks/{law.id}")
    assert response is not None and response.status == 200


def test_form_errors_keep_typed_values_and_a_draft_is_saved(login, page, start_process, screenshot):
    case, instance = start_process("browser_plan", family="Bondar")
    task = open_task(instance.id, "draft")
    login("sw")
    page.goto(f"/tasks/{task.id}")
    expect(page.locator("aside")).to_contain_text("Olena Bondar")
    page.fill("[name='ipd_goals-0-goal_id']", "G1")
    page.select_option("[name='ipd_goals-0-goal_area']", "housing")
    page.fill("[name='ipd_goals-0-goal']", "Znaleźć mieszkanie")
    page.fill("[name='ipd_goals-0-target']", "Umowa najmu")
    page.fill("[name='ipd_goals-0-target_date']", "2026-06-30")
    # Add a second goal with the small script, then leave it incomplete.
    page.locator("button[data-add-row='ipd_goals']").click()
    expect(page.locator("[name='ipd_goals-1-goal_id']")).to_have_value("")
    page.fill("[name='ipd_goals-1-goal_id']", "X9")
    page.fill("[name='review_interval_months']", "3")
    page.get_by_role("button", name="Wyślij").click()

    expect(page.locator(".flash-error").first).to_contain_text("wymagają poprawienia")
    expect(page.locator("[name='ipd_goals-0-goal']")).to_have_value("Znaleźć mieszkanie")
    expect(page.locator("[name='ipd_goals-1-goal_id']")).to_have_value("X9")
    expect(page.locator("[name='review_interval_months']")).to_have_value("3")
    goal_id_error = page.locator("#ipd_goals-1-goal_id-error")
    expect(goal_id_error).to_have_text("Wartość ma niewłaściwą postać.")
    expect(page.locator("[name='ipd_goals-1-goal_id']")).to_have_attribute(
        "aria-describedby", re.compile("ipd_goals-1-goal_id-error")
    )
    expect(page.locator("#ipd_language-error")).to_have_text("To pole jest wymagane.")
    screenshot("task-form-errors")

    page.get_by_role("button", name="Zapisz szkic").click()
    expect(page.locator(".flash-success")).to_contain_text("Szkic zapisany")
    page.reload()
    expect(page.locator("[name='ipd_goals-0-goal']")).to_have_value("Znaleźć mieszkanie")
    expect(page.locator("[name='ipd_goals-1-goal_id']")).to_have_value("X9")


def _aid_requests_on_one_case(live_server, requests):
    """One case managed by "sw", a material-aid process per (requester, category, amount), requests made."""
    with database.unit_of_work() as session:
        manager = session.get(User, live_server.users["sw"].id)
        case = open_case(
            session, manager, BeneficiaryInput(given_names_latin="Olena", family_name_latin="Hassan", citizenship="UKR")
        )
        instances = []
        for requester, category, amount in requests:
            actor = session.get(User, live_server.users[requester].id)
            instance = start_instance(session, actor, "material_aid", case=case).instance
            request = session.scalar(
                select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == TaskState.OPEN)
            )
            if request.assignee_id != actor.id:
                supervisor = session.get(User, live_server.users["sup"].id)
                assign_task(session, supervisor, request.id, actor.id)
            complete_task(
                session,
                actor,
                request.id,
                sample("material_aid/request", aid_category=category, aid_amount=amount, aid_description=category),
            )
            instances.append(instance.id)
    return case, instances


def test_two_aid_requests_on_one_case_each_card_shows_its_own_and_four_eyes_holds(login, page, live_server, screenshot):
    case, (first, second) = _aid_requests_on_one_case(
        live_server, [("both", "clothing", "1250.00"), ("sw", "small_appliances", "300.00")]
    )
    first_approval = open_task(first, "Task_approve_aid")
    second_approval = open_task(second, "Task_approve_aid")

    login("both")
    page.goto("/approvals")
    cards = page.locator("section.approval", has_text=case.number)
    expect(cards).to_have_count(2)
    own = page.locator("section.approval", has=page.locator(f"a[href='/tasks/{first_approval.id}']"))
    other = page.locator("section.approval", has=page.locator(f"a[href='/tasks/{second_approval.id}']"))
    expect(own).to_contain_text(THOUSAND_250)
    expect(own).not_to_contain_text("300,00")
    expect(own.locator(".four-eyes-note")).to_be_visible()
    expect(other).to_contain_text("300,00")
    expect(other).not_to_contain_text(THOUSAND_250)
    expect(other.locator(".four-eyes-note")).to_have_count(0)
    screenshot("approvals-two-requests")

    own.get_by_role("link", name="Zdecyduj").click()
    expect(page.locator(".subject-record")).to_contain_text(THOUSAND_250)
    page.get_by_label("Zatwierdzam").check()
    page.get_by_role("button", name="Wyślij").click()
    expect(page.locator(".flash-error[role=alert]").first).to_contain_text("Zasada czworga oczu")

    page.goto(f"/tasks/{second_approval.id}")
    expect(page.locator(".subject-record")).to_contain_text("300,00")
    page.get_by_label("Zatwierdzam").check()
    page.get_by_role("button", name="Wyślij").click()
    expect(page.locator(".flash-success")).to_contain_text("Zadanie wykonane")
    page.goto(f"/tasks/{second_approval.id}")
    expect(page.locator(".subject-record")).to_contain_text("300,00")
    screenshot("task-completed")


def test_instance_admin_page(login, page, start_process, screenshot):
    _case, instance = start_process("browser_diagnosis")
    login("sup")
    page.goto("/admin/instances")
    expect(page.locator("h1")).to_have_text("Procesy")
    page.goto(f"/admin/instances/{instance.id}")
    page.fill("#suspend-reason", "czekamy na dokumenty")
    page.get_by_role("button", name="Wstrzymaj").click()
    expect(page.locator(".flash-success")).to_contain_text("wstrzymany")
    screenshot("instance-admin")
    page.get_by_role("button", name="Wznów").click()
    expect(page.locator(".flash-success")).to_contain_text("znowu działa")


def test_switching_to_english_changes_the_interface(login, page, screenshot):
    login("sw")
    page.goto("/inbox")
    expect(page.locator("h1")).to_have_text("Skrzynka zadań")
    page.select_option("#locale-select", "en")
    page.locator(".language-switch button").click()
    expect(page.locator("h1")).to_have_text("Inbox")
    expect(page.locator(".tabs")).to_contain_text("My tasks")
    screenshot("inbox-english")
    page.select_option("#locale-select", "pl")
    page.locator(".language-switch button").click()
    expect(page.locator("h1")).to_have_text("Skrzynka zadań")
