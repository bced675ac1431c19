"""Setting up two-factor sign-in from the profile, and the administrators' security page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.accounts.models import Office, User
from engine.accounts.roles import Role
from engine.accounts.two_factor import (
    TwoFactorSecret,
    begin_enrolment,
    confirm_enrolment,
    is_required,
    reset_two_factor,
    role_requirements,
    secret_of,
    set_role_requirement,
    unused_recovery_codes,
)
from engine.errors import Forbidden, InvalidInput
from web.auth.views import throttled_message
from web.db import get_db
from web.security import roles_required
from web.two_factor import bp
from web.two_factor.forms import EnrolForm
from web.two_factor.pending import code_attempts, default_roles
from web.two_factor.signin import Page, enrol_page

ADMINS = (Role.ADMIN, Role.NATIONAL_ADMIN)


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@login_required
def profile() -> Page:
    db = get_db()
    user = _actor()
    found = secret_of(db, user)
    if found is not None and found.confirmed_at is not None:
        return render_template(
            "two_factor/status.html",
            since=found.confirmed_at,
            left=unused_recovery_codes(db, user),
            required=is_required(db, user, default_roles()),
        )
    secret = begin_enrolment(db, user)
    db.commit()
    form = EnrolForm()
    if form.validate_on_submit():
        attempts = code_attempts(user.id)
        if attempts.exhausted():
            wait = attempts.retry_after()
            flash(throttled_message(wait), "error")
            return enrol_page(form, user, secret.secret, signing_in=False), 429, {"Retry-After": str(wait)}
        try:
            codes = confirm_enrolment(db, user, form.code.data or "")
        except InvalidInput:
            db.commit()
            attempts.fail()
            form.code.errors.append(_("This code is not right. Use the current code from the app."))
        else:
            db.commit()
            attempts.clear()
            return render_template("two_factor/recovery_codes.html", codes=codes)
    return enrol_page(form, user, secret.secret, signing_in=False)


def _readable_users(actor: User) -> list[User]:
    db = get_db()
    stmt = select(User).join(User.office).order_by(Office.code, User.username)
    if not actor.has_role(Role.NATIONAL_ADMIN):
        stmt = stmt.where(User.office_id == actor.office_id)
    return list(db.scalars(stmt))


@bp.route("/security")
@roles_required(*ADMINS)
def security() -> str:
    db = get_db()
    users = _readable_users(_actor())
    secrets = {
        row.user_id: row
        for row in db.scalars(select(TwoFactorSecret).where(TwoFactorSecret.user_id.in_([u.id for u in users])))
    }
    return render_template(
        "two_factor/security.html",
        requirements=role_requirements(db, default_roles()),
        defaults=default_roles(),
        users=users,
        enrolled={uid for uid, row in secrets.items() if row.confirmed_at is not None},
        form=FlaskForm(),
    )


@bp.route("/security/roles", methods=["POST"])
@roles_required(*ADMINS)
def save_roles() -> Response:
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_db()
    chosen = set(request.form.getlist("required"))
    for role in Role:
        set_role_requirement(db, _actor(), role.value, role.value in chosen)
    db.commit()
    flash(_("Saved: who must sign in with two factors."), "success")
    return redirect(url_for("two_factor.security"))


@bp.route("/security/users/<int:user_id>/reset", methods=["POST"])
@roles_required(*ADMINS)
def reset(user_id: int) -> Response:
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_db()
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    try:
        reset_two_factor(db, _actor(), user)
    except Forbidden:
        abort(404)  # another office's user: not theirs to know about
    db.commit()
    flash(_("%(name)s sets up two-factor sign-in again at the next login.", name=user.display_name), "success")
    return redirect(url_for("two_factor.security"))
