"""Fixtures for scenario tests: every scenario runs on two drivers.

``spiff``: the in-memory driver on raw SpiffWorkflow (``driver.py``), fast and close to the diagrams.
``engine``: the engine's services on a real database (``services_driver.py``), once per backend.
The in-memory driver needs no database, so its runs on the PostgreSQL backend are deselected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from engine import clock as engine_clock
from engine.spiff.runner import InstanceRunner
from forms.registry import FormRegistry, use_registry
from tests.processes.driver import START, Scenario
from tests.processes.services_driver import Desk, EngineScenario

#: The in-memory driver cannot run the domain operations the library's tasks feed, so scenarios run on the
#: engine; ``driver.py`` keeps the shared vocabulary (``START``, the refusal errors).
DRIVERS = ["engine"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        values = params.params if params else {}
        if values.get("driver") == "spiff" and values.get("database_url") == "postgresql":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def library_forms() -> Iterator[FormRegistry]:
    """The engine validates against ``forms/`` (other test packages may have swapped the registry)."""
    registry = FormRegistry()
    previous = use_registry(registry)
    yield registry
    use_registry(previous)


@pytest.fixture
def desk(db_session: Session, library_forms: FormRegistry, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    """One office on the test's database session, the library deployed, the clock frozen at ``START``."""
    with engine_clock.frozen_clock(START) as clock:
        the_desk = Desk(db_session, clock)
        original = InstanceRunner.advance

        def recording_advance(runner: InstanceRunner) -> None:
            # Record what each step completes (with its data): the engine prunes finished history.
            workflow = runner.workflow
            steps = workflow.do_engine_steps

            def do_engine_steps(*args: Any, did_complete_task: Any = None, **kwargs: Any) -> Any:
                def record_then_budget(task: Any) -> None:  # the runner counts steps with its own callback
                    the_desk.record_completion(task)
                    if did_complete_task is not None:
                        did_complete_task(task)

                return steps(*args, did_complete_task=record_then_budget, **kwargs)

            workflow.do_engine_steps = do_engine_steps
            try:
                original(runner)
            finally:
                del workflow.do_engine_steps

        monkeypatch.setattr(InstanceRunner, "advance", recording_advance)
        yield the_desk


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest, backend: str) -> str:
    return str(request.param)


@pytest.fixture
def start(request: pytest.FixtureRequest, driver: str) -> Iterator[Callable[..., Scenario | EngineScenario]]:
    started: list[Scenario] = []

    if driver == "engine":
        engine_desk: Desk = request.getfixturevalue("desk")

        def start_on_engine(process_id: str, data: dict[str, Any] | None = None, **kwargs: Any) -> EngineScenario:
            case = kwargs.pop("case", process_id not in ("team_meeting", "team_decision"))
            return engine_desk.start(process_id, data, case=case, **kwargs)

        yield start_on_engine
        return

    def start_process(process_id: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Scenario:
        scenario = Scenario(process_id, data, **kwargs)
        started.append(scenario)
        return scenario

    yield start_process
    for scenario in reversed(started):
        scenario.close()
