"""The interdisciplinary team's pages: meetings of the office, their agenda, attendance and decisions."""

from flask import Blueprint

bp = Blueprint("team", __name__)

from web.team import views  # noqa: E402,F401  (routes register on import)
