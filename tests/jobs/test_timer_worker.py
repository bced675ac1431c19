"""End to end in the embedded mode: a BPMN timer fires from the scheduler with no service but SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine.cases.service import BeneficiaryInput, open_case
from engine.db import make_engine
from engine.definitions.service import deploy
from engine.instances.models import Timer, TimerStatus
from engine.instances.service import start_instance
from engine.tasks.models import HumanTask, TaskState
from forms.registry import FormRegistry
from tests import factories
from tests.engine.instances.conftest import FIXTURES, fixture_file
from tests.jobs.test_workers import celery_worker_command, migrated_database, running, wait_for, worker_env

pytestmark = pytest.mark.slow


def test_embedded_worker_fires_a_due_timer_once(tmp_path: Path) -> None:
    url = migrated_database(tmp_path)
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        deploy(session, None, [fixture_file("quick_timer.bpmn")], forms=FormRegistry(FIXTURES / "forms"))
        worker = factories.user(session, "social_worker", username="timer-sw")
        case = open_case(session, worker, BeneficiaryInput("Timer", "Case"))
        instance_id = start_instance(session, worker, "quick_timer", case=case).instance.id

    def escalated() -> HumanTask | None:
        with factory() as session:
            return session.scalar(
                select(HumanTask).where(
                    HumanTask.instance_id == instance_id,
                    HumanTask.element_id == "escalated",
                    HumanTask.state == TaskState.OPEN,
                )
            )

    env = worker_env(tmp_path, url, IPD_TIMER_POLL_SECONDS="1", IPD_HEARTBEAT_SECONDS="30")
    log = tmp_path / "worker.log"
    with running(celery_worker_command("-B", "-P", "solo"), env, log) as process:
        task = wait_for(escalated, timeout=60, process=process, log_path=log, what="the escalation task")
    assert task.role == "supervisor"
    with factory() as session:
        timers = session.scalars(select(Timer).where(Timer.instance_id == instance_id)).all()
        by_element = {t.element_id: t.status for t in timers}
        assert by_element["overdue"] == TimerStatus.FIRED
        assert by_element["remind"] == TimerStatus.CANCELLED
        assert session.scalar(select(HumanTask).where(HumanTask.element_id == "diagnosis")).state == TaskState.CANCELLED
        escalations = session.scalars(select(HumanTask).where(HumanTask.element_id == "escalated")).all()
        assert len(escalations) == 1
    engine.dispose()
