"""Business-rule tasks evaluate deployed decision tables; a runaway tree depth becomes an incident."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.definitions.service import deploy
from engine.instances.service import start_instance
from engine.spiff import runner as runner_module
from engine.tasks.models import HumanTask, TaskState
from tests.engine.instances.conftest import fixture_file


def _open_elements(db_session, instance_id):
    return sorted(
        t.element_id
        for t in db_session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.OPEN)
        )
    )


@pytest.mark.parametrize(("score", "priority", "expected"), [(1500, "high", ["fast"]), (10, "high", ["slow"])])
def test_decision_table_routes_the_case(db_session, people, case, score, priority, expected):
    result = deploy(db_session, None, [fixture_file("decision.bpmn"), fixture_file("route.dmn")])
    assert [d.process_id for d in result.definitions] == ["routed_by_table"]
    outcome = start_instance(
        db_session, people["sw"], "routed_by_table", case=case, data={"score": score, "priority": priority}
    )
    assert outcome.incident is None
    assert _open_elements(db_session, outcome.instance.id) == expected


def test_missing_decision_is_refused_at_deploy(db_session):
    from engine.definitions.service import InvalidDefinition

    with pytest.raises(InvalidDefinition) as error:
        deploy(db_session, None, [fixture_file("decision.bpmn")])
    assert {f.code for f in error.value.report.errors} & {"dmn.missing", "bpmn.parse"}


def test_a_tree_deeper_than_the_limit_raises_an_incident(db_session, deploy_fixture, people, case, monkeypatch):
    deploy_fixture("parallel.bpmn")
    monkeypatch.setattr(runner_module, "MAX_TREE_DEPTH", 2)
    outcome = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case)
    assert outcome.incident is not None
    assert "levels deep" in outcome.incident.message
    assert outcome.instance.has_open_incident
