"""Fixtures for scenario tests: start a process on the in-memory driver and always restore the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.processes.driver import Scenario


@pytest.fixture
def start() -> Iterator[Callable[..., Scenario]]:
    started: list[Scenario] = []

    def start_process(process_id: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Scenario:
        scenario = Scenario(process_id, data, **kwargs)
        started.append(scenario)
        return scenario

    yield start_process
    for scenario in reversed(started):
        scenario.close()
