"""Rate limits with Flask-Limiter: who the client is (behind trusted proxies), and counters of failures.

Counters live in Redis when the broker is Redis (every web process sees the same counts) and in this
process's memory in the embedded mode. Keys hold a hash of the user name typed, never the name itself.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.config import Settings

log = logging.getLogger(__name__)

#: Failed logins from one client, whatever the accounts: a guesser is slowed down without touching anyone else.
LOGIN_PER_CLIENT = "10 per 5 minutes"
#: Failed logins for one account from one client.
LOGIN_PER_ACCOUNT_CLIENT = "5 per 15 minutes"
#: Failed logins for one account from all clients. Past it the account is under a spread-out attack: clients
#: that already failed for it get no more tries, while its owner on a device with a clean record still gets in.
LOGIN_PER_ACCOUNT = "30 per hour"
#: Wrong current passwords on the profile page, per account.
PASSWORD_CHECK = "5 per 15 minutes"  # noqa: S105  (a rate, not a password)
#: Requests to the API per token (or per client without one).
DEFAULT_API_LIMIT = "600 per minute"


def client_address() -> str:
    """The client's address: the peer, or what the trusted proxies say it is (ProxyFix rewrote it)."""
    return request.remote_addr or "-"


LOOPBACK = frozenset({"127.0.0.1", "::1"})


def is_local_request() -> bool:
    """A request from this machine itself, not forwarded by any proxy (whatever X-Forwarded-For claims)."""
    original = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR", request.remote_addr)
    return original in LOOPBACK and "X-Forwarded-For" not in request.headers


def account_key(username: str) -> str:
    """A stable key for the name typed, whether or not such an account exists."""
    return hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]


def storage_uri(settings: Settings) -> str:
    if settings.ratelimit_storage_url:
        return settings.ratelimit_storage_url
    if settings.broker_is_redis:
        return settings.broker_url
    return "memory://"


def init_app(app: Flask) -> None:
    settings: Settings = app.config["IPD_SETTINGS"]
    if settings.trusted_proxies:
        # Each trusted proxy appends one X-Forwarded-For entry; believe exactly that many from the right.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(settings))
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "ipd")
    # A Redis outage must not take the whole app down with it: limits fall back to this process's memory.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=client_address)
    limiter.init_app(app)
    app.extensions["ipd_limiter"] = limiter


def limiter() -> Limiter:
    found: Limiter = current_app.extensions["ipd_limiter"]
    return found


@dataclass(frozen=True)
class Counter:
    """Failures counted under one limit (``"5 per 15 minutes"``) for one key."""

    limit: str
    scope: str
    key: tuple[str, ...]

    @property
    def item(self) -> RateLimitItem:
        return parse(self.limit)

    def _ids(self) -> tuple[str, ...]:
        return (self.scope, *self.key)

    def exhausted(self) -> bool:
        try:
            return not limiter().limiter.test(self.item, *self._ids())
        except Exception:  # storage down: do not lock everyone out
            log.warning("rate-limit storage unavailable; %s not checked", self.scope)
            return False

    def failures(self) -> int:
        try:
            stats = limiter().limiter.get_window_stats(self.item, *self._ids())
        except Exception:
            return 0
        return self.item.amount - stats.remaining

    def retry_after(self) -> int:
        try:
            stats = limiter().limiter.get_window_stats(self.item, *self._ids())
        except Exception:
            return 1
        return max(1, math.ceil(stats.reset_time - time.time()))

    def fail(self) -> None:
        try:
            limiter().limiter.hit(self.item, *self._ids())
        except Exception:
            log.warning("rate-limit storage unavailable; %s not counted", self.scope)

    def clear(self) -> None:
        try:
            limiter().limiter.clear(self.item, *self._ids())
        except Exception:
            log.warning("rate-limit storage unavailable; %s not cleared", self.scope)


@dataclass(frozen=True)
class LoginThrottle:
    """The three counters of a login attempt with ``username`` from this client."""

    per_client: Counter
    per_account_client: Counter
    per_account: Counter

    @classmethod
    def for_request(cls, username: str) -> LoginThrottle:
        client, account = client_address(), account_key(username)
        return cls(
            Counter(LOGIN_PER_CLIENT, "login-client", (client,)),
            Counter(LOGIN_PER_ACCOUNT_CLIENT, "login-account-client", (account, client)),
            Counter(LOGIN_PER_ACCOUNT, "login-account", (account,)),
        )

    def refused_for(self) -> int | None:
        """Seconds this client must wait before trying this account, or None when it may try now."""
        if self.per_client.exhausted():
            return self.per_client.retry_after()
        if self.per_account_client.exhausted():
            return self.per_account_client.retry_after()
        if self.per_account.exhausted() and self.per_account_client.failures():
            return self.per_account_client.retry_after()
        return None

    def failed(self) -> None:
        for counter in (self.per_client, self.per_account_client, self.per_account):
            counter.fail()

    def succeeded(self) -> None:
        self.per_account_client.clear()


def password_check(user_id: int) -> Counter:
    """Wrong current passwords typed on the profile page by the logged-in user ``user_id``."""
    return Counter(PASSWORD_CHECK, "password-check", (str(user_id),))
