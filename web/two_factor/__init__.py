"""Two-factor sign-in: the second step of logging in, enrolment, and the administrators' settings."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("two_factor", __name__)

from web.two_factor import manage, signin  # noqa: E402,F401  (add their routes to bp)
from web.two_factor.pending import require_enrolment  # noqa: E402

bp.before_app_request(require_enrolment)
