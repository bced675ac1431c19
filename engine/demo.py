"""Demonstration data: two offices and one user per role in each (idempotent)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.accounts.passwords import hash_password
from engine.accounts.roles import Role
from engine.accounts.service import create_office, create_user
from engine.clock import utcnow

DEMO_OFFICES = (
    ("LUB", "Centrum Pomocy Migrantom – Lublin", "Lublin"),
    ("WAW", "Centrum Pomocy Migrantom – Warszawa", "Warszawa"),
)

DEMO_NAMES = {
    "LUB": {
        Role.SOCIAL_WORKER: "Anna Kowalczyk",
        Role.PSYCHOLOGIST: "Marta Lis",
        Role.LAWYER: "Piotr Nowicki",
        Role.CAREER_COUNSELLOR: "Ewa Zając",
        Role.SUPERVISOR: "Tomasz Wróbel",
        Role.PROCESS_OWNER: "Katarzyna Mazur",
        Role.ADMIN: "Jan Kamiński",
        # One national administrator for the organisation, placed in the first office.
        Role.NATIONAL_ADMIN: "Zofia Kaczmarek",
    },
    "WAW": {
        Role.SOCIAL_WORKER: "Agnieszka Wójcik",
        Role.PSYCHOLOGIST: "Paweł Krawczyk",
        Role.LAWYER: "Joanna Piotrowska",
        Role.CAREER_COUNSELLOR: "Michał Grabowski",
        Role.SUPERVISOR: "Barbara Pawlak",
        Role.PROCESS_OWNER: "Krzysztof Michalski",
        Role.ADMIN: "Magdalena Król",
    },
}


SAMPLE_PEOPLE = {
    "LUB": (
        ("Olena", "Kovalenko", "Олена Коваленко", date(1988, 4, 12), "UKR"),
        ("Ahmad", "Al-Hassan", "أحمد الحسن", date(1979, 11, 3), "SYR"),
        ("Aliaksandra", "Shumskaya", "Аляксандра Шумская", date(1995, 7, 21), "BLR"),
    ),
    "WAW": (
        ("Farida", "Rahimi", "فریده رحیمی", date(1991, 2, 9), "AFG"),
        ("Ruslan", "Tsarni", "Руслан Царни", date(1983, 9, 30), "RUS"),
    ),
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    office: str
    role: str
    password: str | None  # None: the user existed and the password was left as it was


def demo_username(office_code: str, role: Role) -> str:
    return f"{role.value.replace('_', '-')}.{office_code.lower()}"


def seed_demo(session: Session, reset_passwords: bool = False) -> list[DemoLogin]:
    """Create what is missing of the demo data; return the logins with any new passwords."""
    logins: list[DemoLogin] = []
    for code, name, city in DEMO_OFFICES:
        if session.scalar(select(Office).where(Office.code == code)) is None:
            create_office(session, code, name, city)
        for role in Role:
            if role not in DEMO_NAMES[code]:
                continue
            username = demo_username(code, role)
            existing = session.scalar(select(User).where(User.username == username))
            new_password = secrets.token_urlsafe(9)
            password: str | None = new_password
            if existing is None:
                create_user(
                    session,
                    username,
                    office_code=code,
                    roles=[role],
                    password=new_password,
                    display_name=DEMO_NAMES[code][role],
                )
            elif reset_passwords:
                existing.password_hash = hash_password(new_password)
                existing.session_version += 1
                existing.active = True
            else:
                password = None
            logins.append(DemoLogin(username, code, role.value, password))
    seed_budgets(session)
    return logins


DEMO_BUDGET = Decimal("120000.00")


def seed_budgets(session: Session) -> list[str]:
    """Give each demo office a housing-subsidy budget for the current year, unless one covers today."""
    from engine.subsidies.budgets import covering, set_budget

    today = utcnow().date()
    year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
    done = []
    for code, _, _ in DEMO_OFFICES:
        office = session.scalar(select(Office).where(Office.code == code))
        if office is None or covering(session, office.id, today) is not None:
            continue
        set_budget(session, None, code, year_start, year_end, DEMO_BUDGET)
        done.append(code)
    return done


def seed_sample_cases(session: Session) -> list[str]:
    """Open a few sample cases per demo office and start their lifecycle (when the library is deployed).

    Each office's first case also has a material-aid request and a housing-subsidy application waiting for
    the supervisor. Offices that already have cases are left alone; returns the numbers of the cases opened.
    """
    from engine.cases.models import Case
    from engine.cases.service import CASE_PROCESS, BeneficiaryInput, open_case, start_case
    from engine.definitions.models import ProcessDefinition

    if session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.process_id == CASE_PROCESS)) is None:
        return []
    opened = []
    for code, people in SAMPLE_PEOPLE.items():
        office = session.scalar(select(Office).where(Office.code == code))
        if office is None or session.scalar(select(Case.id).where(Case.office_id == office.id).limit(1)):
            continue
        worker = session.scalar(select(User).where(User.username == demo_username(code, Role.SOCIAL_WORKER)))
        if worker is None:
            continue
        for given, family, original, born, citizenship in people:
            person = BeneficiaryInput(
                given_names_latin=given,
                family_name_latin=family,
                names_original=original,
                date_of_birth=born,
                citizenship=citizenship,
            )
            case = open_case(session, worker, person)
            start_case(session, worker, case)
            opened.append(case.number)
        _requests_waiting_for_approval(session, worker, first_case_of(session, office.id))
    return opened


#: What the demo's social worker asks for on the first case of each office, so that its supervisor finds
#: approvals waiting: a purchase above the limit and a rent subsidy, each written by its operation.
DEMO_REQUESTS = (
    (
        "material_aid",
        {
            "aid_category": "small_appliances",
            "aid_amount": "640.00",
            "aid_description": "Pralka do mieszkania chronionego / washing machine for the sheltered flat",
            "aid_recipient": "Household of the beneficiary",
        },
    ),
    (
        "housing_subsidy",
        {
            "subsidy_rent": "2400.00",
            "subsidy_household_size": 3,
            "subsidy_income_total": "1800.00",
            "subsidy_months_requested": 6,
            "subsidy_landlord": "Spółdzielnia Mieszkaniowa Czechów",
            "subsidy_lease_until": "",  # a year from today, filled in when the request is made
            "subsidy_justification": "Eviction notice after the reception centre stay ended; two children.",
        },
    ),
)


def first_case_of(session: Session, office_id: int) -> Any:
    from engine.cases.models import Case

    return session.scalar(select(Case).where(Case.office_id == office_id).order_by(Case.id).limit(1))


def _requests_waiting_for_approval(session: Session, worker: User, case: Any) -> None:
    """Make each demo request through its process, as the social worker would on the case file."""
    from engine.cases.occurrences import start_occurrence
    from engine.tasks.models import HumanTask, TaskState
    from engine.tasks.service import claim_task, complete_task

    if case is None:
        return
    for process_id, answers in DEMO_REQUESTS:
        outcome = start_occurrence(session, worker, case, process_id)
        first = session.scalar(
            select(HumanTask).where(HumanTask.instance_id == outcome.instance.id, HumanTask.state == TaskState.OPEN)
        )
        if first is None:
            continue
        if first.assignee_id is None:
            claim_task(session, worker, first.id)
        given = dict(answers)
        if "subsidy_lease_until" in given:
            given["subsidy_lease_until"] = (utcnow().date() + timedelta(days=365)).isoformat()
        complete_task(session, worker, first.id, given)
