"""A case that loops for years stays correct and as cheap per step as a new one (pitfalls 1 and 2)."""

from __future__ import annotations

import json

from sqlalchemy import select

from engine.instances.models import InstanceState, InstanceStatus
from engine.instances.service import start_instance
from engine.tasks import service as tasks
from engine.tasks.models import HumanTask, TaskState


def _open(db_session, instance_id):
    return db_session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == TaskState.OPEN)
    )


def test_two_thousand_iterations_neither_end_early_nor_grow(db_session, deploy_fixture, people, case):
    deploy_fixture("loop.bpmn")
    instance = start_instance(db_session, people["sw"], "session_loop", case=case, data={"sessions": 0}).instance
    sizes = []
    for iteration in range(2000):
        task = _open(db_session, instance.id)
        assert task is not None, f"no open task after {iteration} sessions"
        tasks.complete_task(db_session, people["sw"], task.id, {"note": f"sesja {iteration}", "more": True})
        assert instance.status == InstanceStatus.RUNNING
        if iteration % 250 == 0:
            sizes.append((instance.task_count, len(db_session.get(InstanceState, instance.id).state)))
    # The stored tree and state do not grow with the number of iterations.
    assert max(s[0] for s in sizes) == min(s[0] for s in sizes)
    assert max(s[1] for s in sizes) < 1.2 * min(s[1] for s in sizes)
    last = _open(db_session, instance.id)
    result = tasks.complete_task(db_session, people["sw"], last.id, {"note": "ostatnia", "more": False})
    assert result.incident is None
    assert instance.status == InstanceStatus.COMPLETED
    state = json.loads(db_session.get(InstanceState, instance.id).state)
    assert len(state["tasks"]) < 20
