"""Bearer-token authentication for the API, with failed attempts rate-limited (web/throttle.py).

Only ``Authorization: Bearer`` counts: a browser's session cookie is ignored here (and no
cookie is ever set), so a page cannot be made to call the API with someone's login.
"""

from __future__ import annotations

import math

from flask import current_app, g, request
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.tokens import authenticate_token, token_prefix
from engine.errors import Forbidden
from web.api.problems import RATE_LIMITED, ApiProblem
from web.db import get_db
from web.throttle import Counter, client_address

#: Failed authentications allowed per client address and per token prefix in one window (IPD_API_MAX_AUTH_FAILURES,
#: IPD_API_AUTH_WINDOW_SECONDS).
DEFAULT_MAX_FAILURES = 10
DEFAULT_WINDOW_SECONDS = 300
CHALLENGE = 'Bearer realm="ipd-api"'


def _failure_counters(prefix: str | None) -> list[Counter]:
    """Failed authentications per client address and per token prefix, in the shared limiter storage."""
    limit = "{} per {} second".format(
        int(current_app.config.get("IPD_API_MAX_AUTH_FAILURES", DEFAULT_MAX_FAILURES)),
        max(1, math.ceil(float(current_app.config.get("IPD_API_AUTH_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)))),
    )
    counters = [Counter(limit, "api-auth-client", (client_address(),))]
    if prefix:
        counters.append(Counter(limit, "api-auth-prefix", (prefix,)))
    return counters


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, headers={"WWW-Authenticate": CHALLENGE})


def authenticate_request(session: Session) -> User:
    """The user whose token this request carries; ApiProblem 401/429 otherwise."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise _unauthorized("send a personal API token as 'Authorization: Bearer <token>'")
    prefix = token_prefix(secret.strip()) if scheme.lower() == "bearer" else None
    counters = _failure_counters(prefix)
    blocked = [counter for counter in counters if counter.exhausted()]
    if blocked:
        raise ApiProblem(
            429,
            "too many failed authentication attempts; try again later",
            type_=RATE_LIMITED,
            headers={"Retry-After": str(max(counter.retry_after() for counter in blocked))},
        )
    if scheme.lower() != "bearer" or not secret.strip():
        for counter in counters:
            counter.fail()
        raise _unauthorized("only bearer tokens are accepted")
    try:
        return authenticate_token(session, secret.strip())
    except Forbidden:
        for counter in counters:
            counter.fail()
        raise _unauthorized("the token is invalid, expired or revoked") from None


def current_actor() -> User:
    user: User = g.api_user
    return user


def load_actor() -> None:
    session = get_db()
    g.api_user = authenticate_request(session)
    if session.dirty:  # last_used_at moved on: keep it even when the request itself fails
        session.commit()
