"""The kept caseload counts agree with the cases themselves, through opening, specialists joining and closing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from engine import clock
from engine.cases.caseload import CaseLoad, recount
from engine.cases.service import BeneficiaryInput, close_case, open_case, start_case
from engine.definitions.service import deploy, read_directory
from forms.registry import FormRegistry, use_registry
from tests.processes.driver import PROCESSES
from tests.processes.walker import CaseWalker, Staff


def _kept(session) -> dict[int, int]:
    return {row.user_id: row.open_cases for row in session.scalars(select(CaseLoad)) if row.open_cases}


def test_kept_counts_match_a_recount_through_a_case_s_life(db_session) -> None:
    previous = use_registry(FormRegistry())
    try:
        with clock.frozen_clock(datetime(2026, 1, 12, 10, tzinfo=UTC)) as frozen:
            deploy(db_session, None, read_directory(PROCESSES))
            staff = Staff.create(db_session, prefix="load")
            cases = []
            for number in range(3):
                person = BeneficiaryInput(given_names_latin=f"P{number}", family_name_latin="Load")
                case = open_case(db_session, staff.case_manager, person)
                start_case(db_session, staff.case_manager, case)
                cases.append(case)
            walker = CaseWalker(db_session, staff, frozen)
            # Specialists join through their diagnosis tasks; the first case then goes on to closure.
            walker.walk(cases[1], until=lambda: "ipd/plan" in walker.trail)
            walker.walk(cases[0])
            assert cases[0].status == "closed"
            kept = _kept(db_session)
            assert kept[staff.case_manager.id] == 2
            assert kept[staff.by_role["psychologist"].id] == 1  # joined the second case only (the first closed)
            close_case(db_session, None, cases[2], "moved_away")
            close_case(db_session, None, cases[2], "moved_away")  # a second closing changes nothing
            kept = _kept(db_session)
            recount(db_session)
            assert kept == _kept(db_session)
            assert kept[staff.case_manager.id] == 1
    finally:
        use_registry(previous)
