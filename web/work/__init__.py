"""Specialists' daily work: inbox, task forms, supervisor approvals, instance administration."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

bp = Blueprint("work", __name__)


@bp.record_once
def _incident_helpers(state: Any) -> None:
    """Incident tables show a translated meaning first (web/work/incident_texts.py)."""
    from web.work.incident_texts import incident_summary

    state.app.jinja_env.globals.update(incident_summary=incident_summary)


from web.work import approvals, filters, inbox, instances, tasks  # noqa: E402,F401
