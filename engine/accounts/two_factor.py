"""Two-factor sign-in: a TOTP secret per user, ten single-use recovery codes, and which roles must use it.

A secret is active once the user has typed a code from it (``confirmed_at``); a code is accepted from the time
step before, at or after now, never twice (``last_step``). Recovery codes are hashed with Argon2 like passwords.
Whether a role must use two factors is a row of ``two_factor_role_policies`` set by an administrator; a role
without a row follows the installation's default (``Settings.two_factor_roles``, ``IPD_TWO_FACTOR_ROLES``).

The secret itself is stored as it is: the server must compute codes from it, so hashing is not possible.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime

import pyotp
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.accounts.models import User
from engine.accounts.passwords import hash_password, verify_password
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.clock import utcnow
from engine.db import Base, intpk
from engine.errors import Conflict, Forbidden, InvalidInput

ISSUER = "IPD"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
_TOTP_RE = re.compile(r"\d{6}")
_RECOVERY_RE = re.compile(r"[a-z0-9]{5}-?[a-z0-9]{5}")


class TwoFactorSecret(Base):
    """A user's TOTP secret; in use once confirmed with a code."""

    __tablename__ = "two_factor_secrets"

    user_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    #: The TOTP time step of the last accepted code: a code is never accepted twice.
    last_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(Base):
    """One single-use recovery code of a user (its Argon2 hash)."""

    __tablename__ = "two_factor_recovery_codes"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]


class TwoFactorRolePolicy(Base):
    """Whether holders of a role must sign in with two factors (set by an administrator)."""

    __tablename__ = "two_factor_role_policies"

    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    required: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A plain id: the setting outlives the administrator who made it.
    changed_by_id: Mapped[int | None] = mapped_column(Integer)


# -- which roles must use it ---------------------------------------------------------------------------------


def role_requirements(session: Session, default_roles: Iterable[str]) -> dict[str, bool]:
    """Every role and whether it must use two factors: the administrator's setting, else the default."""
    defaults = set(default_roles)
    stored = {row.role: row.required for row in session.scalars(select(TwoFactorRolePolicy))}
    return {role.value: stored.get(role.value, role.value in defaults) for role in Role}


def is_required(session: Session, user: User, default_roles: Iterable[str]) -> bool:
    required = role_requirements(session, default_roles)
    return any(required.get(role, False) for role in user.roles)


def set_role_requirement(session: Session, actor: User | None, role: str, required: bool) -> None:
    """Require two factors of a role, or stop requiring it (administrators; ``None``: the command line)."""
    if actor is not None and not actor.has_role(Role.ADMIN, Role.NATIONAL_ADMIN):
        raise Forbidden("only administrators decide who must use two-factor sign-in")
    if role not in {r.value for r in Role}:
        raise InvalidInput("unknown role", {"role": f"no role {role!r}"})
    row = session.get(TwoFactorRolePolicy, role)
    if row is None:
        row = TwoFactorRolePolicy(role=role, required=required)
        session.add(row)
    elif row.required == required:
        return
    row.required = required
    row.changed_at = utcnow()
    row.changed_by_id = actor.id if actor is not None else None
    record(
        session,
        "two_factor.role_policy_changed",
        actor=actor,
        actor_name=None if actor else "cli",
        role=role,
        required=required,
    )


def keep_defaults_off(session: Session, roles: Iterable[str]) -> list[str]:
    """Store "not required" for each of ``roles`` that has no setting yet (the demo); returns those changed."""
    changed = []
    for role in roles:
        if session.get(TwoFactorRolePolicy, role) is None:
            set_role_requirement(session, None, role, False)
            changed.append(role)
    return changed


# -- enrolment -----------------------------------------------------------------------------------------------


def secret_of(session: Session, user: User) -> TwoFactorSecret | None:
    return session.get(TwoFactorSecret, user.id)


def is_enrolled(session: Session, user: User) -> bool:
    found = secret_of(session, user)
    return found is not None and found.confirmed_at is not None


def begin_enrolment(session: Session, user: User) -> TwoFactorSecret:
    """The user's new, not yet active secret (the same one until it is confirmed, so the QR code stays put)."""
    found = secret_of(session, user)
    if found is not None and found.confirmed_at is not None:
        raise Conflict("two-factor sign-in is already set up")
    if found is None:
        found = TwoFactorSecret(user_id=user.id, secret=pyotp.random_base32())
        session.add(found)
        session.flush()
    return found


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def confirm_enrolment(session: Session, user: User, code: str) -> list[str]:
    """Activate the pending secret with a current code; returns the new recovery codes (shown only once)."""
    found = secret_of(session, user)
    if found is None or found.confirmed_at is not None:
        raise Conflict("there is no two-factor set-up waiting for a code")
    if not _accept_totp(found, code):
        record(session, "two_factor.enrolment_failed", actor=user)
        raise InvalidInput("wrong code", {"code": "wrong code"})
    found.confirmed_at = utcnow()
    codes = _new_recovery_codes(session, user)
    record(session, "two_factor.enrolled", actor=user)
    return codes


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(code)))
        codes.append(code)
    return codes


def unused_recovery_codes(session: Session, user: User) -> int:
    rows = session.scalars(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return len(list(rows))


# -- signing in ----------------------------------------------------------------------------------------------


def _accept_totp(found: TwoFactorSecret, code: str) -> bool:
    code = code.replace(" ", "").strip()
    if not _TOTP_RE.fullmatch(code):
        return False
    totp = pyotp.TOTP(found.secret)
    now_step = totp.timecode(utcnow())
    for step in (now_step - 1, now_step, now_step + 1):
        if found.last_step is not None and step <= found.last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            found.last_step = step
            return True
    return False


def _accept_recovery_code(session: Session, user: User, code: str) -> bool:
    code = code.replace(" ", "").strip().lower()
    if not _RECOVERY_RE.fullmatch(code):
        return False
    if "-" not in code:
        code = f"{code[:5]}-{code[5:]}"
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    for row in unused:
        if verify_password(row.code_hash, code):
            row.used_at = utcnow()
            return True
    return False


def verify_second_factor(session: Session, user: User, code: str) -> str:
    """Check a code from the app or a recovery code; returns which (``totp``, ``recovery``) or raises Forbidden."""
    found = secret_of(session, user)
    if found is None or found.confirmed_at is None:
        raise Forbidden("not_enrolled")
    if _accept_totp(found, code):
        method = "totp"
    elif _accept_recovery_code(session, user, code):
        method = "recovery"
    else:
        record(session, "auth.two_factor_failed", actor=user)
        raise Forbidden("invalid")
    record(session, "auth.two_factor_passed", actor=user, method=method)
    return method


def reset_two_factor(session: Session, actor: User, user: User) -> None:
    """Remove a user's second factor (lost phone): they set it up again at their next sign-in; their sessions end."""
    if not actor.has_role(Role.NATIONAL_ADMIN) and not (
        actor.has_role(Role.ADMIN) and actor.office_id == user.office_id
    ):
        raise Forbidden("only an administrator of the user's office resets two-factor sign-in")
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    found = secret_of(session, user)
    if found is not None:
        session.delete(found)
        session.flush()
    user.session_version += 1
    record(session, "two_factor.reset", actor=actor, user_id=user.id)
