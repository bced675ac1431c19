"""Bearer-token authentication for the API, with failed attempts rate-limited.

Only ``Authorization: Bearer`` counts: a browser's session cookie is ignored here (and no
cookie is ever set), so a page cannot be made to call the API with someone's login.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from flask import current_app, g, request
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.tokens import authenticate_token, token_prefix
from engine.errors import Forbidden
from web.api.problems import RATE_LIMITED, ApiProblem
from web.db import get_db

#: Failed authentications allowed per client address and per token prefix in one window.
DEFAULT_MAX_FAILURES = 10
DEFAULT_WINDOW_SECONDS = 300
CHALLENGE = 'Bearer realm="ipd-api"'


class FailureLimiter:
    """Counts failed authentications per key in a sliding window (in this process's memory).

    Several web processes each count on their own, which still bounds guessing to a small
    multiple of the limit.
    """

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        entries = self._failures.get(key)
        if entries is None:
            return deque()
        while entries and entries[0] <= now - self.window:
            entries.popleft()
        if not entries:
            del self._failures[key]
        return entries

    def retry_after(self, *keys: str) -> int | None:
        """Seconds until any of ``keys`` may try again, or None when none is blocked."""
        now = time.monotonic()
        waits = []
        with self._lock:
            for key in keys:
                entries = self._recent(key, now)
                if len(entries) >= self.max_failures:
                    waits.append(entries[len(entries) - self.max_failures] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > 100_000:  # a flood of distinct keys must not exhaust memory
                self._failures.clear()
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)


def limiter() -> FailureLimiter:
    found = current_app.extensions.get("ipd_api_auth_limiter")
    if found is None:
        found = FailureLimiter(
            int(current_app.config.get("IPD_API_MAX_AUTH_FAILURES", DEFAULT_MAX_FAILURES)),
            float(current_app.config.get("IPD_API_AUTH_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)),
        )
        current_app.extensions["ipd_api_auth_limiter"] = found
    return found


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, headers={"WWW-Authenticate": CHALLENGE})


def authenticate_request(session: Session) -> User:
    """The user whose token this request carries; ApiProblem 401/429 otherwise."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise _unauthorized("send a personal API token as 'Authorization: Bearer <token>'")
    keys = [f"ip:{request.remote_addr or '-'}"]
    prefix = token_prefix(secret.strip()) if scheme.lower() == "bearer" else None
    if prefix:
        keys.append(f"prefix:{prefix}")
    wait = limiter().retry_after(*keys)
    if wait is not None:
        raise ApiProblem(
            429,
            "too many failed authentication attempts; try again later",
            type_=RATE_LIMITED,
            headers={"Retry-After": str(wait)},
        )
    if scheme.lower() != "bearer" or not secret.strip():
        limiter().fail(*keys)
        raise _unauthorized("only bearer tokens are accepted")
    try:
        return authenticate_token(session, secret.strip())
    except Forbidden:
        limiter().fail(*keys)
        raise _unauthorized("the token is invalid, expired or revoked") from None


def current_actor() -> User:
    user: User = g.api_user
    return user


def load_actor() -> None:
    session = get_db()
    g.api_user = authenticate_request(session)
    if session.dirty:  # last_used_at moved on: keep it even when the request itself fails
        session.commit()
