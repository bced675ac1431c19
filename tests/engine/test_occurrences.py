"""Per-occurrence processes start with their configuration as data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cases.occurrences import start_data, start_occurrence
from engine.cases.service import BeneficiaryInput, close_case, open_case
from engine.definitions.service import deploy, read_directory
from engine.errors import Conflict, InvalidInput
from engine.tasks.models import HumanTask, TaskState
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def case(db_session):
    worker = factories.user(db_session, "social_worker", username="occ-sw")
    return worker, open_case(db_session, worker, BeneficiaryInput("Ahmad", "Karimi"))


def test_start_data_carries_only_choices_never_amounts_or_budgets(db_session, case, monkeypatch):
    _, opened = case
    monkeypatch.setenv("IPD_MATERIAL_AID_APPROVAL_LIMIT", "750")
    # Limits, settings and budgets are read by the operations from the configuration and the tables.
    assert start_data(db_session, opened, "material_aid") == {}
    assert start_data(db_session, opened, "housing_subsidy") == {}
    assert start_data(db_session, opened, "service_session", session_role="lawyer") == {"session_role": "lawyer"}
    with pytest.raises(InvalidInput):
        start_data(db_session, opened, "service_session", session_role="admin")


def test_start_occurrence_routes_the_first_task(db_session, case):
    worker, opened = case
    deploy(db_session, None, read_directory(ROOT / "processes"))
    outcome = start_occurrence(db_session, worker, opened, "service_session", session_role="lawyer")
    assert outcome.incident is None
    (task,) = db_session.scalars(
        select(HumanTask).where(HumanTask.instance_id == outcome.instance.id, HumanTask.state == TaskState.OPEN)
    ).all()
    assert task.role == "lawyer"
    with pytest.raises(InvalidInput):
        start_occurrence(db_session, worker, opened, "case_closure")
    close_case(db_session, worker, opened, "moved away")
    with pytest.raises(Conflict):
        start_occurrence(db_session, worker, opened, "material_aid")
