"""Administration in a real browser: a national administrator creates an office and a user, sets a budget, and
the new user signs in after setting a password through the reset link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.accounts.models import Office
from engine.db import database
from engine.subsidies.models import SubsidyBudget
from tests import factories

pytestmark = pytest.mark.browser
NEW_PASSWORD = "amber-kettle-horizon-57"


def test_national_admin_creates_office_user_budget_and_the_user_signs_in(login, page, screenshot) -> None:  # type: ignore[no-untyped-def]
    with database.unit_of_work() as session:
        factories.user(session, "national_admin", "admin", username="national")
    login("national")
    page.get_by_role("link", name="Administracja").click()
    page.get_by_role("link", name="Biura").click()
    page.fill("#code", "GDA")
    page.fill("#name", "Centrum Pomocy Migrantom – Gdańsk")
    page.fill("#city", "Gdańsk")
    page.get_by_role("button", name="Utwórz biuro").click()
    expect(page.locator("table")).to_contain_text("GDA")

    page.goto("/administration/users/new")
    page.fill("#username", "marta.gdansk")
    page.fill("#display_name", "Marta Kowalska")
    page.select_option("#office_id", label="GDA — Centrum Pomocy Migrantom – Gdańsk")
    page.get_by_label("Pracownik socjalny").check()
    page.get_by_role("button", name="Zapisz").click()
    link = page.locator("#reset-link").inner_text()
    assert re.search(r"/administration/password-reset/[A-Za-z0-9_-]{43}$", link)
    screenshot("administration-reset-link")

    page.goto("/administration/budgets")
    page.select_option("#office_id", label="GDA — Centrum Pomocy Migrantom – Gdańsk")
    page.fill("#period_start", "2027-01-01")
    page.fill("#period_end", "2027-12-31")
    page.fill("#amount", "80000.00")
    page.get_by_role("button", name="Zapisz budżet").click()
    expect(page.locator("table")).to_contain_text("GDA")
    with database.unit_of_work() as session:
        office = session.scalar(select(Office).where(Office.code == "GDA"))
        assert office is not None
        budget = session.scalar(select(SubsidyBudget).where(SubsidyBudget.office_id == office.id))
        assert budget is not None and str(budget.amount) == "80000.00"

    page.get_by_role("button", name="Wyloguj").click()
    page.goto(link)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD)
    page.get_by_role("button", name="Ustaw hasło").click()
    page.fill("input[name=username]", "marta.gdansk")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("Marta Kowalska")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Ten link jest nieważny")
