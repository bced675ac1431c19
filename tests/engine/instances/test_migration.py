"""Comparing versions and moving running cases to a new one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.definitions.service import deploy
from engine.definitions.validation import SourceFile
from engine.errors import Conflict, Forbidden
from engine.instances.migration import diff_versions, dry_run, migrate_instance
from engine.instances.service import start_instance
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState
from tests.engine.instances.conftest import fixture_file

SUMMARY_TASK = b"""    <bpmn:userTask id="summary" name="Podsumowanie">"""
REVIEW_THEN_SUMMARY = b"""    <bpmn:userTask id="summary" name="Podsumowanie zespo\xc5\x82u">"""


def _v2_renamed_summary() -> SourceFile:
    content = fixture_file("parallel.bpmn").content.replace(SUMMARY_TASK, REVIEW_THEN_SUMMARY)
    return SourceFile("parallel.bpmn", content)


def _v2_without_law() -> SourceFile:
    """Version 2 drops the lawyer's task: that branch goes straight to the join."""
    text = fixture_file("parallel.bpmn").content.decode()
    start = text.index('    <bpmn:userTask id="law"')
    end = text.index("</bpmn:userTask>", start) + len("</bpmn:userTask>\n")
    text = text[:start] + text[end:]
    text = text.replace("<bpmn:flowNodeRef>law</bpmn:flowNodeRef>", "")
    text = text.replace('<bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="law"/>', "")
    text = text.replace(
        '<bpmn:sequenceFlow id="f5" sourceRef="law" targetRef="join"/>',
        '<bpmn:sequenceFlow id="f5" sourceRef="split" targetRef="join"/>',
    )
    text = text.replace(
        "<bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing>",
        "<bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing>",
    )
    return SourceFile("parallel.bpmn", text.encode())


def _open(db_session, instance_id):
    return {
        t.element_id: t
        for t in db_session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.OPEN)
        )
    }


def test_diff_lists_changed_elements(db_session, people):
    deploy(db_session, None, [fixture_file("parallel.bpmn")])
    deploy(db_session, None, [_v2_renamed_summary()])
    changes = diff_versions(db_session, people["admin"], "parallel_diagnosis", 1, 2)
    assert [c.element_id for c in changes.changed] == ["summary"]
    assert "bpmn_name" in changes.changed[0].attributes
    assert changes.added == [] and changes.removed == []
    with pytest.raises(Forbidden):
        diff_versions(db_session, people["sw"], "parallel_diagnosis", 1, 2)


def test_dry_run_and_migrate(db_session, people, case):
    deploy(db_session, None, [fixture_file("parallel.bpmn")])
    movable = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    stuck = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    # The movable one is past both diagnoses; the stuck one still waits at the lawyer's task.
    for element, who in (("law", "law"), ("psy", "psy")):
        task = _open(db_session, movable.id)[element]
        tasks.claim_task(db_session, people[who], task.id)
        tasks.complete_task(db_session, people[who], task.id, {"note": "gotowe"})
    summary = _open(db_session, movable.id)["summary"]
    tasks.save_draft(db_session, people["sw"], summary.id, {"note": "w toku"})
    deploy(db_session, None, [_v2_without_law()])

    verdicts = {v.instance_id: v for v in dry_run(db_session, people["admin"], "parallel_diagnosis", 2)}
    assert verdicts[stuck.id].can_migrate is False
    assert verdicts[stuck.id].reasons == ["the case is waiting at Diagnoza prawna (law), which the new version removes"]
    assert verdicts[movable.id].can_migrate is True, verdicts[movable.id].reasons
    with pytest.raises(Forbidden):
        dry_run(db_session, people["sup"], "parallel_diagnosis", 2)

    with pytest.raises(Conflict, match="cannot move"):
        migrate_instance(db_session, people["admin"], stuck.id, 2)
    migrate_instance(db_session, people["admin"], movable.id, 2)
    assert movable.definition.version == 2
    still_open = _open(db_session, movable.id)
    assert set(still_open) == {"summary"}
    assert still_open["summary"].id == summary.id and still_open["summary"].draft == {"note": "w toku"}
    tasks.complete_task(db_session, people["sw"], summary.id, {"note": "koniec"})
    db_session.refresh(movable)
    assert movable.status == "completed"
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "instance.migrated")).details == {
        "from_version": 1,
        "to_version": 2,
    }
