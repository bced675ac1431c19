"""Celery tasks: thin edges that take ids or plain values, open a unit of work and commit it."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.clock import utcnow
from engine.db import database
from engine.jobs.models import WorkerHeartbeat

SCHEDULER_HEARTBEAT = "scheduler"


def record_heartbeat(session: Session, name: str, *, hostname: str, at: datetime) -> None:
    """Insert or refresh the heartbeat row ``name`` in one statement, so two workers never collide."""
    # The project runs on PostgreSQL and SQLite only; both spell the upsert the same way.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(WorkerHeartbeat).values(name=name, hostname=hostname, last_seen_at=at)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[WorkerHeartbeat.name],
            set_={"hostname": stmt.excluded.hostname, "last_seen_at": stmt.excluded.last_seen_at},
        )
    )


@shared_task(name="engine.jobs.tasks.heartbeat")
def heartbeat() -> str:
    """Record that the scheduler (beat → broker → worker) is alive; return the time written."""
    now = utcnow()
    with database.unit_of_work() as session:
        record_heartbeat(session, SCHEDULER_HEARTBEAT, hostname=socket.gethostname(), at=now)
    return now.isoformat()


@shared_task(name="engine.jobs.tasks.ping")
def ping(value: Any) -> Any:
    """Return ``value`` unchanged: proves a round trip through broker and worker."""
    return value


def prune_delivered_messages(broker_url: str, older_than: timedelta) -> int:
    """Delete messages the embedded (SQLAlchemy) broker has delivered; it never removes them itself."""
    from sqlalchemy import create_engine, text

    url = broker_url.removeprefix("sqla+")
    # kombu stamps messages with naive local time.
    cutoff = datetime.now() - older_than  # noqa: DTZ005
    db = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    try:
        with db.begin() as conn:
            result = conn.execute(
                text("DELETE FROM kombu_message WHERE visible = :hidden AND timestamp < :cutoff"),
                {"hidden": False, "cutoff": cutoff},
            )
            return int(result.rowcount or 0)
    finally:
        db.dispose()


@shared_task(name="engine.jobs.tasks.prune_embedded_broker")
def prune_embedded_broker(broker_url: str, older_than_seconds: float = 3600) -> int:
    """Keep the embedded broker's table from growing by a row per task forever."""
    return prune_delivered_messages(broker_url, timedelta(seconds=older_than_seconds))
