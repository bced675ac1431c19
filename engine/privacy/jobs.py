"""The scheduled retention run: a thin Celery edge that opens a unit of work and commits it."""

from __future__ import annotations

from celery import shared_task

from engine.db import database
from engine.privacy.retention import run_retention

RUN_RETENTION = "engine.privacy.jobs.run_retention"


@shared_task(name=RUN_RETENTION)
def run_retention_job(years: int) -> list[int]:
    """Anonymise the cases whose retention period ended; return their ids."""
    with database.unit_of_work() as session:
        return run_retention(session, years=years).case_ids
