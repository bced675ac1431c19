"""Password-reset links: single use, expiring, only their hash kept; the user chooses the new password."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.passwords import hash_password, password_problem
from engine.accounts.roles import Role
from engine.administration.models import PasswordReset
from engine.administration.scope import administered_user, is_national_admin, require_administrator
from engine.audit.service import record
from engine.clock import utcnow
from engine.errors import Forbidden, InvalidInput, NotFound

#: How long a link works: long enough to reach someone by e-mail over a weekend, short enough to go stale.
LIFETIME = timedelta(hours=72)
SECRET_BYTES = 32
#: What a secret from ``secrets.token_urlsafe(SECRET_BYTES)`` looks like; anything else is refused unread.
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class IssuedReset:
    reset: PasswordReset
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_reset(session: Session, actor: User, user_id: int) -> IssuedReset:
    """A new reset link for a user of an administered office; earlier unused links of the user stop working."""
    require_administrator(actor)
    user = administered_user(session, actor, user_id)
    if user.has_role(Role.NATIONAL_ADMIN) and not is_national_admin(actor) and user.id != actor.id:
        raise Forbidden("only national administrators reset a national administrator's password")
    if not user.active:
        raise InvalidInput("the account is disabled", {"user": "enable the account first"})
    now = utcnow()
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(expires_at=now)
    )
    secret = secrets.token_urlsafe(SECRET_BYTES)
    reset = PasswordReset(
        user_id=user.id, token_hash=_hash(secret), created_by_id=actor.id, created_at=now, expires_at=now + LIFETIME
    )
    session.add(reset)
    session.flush()
    record(
        session, "user.password_reset_issued", actor=actor, office_id=user.office_id, user_id=user.id, reset_id=reset.id
    )
    return IssuedReset(reset, secret)


def pending_reset(session: Session, secret: str) -> PasswordReset:
    """The unused, unexpired reset this secret opens, or NotFound (one answer for every kind of failure)."""
    if not SECRET_RE.fullmatch(secret or ""):
        raise NotFound("this link is not valid")
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash(secret)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise NotFound("this link is not valid")
    user = session.get(User, reset.user_id)
    if user is None or not user.active:
        raise NotFound("this link is not valid")
    return reset


def use_reset(session: Session, secret: str, new_password: str, confirm: str) -> User:
    """Set the password of the link's user; the link is spent and the user's other sessions end."""
    reset = pending_reset(session, secret)
    user = session.get(User, reset.user_id)
    assert user is not None
    if new_password != confirm:
        raise InvalidInput("the passwords differ", {"confirm_password": "type the same password twice"})
    problem = password_problem(new_password, (user.username, user.display_name))
    if problem:
        raise InvalidInput("the new password is not acceptable", {"new_password": problem})
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.failed_logins = 0
    reset.used_at = utcnow()
    record(session, "user.password_reset_used", actor=user, user_id=user.id, reset_id=reset.id)
    return user
