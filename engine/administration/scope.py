"""Who administers what, for the administration pages: office lists and lookups over the access policy's rule.

The rule itself (office administrators their own office, national administrators every office) is
``engine.access.policy.administers_office``; this module only shapes it for the administration services.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.policy import administers_office, is_national_admin
from engine.accounts.models import Office, User
from engine.accounts.roles import Role
from engine.errors import Forbidden, NotFound


def is_administrator(actor: User) -> bool:
    return actor.active and actor.has_role(Role.ADMIN, Role.NATIONAL_ADMIN)


def administered_office_ids(actor: User) -> frozenset[int] | None:
    """The ids of the offices ``actor`` administers; None means every office (a national administrator)."""
    if is_national_admin(actor):
        return None
    if is_administrator(actor):
        return frozenset({actor.office_id})
    return frozenset()


def administered_offices(session: Session, actor: User) -> list[Office]:
    """The offices ``actor`` administers, by code."""
    ids = administered_office_ids(actor)
    stmt = select(Office).order_by(Office.code)
    if ids is not None:
        stmt = stmt.where(Office.id.in_(ids))
    return list(session.scalars(stmt))


def may_administer(actor: User, office_id: int | None) -> bool:
    """True when ``actor`` administers ``office_id``; None (something national) only a national administrator."""
    return administers_office(actor, office_id)


def require_administrator(actor: User) -> None:
    if not is_administrator(actor):
        raise Forbidden("only administrators can do this")


def require_national(actor: User) -> None:
    if not is_national_admin(actor):
        raise Forbidden("only national administrators can do this")


def administered_office(session: Session, actor: User, office_id: int) -> Office:
    """The office ``office_id`` when ``actor`` administers it; NotFound otherwise (its existence is not told)."""
    office = session.get(Office, office_id)
    if office is None or not may_administer(actor, office.id):
        raise NotFound(f"no office {office_id}")
    return office


def administered_user(session: Session, actor: User, user_id: int) -> User:
    """The user ``user_id`` when ``actor`` administers their office; NotFound otherwise."""
    user = session.get(User, user_id)
    if user is None or not may_administer(actor, user.office_id):
        raise NotFound(f"no user {user_id}")
    return user
