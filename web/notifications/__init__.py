"""The in-app notifications: the bell's count, the list, marking read, and the e-mail choice on the profile."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from web.notifications import views  # noqa: E402,F401  (routes register on import)
