"""Offices and users as administrators manage them, each change checked against the actor's scope and audited."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.accounts.roles import Role, parse_role
from engine.accounts.service import LOCALES, create_office, create_user
from engine.administration.scope import (
    administered_office,
    administered_office_ids,
    administered_user,
    is_national_admin,
    require_administrator,
    require_national,
)
from engine.audit.service import record
from engine.errors import Conflict, Forbidden, InvalidInput

#: Roles only a national administrator grants or takes away.
NATIONAL_ROLES = frozenset({Role.NATIONAL_ADMIN})
ADMIN_ROLES = frozenset({Role.ADMIN, Role.NATIONAL_ADMIN})


def add_office(session: Session, actor: User, code: str, name: str, city: str | None) -> Office:
    """A new office (national administrators only)."""
    require_national(actor)
    return create_office(session, code, name, city, actor=actor)


def edit_office(session: Session, actor: User, office_id: int, name: str, city: str | None) -> Office:
    """Rename an office or change its city (its own administrators, or a national one)."""
    require_administrator(actor)
    office = administered_office(session, actor, office_id)
    if not name.strip():
        raise InvalidInput("office name is required", {"name": "give the office's name"})
    changed = []
    if office.name != name.strip():
        office.name = name.strip()
        changed.append("name")
    new_city = (city or "").strip() or None
    if office.city != new_city:
        office.city = new_city
        changed.append("city")
    if changed:
        record(session, "office.updated", actor=actor, office_id=office.id, fields=changed)
    return office


def list_administered_users(session: Session, actor: User) -> list[User]:
    """The users of the offices ``actor`` administers, by office and user name."""
    require_administrator(actor)
    stmt = select(User).join(User.office).order_by(Office.code, User.username)
    ids = administered_office_ids(actor)
    if ids is not None:
        stmt = stmt.where(User.office_id.in_(ids))
    return list(session.scalars(stmt))


def _roles(values: Iterable[str | Role]) -> set[Role]:
    roles: set[Role] = set()
    for value in values:
        try:
            roles.add(parse_role(str(value)))
        except ValueError as error:
            raise InvalidInput("a role is unknown", {"roles": str(error)}) from None
    if not roles:
        raise InvalidInput("a user needs a role", {"roles": "give at least one role"})
    return roles


def _check_grants(actor: User, before: set[Role], after: set[Role]) -> None:
    touched = before ^ after
    if touched & NATIONAL_ROLES and not is_national_admin(actor):
        raise Forbidden("only national administrators grant or withdraw the national administrator role")


def add_user(
    session: Session,
    actor: User,
    *,
    username: str,
    office_id: int,
    roles: Iterable[str | Role],
    display_name: str | None,
    email: str | None,
    preferred_locale: str | None,
) -> User:
    """Create a user in an administered office; they set their password through a reset link.

    The account gets a long random password nobody is told: an administrator never chooses or sees a password.
    """
    require_administrator(actor)
    office = administered_office(session, actor, office_id)
    wanted = _roles(roles)
    _check_grants(actor, set(), wanted)
    return create_user(
        session,
        username,
        office_code=office.code,
        roles=wanted,
        password=secrets.token_urlsafe(32),
        display_name=display_name or None,
        email=(email or "").strip() or None,
        preferred_locale=preferred_locale or None,
        actor=actor,
    )


def edit_user(
    session: Session,
    actor: User,
    user: User,
    *,
    display_name: str,
    email: str | None,
    preferred_locale: str | None,
    roles: Iterable[str | Role],
) -> list[str]:
    """Change a user's name, e-mail, language and roles; returns the names of the fields changed."""
    require_administrator(actor)
    user = _in_scope(session, actor, user)
    if not display_name.strip():
        raise InvalidInput("the name is required", {"display_name": "give the person's name"})
    if preferred_locale and preferred_locale not in LOCALES:
        raise InvalidInput("unsupported language", {"preferred_locale": f"one of {', '.join(LOCALES)}"})
    if user.has_role(Role.NATIONAL_ADMIN) and not is_national_admin(actor):
        raise Forbidden("only national administrators change a national administrator's account")
    wanted = _roles(roles)
    before = set(user.roles)
    _check_grants(actor, before, wanted)
    if actor.id == user.id and (before & ADMIN_ROLES) - wanted:
        raise Conflict("you cannot take away your own administrator role")
    changed = []
    for name, value in (
        ("display_name", display_name.strip()),
        ("email", (email or "").strip() or None),
        ("preferred_locale", preferred_locale or None),
    ):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if wanted != before:
        user.set_roles(wanted)
        # New roles open and close pages: sessions holding the old ones start again.
        user.session_version += 1
        record(
            session,
            "user.roles_changed",
            actor=actor,
            office_id=user.office_id,
            user_id=user.id,
            added=sorted(wanted - before),
            removed=sorted(before - wanted),
        )
    if changed:
        record(session, "user.updated", actor=actor, office_id=user.office_id, user_id=user.id, fields=changed)
    return changed + (["roles"] if wanted != before else [])


def set_active(session: Session, actor: User, user: User, active: bool) -> None:
    """Enable or disable a login in an administered office; disabling ends the user's sessions."""
    require_administrator(actor)
    user = _in_scope(session, actor, user)
    if actor.id == user.id and not active:
        raise Conflict("you cannot disable your own account")
    if user.has_role(Role.NATIONAL_ADMIN) and not is_national_admin(actor):
        raise Forbidden("only national administrators enable or disable a national administrator")
    if user.active != active:
        user.active = active
        user.session_version += 1
        record(
            session,
            "user.enabled" if active else "user.disabled",
            actor=actor,
            office_id=user.office_id,
            user_id=user.id,
        )


def move_user(session: Session, actor: User, user: User, office_id: int) -> None:
    """Move a user to another office (national administrators); their sessions end."""
    require_national(actor)
    target = administered_office(session, actor, office_id)
    if user.office_id == target.id:
        return
    previous = user.office_id
    user.office_id = target.id
    user.office = target
    user.session_version += 1
    record(session, "user.moved", actor=actor, office_id=target.id, user_id=user.id, from_office_id=previous)


def _in_scope(session: Session, actor: User, user: User) -> User:
    return administered_user(session, actor, user.id)
