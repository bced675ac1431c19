"""Process owners' studio: versions, the BPMN editor, validation, deployment, diff and migration."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")


@bp.record_once
def _finding_helpers(state: Any) -> None:
    """Templates (and macros imported without context) translate findings through these."""
    from web.studio.finding_texts import shows_detail_apart, summary

    state.app.jinja_env.globals.update(finding_summary=summary, finding_detail_apart=shows_detail_apart)


from web.studio import actions, decisions, views  # noqa: E402,F401 - the routes register on bp
