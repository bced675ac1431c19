"""The scheduled retention run: a thin Celery edge that opens a unit of work and commits it."""

from __future__ import annotations

from pathlib import Path

from celery import shared_task

from engine.db import database
from engine.documents.storage import discard
from engine.privacy.retention import run_retention

RUN_RETENTION = "engine.privacy.jobs.run_retention"


@shared_task(name=RUN_RETENTION)
def run_retention_job(years: int, documents_path: str) -> list[int]:
    """Anonymise the cases whose retention period ended; return their ids."""
    with database.unit_of_work() as session:
        run = run_retention(session, years=years)
    for name in run.discarded_files:  # only once the rows are gone for good
        discard(Path(documents_path), name)
    return run.case_ids
