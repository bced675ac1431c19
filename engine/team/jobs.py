"""Celery edge: make sure every office has its quarterly meeting cycle running."""

from __future__ import annotations

from celery import shared_task

from engine.db import database
from engine.team.cycles import start_team_cycles

START_CYCLES = "engine.team.jobs.start_cycles"


@shared_task(name=START_CYCLES)
def start_cycles() -> int:
    """Start a meeting cycle for each office without one (a new office, or a cycle a supervisor ended)."""
    with database.unit_of_work() as session:
        return len(start_team_cycles(session))
