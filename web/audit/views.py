"""The audit page and its CSV export; reading either is audited too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from engine.accounts.models import Office, User
from engine.accounts.roles import Role
from engine.audit.read import AuditQuery, audit_page, reads_all_offices
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from web.audit import bp
from web.audit.export import export_rows
from web.audit.forms import AuditFilterForm
from web.db import get_db
from web.security import roles_required

READERS = (Role.SUPERVISOR, Role.ADMIN, Role.NATIONAL_ADMIN)
_ID = re.compile(r"[1-9][0-9]{0,17}")


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _local_midnight(day: date) -> datetime:
    zone = ZoneInfo(current_app.config["IPD_SETTINGS"].timezone)
    return datetime.combine(day, time.min, tzinfo=zone)


def _filters(actor: User) -> tuple[AuditFilterForm, AuditQuery | None]:
    """The filter form as typed, and the query it means (None when a field is wrong: errors are on the form)."""
    db = get_db()
    form = AuditFilterForm(formdata=request.args)
    offices = db.execute(select(Office.id, Office.code).order_by(Office.code)).all()
    if reads_all_offices(actor):
        form.office.choices = [("", _("All offices"))] + [(str(row.id), row.code) for row in offices]
    else:
        form.office.choices = [("", _("Your office"))]
    if not form.validate():
        return form, None
    case_id = actor_id = office_id = None
    actor_name = None
    if form.case.data and form.case.data.strip():
        case = db.scalar(select(Case).where(func.upper(Case.number) == form.case.data.strip().upper()))
        if case is None or not (reads_all_offices(actor) or case.office_id == actor.office_id):
            form.case.errors.append(_("There is no case with this number in your office."))
        else:
            case_id = case.id
    if form.user.data and form.user.data.strip():
        name = form.user.data.strip().lower()
        found = db.scalar(select(User.id).where(func.lower(User.username) == name))
        if found is None:
            actor_name = name  # failed logins keep only the name that was typed
        else:
            actor_id = found
    if form.office.data:
        office_id = int(form.office.data)
    since = _local_midnight(form.date_from.data) if form.date_from.data else None
    until = _local_midnight(form.date_to.data + timedelta(days=1)) if form.date_to.data else None
    if since and until and since >= until:
        form.date_to.errors.append(_("The end of the period comes before its start."))
    if any(f.errors for f in form):
        return form, None
    kind = (form.kind.data or "").strip() or None
    query = AuditQuery(
        case_id=case_id,
        beneficiary_id=form.person.data,
        actor_id=actor_id,
        actor_name=actor_name,
        kind=kind,
        office_id=office_id,
        since=since,
        until=until,
    )
    return form, query


def _before() -> int | None:
    raw = request.args.get("before", "")
    if raw == "":
        return None
    if not _ID.fullmatch(raw):
        abort(400)
    return int(raw)


@bp.route("/")
@roles_required(*READERS)
def index() -> str | tuple[str, int]:
    db = get_db()
    actor = _actor()
    form, query = _filters(actor)
    if query is None:
        return render_template("audit/index.html", form=form, page=None, all_offices=reads_all_offices(actor)), 400
    before = _before()
    page = audit_page(db, actor, query, before)
    record(db, "audit.viewed", actor=actor, before=before, **query.as_details())
    db.commit()
    args = {key: value for key, value in request.args.items() if key != "before" and value}
    return render_template(
        "audit/index.html", form=form, page=page, args=args, before=before, all_offices=reads_all_offices(actor)
    )


@bp.route("/export.csv")
@roles_required(*READERS)
def export() -> Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    form, query = _filters(actor)
    if query is None:
        return render_template("audit/index.html", form=form, page=None, all_offices=reads_all_offices(actor)), 400
    # Recorded and committed before the first row leaves: an export cut short is still on the record.
    record(db, "audit.exported", actor=actor, **query.as_details())
    db.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    rows: Iterator[str] = stream_with_context(export_rows(db, actor, query))
    return Response(
        rows,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
