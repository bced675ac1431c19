"""Logs an operator can collect: one JSON object per line with the request's id, and no personal data.

Each request gets an id (a sane ``X-Request-ID`` from the proxy, else a new one), sent back in the response
and put on every log record written while the request runs; a Celery task's records carry its task id.
The request log line holds the method, the route's rule (``/cases/<int:case_id>``, not the path with its
ids), the status and the duration: never the query string (searches hold names), the client's address
or the user name.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request

from engine.config import Settings

log = logging.getLogger("ipd.request")

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_configured = False
OWN_LOGGERS = ("ipd", "engine", "web", "celery")


class ContextFilter(logging.Filter):
    """Put the current request's (or Celery task's) id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current_id()
        _withhold_exception_text(record)
        return True


class WithheldMessage(Exception):
    """Stands in for a logged exception: its class and traceback are kept, its text is not."""


def _withhold_exception_text(record: logging.LogRecord) -> None:
    """Drop the logged exception's message: it may quote a value (``invalid literal for int(): 'PTSD…'``)."""
    # Celery's task-failure line puts the exception's repr into its arguments.
    if isinstance(record.args, dict) and isinstance(record.args.get("exc"), str):
        error = record.exc_info[1] if record.exc_info else None
        record.args = {**record.args, "exc": type(error).__name__ if error is not None else "error"}
    if not record.exc_info or record.exc_info[1] is None or isinstance(record.exc_info[1], WithheldMessage):
        return
    _kind, error, traceback = record.exc_info
    stand_in = WithheldMessage(f"{type(error).__name__} (its message is left out: it may hold personal data)")
    record.exc_info = (WithheldMessage, stand_in.with_traceback(traceback), traceback)
    record.exc_text = None


def _current_id() -> str | None:
    if has_request_context():
        found: str | None = g.get("request_id")
        return found
    try:
        from celery import current_task

        task = current_task
        if task is not None and task.request.id:
            return f"task:{task.request.id}"
    except Exception:  # noqa: S110  (no Celery context: no id)
        pass
    return None


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(processName)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    return logging.Formatter("%(asctime)s %(levelname)s %(processName)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(settings: Settings, *, level: int | str = logging.INFO, force: bool = False) -> None:
    """Send the root logger's records to stderr in the configured format (once per process)."""
    global _configured
    if _configured or (settings.env == "testing" and not force):
        return  # tests keep pytest's own capture
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(settings.log_format))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    # Our own records from INFO up; the libraries' chatter (alembic's plugins, ...) from WARNING up.
    root.setLevel(logging.WARNING)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    _configured = True


def _start() -> None:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _SANE_ID.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    if started is not None:
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        log.info(
            "%s %s %s",
            request.method,
            rule,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "route": rule,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    return response


def init_app(app: Flask) -> None:
    if not app.testing:  # a test's app leaves logging to pytest, whatever environment it plays
        configure_logging(app.config["IPD_SETTINGS"])
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)


def take_over_celery_logging(settings: Settings) -> None:
    """In JSON mode the worker and beat log through our handler too, instead of Celery's own format."""
    if settings.log_format != "json":
        return
    from celery.signals import setup_logging

    def keep_ours(loglevel: int | str | None = None, **_kwargs: object) -> None:
        configure_logging(settings, level=loglevel or logging.INFO, force=True)

    setup_logging.connect(keep_ours, weak=False, dispatch_uid="ipd-logging")


_sentry_started = False


def init_error_reporting(settings: Settings) -> bool:
    """Send unhandled errors to Sentry when IPD_SENTRY_DSN is set; never with personal data."""
    global _sentry_started
    if not settings.sentry_dsn or _sentry_started:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.env,
        integrations=[FlaskIntegration(), CeleryIntegration()],
        send_default_pii=False,  # no user names, addresses or cookies
        max_request_body_size="never",  # bodies hold case data
        include_local_variables=False,  # so do the frames' variables
        traces_sample_rate=0.0,
        before_send=_scrub,
    )
    _sentry_started = True
    return True


def _scrub(event: dict[str, object], _hint: object) -> dict[str, object]:
    """Keep the request's method and route only: its query string and headers may name people."""
    request_info = event.get("request")
    if isinstance(request_info, dict):
        event["request"] = {key: request_info[key] for key in ("method",) if key in request_info}
    event.pop("user", None)
    return event
