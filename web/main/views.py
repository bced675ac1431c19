"""Home, profile and the language switch."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from engine.accounts import passwords
from engine.accounts.service import change_password, set_preferred_locale
from engine.errors import InvalidInput
from web import throttle
from web.auth.views import throttled_message
from web.db import get_db
from web.main.forms import LanguageForm, PasswordForm
from web.security import is_safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> str:
    return render_template("main/home.html")


def password_problem_text(problem: str) -> str:
    """The engine's reason for refusing a new password, in the user's language."""
    texts = {
        passwords.TOO_SHORT: lambda: _("Use at least %(count)s characters.", count=passwords.MIN_LENGTH),
        passwords.EDGE_SPACES: lambda: _("Do not start or end the password with spaces."),
        passwords.GUESSABLE_COMMON: lambda: _("Too easy to guess: it is a common password or close to one."),
        passwords.GUESSABLE_PERSONAL: lambda: _("Too easy to guess: it contains your user name or name."),
        passwords.GUESSABLE_PATTERN: lambda: _(
            "Too easy to guess: repeated characters, sequences or keyboard patterns."
        ),
        passwords.GUESSABLE_DATE: lambda: _("Too easy to guess: dates and years are among the first guesses."),
        passwords.GUESSABLE: lambda: _("Too easy to guess: add more words or characters that do not form a pattern."),
    }
    found = texts.get(problem)
    return found() if found else problem


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response | tuple[str, int, dict[str, str]]:
    form = PasswordForm()
    if form.validate_on_submit():
        db = get_db()
        user = current_user._get_current_object()
        wrong_guesses = throttle.password_check(user.id)
        if wrong_guesses.exhausted():
            # Someone at an unattended, logged-in browser must not get unlimited guesses at the password.
            wait = wrong_guesses.retry_after()
            flash(throttled_message(wait), "error")
            return render_template("main/profile.html", form=form), 429, {"Retry-After": str(wait)}
        try:
            change_password(db, user, form.current_password.data or "", form.new_password.data or "")
        except InvalidInput as error:
            for name, problem in error.fields.items():
                if name == "current_password":
                    wrong_guesses.fail()
                    form.current_password.errors.append(_("Wrong password."))
                else:
                    getattr(form, name).errors.append(password_problem_text(problem))
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
