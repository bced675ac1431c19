"""The second step of logging in: a code (or a recovery code), or setting up the app when the role requires it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine.accounts.two_factor import (
    begin_enrolment,
    confirm_enrolment,
    is_enrolled,
    provisioning_uri,
    verify_second_factor,
)
from engine.errors import Forbidden, InvalidInput
from web.auth.views import throttled_message
from web.db import get_db
from web.two_factor import bp
from web.two_factor.forms import CodeForm, EnrolForm
from web.two_factor.pending import code_attempts, finish, pending_user
from web.two_factor.qr import qr_svg

Page = str | Response | tuple[str, int, dict[str, str]]


def _start_again() -> Response:
    flash(_("Your sign-in has expired. Log in again."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> Page:
    db = get_db()
    user = pending_user(db)
    if user is None:
        return _start_again()
    if not is_enrolled(db, user):
        return redirect(url_for("two_factor.enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        attempts = code_attempts(user.id)
        if attempts.exhausted():
            wait = attempts.retry_after()
            flash(throttled_message(wait), "error")
            return render_template("two_factor/code.html", form=form), 429, {"Retry-After": str(wait)}
        try:
            method = verify_second_factor(db, user, form.code.data or "")
        except Forbidden:
            db.commit()  # keep the audit event of the failed attempt
            attempts.fail()
            form.code.errors.append(_("This code is not right. Use the current code from the app."))
        else:
            db.commit()
            attempts.clear()
            if method == "recovery":
                flash(_("You used a recovery code; each works only once."), "info")
            return finish(user)
    return render_template("two_factor/code.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol() -> Page:
    db = get_db()
    user = pending_user(db)
    if user is None:
        return _start_again()
    if is_enrolled(db, user):
        return redirect(url_for("two_factor.code"))
    secret = begin_enrolment(db, user)
    db.commit()
    form = EnrolForm()
    if form.validate_on_submit():
        attempts = code_attempts(user.id)
        if attempts.exhausted():
            wait = attempts.retry_after()
            flash(throttled_message(wait), "error")
            page = enrol_page(form, user, secret.secret, signing_in=True)
            return page, 429, {"Retry-After": str(wait)}
        try:
            codes = confirm_enrolment(db, user, form.code.data or "")
        except InvalidInput:
            db.commit()
            attempts.fail()
            form.code.errors.append(_("This code is not right. Use the current code from the app."))
        else:
            db.commit()
            attempts.clear()
            finish(user)
            return render_template("two_factor/recovery_codes.html", codes=codes)
    return enrol_page(form, user, secret.secret, signing_in=True)


def enrol_page(form: EnrolForm, user: object, secret: str, *, signing_in: bool) -> str:
    uri = provisioning_uri(user, secret)  # type: ignore[arg-type]
    return render_template("two_factor/enrol.html", form=form, qr=qr_svg(uri), secret=secret, signing_in=signing_in)
