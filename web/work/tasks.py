"""The task page: the form rendered from its JSON Schema, drafts, submission, read-only when done."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from engine.access.policy import TaskView, can_view_case, can_work, is_candidate, may_read_task_data, task_view
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.definitions.forms import task_forms
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.instances.models import Incident, ProcessInstance
from engine.tasks.models import HumanTask, TaskState
from engine.tasks.queries import next_task_of_case
from engine.tasks.service import complete_task, get_task, save_draft
from forms.registry import FormNotFound
from forms.render import Field, add_row, build_fields, parse_form, remove_row
from forms.validation import validate_data
from web.administration.suggestions import offer_partners
from web.audit_reads import audit_view
from web.db import get_db
from web.records import ShownCard, shown_card
from web.work import bp
from web.work.helpers import actor, field_error_message, process_names, user_names

EMPTY_FORM: dict[str, Any] = {"type": "object", "properties": {}}


def load_schema(task: HumanTask) -> dict[str, Any] | None:
    """The form of the task as its process version deployed it; None when it cannot be read."""
    if not task.form_key:
        return EMPTY_FORM
    try:
        return task_forms(get_db(), task.instance_id).load(task.form_key)
    except (FormNotFound, ValueError):
        return None


def subject_card(session: Session, task: HumanTask, locale: str) -> ShownCard | None:
    """The record the task works on (an approval's request, a returned plan), as the actor may see it."""
    try:
        return shown_card(session, actor(), task.subject_kind, task.subject_id, locale)
    except NotFound:
        return None


def special_category(task: HumanTask, user: User) -> bool:
    """Work in a special-category lane: those who are not its readers see that it exists and its priority."""
    return not may_read_task_data(get_db(), user, task)


def only_priority(fields: list[Field]) -> list[Field]:
    return [f for f in fields if "priority" in f.key or f.widget == "date"]


def case_summary(session: Session, task: HumanTask) -> tuple[Case | None, bool]:
    """The task's case, and whether the actor may see its details (record-level access)."""
    if task.case_id is None:
        return None, False
    case = session.get(Case, task.case_id)
    return case, case is not None and can_view_case(actor(), case)


def _render(task: HumanTask, schema: dict[str, Any], data: dict[str, Any], errors: dict[str, str], **extra: Any) -> str:
    db = get_db()
    locale = str(get_locale())
    case, can_view_case = case_summary(db, task)
    user = actor()
    instance = db.get(ProcessInstance, task.instance_id)
    incident = db.scalar(
        select(Incident)
        .where(Incident.instance_id == task.instance_id, Incident.resolved_at.is_(None))
        .order_by(Incident.raised_at.desc())
        .limit(1)
    )
    summary_only = task_view(db, user, task) == TaskView.SUMMARY
    # A task whose form fed an operation keeps no copy of the answers: its record card shows them.
    shown = task.submitted if task.state == TaskState.COMPLETED and not task.operation else data
    fields = build_fields(schema, shown, locale, errors)
    if case is not None:
        offer_partners(db, fields, case.office_id)
    paths = _paths(fields)
    restricted = special_category(task, user)
    # A candidate deciding whether to take the task sees its summary only (engine.access.policy).
    subject = None if summary_only else subject_card(db, task, locale)
    if summary_only:
        fields = []
        incident = None
    elif restricted:
        fields = only_priority(fields)
    return render_template(
        "work/task.html",
        task=task,
        fields=fields,
        form_errors=[message for path, message in errors.items() if path not in paths],
        editable=task.is_open and can_work(user, task) and not restricted and not summary_only,
        restricted=restricted,
        summary_only=summary_only,
        claimable=task.is_open and task.assignee_id is None and is_candidate(user, task),
        case=case,
        can_view_case=can_view_case,
        instance=instance,
        incident=incident,
        process_name=process_names(db).get(task.process_id, task.process_id),
        people=user_names(
            db,
            {task.assignee_id, task.completed_by_id, case.case_manager_id if case else None}
            | (subject.user_ids if subject else set()),
        ),
        subject=subject,
        **extra,
    )


def _audit_task_read(session: Session, user: User, found: HumanTask) -> None:
    view = task_view(session, user, found)
    subject = {"record_kind": found.subject_kind, "record_id": found.subject_id} if found.subject_kind else {}
    audit_view(session, user, "task", case_id=found.case_id, task_id=found.id, scope=str(view), **subject)


def _paths(fields: list[Any]) -> set[str]:
    found: set[str] = set()
    for f in fields:
        found.add(f.path)
        for row in f.rows:
            found |= _paths(row.fields)
    return found


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: int) -> str | Response | tuple[str, int]:
    db = get_db()
    user = actor()
    found = get_task(db, user, task_id)
    schema = load_schema(found)
    if schema is None:
        return render_template("work/form_missing.html", task=found), 500
    if request.method == "GET":
        data = found.draft if found.draft is not None else dict(found.input_data or {})
        page = _render(found, schema, data, {})
        _audit_task_read(db, user, found)
        db.commit()
        return page

    data = parse_form(schema, request.form)
    if request.form.get("add"):
        add_row(schema, data, request.form["add"])
        return _render(found, schema, data, {}, focus=request.form["add"])
    if request.form.get("remove"):
        remove_row(schema, data, request.form["remove"])
        return _render(found, schema, data, {})
    if request.form.get("action") == "draft":
        try:
            save_draft(db, user, task_id, data)
        except (Conflict, Forbidden):
            db.rollback()
            flash(_("The draft could not be saved: the task is no longer open or not yours."), "error")
            return redirect(url_for("work.task", task_id=task_id))
        db.commit()
        flash(_("Draft saved."), "success")
        return redirect(url_for("work.task", task_id=task_id))
    return _submit(found, schema, data)


def _submit(found: HumanTask, schema: dict[str, Any], data: dict[str, Any]) -> str | Response | tuple[str, int]:
    db = get_db()
    task_id = found.id
    problems = validate_data(schema, data)
    if problems:
        errors = {path: field_error_message(problem) for path, problem in problems.items()}
        return _render(found, schema, data, errors, invalid=True), 422
    try:
        result = complete_task(db, actor(), task_id, data)
    except InvalidInput as error:
        db.rollback()
        return _render(found, schema, data, dict(error.fields), invalid=True), 422
    except Forbidden as error:
        db.rollback()
        refusal = (
            _("Four-eyes rule: you cannot approve what you prepared yourself. Another supervisor must decide.")
            if "four-eyes" in error.message
            else _("You cannot complete this task: it is assigned to someone else or meant for another role.")
        )
        return _render(found, schema, data, {}, refusal=refusal), 403
    except Conflict:
        db.rollback()
        flash(
            _("The task cannot be completed: it was already completed, withdrawn, or the process is paused."),
            "error",
        )
        return redirect(url_for("work.task", task_id=task_id))
    db.commit()
    if result.incident is not None:
        if result.task.state == TaskState.COMPLETED:
            flash(
                _(
                    "Your answers were saved, but the process stopped with an error at the next step. "
                    "Supervisors see it under Processes and will continue it once the cause is fixed."
                ),
                "error",
            )
        else:
            flash(
                _(
                    "Your answers were kept, but the process stopped with an error. "
                    "A supervisor has to fix it; then you can submit again."
                ),
                "error",
            )
        return redirect(url_for("work.task", task_id=task_id))
    flash(_("Task completed."), "success")
    following = next_task_of_case(db, actor(), found.case_id)
    if following is not None and following.id != task_id:
        flash(_("The next task of this case is below."), "info")
        return redirect(url_for("work.task", task_id=following.id))
    if found.role == Role.SUPERVISOR and actor().has_role(Role.SUPERVISOR):
        return redirect(url_for("work.approvals"))  # an approval decided: back to the queue for the next one
    return redirect(url_for("work.inbox"))
