"""Rename every element id of the library, walk a case from intake to closure: the pages read exactly the same.

A process owner renames and re-draws elements in the studio; nothing in the engine or the web layer may
depend on an element id. Two offices walk the same beneficiary through the same answers at the same clock
times, one on the library as it is, the other on a copy whose every element id was rewritten (deployed as the
next version of each process). The approvals queue, the case file and the dashboard are then compared as
HTML, after taking out what differs by nature: the office, the people, record and version numbers.
"""

# ruff: noqa: F811  (the login fixture is imported by name, which pytest requires)
from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock as engine_clock
from engine.cases.models import Case
from engine.cases.occurrences import start_occurrence
from engine.cases.service import BeneficiaryInput, open_case, start_case
from engine.definitions.service import deploy, read_directory
from engine.subsidies.budgets import set_budget
from engine.tasks.models import HumanTask, TaskState
from forms.registry import FormRegistry, use_registry
from tests import factories
from tests.processes.driver import PROCESSES
from tests.processes.rename_library import rename_library
from tests.processes.samples import sample
from tests.processes.walker import CaseWalker, Staff
from tests.web.conftest import login  # noqa: F401  (the fixture, by name)

START = datetime(2026, 1, 12, 10, tzinfo=UTC)
ANSWERS = {"material_aid/request": sample("material_aid/request", aid_category="clothing", aid_amount="900.00")}


@pytest.fixture
def real_forms() -> Iterator[None]:
    previous = use_registry(FormRegistry())
    yield
    use_registry(previous)


def _waiting_for_supervisor(session: Session, case: Case) -> int:
    return len(
        session.scalars(
            select(HumanTask.id).where(
                HumanTask.case_id == case.id, HumanTask.state == TaskState.OPEN, HumanTask.role == "supervisor"
            )
        ).all()
    )


def _normalised(html: str, office: str, case: Case) -> str:
    text = html.replace(case.number, "CASE")
    text = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', text)
    text = text.replace(office, "OFFICE").replace(office.lower(), "office").replace(office.title(), "Office")
    text = re.sub(r"(approval-|record-|/|#|=|:)\d+", r"\1N", text)  # ids in links, anchors and attributes
    text = re.sub(r'(data-[a-z-]+=")\d+', r"\1N", text)
    text = re.sub(r"\bv\d+\b", "vN", text)  # the renamed library is the next version of each process
    return text


def _walk_and_read(
    session: Session, client: FlaskClient, login, office: str, frozen: engine_clock.FrozenClock
) -> dict[str, str]:
    """Walk one case in ``office`` through the deployed library; return its pages, normalised."""
    frozen.current = START
    staff = Staff.create(session, office_code=office)
    set_budget(session, None, office, date(2026, 1, 1), date(2026, 12, 31), Decimal("100000.00"))
    person = BeneficiaryInput(given_names_latin="Olena", family_name_latin="Kovalenko", date_of_birth=date(1990, 3, 4))
    case = open_case(session, staff.case_manager, person)
    start_case(session, staff.case_manager, case)
    walker = CaseWalker(session, staff, frozen, answers=ANSWERS)
    walker.walk(case, until=lambda: "ipd/signature" in walker.trail)
    for process_id in ("material_aid", "housing_subsidy"):
        start_occurrence(session, staff.case_manager, case, process_id)
    walker.walk(case, until=lambda: _waiting_for_supervisor(session, case) >= 2)
    session.commit()
    pages = {}
    login(staff.supervisor)
    pages["approvals"] = client.get("/approvals").get_data(as_text=True)
    walker.walk(case)
    session.commit()
    pages["case file"] = client.get(f"/cases/{case.id}").get_data(as_text=True)
    pages["dashboard"] = client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    assert case.status == "closed", walker.trail
    assert "closure/approval" in walker.trail and "housing/payment" in walker.trail
    return {name: _normalised(html, office, case) for name, html in pages.items()}


def test_a_renamed_library_shows_exactly_what_the_original_shows(
    db_session: Session, client: FlaskClient, login, real_forms, tmp_path: Path
) -> None:
    renamed_dir = tmp_path / "renamed"
    counts = rename_library(PROCESSES, renamed_dir)
    assert sum(counts.values()) > 500
    assert "Task_" not in "".join(p.read_text(encoding="utf-8") for p in renamed_dir.rglob("*.bpmn"))
    factories.office(db_session, "KRK")
    factories.office(db_session, "GDN")
    with engine_clock.frozen_clock(START) as frozen:
        deploy(db_session, None, read_directory(PROCESSES), source="original")
        original = _walk_and_read(db_session, client, login, "KRK", frozen)
        deployed = deploy(db_session, None, read_directory(renamed_dir), source="renamed")
        assert deployed.new_versions, "the renamed library must run as new versions"
        renamed = _walk_and_read(db_session, client, login, "GDN", frozen)
    for name in original:
        assert "Kovalenko" in original[name] or name == "dashboard"
        if original[name] != renamed[name]:
            diff = "\n".join(
                difflib.unified_diff(original[name].splitlines(), renamed[name].splitlines(), lineterm="", n=1)
            )
            pytest.fail(f"the {name} differs on the renamed library:\n{diff[:4000]}")
