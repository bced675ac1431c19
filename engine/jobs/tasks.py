"""Celery tasks: thin edges that take ids or plain values, open a unit of work and commit it."""

from __future__ import annotations

import socket
from datetime import datetime
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
