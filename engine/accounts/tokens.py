"""Personal API tokens: shown once, stored as a hash, carrying exactly their owner's permissions."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine.accounts.models import User
from engine.audit.service import record
from engine.clock import utcnow
from engine.db import Base, intpk
from engine.errors import Forbidden, InvalidInput, NotFound

#: Every token starts with this, so secret scanners and people can recognise one.
TOKEN_MARK = "ipd_"  # noqa: S105 (a public marker, not a secret)
PREFIX_LENGTH = 8
MAX_TOKENS_PER_USER = 20
SECRET_BYTES = 32
#: What ``secrets.token_urlsafe(SECRET_BYTES)`` after the mark looks like; anything else is refused unread.
TOKEN_RE = re.compile(r"ipd_[A-Za-z0-9_-]{43}")


class ApiToken(Base):
    """A bearer token of one user; only the SHA-256 of its secret is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters after the mark: shown in lists and used to find the row.
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def display(self) -> str:
        return f"{TOKEN_MARK}{self.prefix}…"

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def token_prefix(secret: str) -> str | None:
    """The lookup prefix of a presented token, or None when it cannot be one of ours."""
    if not TOKEN_RE.fullmatch(secret):
        return None
    return secret[len(TOKEN_MARK) : len(TOKEN_MARK) + PREFIX_LENGTH]


def create_token(
    session: Session, actor: User | None, name: str, *, owner: User | None = None, expires_at: datetime | None = None
) -> NewToken:
    """Create a token for ``owner`` (default: the actor); the secret is returned here and never again.

    ``actor`` None means the system itself (an operator at the command line).
    """
    owner = owner or actor
    if owner is None:
        raise InvalidInput("the token cannot be created", {"user": "say whose token it is"})
    if actor is not None and actor.id != owner.id and not _administers(actor, owner.office_id):
        raise Forbidden("you can create tokens only for yourself")
    name = (name or "").strip()
    problems = {}
    if not name or len(name) > 100:
        problems["name"] = "give the token a name of 1-100 characters"
    if expires_at is not None and expires_at <= utcnow():
        problems["expires_at"] = "must be in the future"
    if problems:
        raise InvalidInput("the token cannot be created", problems)
    if not owner.active:
        raise InvalidInput("the token cannot be created", {"user": "the account is disabled"})
    live = session.scalars(select(ApiToken).where(ApiToken.user_id == owner.id, ApiToken.revoked_at.is_(None))).all()
    if len([t for t in live if t.is_usable(utcnow())]) >= MAX_TOKENS_PER_USER:
        raise InvalidInput("too many tokens", {"name": f"revoke one first (at most {MAX_TOKENS_PER_USER})"})
    secret = TOKEN_MARK + secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken(
        user_id=owner.id,
        name=name,
        prefix=secret[len(TOKEN_MARK) : len(TOKEN_MARK) + PREFIX_LENGTH],
        token_hash=_hash(secret),
        created_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    record(
        session,
        "api_token.created",
        actor=actor,
        actor_name=None if actor else "system",
        token_id=token.id,
        owner_id=owner.id,
    )
    return NewToken(token=token, secret=secret)


def _administers(actor: User, office_id: int) -> bool:
    """Administrators act on the tokens of their office's users (national ones: everyone's)."""
    from engine.access.policy import administers_office

    return administers_office(actor, office_id)


def list_tokens(session: Session, actor: User) -> list[ApiToken]:
    """The actor's own tokens, newest first (revoked ones included, for the record)."""
    stmt = select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(session.scalars(stmt))


def revoke_token(session: Session, actor: User | None, token_id: int) -> ApiToken:
    """Revoke a token: its owner or an administrator (``actor`` None: the command line)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}")
    if actor is not None and token.user_id != actor.id:
        owner = session.get(User, token.user_id)
        if owner is None or not _administers(actor, owner.office_id):
            raise NotFound(f"no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(
            session,
            "api_token.revoked",
            actor=actor,
            actor_name=None if actor else "system",
            token_id=token.id,
            owner_id=token.user_id,
        )
    return token


def authenticate_token(session: Session, secret: str) -> User:
    """The active user holding this live token, or Forbidden("invalid")."""
    prefix = token_prefix(secret)
    if prefix is None:
        raise Forbidden("invalid")
    digest = _hash(secret)
    now = utcnow()
    for token in session.scalars(select(ApiToken).where(ApiToken.prefix == prefix)):
        if hmac.compare_digest(token.token_hash, digest):
            if not token.is_usable(now) or not token.user.active:
                raise Forbidden("invalid")
            # Written at most once a minute, so a busy script does not rewrite the row on every call.
            if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
                token.last_used_at = now
            return token.user
    raise Forbidden("invalid")
