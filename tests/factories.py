"""Small builders for test data, going through the real services."""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.accounts.service import create_office, create_user

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def office(session: Session, code: str = "LUB", name: str | None = None) -> Office:
    existing = session.scalar(select(Office).where(Office.code == code))
    return existing or create_office(session, code, name or f"Office {code}", "Lublin")


def user(session: Session, *roles: str, office_code: str = "LUB", username: str | None = None) -> User:
    office(session, office_code)
    name = username or f"{(roles or ('social_worker',))[0].replace('_', '-')}{next(_counter)}"
    return create_user(
        session,
        name,
        office_code=office_code,
        roles=roles or ("social_worker",),
        password=PASSWORD,
        display_name=name.title(),
    )
