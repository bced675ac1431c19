"""The heat map page of a process version, its figures as JSON for the diagram, and the list of processes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from lxml import etree
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.accounts.models import Office, User
from engine.accounts.roles import Role
from engine.analytics.waiting import ProcessFigures, analytics_office, process_figures
from engine.definitions.xml_safety import safe_parser
from engine.errors import NotFound
from web.analytics import bp
from web.db import get_db
from web.security import roles_required
from web.studio.library import get_version, process_overview, version_xml

LOCAL = ZoneInfo("Europe/Warsaw")

#: Heat buckets by median wait, in hours: below 1 day, 1–3 days, 3–7 days, a week or more.
HEAT_BUCKETS: tuple[tuple[str, float], ...] = (("low", 24.0), ("medium", 72.0), ("high", 168.0))


def heat(median_hours: float | None) -> str | None:
    if median_hours is None:
        return None
    for bucket, below in HEAT_BUCKETS:
        if median_hours < below:
            return bucket
    return "very-high"


def element_names(xml: bytes) -> dict[str, str]:
    """Each element's name as drawn (its id when unnamed), for the tables beside the diagram."""
    root = etree.fromstring(xml, safe_parser())
    return {
        str(node.get("id")): str(node.get("name") or node.get("id"))
        for node in root.iter()
        if isinstance(node.tag, str) and node.get("id")
    }


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _filters() -> tuple[dict[str, Any], dict[str, str]]:
    """The office and period asked for, as query arguments; field errors for the ones that do not parse."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"office_id": None, "since": None, "until": None, "from": "", "to": ""}
    office = request.args.get("office", "").strip()
    if office:
        if not office.isdigit():
            errors["office"] = _("Choose an office from the list.")
        else:
            values["office_id"] = int(office)
    for name, key, shift in (("from", "since", 0), ("to", "until", 1)):
        raw = request.args.get(name, "").strip()
        if not raw:
            continue
        values[name] = raw
        try:
            day = date.fromisoformat(raw) + timedelta(days=shift)  # "to" includes its whole day
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
            continue
        values[key] = datetime.combine(day, time(0), LOCAL).astimezone(UTC)
    if values["since"] and values["until"] and values["since"] >= values["until"]:
        errors["to"] = _("The end of the period must not be before its start.")
    return values, errors


def _figures(process_id: str, version: int) -> tuple[Any, ProcessFigures | None, dict[str, Any], dict[str, str]]:
    db = get_db()
    try:
        definition = get_version(db, process_id, version)
    except NotFound:
        abort(404)
    values, errors = _filters()
    if errors:
        return definition, None, values, errors
    figures = process_figures(
        db, _actor(), definition, office_id=values["office_id"], since=values["since"], until=values["until"]
    )
    return definition, figures, values, errors


@bp.route("/processes")
@roles_required(Role.SUPERVISOR, Role.PROCESS_OWNER)
def index() -> str:
    return render_template("analytics/index.html", processes=process_overview(get_db()))


@bp.route("/processes/<process_id>/<int:version>")
@roles_required(Role.SUPERVISOR, Role.PROCESS_OWNER)
def heat_map(process_id: str, version: int) -> str | tuple[str, int]:
    definition, figures, values, errors = _figures(process_id, version)
    actor = _actor()
    offices = get_db().scalars(select(Office).order_by(Office.code)).all() if actor.has_role(Role.PROCESS_OWNER) else []
    page = render_template(
        "analytics/heat_map.html",
        names=element_names(version_xml(get_db(), definition)),
        definition=definition,
        figures=figures,
        values=values,
        errors=errors,
        offices=offices,
        own_office=actor.office if analytics_office(actor, None) is not None else None,
        heat=heat,
        buckets=HEAT_BUCKETS,
        data_url=url_for(
            "analytics.heat_map_data",
            process_id=process_id,
            version=version,
            **{k: values[k] for k in ("from", "to") if values[k]},
            **({"office": values["office_id"]} if values["office_id"] else {}),
        ),
    )
    return (page, 422) if errors else page


@bp.route("/processes/<process_id>/<int:version>/data")
@roles_required(Role.SUPERVISOR, Role.PROCESS_OWNER)
def heat_map_data(process_id: str, version: int) -> Response | tuple[Response, int]:
    definition, figures, _values, errors = _figures(process_id, version)
    if figures is None:
        return jsonify({"errors": errors}), 422
    elements = [{**asdict(e), "heat": heat(e.median_hours)} for e in figures.elements]
    response = jsonify(
        {
            "process_id": definition.process_id,
            "version": definition.version,
            "xml": version_xml(get_db(), definition).decode("utf-8"),
            "elements": elements,
            "gateways": [asdict(g) for g in figures.gateways],
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
