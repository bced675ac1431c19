"""Home, profile and the language switch."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from engine.accounts.service import change_password, set_preferred_locale
from engine.errors import InvalidInput
from web.db import get_db
from web.main.forms import LanguageForm, PasswordForm
from web.security import is_safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> str:
    return render_template("main/home.html")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    form = PasswordForm()
    if form.validate_on_submit():
        db = get_db()
        user = current_user._get_current_object()
        try:
            change_password(db, user, form.current_password.data or "", form.new_password.data or "")
        except InvalidInput as error:
            for name, problem in error.fields.items():
                getattr(form, name).errors.append(_("Wrong password.") if name == "current_password" else problem)
        else:
            db.commit()
            logout_user()
            flash(_("Your password has been changed. Log in with the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("main/profile.html", form=form)


@bp.route("/language", methods=["POST"])
def language() -> Response:
    form = LanguageForm()
    target = form.next.data if is_safe_next(form.next.data) else url_for("main.home")
    if form.validate_on_submit():
        locale = form.locale.data or "pl"
        session["locale"] = locale
        if current_user.is_authenticated:
            db = get_db()
            set_preferred_locale(db, current_user._get_current_object(), locale)
            db.commit()
    return redirect(target or url_for("main.home"))


@bp.app_context_processor
def _language_form() -> dict[str, object]:
    form = LanguageForm(formdata=None)
    form.next.data = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return {"language_form": form}
