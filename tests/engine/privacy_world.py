"""Two people walked through the deployed library, each with their own names, documents and notes, for the
subject-access and retention tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.cases.occurrences import start_occurrence
from engine.cases.service import BeneficiaryInput, open_case, start_case
from engine.clock import FrozenClock
from engine.definitions.service import deploy, read_directory
from engine.subsidies.budgets import set_budget
from engine.tasks.models import HumanTask
from tests.processes.driver import PROCESSES
from tests.processes.samples import sample
from tests.processes.walker import CaseWalker, Staff

START = datetime(2026, 1, 12, 10, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    original: str
    document: str
    pesel: str
    phone: str
    marker: str  # put into notes and narrative texts

    @property
    def strings(self) -> tuple[str, ...]:
        return (self.given, self.family, self.original, self.document, self.pesel, self.phone, self.marker)


FIRST = Person(
    "Zofiyanna", "Quellbrook", "Зофіянна Квелбрук", "RPQX778811", "90030412345", "+48 611 222 333", "MRKALPHA"
)
SECOND = Person(
    "Borysław", "Yarrowfield", "Борислав Ярровфілд", "RPZZ445566", "88121254321", "+48 699 888 777", "MRKBETA"
)


def _answers(session: Session, people: dict[int, Person]) -> dict[str, Any]:
    def person_of(task: HumanTask) -> Person:
        return people[task.case_id]

    def register(task: HumanTask) -> dict[str, Any]:
        p = person_of(task)
        return sample(
            "intake/register",
            given_names_latin=p.given,
            family_name_latin=p.family,
            name_original=p.original,
            pesel=p.pesel,
            phone=p.phone,
            address=f"ul. {p.family} 5",
            household_members=[
                {"member_name": f"{p.given} Junior", "relation": "child", "age": 4, "member_birth_date": None}
            ],
        )

    def legal(task: HumanTask) -> dict[str, Any]:
        p = person_of(task)
        data = sample("intake/legal_status")
        data["documents"] = [dict(data["documents"][0], document_number=p.document)]
        data["consents"].append(
            {
                "purpose": "reporting",
                "granted": False,
                "given_on": "2026-01-12",
                "consent_language": "uk",
                "interpreter_used": True,
            }
        )
        return data

    def noted(form: str, key: str):  # noqa: ANN202
        return lambda task: sample(form, **{key: f"{person_of(task).marker} note about {person_of(task).given}"})

    return {
        "intake/register": register,
        "intake/legal_status": legal,
        "diagnosis/psychological": noted("diagnosis/psychological", "psychological_situation"),
        "diagnosis/social": noted("diagnosis/social", "social_situation"),
        "session/record": noted("session/record", "session_note"),
        "closure/request": noted("closure/request", "handover_note"),
        "material_aid/request": lambda task: sample(
            "material_aid/request",
            aid_recipient=f"{person_of(task).given} Junior",
            aid_description=f"{person_of(task).marker} backpack",
        ),
    }


@dataclass
class World:
    session: Session
    staff: Staff
    walker: CaseWalker
    cases: dict[str, Case]


def build_world(session: Session, clock: FrozenClock, *, occurrences: bool) -> World:
    """Open a case for each person; walk the first through intake, diagnosis and plan (and, with ``occurrences``,
    a session, material aid and a housing subsidy, then on to closure); the second through its intake."""
    deploy(session, None, read_directory(PROCESSES))
    staff = Staff.create(session, prefix="privacy")
    cases = {}
    for key, person in (("first", FIRST), ("second", SECOND)):
        case = open_case(
            session,
            staff.case_manager,
            BeneficiaryInput(
                given_names_latin=person.given, family_name_latin=person.family, document_number=person.document
            ),
        )
        start_case(session, staff.case_manager, case)
        cases[key] = case
    people = {cases["first"].id: FIRST, cases["second"].id: SECOND}
    walker = CaseWalker(session, staff, clock, answers=_answers(session, people))
    walker.walk(cases["second"], until=lambda: "intake/legal_status" in walker.trail)
    walker.trail.clear()
    first = cases["first"]
    walker.walk(first, until=lambda: "ipd/approval" in walker.trail)
    if occurrences:
        set_budget(session, None, "LUB", date(2026, 1, 1), date(2026, 12, 31), Decimal("120000.00"))
        for process_id in ("service_session", "material_aid", "housing_subsidy"):
            start_occurrence(
                session,
                staff.case_manager,
                first,
                process_id,
                session_role="social_worker" if process_id == "service_session" else None,
            )
        walker.walk(first)
    session.flush()
    return World(session, staff, walker, cases)
