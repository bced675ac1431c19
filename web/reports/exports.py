"""CSV and XLSX downloads: the report, and the case, task and payment lists the user can see.

Every download writes one audit row (what, how many rows) and commits it: the view is the edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import Response, abort, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engine.accounts.models import User
from engine.cases.models import Beneficiary, Case
from engine.cases.service import visible_cases
from engine.reports.export import Cell, record_export, to_csv, to_xlsx
from engine.reports.funder import REPORT_ROLES, funder_report, report_rows
from engine.subsidies.models import SubsidyPayment
from engine.tasks.queries import InboxView, list_tasks
from web.db import get_db
from web.reports import bp
from web.reports.labels import GROUP_LABELS, INDICATOR_LABELS, MEASURE_LABELS
from web.reports.views import chosen_scope
from web.security import roles_required

#: A list export holds at most this many rows (the newest first); a report is never near it.
EXPORT_LIMIT = 10_000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _download(what: str, fmt: str, headers: Sequence[str], rows: list[Sequence[Cell]]) -> Response:
    if fmt not in FORMATS:
        abort(404)
    db = get_db()
    record_export(db, _actor(), what, len(rows))
    db.commit()
    if fmt == "csv":
        body: str | bytes = "\ufeff" + to_csv(headers, rows)  # the BOM lets spreadsheets read UTF-8
    else:
        body = to_xlsx(headers, rows, title=what)
    stamp = datetime.now().strftime("%Y%m%d")
    response = Response(body, mimetype=FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{what}-{stamp}.{fmt}"'
    return response


@bp.route("/reports/export.<fmt>")
@roles_required(*REPORT_ROLES)
def report_export(fmt: str) -> Response:
    scope = chosen_scope()
    report = funder_report(get_db(), scope)
    headers = [_("Indicator"), _("Breakdown"), _("Measure"), _("Value")]
    rows: list[Sequence[Cell]] = [
        (
            str(INDICATOR_LABELS.get(key, key)),
            str(GROUP_LABELS.get(grp, grp)),
            str(MEASURE_LABELS.get(measure, measure)),
            value,
        )
        for key, grp, measure, value in report_rows(report)
    ]
    return _download("report", fmt, headers, rows)


@bp.route("/exports/cases.<fmt>")
@login_required
def cases_export(fmt: str) -> Response:
    stmt = (
        visible_cases(_actor())
        .join(Beneficiary, Beneficiary.id == Case.beneficiary_id)
        .options(joinedload(Case.beneficiary), joinedload(Case.case_manager))
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(EXPORT_LIMIT)
    )
    headers = [_("Case number"), _("Beneficiary"), _("Date of birth"), _("Case manager"), _("Opened"), _("Status")]
    rows: list[Sequence[Cell]] = [
        (
            case.number,
            case.beneficiary.display_name,
            case.beneficiary.date_of_birth,
            case.case_manager.display_name if case.case_manager else None,
            case.opened_at.date(),
            case.status,
        )
        for case in get_db().scalars(stmt).unique()
    ]
    return _download("cases", fmt, headers, rows)


@bp.route("/exports/tasks.<fmt>")
@login_required
def tasks_export(fmt: str) -> Response:
    view = request.args.get("view", InboxView.MINE)
    if view not in set(InboxView):
        view = InboxView.MINE
    found, _total = list_tasks(get_db(), _actor(), view, page_size=EXPORT_LIMIT)
    locale = str(get_locale() or "pl")
    headers = [_("Task"), _("Case number"), _("Beneficiary"), _("Role"), _("Due"), _("Created")]
    rows: list[Sequence[Cell]] = [
        (
            row.name(locale),
            row.case_number,
            row.beneficiary_name,
            row.role,
            row.due_at.date() if row.due_at else None,
            row.created_at.date(),
        )
        for row in found
    ]
    return _download("tasks", fmt, headers, rows)


@bp.route("/exports/payments.<fmt>")
@login_required
def payments_export(fmt: str) -> Response:
    visible = visible_cases(_actor()).with_only_columns(Case.id)
    stmt: Any = (
        select(SubsidyPayment, Case.number)
        .join(Case, Case.id == SubsidyPayment.case_id)
        .where(SubsidyPayment.case_id.in_(visible))
        .order_by(SubsidyPayment.due_on.desc(), SubsidyPayment.id.desc())
        .limit(EXPORT_LIMIT)
    )
    headers = [
        _("Case number"),
        _("Month"),
        _("Due"),
        _("Amount"),
        _("Status"),
        _("Paid on"),
        _("Amount paid"),
        _("Reference"),
    ]
    rows: list[Sequence[Cell]] = [
        (number, p.month_number, p.due_on, p.amount, p.status, p.paid_on, p.amount_paid, p.reference)
        for p, number in get_db().execute(stmt)
    ]
    return _download("payments", fmt, headers, rows)
