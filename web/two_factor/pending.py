"""Between the password and the second factor: who has passed the password, kept in the signed session.

Until the second step is done the session is not logged in: ``current_user`` is anonymous and every page but
the second step sends the browser to the login form.
"""

from __future__ import annotations

import time

from flask import current_app, redirect, session, url_for
from flask_login import login_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from engine.accounts.models import User
from engine.accounts.two_factor import is_enrolled, is_required
from engine.config import Settings
from web import throttle

PENDING = "two_factor_pending"
#: Minutes one has to type the code after the password.
MAX_AGE_SECONDS = 600
#: Wrong codes per account before it waits (a six-digit code must not be guessable by trying).
CODE_ATTEMPTS = "5 per 5 minutes"


def default_roles() -> frozenset[str]:
    settings: Settings = current_app.config["IPD_SETTINGS"]
    return settings.two_factor_roles


def second_step_for(db: Session, user: User, target: str) -> Response | None:
    """Where ``user``, whose password was right, goes next: the code, the enrolment, or nowhere (None)."""
    if is_enrolled(db, user):
        step = "two_factor.code"
    elif is_required(db, user, default_roles()):
        step = "two_factor.enrol"
    else:
        return None
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[PENDING] = {"user": user.id, "version": user.session_version, "next": target, "at": int(time.time())}
    return redirect(url_for(step))


def pending_user(db: Session) -> User | None:
    """The user half-way through signing in, if the step is still fresh and the account unchanged."""
    found = session.get(PENDING)
    if not isinstance(found, dict) or time.time() - int(found.get("at", 0)) > MAX_AGE_SECONDS:
        return None
    user = db.get(User, int(found.get("user", 0)))
    if user is None or not user.active or user.session_version != found.get("version"):
        return None
    return user


def finish(user: User) -> Response:
    """Log ``user`` in (a fresh session) and go where the login form was headed."""
    found = session.get(PENDING) or {}
    target = str(found.get("next") or url_for("main.home"))
    locale = session.get("locale")
    session.clear()
    if user.preferred_locale is None and locale:
        session["locale"] = locale
    login_user(user)
    return redirect(target)


def code_attempts(user_id: int) -> throttle.Counter:
    return throttle.Counter(CODE_ATTEMPTS, "two-factor-code", (str(user_id),))


#: Pages someone who must still set up two factors may open: the set-up itself, logging out, the language.
OPEN_WHILE_ENROLLING = frozenset({"two_factor.profile", "auth.logout", "main.language", "static"})


def require_enrolment() -> Response | None:
    """Send a signed-in user whose role now requires two factors, and who has none, to set them up first.

    The login leads such users through enrolment; this covers sessions opened before an administrator required it.
    The JSON API is left alone: it answers tokens, not browser sessions.
    """
    from flask import request
    from flask_login import current_user

    if not current_user.is_authenticated or request.endpoint in OPEN_WHILE_ENROLLING:
        return None
    if request.path.startswith("/api/"):
        return None
    from web.db import get_db

    db = get_db()
    user: User = current_user._get_current_object()
    if is_enrolled(db, user) or not is_required(db, user, default_roles()):
        return None
    return redirect(url_for("two_factor.profile"))
