"""``ipd team start-cycles`` gives every office one quarterly meeting cycle; the scheduler runs the same jobs."""

from __future__ import annotations

import importlib
from pathlib import Path

from sqlalchemy import select

from engine.definitions.service import deploy, read_directory
from engine.instances.models import ProcessInstance, Timer
from tests import factories

LIBRARY = Path(__file__).resolve().parents[2] / "processes"


def test_each_office_gets_one_cycle_waiting_for_the_next_meeting_month(app, db_session):
    deploy(db_session, None, read_directory(LIBRARY), source="test")
    factories.office(db_session, "LUB")
    factories.office(db_session, "KRK")
    db_session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["team", "start-cycles"])
    assert result.exit_code == 0, result.output
    assert "2 office(s)" in result.output
    again = runner.invoke(args=["team", "start-cycles"])
    assert "0 office(s)" in again.output, "a running cycle is not started twice"
    cycles = db_session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == "team_meeting")).all()
    assert len(cycles) == 2 and len({c.office_id for c in cycles}) == 2
    timers = db_session.scalars(select(Timer)).all()
    assert len(timers) == 2
    assert all(t.due_at.day == 1 and t.due_at.month in (2, 5, 8, 11) for t in timers)


def test_the_scheduler_runs_registered_notification_and_team_jobs(settings):
    from celery import current_app

    from web.celery_app import TASK_MODULES, beat_schedule

    for module in TASK_MODULES:
        importlib.import_module(module)
    names = {entry["task"] for entry in beat_schedule(settings).values()}
    assert {
        "engine.notifications.jobs.scan_due",
        "engine.notifications.jobs.send_pending_emails",
        "engine.notifications.jobs.send_digests",
        "engine.team.jobs.start_cycles",
    } <= names
    assert names <= set(current_app.tasks.keys())
