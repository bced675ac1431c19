"""Settings read from environment variables, with defaults that run on a laptop."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED = "embedded"
#: Roles that must sign in with two factors unless an administrator decides otherwise: those that read
#: special-category data (psychological, health, legal, trafficking, hidden addresses) or administer the people
#: who do. ``IPD_TWO_FACTOR_ROLES`` replaces the list (``none``: no role by default).
TWO_FACTOR_DEFAULT_ROLES = frozenset(
    {"social_worker", "psychologist", "lawyer", "supervisor", "admin", "national_admin"}
)
ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which variable to set."""


def _two_factor_roles(raw: str) -> frozenset[str]:
    from engine.accounts.roles import ROLE_IDS

    names = {part.strip().lower() for part in raw.split(",") if part.strip()}
    if names == {"none"}:
        return frozenset()
    unknown = names - ROLE_IDS
    if unknown:
        raise ConfigError(
            f"IPD_TWO_FACTOR_ROLES names unknown roles {', '.join(sorted(unknown))}; "
            f"use roles from {', '.join(sorted(ROLE_IDS))} separated by commas, or none"
        )
    return frozenset(names)


@dataclass(frozen=True)
class Settings:
    """Everything the engine, the web app and the workers read from the environment."""

    env: str = "production"
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str = ""
    broker_url: str = EMBEDDED
    result_backend: str | None = None
    secret_key: str | None = None
    default_locale: str = "pl"
    timezone: str = "Europe/Warsaw"
    beat_heartbeat_seconds: float = 30.0
    timer_poll_seconds: float = 5.0
    #: Reverse proxies in front of the app whose X-Forwarded-* headers are believed (0: none).
    trusted_proxies: int = 0
    #: Where rate-limit counters live; "" = the broker's Redis, else this process's memory.
    ratelimit_storage_url: str = ""
    #: Bearer token that opens /metrics to a scraper; without it only localhost may read it.
    metrics_token: str | None = None
    sentry_dsn: str | None = None
    #: "json" (one object per line, for log collectors) or "text".
    log_format: str = "text"
    #: Where uploaded case documents are kept (outside the web root); default: ``documents`` in the instance folder.
    documents_path: Path | None = None
    #: The largest document upload, in bytes.
    document_max_bytes: int = 10 * 1024 * 1024
    #: Years from a case's closure after which its personal data are anonymised (engine.privacy.retention).
    retention_years: int = 10
    #: Roles that must use two-factor sign-in where no administrator has said otherwise.
    two_factor_roles: frozenset[str] = TWO_FACTOR_DEFAULT_ROLES
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``IPD_*`` variables; keyword overrides win."""
        env_vars = os.environ if environ is None else environ
        env = env_vars.get("IPD_ENV", "production").strip().lower()
        instance = Path(env_vars.get("IPD_INSTANCE_PATH", str(PROJECT_ROOT / "instance"))).resolve()
        values: dict[str, Any] = {
            "env": env,
            "instance_path": instance,
            "database_url": env_vars.get("IPD_DATABASE_URL", ""),
            "broker_url": env_vars.get("IPD_BROKER_URL", EMBEDDED),
            "result_backend": env_vars.get("IPD_RESULT_BACKEND") or None,
            "secret_key": env_vars.get("IPD_SECRET_KEY") or None,
            "default_locale": env_vars.get("IPD_DEFAULT_LOCALE", "pl"),
            "timezone": env_vars.get("IPD_TIMEZONE", "Europe/Warsaw"),
            "ratelimit_storage_url": env_vars.get("IPD_RATELIMIT_STORAGE_URL", ""),
            "metrics_token": env_vars.get("IPD_METRICS_TOKEN") or None,
            "sentry_dsn": env_vars.get("IPD_SENTRY_DSN") or None,
            "log_format": env_vars.get("IPD_LOG_FORMAT", "json" if env == "production" else "text").strip().lower(),
        }
        if env_vars.get("IPD_DOCUMENTS_PATH"):
            values["documents_path"] = Path(env_vars["IPD_DOCUMENTS_PATH"]).resolve()
        if "IPD_DOCUMENT_MAX_BYTES" in env_vars:
            raw = env_vars["IPD_DOCUMENT_MAX_BYTES"].strip()
            if not raw.isdigit() or not 1024 <= int(raw) <= 50 * 1024 * 1024:
                raise ConfigError(
                    f"IPD_DOCUMENT_MAX_BYTES must be a number of bytes from 1024 to 52428800, got {raw!r}"
                )
            values["document_max_bytes"] = int(raw)
        if "IPD_TWO_FACTOR_ROLES" in env_vars:
            values["two_factor_roles"] = _two_factor_roles(env_vars["IPD_TWO_FACTOR_ROLES"])
        if "IPD_TRUSTED_PROXIES" in env_vars:
            raw = env_vars["IPD_TRUSTED_PROXIES"].strip()
            if not raw.isdigit() or int(raw) > 10:
                raise ConfigError(f"IPD_TRUSTED_PROXIES must be a number of proxies from 0 to 10, got {raw!r}")
            values["trusted_proxies"] = int(raw)
        for name, var in (
            ("beat_heartbeat_seconds", "IPD_HEARTBEAT_SECONDS"),
            ("timer_poll_seconds", "IPD_TIMER_POLL_SECONDS"),
        ):
            if var in env_vars:
                try:
                    values[name] = float(env_vars[var])
                except ValueError as exc:
                    raise ConfigError(f"{var} must be a number of seconds, got {env_vars[var]!r}") from exc
        if "IPD_RETENTION_YEARS" in env_vars:
            raw = env_vars["IPD_RETENTION_YEARS"].strip()
            if not raw.isdigit() or not 1 <= int(raw) <= 100:
                raise ConfigError(f"IPD_RETENTION_YEARS must be a whole number of years from 1 to 100, got {raw!r}")
            values["retention_years"] = int(raw)
        values.update(overrides)
        return cls(**values).resolved()

    def resolved(self) -> Settings:
        """Fill in derived defaults and check the combination is usable."""
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"IPD_ENV must be one of {', '.join(ENVIRONMENTS)}, got {self.env!r}")
        if self.log_format not in ("json", "text"):
            raise ConfigError(f"IPD_LOG_FORMAT must be json or text, got {self.log_format!r}")
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ConfigError("IPD_METRICS_TOKEN is too short: use at least 16 random characters")
        database_url = self.database_url or f"sqlite:///{self.instance_path / 'ipd.sqlite3'}"
        broker_url = self.broker_url
        if broker_url == EMBEDDED:
            broker_url = f"sqla+sqlite:///{self.instance_path / 'broker.sqlite3'}"
        documents_path = self.documents_path or self.instance_path / "documents"
        return replace(self, database_url=database_url, broker_url=broker_url, documents_path=documents_path)

    @property
    def broker_is_embedded(self) -> bool:
        return self.broker_url.startswith("sqla+")

    @property
    def broker_is_redis(self) -> bool:
        return self.broker_url.startswith(("redis://", "rediss://"))

    @property
    def is_development(self) -> bool:
        return self.env in ("development", "testing")

    def ensure_instance_path(self) -> Path:
        """Create the instance folder; it and the files in it are readable by this user only.

        The SQLite files are created empty (SQLite takes an empty file as an empty database) before SQLite
        opens them, with mode 0600; SQLite gives its -wal and -shm files the mode of the database file.
        """
        self.instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # a folder the operator owns and shaped stays as it is
            self.instance_path.chmod(0o700)
        for file in self._sqlite_files():
            if file.parent == self.instance_path and not file.exists():
                os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))
        for file in self.instance_path.iterdir():
            if file.is_file() and file.stat().st_mode & 0o077:
                with contextlib.suppress(OSError):
                    file.chmod(0o600)
        return self.instance_path

    def _sqlite_files(self) -> list[Path]:
        files = []
        for url in (self.database_url, self.broker_url.removeprefix("sqla+")):
            if url.startswith("sqlite:///") and not url.endswith(":memory:"):
                files.append(Path(url.removeprefix("sqlite:///").split("?", 1)[0]))
        return files

    def effective_secret_key(self) -> str:
        """Return the secret key; refuse the production default, persist a development one."""
        if self.secret_key:
            if not self.is_development and len(self.secret_key) < 32:
                raise ConfigError("IPD_SECRET_KEY is too short for production: use at least 32 random characters")
            return self.secret_key
        if not self.is_development:
            raise ConfigError(
                "IPD_SECRET_KEY is not set. Outside development the app will not start with a default key: "
                "set IPD_SECRET_KEY to a long random value (for example: python -c "
                "'import secrets; print(secrets.token_urlsafe(48))')."
            )
        key_file = self.ensure_instance_path() / "dev-secret-key"
        if not key_file.exists():
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write(secrets.token_urlsafe(48))
        return key_file.read_text(encoding="utf-8").strip()
