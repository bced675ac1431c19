"""Two supervisors approving at the same moment two subsidies that together exceed the office's budget."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from engine import migrate
from engine.accounts.models import User
from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import utcnow
from engine.db import make_engine
from engine.definitions.service import deploy, read_directory
from engine.errors import InvalidInput
from engine.instances.service import start_instance
from engine.subsidies.budgets import set_budget
from engine.subsidies.models import HousingSubsidy, SubsidyPayment, SubsidyStatus
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState
from forms.registry import FormRegistry, use_registry
from tests import factories
from tests.conftest import PG_URL, create_pg_database, pg_database_name
from tests.processes.samples import sample

pytestmark = pytest.mark.slow
PROCESSES = Path(__file__).resolve().parents[2] / "processes"


@pytest.fixture(scope="module")
def committed_pg():
    """A PostgreSQL database of its own where sessions really commit, with the subsidy process deployed."""
    if not PG_URL:
        pytest.skip("IPD_TEST_DATABASE_URL not set")
    url = create_pg_database(pg_database_name("subsidy_budget"))
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=5)
    factory = sessionmaker(engine, expire_on_commit=False)
    previous = use_registry(FormRegistry())
    with factory.begin() as session:
        files = [f for f in read_directory(PROCESSES) if f.name == "housing_subsidy.bpmn"]
        deploy(session, None, files, source="test")
        factories.user(session, "social_worker", username="b-sw")
        factories.user(session, "supervisor", username="b-sup1")
        factories.user(session, "supervisor", username="b-sup2")
    yield factory
    use_registry(previous)
    engine.dispose()


def _user(session, name: str) -> User:  # type: ignore[no-untyped-def]
    found = session.scalar(select(User).where(User.username == name))
    assert found is not None
    return found


def _applied(factory, name: str) -> int:  # type: ignore[no-untyped-def]
    """A subsidy application of 3 × 1200.00 waiting for its approval; returns the approval task id."""
    with factory.begin() as session:
        sw = _user(session, "b-sw")
        case = open_case(session, sw, BeneficiaryInput(name, "Budget"))
        instance = start_instance(session, sw, "housing_subsidy", case=case).instance
        apply = session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id))
        tasks.claim_task(session, sw, apply.id)
        tasks.complete_task(session, sw, apply.id, sample("housing/application"))
        approve = session.scalar(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == TaskState.OPEN)
        )
        return approve.id


def test_of_two_concurrent_approvals_over_the_budget_exactly_one_succeeds(committed_pg) -> None:  # type: ignore[no-untyped-def]
    factory = committed_pg
    today = utcnow().date()
    rounds = 5
    for round_ in range(rounds):
        with factory.begin() as session:
            # A fresh office budget each round: 5000.00 holds one approval of 3 × 1200.00, not two.
            code = f"B{round_}"
            office = factories.office(session, code)
            for name in ("b-sw", "b-sup1", "b-sup2"):
                _user(session, name).office_id = office.id
            period = (date(today.year - 1, 1, 1), date(today.year + 1, 12, 31))
            set_budget(session, None, code, *period, Decimal("5000.00"))
        first, second = _applied(factory, "Olena"), _applied(factory, "Ahmad")
        barrier = threading.Barrier(2)
        results: dict[str, BaseException | None] = {}

        def approve(
            username: str,
            task_id: int,
            barrier: threading.Barrier = barrier,
            results: dict[str, BaseException | None] = results,
        ) -> None:
            try:
                with factory.begin() as session:
                    supervisor = _user(session, username)
                    tasks.claim_task(session, supervisor, task_id)
                    barrier.wait(timeout=10)
                    tasks.complete_task(session, supervisor, task_id, sample("housing/approval"))
                results[username] = None
            except BaseException as exc:  # reported below
                results[username] = exc

        threads = [
            threading.Thread(target=approve, args=("b-sup1", first)),
            threading.Thread(target=approve, args=("b-sup2", second)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        refused = [error for error in results.values() if error is not None]
        assert len(results) == 2 and len(refused) == 1, results
        assert isinstance(refused[0], InvalidInput) and "1400.00 PLN remaining" in refused[0].message
        with factory() as session:
            office_id = session.scalar(select(User.office_id).where(User.username == "b-sw"))
            statuses = sorted(
                session.scalars(select(HousingSubsidy.status).where(HousingSubsidy.office_id == office_id))
            )
            assert statuses == [SubsidyStatus.APPROVED, SubsidyStatus.AWAITING_APPROVAL]
            reserved = session.scalars(select(SubsidyPayment.amount).where(SubsidyPayment.office_id == office_id))
            assert sum(reserved) == Decimal("3600.00")
