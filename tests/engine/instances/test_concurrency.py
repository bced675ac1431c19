"""Two specialists completing the two parallel tasks of one instance at the same moment."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine import migrate
from engine.audit.models import AuditEvent
from engine.cases.service import BeneficiaryInput, open_case
from engine.db import make_engine
from engine.definitions.service import deploy
from engine.instances.service import start_instance
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState
from forms.registry import FormRegistry
from tests import factories
from tests.conftest import PG_URL, create_pg_database, pg_database_name
from tests.engine.instances.conftest import FIXTURES, fixture_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def committed_db(request, tmp_path_factory):
    """A database of its own where sessions really commit (no rolled-back outer transaction)."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("IPD_TEST_DATABASE_URL not set")
        url = create_pg_database(pg_database_name("concurrency"))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('concurrency') / 'c.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=5) if request.param == "postgresql" else make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        deploy(session, None, [fixture_file("parallel.bpmn")], forms=FormRegistry(FIXTURES / "forms"))
        factories.user(session, "psychologist", username="c-psy")
        factories.user(session, "lawyer", username="c-law")
        factories.user(session, "social_worker", username="c-sw")
    yield request.param, factory
    engine.dispose()


def test_parallel_completions_are_both_applied(committed_db, test_forms):
    backend, factory = committed_db
    repetitions = 50 if backend == "postgresql" else 10
    for _ in range(repetitions):
        with factory.begin() as session:
            from engine.accounts.models import User

            sw = session.scalar(select(User).where(User.username == "c-sw"))
            case = open_case(session, sw, BeneficiaryInput("Amal", "Haddad"))
            instance_id = start_instance(session, sw, "parallel_diagnosis", case=case).instance.id
            ids = {
                t.element_id: t.id
                for t in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id))
            }
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def work(username: str, task_id: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
            try:
                barrier.wait(timeout=10)
                with factory.begin() as session:
                    from engine.accounts.models import User

                    user = session.scalar(select(User).where(User.username == username))
                    tasks.complete_task(session, user, task_id, {"note": username})
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=work, args=("c-psy", ids["psy"], barrier, errors)),
            threading.Thread(target=work, args=("c-law", ids["law"], barrier, errors)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        with factory() as session:
            rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).all()
            states = {row.element_id: row.state for row in rows}
            assert states["psy"] == states["law"] == TaskState.COMPLETED
            assert [row.element_id for row in rows].count("summary") == 1, "the join passed more than once"
            completed = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.instance_id == instance_id, AuditEvent.kind == "task.completed")
            )
            assert completed == 2
