"""Account services: offices, users, authentication."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts.models import Office, User
from engine.accounts.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from engine.accounts.roles import Role, parse_role
from engine.audit.service import record
from engine.clock import utcnow
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
OFFICE_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")
LOCALES = ("pl", "en")


def create_office(
    session: Session, code: str, name: str, city: str | None = None, *, actor: User | None = None
) -> Office:
    """Create an office; codes are short upper-case identifiers such as ``LUB``."""
    code = code.strip().upper()
    if not OFFICE_CODE_RE.match(code):
        raise InvalidInput("invalid office code", {"code": "use 1-16 letters, digits, '-' or '_' (for example LUB)"})
    if not name.strip():
        raise InvalidInput("office name is required", {"name": "give the office's name"})
    if session.scalar(select(Office.id).where(Office.code == code)) is not None:
        raise Conflict(f"an office with code {code} already exists")
    office = Office(code=code, name=name.strip(), city=(city or "").strip() or None)
    session.add(office)
    session.flush()
    record(session, "office.created", actor=actor, office_id=office.id, code=code)
    return office


def get_office_by_code(session: Session, code: str) -> Office:
    office = session.scalar(select(Office).where(Office.code == code.strip().upper()))
    if office is None:
        raise NotFound(f"no office with code {code.strip().upper()}")
    return office


def create_user(
    session: Session,
    username: str,
    *,
    office_code: str,
    roles: Iterable[str | Role],
    password: str,
    display_name: str | None = None,
    email: str | None = None,
    preferred_locale: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an active user; every problem is reported against its field."""
    username = username.strip().lower()
    problems: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        problems["username"] = "use 2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
    role_set: set[Role] = set()
    for value in roles:
        try:
            role_set.add(parse_role(str(value)))
        except ValueError as exc:
            problems["roles"] = str(exc)
    if not role_set and "roles" not in problems:
        problems["roles"] = "give at least one role"
    problem = password_problem(password, (username, display_name or ""))
    if problem:
        problems["password"] = problem
    if preferred_locale is not None and preferred_locale not in LOCALES:
        problems["preferred_locale"] = f"must be one of {', '.join(LOCALES)}"
    if problems:
        raise InvalidInput("the user cannot be created", problems)
    office = get_office_by_code(session, office_code)
    if session.scalar(select(User.id).where(func.lower(User.username) == username)) is not None:
        raise Conflict(f"username {username!r} is already taken")
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        email=email,
        password_hash=hash_password(password),
        office=office,
        preferred_locale=preferred_locale,
        active=True,
    )
    user.set_roles(role_set)
    session.add(user)
    session.flush()
    record(session, "user.created", actor=actor, office_id=office.id, user_id=user.id, roles=sorted(role_set))
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """Return the user whose credentials these are, or raise Forbidden with a reason code.

    The reason (``invalid``, ``inactive``) lets the caller choose its message; unknown usernames and wrong
    passwords look the same to the outside. Repeated failures are throttled by the caller per client and
    per account, not by locking the account here: a lock anyone can trigger locks out its owner.
    """
    now = utcnow()
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        verify_password(DUMMY_HASH, password)
        record(session, "auth.login_failed", actor_name=username.strip().lower()[:64], reason="unknown_user")
        raise Forbidden("invalid")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        record(session, "auth.login_failed", actor=user, reason="wrong_password")
        raise Forbidden("invalid")
    if not user.active:
        record(session, "auth.login_failed", actor=user, reason="inactive")
        raise Forbidden("inactive")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record(session, "auth.login", actor=user)
    return user


def log_out(session: Session, user: User) -> None:
    """End ``user``'s sessions: a session cookie copied before the logout opens nothing afterwards.

    Sessions are signed cookies, so the server tells them apart only by the version they carry; bumping
    it ends the user's sessions in every browser, which is also what one wants after a stolen cookie.
    """
    user.session_version += 1
    record(session, "auth.logout", actor=user)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change ``user``'s own password; other sessions of the user end."""
    if not verify_password(user.password_hash, current):
        raise InvalidInput("the current password is wrong", {"current_password": "wrong password"})
    problem = password_problem(new, (user.username, user.display_name))
    if problem:
        raise InvalidInput("the new password is not acceptable", {"new_password": problem})
    user.password_hash = hash_password(new)
    user.session_version += 1
    record(session, "user.password_changed", actor=user)


def set_user_active(session: Session, actor: User, user: User, active: bool) -> None:
    """Enable or disable a login (admins only); disabling ends the user's sessions."""
    from engine.access.policy import administers_office

    if not actor.has_role(Role.ADMIN, Role.NATIONAL_ADMIN):
        raise Forbidden("only administrators can enable or disable users")
    if not administers_office(actor, user.office_id):
        raise NotFound(f"no user with id {user.id}")  # another office's account: not even its existence
    if actor.id == user.id and not active:
        raise Conflict("you cannot disable your own account")
    if user.active != active:
        user.active = active
        user.session_version += 1
        record(session, "user.enabled" if active else "user.disabled", actor=actor, user_id=user.id)


def set_preferred_locale(session: Session, user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidInput("unsupported language", {"locale": f"must be one of {', '.join(LOCALES)}"})
    user.preferred_locale = locale


def list_users(session: Session, actor: User) -> list[User]:
    """Users an administrator manages (their office's; all for national scope), ordered by office and name."""
    from engine.access.policy import administered_users

    if not actor.has_role(Role.ADMIN, Role.NATIONAL_ADMIN):
        raise Forbidden("only administrators can list users")
    stmt = select(User).join(User.office).where(administered_users(actor)).order_by(Office.code, User.username)
    return list(session.scalars(stmt))
