"""``GET /metrics`` for Prometheus: work done and waiting, timer lag, incidents, queue depth, request latency.

The work figures are read from the database at each scrape, so every web process reports the same totals
(task completions count the completed user tasks, which are never deleted). Request latency is measured in
this process; under gunicorn set PROMETHEUS_MULTIPROC_DIR to an empty folder to add up all workers.

Open to a scraper with ``Authorization: Bearer $IPD_METRICS_TOKEN``, and without a token to localhost only.
"""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.clock import utcnow
from engine.config import Settings
from engine.instances.models import Incident, Timer, TimerStatus
from engine.tasks.models import HumanTask, TaskState
from web.db import get_db
from web.extensions import csrf
from web.throttle import is_local_request

QUEUE = "celery"  # Celery's default queue: every job of ours goes there
BROKER_TIMEOUT = 1.5

bp = Blueprint("metrics", __name__)
csrf.exempt(bp)

REQUEST_REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_LATENCY = Histogram(
    "ipd_http_request_duration_seconds",
    "Time from the request's arrival to its response, by route (the rule, not the path) and status class.",
    ["method", "route", "status"],
    registry=REQUEST_REGISTRY,
)


class WorkCollector(Collector):
    """Figures read from the database and the broker when Prometheus scrapes."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        session, now = self.session, utcnow()
        completed = CounterMetricFamily(
            "ipd_human_tasks_completed", "User tasks completed since the installation began.", labels=["process_id"]
        )
        open_tasks = GaugeMetricFamily("ipd_human_tasks_open", "User tasks waiting to be done.", labels=["process_id"])
        rows = session.execute(
            select(HumanTask.process_id, HumanTask.state, func.count())
            .where(HumanTask.state.in_([TaskState.COMPLETED, TaskState.OPEN]))
            .group_by(HumanTask.process_id, HumanTask.state)
        )
        for process_id, state, count in rows:
            (completed if state == TaskState.COMPLETED else open_tasks).add_metric([process_id], count)
        yield completed
        yield open_tasks

        due = select(func.count(), func.min(Timer.due_at)).where(
            Timer.status == TimerStatus.PENDING, Timer.due_at <= now
        )
        due_count, oldest = session.execute(due).one()
        yield GaugeMetricFamily("ipd_timers_due", "BPMN timers due and not fired yet.", value=due_count)
        lag = (now - _aware(oldest)).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "ipd_timer_lag_seconds", "How long the longest-waiting due timer has waited to fire.", value=lag
        )
        incidents = session.scalar(select(func.count()).select_from(Incident).where(Incident.resolved_at.is_(None)))
        yield GaugeMetricFamily("ipd_incidents_open", "Process incidents not resolved yet.", value=incidents or 0)

        depth = queue_depth(self.settings.broker_url, BROKER_TIMEOUT)
        yield GaugeMetricFamily("ipd_broker_up", "Whether the broker answered this scrape.", value=depth is not None)
        if depth is not None:
            yield GaugeMetricFamily("ipd_queue_depth", "Background jobs waiting in the broker.", value=depth)


def _aware(moment: Any) -> Any:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def queue_depth(url: str, timeout: float) -> int | None:
    """Messages waiting in Celery's queue, or None when the broker does not answer in time."""
    from kombu import Connection

    outcome: dict[str, int | None] = {}

    def probe() -> None:
        try:
            with Connection(url, connect_timeout=timeout) as connection:
                connection.ensure_connection(max_retries=1, timeout=timeout)
                _, count, _ = connection.default_channel.queue_declare(queue=QUEUE, passive=True)
                outcome["depth"] = int(count)
        except Exception as exc:
            # A queue nobody has sent to yet does not exist: nothing waits in it.
            outcome["depth"] = 0 if "NOT_FOUND" in str(exc) or "no queue" in str(exc).lower() else None

    thread = threading.Thread(target=probe, name="metrics-broker", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return outcome.get("depth")


def may_scrape(settings: Settings) -> bool:
    if settings.metrics_token:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), settings.metrics_token.encode()
        )
    return is_local_request()


@bp.get("/metrics")
def metrics() -> Response:
    settings: Settings = current_app.config["IPD_SETTINGS"]
    if not may_scrape(settings):
        abort(404)  # to anyone else the endpoint does not exist
    work = CollectorRegistry(auto_describe=False)
    work.register(WorkCollector(get_db(), settings))
    body = _request_figures() + generate_latest(work)
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"})


def _request_figures() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REQUEST_REGISTRY)


def _observe(response: Response) -> Response:
    started = g.get("request_started")
    if started is not None and request.url_rule is not None and request.endpoint != "metrics.metrics":
        import time

        REQUEST_LATENCY.labels(request.method, request.url_rule.rule, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(_observe)
