"""Cases: new case with duplicate search, case list, case file with diagrams, rights lookup, dashboard."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cases", __name__)

from web.cases import (  # noqa: E402,F401  (the modules add their routes to bp)
    dashboard,
    documents,
    duplicates,
    plan_actions,
    plan_print,
    privacy,
    rights,
    subsidies,
    views,
)
