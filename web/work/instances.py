"""Instance administration: open incidents and retry; suspend, resume, cancel with a reason."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, or_, select
from werkzeug.wrappers import Response

from engine.access.policy import get_visible_instance, visible_instances
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.instances import service as instances
from engine.instances.models import ACTIVE_STATUSES, Incident, ProcessInstance
from engine.tasks.models import HumanTask
from web.audit_reads import audit_view
from web.db import get_db
from web.security import roles_required
from web.work import bp
from web.work.helpers import actor, case_labels, process_names, user_names

LIST_LIMIT = 200


def _scope(user: User) -> ColumnElement[bool]:
    """The instances the policy lets ``user`` see (administrators: their office's, or all for national ones)."""
    return visible_instances(user)


def _visible_instance(instance_id: int) -> ProcessInstance:
    return get_visible_instance(get_db(), actor(), instance_id)


@bp.route("/admin/instances")
@roles_required(Role.SUPERVISOR, Role.ADMIN, Role.NATIONAL_ADMIN)
def instance_list() -> str:
    db = get_db()
    user = actor()
    incidents = list(
        db.execute(
            select(Incident, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
            .where(Incident.resolved_at.is_(None), _scope(user))
            .order_by(Incident.raised_at.desc())
            .limit(LIST_LIMIT)
        )
    )
    status = request.args.get("status", "active")
    stmt = select(ProcessInstance).where(_scope(user))
    if status == "suspended":
        stmt = stmt.where(ProcessInstance.status == "suspended")
    elif status == "incident":
        stmt = stmt.where(ProcessInstance.has_open_incident.is_(True))
    else:
        status = "active"
        stmt = stmt.where(or_(*(ProcessInstance.status == s for s in ACTIVE_STATUSES)))
    listed = list(db.scalars(stmt.order_by(ProcessInstance.updated_at.desc()).limit(LIST_LIMIT)))
    cases = {i.case_id for _inc, i in incidents} | {i.case_id for i in listed}
    return render_template(
        "work/instances.html",
        incidents=incidents,
        instances=listed,
        status=status,
        process_names=process_names(db),
        case_labels=case_labels(db, cases, user),
    )


@bp.route("/admin/instances/<int:instance_id>")
@roles_required(Role.SUPERVISOR, Role.ADMIN, Role.NATIONAL_ADMIN)
def instance_detail(instance_id: int) -> str:
    db = get_db()
    instance = _visible_instance(instance_id)
    tasks = list(
        db.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.created_at))
    )
    incidents = list(
        db.scalars(select(Incident).where(Incident.instance_id == instance.id).order_by(Incident.raised_at.desc()))
    )
    page = render_template(
        "work/instance.html",
        instance=instance,
        tasks=tasks,
        incidents=incidents,
        process_names=process_names(db),
        case_labels=case_labels(db, {instance.case_id}, actor()),
        people=user_names(db, {t.assignee_id for t in tasks} | {t.completed_by_id for t in tasks}),
        errors={},
    )
    audit_view(db, actor(), "instance", case_id=instance.case_id, instance_id=instance.id)
    db.commit()
    return page


def _done(instance_id: int) -> Response:
    return redirect(url_for("work.instance_detail", instance_id=instance_id))


def _refused(error: Exception) -> None:
    if isinstance(error, Forbidden):
        flash(_("Only supervisors of the office and administrators can do this."), "error")
    elif isinstance(error, Conflict):
        flash(_("Not possible in the process's current state: %(reason)s", reason=error.message), "error")


@bp.route("/admin/instances/<int:instance_id>/<any(suspend, resume, cancel):action>", methods=["POST"])
@roles_required(Role.SUPERVISOR, Role.ADMIN, Role.NATIONAL_ADMIN)
def instance_action(instance_id: int, action: str) -> Response | tuple[str, int]:
    db = get_db()
    _visible_instance(instance_id)
    reason = (request.form.get("reason") or "").strip()
    if action in ("suspend", "cancel") and not reason:
        flash(_("Give a reason."), "error")
        return _done(instance_id)
    try:
        if action == "suspend":
            instances.suspend_instance(db, actor(), instance_id, reason)
            message = _("The process is suspended.")
        elif action == "resume":
            instances.resume_instance(db, actor(), instance_id)
            message = _("The process is running again.")
        else:
            instances.cancel_instance(db, actor(), instance_id, reason)
            message = _("The process is cancelled.")
    except (Forbidden, Conflict, InvalidInput) as error:
        db.rollback()
        _refused(error)
        if isinstance(error, InvalidInput):
            flash(_("Give a reason."), "error")
        return _done(instance_id)
    db.commit()
    flash(message, "success")
    return _done(instance_id)


@bp.route("/admin/incidents/<int:incident_id>/retry", methods=["POST"])
@roles_required(Role.SUPERVISOR, Role.ADMIN, Role.NATIONAL_ADMIN)
def incident_retry(incident_id: int) -> Response:
    db = get_db()
    incident = db.get(Incident, incident_id)
    if incident is None:
        abort(404)
    _visible_instance(incident.instance_id)
    try:
        outcome = instances.retry_incident(db, actor(), incident_id)
    except (Forbidden, Conflict) as error:
        db.rollback()
        _refused(error)
        return _done(incident.instance_id)
    db.commit()
    if outcome.incident is not None:
        flash(_("The retry failed again: %(message)s", message=outcome.incident.message), "error")
    else:
        flash(_("The process continued."), "success")
    return _done(incident.instance_id)


@bp.route("/admin/instances/<int:instance_id>/variables", methods=["POST"])
@roles_required(Role.SUPERVISOR, Role.ADMIN, Role.NATIONAL_ADMIN)
def instance_variable(instance_id: int) -> Response:
    """Correct one process variable (before retrying an incident); the value is JSON or plain text."""
    db = get_db()
    _visible_instance(instance_id)
    name = (request.form.get("name") or "").strip()
    raw = request.form.get("value") or ""
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if not name:
        flash(_("Give the name of the variable."), "error")
        return _done(instance_id)
    try:
        instances.set_instance_variables(db, actor(), instance_id, {name: value})
    except InvalidInput:
        db.rollback()
        flash(_("Use a plain variable name such as monthly_rent."), "error")
        return _done(instance_id)
    except (Forbidden, Conflict) as error:
        db.rollback()
        _refused(error)
        return _done(instance_id)
    db.commit()
    flash(_("The variable %(name)s was changed. Retry the incident to continue.", name=name), "success")
    return _done(instance_id)
