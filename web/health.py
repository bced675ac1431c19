"""``GET /healthz``: is the database answering, the broker reachable, the scheduler ticking."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user
from kombu import Connection
from kombu.utils.url import maybe_sanitize_url
from sqlalchemy import Engine, create_engine

from engine.accounts.roles import Role
from engine.clock import utcnow
from engine.config import Settings
from engine.db import database
from engine.jobs.models import WorkerHeartbeat
from engine.jobs.tasks import SCHEDULER_HEARTBEAT
from web.celery_app import EMBEDDED_TRANSPORT_OPTIONS
from web.db import get_db
from web.extensions import csrf
from web.throttle import is_local_request

DATABASE_TIMEOUT = 2.0
BROKER_TIMEOUT = 1.5
LATE_AFTER_INTERVALS = 3
ERROR_TEXT_LIMIT = 160

SQLALCHEMY_BROKER_PREFIXES = ("sqla+", "sqlalchemy+")

_broker_engines: dict[str, Engine] = {}
_broker_engines_lock = threading.Lock()

bp = Blueprint("health", __name__)
csrf.exempt(bp)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report the state of the parts the application needs; 503 when the database is down.

    Everyone gets ``{"status": ...}``; the parts' details go to administrators and to localhost.
    """
    settings: Settings = current_app.config["IPD_SETTINGS"]
    database_state = check_database(DATABASE_TIMEOUT)
    broker_state = check_broker(settings.broker_url, BROKER_TIMEOUT)
    scheduler_state = (
        check_scheduler(settings.beat_heartbeat_seconds)
        if database_state["status"] == "ok"
        else {"last_heartbeat": None, "status": "unknown"}
    )
    if database_state["status"] != "ok":
        status, code = "down", 503
    elif broker_state["status"] != "ok" or scheduler_state["status"] == "late":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    if may_see_details():
        response = jsonify(status=status, database=database_state, broker=broker_state, scheduler=scheduler_state)
    else:
        # The public answer is the state alone: broker URLs, paths and error texts help only an attacker.
        response = jsonify(status=status)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


def may_see_details() -> bool:
    """Administrators, and monitoring on this machine (the container's own health check), see the details."""
    if current_user.is_authenticated and current_user.has_role(Role.ADMIN, Role.NATIONAL_ADMIN):
        return True
    # A proxy on this machine makes everyone look local: a forwarded request never counts as local.
    return is_local_request()


def check_database(timeout: float) -> dict[str, str]:
    """Run ``SELECT 1`` on the application database, giving up after ``timeout`` seconds."""
    return _select_one(lambda: database.engine, timeout, "healthz-database")


def check_broker(url: str, timeout: float) -> dict[str, str]:
    """Connect to the broker once; never raise."""
    if url.startswith(SQLALCHEMY_BROKER_PREFIXES):
        # kombu's SQLAlchemy transport "connects" without touching its database, so ask the
        # database itself.
        state = _select_one(lambda: _broker_engine(url), timeout, "healthz-broker")
        state["url"] = redact_url(url)
        return state
    state = {"status": "ok", "url": redact_url(url)}
    connection = Connection(url, connect_timeout=timeout)
    try:
        connection.ensure_connection(max_retries=1, timeout=timeout, interval_start=0, interval_step=0, interval_max=0)
    except Exception as exc:
        state["status"] = "down"
        state["error"] = _short(exc)
    finally:
        # A failed close of a failed connection tells us nothing new.
        with contextlib.suppress(Exception):
            connection.release()
    return state


def _broker_engine(url: str) -> Engine:
    with _broker_engines_lock:
        engine = _broker_engines.get(url)
        if engine is None:
            sqlalchemy_url = url.split("+", 1)[1]
            options = EMBEDDED_TRANSPORT_OPTIONS if sqlalchemy_url.startswith("sqlite") else {}
            engine = _broker_engines[url] = create_engine(sqlalchemy_url, **options)
        return engine


def _select_one(get_engine: Callable[[], Engine], timeout: float, name: str) -> dict[str, str]:
    outcome: dict[str, Exception | None] = {}

    def probe() -> None:
        try:
            # A raw DBAPI connection: on SQLite an ORM/Core connection would BEGIN IMMEDIATE and
            # queue the probe behind every writer.
            connection = get_engine().raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute("SELECT 1")
                cursor.fetchall()
                cursor.close()
            finally:
                connection.close()
            outcome["error"] = None
        except Exception as exc:
            outcome["error"] = exc

    # The driver's own connect timeout is whatever the URL says; a thread bounds the wait here.
    # A probe that hangs is left to finish in the background (daemon thread).
    thread = threading.Thread(target=probe, name=name, daemon=True)
    thread.start()
    thread.join(timeout)
    if "error" not in outcome:
        return {"status": "down", "error": f"no answer within {timeout:g} s"}
    error = outcome["error"]
    if error is not None:
        return {"status": "down", "error": _short(error)}
    return {"status": "ok"}


def check_scheduler(interval_seconds: float) -> dict[str, Any]:
    """Read the heartbeat beat's job writes; late after three missed intervals."""
    try:
        row = get_db().get(WorkerHeartbeat, SCHEDULER_HEARTBEAT)
    except Exception as exc:
        return {"last_heartbeat": None, "status": "unknown", "error": _short(exc)}
    if row is None:
        return {"last_heartbeat": None, "status": "unknown"}
    late = utcnow() - row.last_seen_at > timedelta(seconds=LATE_AFTER_INTERVALS * interval_seconds)
    return {"last_heartbeat": row.last_seen_at.isoformat(), "status": "late" if late else "ok"}


def redact_url(url: str) -> str:
    """Hide the password in a connection URL."""
    return str(maybe_sanitize_url(url))


def _short(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    text = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
    return text[:ERROR_TEXT_LIMIT]
