"""The report page and the cases behind each figure."""

from __future__ import annotations

import json
from datetime import date

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from engine.accounts.models import Office, User
from engine.clock import utcnow
from engine.errors import Forbidden, InvalidInput
from engine.reports.funder import (
    REPORT_ROLES,
    IndicatorFigures,
    figure_cases,
    funder_report,
    has_national_scope,
    report_scope,
)
from engine.reports.indicators import BY_KEY, Scope
from engine.reports.period import ReportPeriod, parse_period, previous_quarters, project_period
from web.db import get_db
from web.reports import bp
from web.reports.labels import GROUP_LABELS, INDICATOR_LABELS, MEASURE_LABELS
from web.security import roles_required


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def chosen_scope() -> Scope:
    """The period and office asked for in the query string; 400 for a bad period, 403 for a foreign office."""
    actor = _actor()
    try:
        period = parse_period(request.args.get("period"))
    except InvalidInput:
        abort(400)
    raw_office = request.args.get("office", "")
    office_id: int | None
    if raw_office == "all":
        office_id = None
    elif raw_office.isdigit():
        office_id = int(raw_office)
    else:
        office_id = None if has_national_scope(actor) else actor.office_id
    try:
        return report_scope(actor, period, office_id)
    except Forbidden:
        abort(403)


def period_choices(today: date) -> list[ReportPeriod]:
    choices = list(reversed(previous_quarters(today, 8)))
    choices += [parse_period(str(today.year)), parse_period(str(today.year - 1))]
    project = project_period()
    if project is not None:
        choices.append(project)
    return choices


def _chart(figures: IndicatorFigures) -> str:
    # Chart coordinates only: the tables beside the charts show the exact figures.
    linked = figures.indicator.linked
    labels = [str(GROUP_LABELS.get(r.grp, r.grp)) for r in figures.rows]
    return json.dumps({"labels": labels, "values": [float(r.values[linked]) for r in figures.rows]})


@bp.route("/reports")
@roles_required(*REPORT_ROLES)
def report() -> str:
    db = get_db()
    actor = _actor()
    scope = chosen_scope()
    national = has_national_scope(actor)
    offices = list(db.scalars(select(Office).order_by(Office.code))) if national else [actor.office]
    found = funder_report(db, scope)
    return render_template(
        "reports/report.html",
        report=found,
        scope=scope,
        national=national,
        offices=offices,
        periods=period_choices(utcnow().date()),
        charts={f.indicator.key: _chart(f) for f in found.indicators},
        office_arg="all" if scope.office_id is None else scope.office_id,
        indicator_labels=INDICATOR_LABELS,
        measure_labels=MEASURE_LABELS,
        group_labels=GROUP_LABELS,
    )


@bp.route("/reports/cases")
@roles_required(*REPORT_ROLES)
def figure() -> str:
    db = get_db()
    scope = chosen_scope()
    key = request.args.get("indicator", "")
    grp = request.args.get("group", "")
    if key not in BY_KEY:
        abort(404)
    behind = figure_cases(db, _actor(), scope, key, grp)
    return render_template(
        "reports/cases.html",
        behind=behind,
        scope=scope,
        key=key,
        grp=grp,
        office_arg="all" if scope.office_id is None else scope.office_id,
        indicator_label=INDICATOR_LABELS[key],
        group_label=GROUP_LABELS.get(grp, grp),
    )
