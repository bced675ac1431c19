"""Tasks: the inbox queries, a task with its form, claim, unclaim, assign, complete."""

from __future__ import annotations

from typing import Any

from engine.access.policy import TaskView, candidate_clause, may_read_task_data, task_view, visible_tasks
from engine.accounts.models import User
from engine.cases.models import Case
from engine.clock import utcnow
from engine.definitions.forms import task_forms
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.service import assign_task, claim_task, complete_task, get_task, unclaim_task
from forms.registry import FormDefinitionError, FormNotFound
from web.api import bp, schemas, serialize
from web.api.auth import current_actor
from web.api.body import json_body
from web.api.pagination import bool_arg, choice_arg, int_arg, paginate
from web.audit_reads import audit_page, audit_view
from web.db import get_db


@bp.get("/tasks")
def list_tasks() -> dict[str, Any]:
    actor = current_actor()
    assignment = choice_arg("assignment", ("mine", "candidate", "all"), "mine")
    state = choice_arg("state", ("open", "completed"), "open")
    case_id = int_arg("case", minimum=1)
    overdue = bool_arg("overdue")
    stmt = visible_tasks(actor).where(HumanTask.state == state)
    if assignment == "mine":
        mine = HumanTask.assignee_id == actor.id
        stmt = stmt.where(mine | (HumanTask.completed_by_id == actor.id) if state == "completed" else mine)
    elif assignment == "candidate":
        stmt = stmt.where(HumanTask.assignee_id.is_(None), candidate_clause(actor))
    if case_id is not None:
        stmt = stmt.where(HumanTask.case_id == case_id)
    if overdue is not None:
        late = (HumanTask.state == TaskState.OPEN) & HumanTask.due_at.is_not(None) & (HumanTask.due_at < utcnow())
        stmt = stmt.where(late if overdue else ~late)
    stmt = stmt.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    db = get_db()
    page = paginate(db, stmt, serialize.task_summary)
    used = ("assignment", "state", "case", "overdue", "limit", "offset")
    audit_page(db, actor, "task", page, used)
    return page


def _detail(task: HumanTask, actor: User) -> dict[str, Any]:
    db = get_db()
    if task_view(db, actor, task) == TaskView.SUMMARY:
        return serialize.task_candidate_summary(task, db.get(Case, task.case_id) if task.case_id else None)
    withheld = not may_read_task_data(db, actor, task)
    return serialize.task_detail(task, _form(task), withheld=withheld)


def _form(task: HumanTask) -> dict[str, Any] | None:
    if not task.form_key:
        return None
    try:
        return task_forms(get_db(), task.instance_id).load(task.form_key)
    except (FormNotFound, FormDefinitionError, ValueError):
        return None


@bp.get("/tasks/<id:task_id>")
def show_task(task_id: int) -> dict[str, Any]:
    db, actor = get_db(), current_actor()
    task = get_task(db, actor, task_id)
    body = _detail(task, actor)
    audit_view(db, actor, "task", case_id=task.case_id, task_id=task.id, scope=str(task_view(db, actor, task)))
    db.commit()
    return body


@bp.post("/tasks/<id:task_id>/claim")
def claim(task_id: int) -> dict[str, Any]:
    db, actor = get_db(), current_actor()
    task = claim_task(db, actor, task_id)
    db.commit()
    return _detail(task, actor)


@bp.post("/tasks/<id:task_id>/unclaim")
def unclaim(task_id: int) -> dict[str, Any]:
    db, actor = get_db(), current_actor()
    task = unclaim_task(db, actor, task_id)
    db.commit()
    return _detail(task, actor)


@bp.post("/tasks/<id:task_id>/assign")
def assign(task_id: int) -> dict[str, Any]:
    body = json_body(schemas.ASSIGN_REQUEST)
    db, actor = get_db(), current_actor()
    task = assign_task(db, actor, task_id, body["assignee_id"])
    db.commit()
    return _detail(task, actor)


@bp.post("/tasks/<id:task_id>/complete")
def complete(task_id: int) -> dict[str, Any]:
    body = json_body(schemas.COMPLETE_REQUEST)
    db, actor = get_db(), current_actor()
    result = complete_task(db, actor, task_id, body["data"])
    db.commit()
    return {
        "task": _detail(result.task, actor),
        "incident": serialize.incident(result.incident) if result.incident else None,
        "new_task_ids": list(result.new_task_ids or []),
    }
