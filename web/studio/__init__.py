"""Process owners' studio: versions, the BPMN editor, validation, deployment, diff and migration."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")

from web.studio import actions, decisions, views  # noqa: E402,F401 - the routes register on bp
