"""The inbox: my tasks, my role's unclaimed tasks, overdue, completed by me; claim and unclaim."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from engine.clock import utcnow
from engine.errors import Conflict, Forbidden
from engine.tasks.queries import PAGE_SIZE, InboxView, TaskFilters, list_tasks, process_ids, task_counts
from engine.tasks.service import claim_task, unclaim_task
from web.audit_reads import audit_search, used_filters
from web.db import get_db
from web.pagination import page_arg
from web.work import bp
from web.work.helpers import actor, back, process_names, user_names

SOON = timedelta(days=3)


@bp.route("/inbox")
@login_required
def inbox() -> str:
    db = get_db()
    user = actor()
    view = request.args.get("view", InboxView.MINE)
    if view not in set(InboxView):
        view = InboxView.MINE
    filters = TaskFilters(
        process_id=request.args.get("process") or None,
        role=request.args.get("role") or None,
        search=request.args.get("q") or None,
    )
    sort = request.args.get("sort", "")
    page = page_arg()
    rows, total = list_tasks(db, user, view, filters, sort, page)
    now = utcnow()
    page_html = render_template(
        "work/inbox.html",
        view=view,
        views=list(InboxView),
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        sort=sort,
        counts=task_counts(db, user),
        processes=process_ids(db, user),
        process_names=process_names(db),
        assignees=user_names(db, {r.assignee_id for r in rows}),
        now=now,
        soon=now + SOON,
        here=request.full_path.rstrip("?"),
    )
    if any(row.beneficiary_name for row in rows):  # the inbox names people: a search of them
        used = used_filters(request.args, ("view", "process", "role", "q", "sort", "page"))
        audit_search(db, user, "task", [row.id for row in rows], total, used)
        db.commit()
    return page_html


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: int) -> Response:
    db = get_db()
    try:
        task = claim_task(db, actor(), task_id)
    except (Conflict, Forbidden) as error:
        db.rollback()
        _flash_refusal(error)
    else:
        db.commit()

        flash(_("You took the task “%(name)s”.", name=task_name(task.name_pl, task.name_en)), "success")
    return back(url_for("work.inbox"))


@bp.route("/tasks/<int:task_id>/unclaim", methods=["POST"])
@login_required
def unclaim(task_id: int) -> Response:
    db = get_db()
    try:
        task = unclaim_task(db, actor(), task_id)
    except (Conflict, Forbidden) as error:
        db.rollback()
        _flash_refusal(error)
    else:
        db.commit()

        flash(_("You released the task “%(name)s”.", name=task_name(task.name_pl, task.name_en)), "success")
    return back(url_for("work.inbox"))


def _flash_refusal(error: Exception) -> None:

    if isinstance(error, Conflict):
        flash(_("The task could not be taken or released: it is no longer open or someone else holds it."), "error")
    else:
        flash(_("This task is for another role or office."), "error")


def task_name(name_pl: str, name_en: str) -> str:
    from flask_babel import get_locale

    return name_en if str(get_locale()) == "en" and name_en else name_pl


@bp.app_context_processor
def _inbox_count() -> dict[str, object]:
    if not current_user.is_authenticated:
        return {"task_name": task_name}
    db = get_db()
    try:
        # The navigation shows only the work waiting for the person: the other views count on the inbox page.
        counts = task_counts(db, actor(), (InboxView.MINE, InboxView.ROLE))
    except SQLAlchemyError:
        # An error page after a failed transaction still renders, without the count.
        db.rollback()
        return {"inbox_count": "–", "task_name": task_name}
    return {"inbox_count": counts[InboxView.MINE] + counts[InboxView.ROLE], "task_name": task_name}
