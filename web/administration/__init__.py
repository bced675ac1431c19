"""Administration in the browser: offices, users, reset links, budgets, partner institutions, programme settings."""

from flask import Blueprint

bp = Blueprint("administration", __name__, url_prefix="/administration")

from web.administration import views  # noqa: E402, F401  (routes register on import)
