"""The Celery application, bound to the Flask app (Flask's "Background Tasks with Celery" pattern)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_init
from flask import Flask

from engine.config import Settings
from engine.db import database

HEARTBEAT_TASK = "engine.jobs.tasks.heartbeat"
FIRE_DUE_TIMERS = "engine.instances.jobs.fire_due_timers"
RUN_RETENTION = "engine.privacy.jobs.run_retention"
TASK_MODULES = [
    "engine.jobs.tasks",
    "engine.instances.jobs",
    "engine.notifications.jobs",
    "engine.team.jobs",
    "engine.privacy.jobs",
]

# Passed by kombu's SQLAlchemy transport straight to ``create_engine``: only engine arguments belong
# here. (``polling_interval`` would make create_engine raise TypeError; the transport's 1 s default
# applies.) A 30 s busy timeout lets the web process, the worker and beat share the SQLite file
# without "database is locked" errors when they publish or fetch at the same moment.
EMBEDDED_TRANSPORT_OPTIONS: dict[str, Any] = {"connect_args": {"timeout": 30}}


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Return the periodic jobs run by beat; add new ones here."""
    schedule: dict[str, dict[str, Any]] = {
        "scheduler-heartbeat": {
            "task": HEARTBEAT_TASK,
            "schedule": timedelta(seconds=settings.beat_heartbeat_seconds),
        },
        "fire-due-timers": {
            "task": FIRE_DUE_TIMERS,
            "schedule": timedelta(seconds=settings.timer_poll_seconds),
        },
        # Daily: anonymise the closed cases whose retention period ended (a run finding none is cheap).
        "retention": {
            "task": RUN_RETENTION,
            "schedule": timedelta(days=1),
            "args": (settings.retention_years, str(settings.documents_path or settings.instance_path / "documents")),
        },
    }
    schedule["notifications-scan-due"] = {"task": "engine.notifications.jobs.scan_due", "schedule": timedelta(hours=1)}
    # Pending e-mails whose first attempt failed or whose message was lost are retried from here.
    schedule["notifications-send-pending"] = {
        "task": "engine.notifications.jobs.send_pending_emails",
        "schedule": timedelta(minutes=5),
    }
    # Hourly, but each user gets at most one digest a day (engine.notifications.sending.send_digest).
    schedule["notifications-digests"] = {
        "task": "engine.notifications.jobs.send_digests",
        "schedule": timedelta(hours=1),
    }
    schedule["team-start-cycles"] = {"task": "engine.team.jobs.start_cycles", "schedule": timedelta(hours=6)}
    if settings.broker_is_embedded:
        schedule["prune-embedded-broker"] = {
            "task": "engine.jobs.tasks.prune_embedded_broker",
            "schedule": timedelta(hours=1),
            "args": (settings.broker_url,),
        }
    return schedule


def celery_config(settings: Settings) -> dict[str, Any]:
    """Build the Celery configuration for ``settings``."""
    config: dict[str, Any] = {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # Celery 6 will make this the default; with late acks the task is redelivered anyway.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_prefetch_multiplier": 1,
        # Backstops behind the script sandbox's own limits (prefork pool only): a task that still runs
        # away is killed and its worker replaced, and a worker that grew large is recycled.
        "task_soft_time_limit": 120,
        "task_time_limit": 180,
        "worker_max_memory_per_child": 400_000,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": beat_schedule(settings),
        # Keep beat's state next to the other instance files, not in whatever directory we started in.
        "beat_schedule_filename": str(settings.instance_path / "celerybeat-schedule"),
    }
    if settings.result_backend:
        config["result_backend"] = settings.result_backend
    else:
        config["task_ignore_result"] = True
    if settings.broker_is_embedded:
        config["broker_transport_options"] = dict(EMBEDDED_TRANSPORT_OPTIONS)
    return config


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app``; every task body runs inside an app context."""
    settings: Settings = app.config["IPD_SETTINGS"]
    if settings.broker_is_embedded:
        # The SQLite broker file lives in the instance folder.
        settings.ensure_instance_path()

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    from web.logs import take_over_celery_logging

    take_over_celery_logging(settings)
    celery_app = Celery(app.name, task_cls=FlaskTask, include=TASK_MODULES)
    celery_app.config_from_object(celery_config(settings))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


@worker_process_init.connect(weak=False)
def _fresh_connections_in_child(**_kwargs: Any) -> None:
    # A prefork child inherits the parent's pooled connections; sharing a socket between processes
    # corrupts it, so drop them (without closing the parent's) and let the child open its own.
    if database.is_configured:
        database.engine.dispose(close=False)
    # Start this child's sandbox process now, not on the first timer's snippet (engine/sandbox/pool.py).
    from engine.sandbox.pool import shared_pool

    shared_pool().warm(1)
