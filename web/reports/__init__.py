"""The funder and management report, the cases behind its figures, and the exports of lists."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)

from web.reports import exports, views  # noqa: E402,F401
