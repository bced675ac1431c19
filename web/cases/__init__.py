"""Cases: new case with duplicate search, case list, case file with diagrams, rights lookup, dashboard."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cases", __name__)

from web.cases import dashboard, plan_actions, privacy, rights, subsidies, views  # noqa: E402,F401  (the modules add their routes to bp)
