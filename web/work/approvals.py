"""One queue of the office's open supervisor tasks with what each request asks for."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale

from engine.accounts.roles import Role
from engine.reports import subsidy_spend
from engine.tasks.queries import approval_tasks
from forms.render import build_fields
from web.audit_reads import audit_search
from web.db import get_db
from web.security import roles_required
from web.work import bp
from web.work.helpers import actor, case_labels, process_names, user_names
from web.work.tasks import load_schema, subject_card


@bp.route("/approvals")
@roles_required(Role.SUPERVISOR)
def approvals() -> str:
    db = get_db()
    locale = str(get_locale())
    items = []
    tasks = approval_tasks(db, actor())
    for task in tasks:
        schema = load_schema(task)
        items.append(
            {
                "task": task,
                "subject": subject_card(db, task, locale),
                "prefill": build_fields(schema, task.input_data, locale) if schema and task.input_data else [],
            }
        )
    (budget,) = subsidy_spend(db, actor().office_id)
    page = render_template(
        "work/approvals.html",
        items=items,
        budget=budget,
        process_names=process_names(db),
        people=user_names(
            db,
            {t.assignee_id for t in tasks}.union(*(item["subject"].user_ids for item in items if item["subject"])),
        ),
        case_labels=case_labels(db, {t.case_id for t in tasks}, actor()),
    )
    # The approvals show the subjects' records: audited as one read of every task listed.
    audit_search(db, actor(), "approval", [t.id for t in tasks], len(tasks))
    db.commit()
    return page
