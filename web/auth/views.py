"""Login and logout."""

from __future__ import annotations

import math

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from engine.accounts.service import authenticate, log_out
from engine.errors import Forbidden
from web.auth.forms import LoginForm
from web.db import get_db
from web.security import is_safe_next
from web.throttle import LoginThrottle

bp = Blueprint("auth", __name__)

FAILURE_MESSAGES = {
    "invalid": lambda: _("Wrong user name or password."),
    "inactive": lambda: _("This account is disabled. Ask your administrator to enable it."),
}


def throttled_message(seconds: int) -> str:
    return _(
        "Too many failed attempts. Try again in %(minutes)s min. or ask your administrator.",
        minutes=max(1, math.ceil(seconds / 60)),
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        db = get_db()
        # Throttled before the account is looked up: the answer is the same whether the account exists.
        throttle = LoginThrottle.for_request(form.username.data or "")
        wait = throttle.refused_for()
        if wait is not None:
            flash(throttled_message(wait), "error")
            page = render_template("auth/login.html", form=form)
            return page, 429, {"Retry-After": str(wait)}
        try:
            user = authenticate(db, form.username.data or "", form.password.data or "")
        except Forbidden as failure:
            db.commit()  # keep the audit event of the failed attempt
            if failure.message == "invalid":
                throttle.failed()
            flash(FAILURE_MESSAGES.get(failure.message, FAILURE_MESSAGES["invalid"])(), "error")
        else:
            db.commit()
            throttle.succeeded()
            target = form.next.data if is_safe_next(form.next.data) else url_for("main.home")
            # Imported here: web/two_factor/ imports this module (its pages share the throttling message).
            from web.two_factor.pending import second_step_for

            second_step = second_step_for(db, user, target or url_for("main.home"))
            if second_step is not None:
                return second_step
            locale = session.get("locale")
            session.clear()  # a fresh session id after login
            if user.preferred_locale is None and locale:
                session["locale"] = locale
            login_user(user)
            return redirect(target or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    db = get_db()
    log_out(db, current_user._get_current_object())
    db.commit()
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))
