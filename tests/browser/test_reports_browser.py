"""The funder report in a real browser: charts drawn, a figure's cases opened, the XLSX downloaded and read."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from engine.accounts.models import User
from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import utcnow
from engine.db import database
from engine.people.models import Consent

pytestmark = pytest.mark.browser


def test_supervisor_opens_the_report_drills_down_and_downloads_xlsx(  # type: ignore[no-untyped-def]
    live_server, login, page, screenshot, tmp_path
) -> None:
    with database.unit_of_work() as session:
        worker = session.get(User, live_server.users["sw"].id)
        case = open_case(session, worker, BeneficiaryInput("Report", "Browser"))
        # As the intake records it: listed in reports only with the reporting consent in force.
        session.add(
            Consent(
                case_id=case.id,
                beneficiary_id=case.beneficiary_id,
                purpose="reporting",
                granted=True,
                given_on=utcnow().date(),
                language="pl",
                recorded_by_id=worker.id,
            )
        )
        number = case.number
    login("sup")
    page.goto("/reports")
    expect(page.locator("h1")).to_have_text("Raport dla grantodawcy i kierownictwa")
    expect(page.locator("#ind-beneficiaries_by_sex canvas.report-chart[data-rendered=true]")).to_have_count(1)
    screenshot("report")
    page.locator('#ind-beneficiaries_by_sex tr[data-group="unknown"] a').click()
    expect(page.locator("#figure-cases")).to_contain_text(number)
    page.goto("/reports")
    with page.expect_download() as download_info:
        page.locator("#export-xlsx").click()
    target = tmp_path / "report.xlsx"
    download_info.value.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0] == ("Wskaźnik", "Podział", "Miara", "Wartość")
    served = [r for r in rows if r[0] == "Obsłużeni beneficjenci według płci" and r[2] == "Sprawy"]
    assert served and served[0][3] >= 1
