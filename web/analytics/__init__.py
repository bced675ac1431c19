"""Process analytics: where cases wait, drawn as a heat map on the process diagram."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

from web.analytics import views  # noqa: E402,F401  (the module adds its routes to bp)
