"""Two-factor sign-in in a real browser: a role that requires it is led through enrolment, then signs in with a code."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from engine.accounts.two_factor import set_role_requirement
from engine.db import database
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def national_admin_required():
    """A user whose role requires two factors; the requirement is lifted again for the other browser tests."""
    with database.unit_of_work() as session:
        user = factories.user(session, "national_admin", username="kraj-2fa")
        set_role_requirement(session, None, "national_admin", True)
    try:
        yield user.username
    finally:
        with database.unit_of_work() as session:
            set_role_requirement(session, None, "national_admin", False)


def test_enrol_then_sign_in_with_a_code(page, login, national_admin_required, screenshot):
    login(national_admin_required)
    expect(page).to_have_url("/login/enrol")
    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    screenshot("two-factor-recovery-codes")
    page.locator("main a.button").click()
    expect(page.locator(".user-link")).to_be_visible()

    page.locator("header form button[type=submit]").last.click()  # log out
    login(national_admin_required)
    expect(page).to_have_url("/login/code")
    expect(page.locator(".user-link")).to_have_count(0)
    page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))  # a code not used at enrolment
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".user-link")).to_be_visible()
    expect(page.get_by_role("link", name="Dziennik audytu")).to_be_visible()
