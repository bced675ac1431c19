"""In a real browser: the supervisor downloads the printable IPD from the case file, then opens the heat map of
the IPD process and sees the coloured tasks, the badges, the gateway counts and the legend."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from engine.accounts.models import User
from engine.db import database
from engine.definitions.service import latest_definition
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import claim_task, complete_task
from tests.browser import test_cases_browser
from tests.processes.samples import sample

pytestmark = pytest.mark.browser
library = test_cases_browser.library


def _complete(live_server, case_id: int, element_id: str, who: str, data: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
    with database.unit_of_work() as session:
        actor = session.get(User, live_server.users[who].id)
        task = session.scalar(
            select(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.element_id == element_id, HumanTask.state == TaskState.OPEN
            )
        )
        assert actor is not None and task is not None
        if task.assignee_id is None:
            claim_task(session, actor, task.id)
        complete_task(session, actor, task.id, data)


def test_print_the_plan_and_open_the_heat_map(login, page, start_process, live_server, screenshot) -> None:  # type: ignore[no-untyped-def]
    case, _ = start_process("ipd_drafting", family="Melnyk")
    _complete(live_server, case.id, "Task_draft_plan", "sw", sample("ipd/plan"))
    _complete(live_server, case.id, "Task_approve_plan", "sup", sample("ipd/approval"))
    _complete(live_server, case.id, "Task_sign_plan", "sw", sample("ipd/signature"))
    login("sup")
    page.goto(f"/cases/{case.id}")
    with page.expect_download() as info:
        page.locator("a.plan-print").click()
    download = info.value
    assert download.suggested_filename.endswith("-v1.pdf")
    with open(download.path(), "rb") as pdf:
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    assert "Learn Polish" in text and "Podpis beneficjenta" in text and "Підпис бенефіціара" in text

    with database.unit_of_work() as session:
        version = latest_definition(session, "ipd_drafting").version
    page.goto("/analytics/processes")
    page.locator(f'a[href="/analytics/processes/ipd_drafting/{version}"]').click()
    diagram = page.locator(".heat-map[data-rendered=true]")
    expect(diagram.locator("svg").first).to_be_visible()
    # The waits here are seconds long: every completed task is in the lowest bucket.
    expect(diagram.locator(".djs-element.heat-low[data-element-id=Task_draft_plan]")).to_have_count(1)
    expect(diagram.locator(".heat-badge").first).to_be_visible()
    expect(diagram.locator(".flow-count").first).to_be_visible()
    expect(page.locator(".heat-legend .legend-heat-very-high")).to_be_visible()
    expect(page.locator("table.analytics-elements tr[data-element=Task_sign_plan]")).to_be_visible()
    screenshot("process-heat-map")
