"""The case's audit events told as sentences, in the user's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.models import AuditEvent
from engine.instances.models import ProcessInstance
from engine.tasks.models import HumanTask
from web.audit_reads import READ_KINDS
from web.cases.labels import process_label, task_name

# Views are audited but are not events of the case's story; they would drown it.
HIDDEN_KINDS = READ_KINDS


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    kind: str
    text: str


def _sentence(event: AuditEvent, actor: str, task: str, process: str) -> str | None:
    details = event.details or {}
    kind = event.kind
    if kind == "case.opened":
        return _("%(actor)s opened the case %(number)s", actor=actor, number=details.get("number", ""))
    if kind == "case.closed":
        return _("%(actor)s closed the case", actor=actor)
    if kind == "instance.started":
        return _("%(actor)s started the process ‘%(process)s’", actor=actor, process=process)
    if kind == "instance.completed":
        return _("The process ‘%(process)s’ finished", process=process)
    if kind == "instance.cancelled":
        return _(
            "%(actor)s cancelled the process ‘%(process)s’: %(reason)s",
            actor=actor,
            process=process,
            reason=details.get("reason", ""),
        )
    if kind == "instance.suspended":
        return _("%(actor)s suspended the process ‘%(process)s’", actor=actor, process=process)
    if kind == "instance.resumed":
        return _("%(actor)s resumed the process ‘%(process)s’", actor=actor, process=process)
    if kind == "task.created":
        return _("New task ‘%(task)s’", task=task)
    if kind == "task.claimed":
        return _("%(actor)s took the task ‘%(task)s’", actor=actor, task=task)
    if kind == "task.unclaimed":
        return _("%(actor)s released the task ‘%(task)s’", actor=actor, task=task)
    if kind == "task.assigned":
        return _("%(actor)s assigned the task ‘%(task)s’", actor=actor, task=task)
    if kind == "task.completed":
        return _("%(actor)s completed ‘%(task)s’", actor=actor, task=task)
    if kind == "task.cancelled":
        return _("The task ‘%(task)s’ was withdrawn by the process", task=task)
    if kind == "timer.fired":
        return _("A deadline in ‘%(process)s’ was reached", process=process)
    if kind == "incident.raised":
        return _("A problem stopped the process ‘%(process)s’", process=process)
    if kind == "plan.downloaded":
        return _("%(actor)s printed the IPD (version %(n)s)", actor=actor, n=details.get("plan_version", ""))
    if kind == "incident.resolved":
        return _("The problem in ‘%(process)s’ was resolved", process=process)
    return None


def case_timeline(session: Session, case_id: int, limit: int = 500) -> list[TimelineEntry]:
    """What happened in the case, newest first."""
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.kind.not_in(HIDDEN_KINDS))
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
    actor_ids = {e.actor_id for e in events if e.actor_id}
    names = (
        dict(session.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids))).all())
        if actor_ids
        else {}
    )
    task_ids = {int(e.details["task_id"]) for e in events if isinstance((e.details or {}).get("task_id"), int)}
    tasks = {t.id: t for t in session.scalars(select(HumanTask).where(HumanTask.id.in_(task_ids)))} if task_ids else {}
    instance_ids = {e.instance_id for e in events if e.instance_id}
    processes = (
        dict(
            session.execute(
                select(ProcessInstance.id, ProcessInstance.process_id).where(ProcessInstance.id.in_(instance_ids))
            ).all()
        )
        if instance_ids
        else {}
    )
    entries = []
    for event in events:
        actor = names.get(event.actor_id or 0) or event.actor_name or _("The system")
        if event.actor_name in ("engine", "scheduler") and not event.actor_id:
            actor = _("The system")
        task = tasks.get(int((event.details or {}).get("task_id") or 0))
        process_id = (event.details or {}).get("process_id") or processes.get(event.instance_id or 0)
        text = _sentence(event, actor, task_name(task) if task else "?", process_label(process_id))
        if text:
            entries.append(TimelineEntry(event.occurred_at, event.kind, text))
    return entries
