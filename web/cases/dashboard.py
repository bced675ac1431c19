"""The supervisors' dashboard: their office; administrators see every office and may filter."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from engine.access.policy import is_national_admin
from engine.accounts.models import Office, User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.reports import caseload, overdue_tasks, plans_awaiting_approval, subsidy_spend
from engine.reports.trends import quarter_trend
from web.cases import bp
from web.db import get_db
from web.security import roles_required


def _chart_number(value: Decimal) -> float:
    # Chart coordinates only; every amount shown as text stays a formatted Decimal.
    return float(value)


@bp.route("/dashboard")
@roles_required(Role.SUPERVISOR, Role.ADMIN, Role.NATIONAL_ADMIN)
def dashboard() -> str:
    db = get_db()
    actor: User = current_user._get_current_object()
    offices = list(db.scalars(select(Office).order_by(Office.code)))
    office_id: int | None = actor.office_id
    if is_national_admin(actor):  # an office administrator sees their own office (engine.access.policy)
        chosen = request.args.get("office", type=int)
        office_id = chosen if chosen in {o.id for o in offices} else None
    load = caseload(db, office_id)
    overdue = overdue_tasks(db, office_id)
    plans = plans_awaiting_approval(db, office_id)
    spend = subsidy_spend(db, office_id)
    case_numbers = {
        c.id: c for c in db.scalars(select(Case).where(Case.id.in_({t.case_id for t in overdue + plans if t.case_id})))
    }
    caseload_chart = {
        "labels": [row.display_name for row in load],
        "series": {
            "open_tasks": [r.open_tasks for r in load],
            "overdue": [r.overdue_tasks for r in load],
            "cases": [r.open_cases for r in load],
        },
    }
    trend = quarter_trend(db, office_id)
    trend_chart = {
        "labels": [point.period.key for point in trend],
        "series": {
            "cases": [p.cases for p in trend],
            "overdue": [p.overdue for p in trend],
            "paid": [_chart_number(p.paid) for p in trend],
            "budget": [_chart_number(p.budget) for p in trend],
        },
    }
    spend_chart = {
        "labels": [row.office_code for row in spend],
        "series": {"paid": [_chart_number(r.paid) for r in spend], "budget": [_chart_number(r.budget) for r in spend]},
    }
    return render_template(
        "cases/dashboard.html",
        offices=offices,
        office_id=office_id,
        is_admin=is_national_admin(actor),
        load=load,
        overdue=overdue,
        plans=plans,
        spend=spend,
        cases=case_numbers,
        caseload_chart=json.dumps(caseload_chart),
        spend_chart=json.dumps(spend_chart),
        trend=trend,
        trend_chart=json.dumps(trend_chart),
    )
