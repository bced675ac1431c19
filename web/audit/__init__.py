"""The audit log in the browser: supervisors and administrators filter it, page through it and export it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from web.audit import views  # noqa: E402,F401  (adds its routes to bp)
