"""Starting instances, routing and completing human tasks, the projection and the audit trail."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.instances.models import InstanceState, InstanceStatus
from engine.instances.service import start_instance
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState


def open_tasks(db_session, instance_id):
    return {
        t.element_id: t
        for t in db_session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.OPEN)
        )
    }


def test_parallel_tasks_are_routed_by_lane_and_office(db_session, deploy_fixture, people, case):
    definition = deploy_fixture("parallel.bpmn")
    outcome = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case)
    instance = outcome.instance
    assert instance.definition_id == definition.id and instance.status == InstanceStatus.RUNNING
    current = open_tasks(db_session, instance.id)
    assert set(current) == {"psy", "law"}
    psy = current["psy"]
    assert psy.role == "psychologist" and psy.assignee_id is None and psy.office_id == case.office_id
    assert psy.name_pl == "Diagnoza psychologiczna" and psy.name_en == "Psychological diagnosis"
    assert psy.form_key == "test/note"
    assert (psy.due_at - psy.created_at).days == 14
    # Another office's psychologist cannot see or claim it; the lawyer cannot claim it either.
    with pytest.raises(NotFound):
        tasks.claim_task(db_session, people["other_office_psy"], psy.id)
    with pytest.raises((Forbidden, NotFound)):
        tasks.claim_task(db_session, people["law"], psy.id)
    tasks.claim_task(db_session, people["psy"], psy.id)
    assert psy.assignee_id == people["psy"].id
    assert case.is_associated(people["psy"])  # claiming grants record-level access
    with pytest.raises(Conflict):
        tasks.claim_task(db_session, people["sup"], psy.id)


def test_complete_validates_against_the_form(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    psy = open_tasks(db_session, instance.id)["psy"]
    tasks.claim_task(db_session, people["psy"], psy.id)
    with pytest.raises(InvalidInput) as error:
        tasks.complete_task(db_session, people["psy"], psy.id, {"note": "", "colour": "blue"})
    assert error.value.fields == {
        "colour": "The form has no such field.",
        "note": "Must be at least 1 characters long.",
    }
    assert psy.state == TaskState.OPEN


def test_join_passes_once_and_completion_is_recorded(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    current = open_tasks(db_session, instance.id)
    tasks.claim_task(db_session, people["psy"], current["psy"].id)
    tasks.complete_task(db_session, people["psy"], current["psy"].id, {"note": "stabilny"})
    assert set(open_tasks(db_session, instance.id)) == {"law"}
    result = tasks.complete_task(db_session, people["law"], current["law"].id, {"note": "status uchodźcy"})
    assert result.incident is None
    after = open_tasks(db_session, instance.id)
    assert set(after) == {"summary"}
    summary = after["summary"]
    assert summary.assignee_id == case.case_manager_id  # social-work tasks go to the case manager
    with pytest.raises(Conflict):
        tasks.complete_task(db_session, people["law"], current["law"].id, {"note": "again"})
    tasks.complete_task(db_session, people["sw"], summary.id, {"note": "koniec"})
    db_session.refresh(instance)
    assert instance.status == InstanceStatus.COMPLETED and instance.ended_at is not None
    kinds = [e.kind for e in db_session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id))]
    assert kinds.count("task.completed") == 3
    assert {"instance.started", "task.created", "task.claimed", "instance.completed"} <= set(kinds)
    completed = db_session.scalar(
        select(AuditEvent).where(AuditEvent.kind == "task.completed", AuditEvent.actor_id == people["law"].id)
    )
    assert completed.details["changed_keys"] == ["note"]


def test_state_is_stored_without_the_spec(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    state = json.loads(db_session.get(InstanceState, instance.id).state)
    assert "spec" not in state and "subprocess_specs" not in state
    assert state["tasks"]


def test_assign_is_for_supervisors_of_the_office(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    psy = open_tasks(db_session, instance.id)["psy"]
    with pytest.raises(Forbidden):
        tasks.assign_task(db_session, people["sw"], psy.id, people["psy"].id)
    with pytest.raises(InvalidInput):
        tasks.assign_task(db_session, people["sup"], psy.id, people["law"].id)
    tasks.assign_task(db_session, people["sup"], psy.id, people["psy"].id)
    assert psy.assignee_id == people["psy"].id
    tasks.unclaim_task(db_session, people["psy"], psy.id)
    assert psy.assignee_id is None


def test_starting_needs_access_to_the_case(db_session, deploy_fixture, people, case):
    deploy_fixture("parallel.bpmn")
    with pytest.raises(Forbidden):
        start_instance(db_session, people["other_office_psy"], "parallel_diagnosis", case=case)
    with pytest.raises(NotFound):
        start_instance(db_session, people["sw"], "no_such_process", case=case)
