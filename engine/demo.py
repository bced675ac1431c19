"""Demonstration data: two offices and one user per role in each (idempotent)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.accounts.passwords import hash_password
from engine.accounts.roles import Role
from engine.accounts.service import create_office, create_user

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
    return logins
