"""Process instances: state, open tasks and incidents; suspend, resume, cancel, retry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.policy import get_visible_instance
from engine.errors import Conflict, InvalidInput
from engine.instances.models import Incident, ProcessInstance
from engine.instances.service import cancel_instance, resume_instance, retry_incident, suspend_instance
from engine.tasks.models import HumanTask, TaskState
from web.api import bp, schemas, serialize
from web.api.auth import current_actor
from web.api.body import json_body
from web.audit_reads import audit_view
from web.db import get_db


def _detail(session: Session, instance: ProcessInstance) -> dict[str, Any]:
    tasks = session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.state == TaskState.OPEN)
        .order_by(HumanTask.id)
    )
    incidents = session.scalars(
        select(Incident).where(Incident.instance_id == instance.id).order_by(Incident.raised_at, Incident.id)
    )
    return serialize.instance_detail(instance, list(tasks), list(incidents))


@bp.get("/instances/<id:instance_id>")
def show_instance(instance_id: int) -> dict[str, Any]:
    db, actor = get_db(), current_actor()
    instance = get_visible_instance(db, actor, instance_id)
    body = _detail(db, instance)
    audit_view(db, actor, "instance", case_id=instance.case_id, instance_id=instance.id)
    db.commit()
    return body


@bp.post("/instances/<id:instance_id>/suspend")
def suspend(instance_id: int) -> dict[str, Any]:
    body = json_body(schemas.REASON_REQUEST, required=False)
    db, actor = get_db(), current_actor()
    get_visible_instance(db, actor, instance_id)
    instance = suspend_instance(db, actor, instance_id, body.get("reason"))
    db.commit()
    return _detail(db, instance)


@bp.post("/instances/<id:instance_id>/resume")
def resume(instance_id: int) -> dict[str, Any]:
    db, actor = get_db(), current_actor()
    get_visible_instance(db, actor, instance_id)
    outcome = resume_instance(db, actor, instance_id)
    db.commit()
    return _detail(db, outcome.instance)


@bp.post("/instances/<id:instance_id>/cancel")
def cancel(instance_id: int) -> dict[str, Any]:
    body = json_body(schemas.REASON_REQUEST, required=False)
    db, actor = get_db(), current_actor()
    get_visible_instance(db, actor, instance_id)
    instance = cancel_instance(db, actor, instance_id, body.get("reason") or "")
    db.commit()
    return _detail(db, instance)


@bp.post("/instances/<id:instance_id>/retry")
def retry(instance_id: int) -> dict[str, Any]:
    body = json_body(schemas.RETRY_REQUEST, required=False)
    db, actor = get_db(), current_actor()
    instance = get_visible_instance(db, actor, instance_id)
    incident_id = body.get("incident_id")
    if incident_id is None:
        incident_id = db.scalar(
            select(Incident.id)
            .where(Incident.instance_id == instance.id, Incident.resolved_at.is_(None))
            .order_by(Incident.raised_at.desc(), Incident.id.desc())
            .limit(1)
        )
        if incident_id is None:
            raise Conflict("this instance has no open incident to retry")
    elif db.scalar(select(Incident.instance_id).where(Incident.id == incident_id)) != instance.id:
        raise InvalidInput("unknown incident", {"incident_id": "no such incident on this instance"})
    outcome = retry_incident(db, actor, incident_id)
    db.commit()
    return _detail(db, outcome.instance)
