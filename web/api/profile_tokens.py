"""The profile page's personal API tokens: create (the secret shown once), list, revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length

from engine.accounts.tokens import ApiToken, create_token, list_tokens, revoke_token
from engine.clock import utcnow
from engine.errors import InvalidInput, NotFound
from web.db import get_db
from web.main.forms import PasswordForm

bp = Blueprint("api_tokens", __name__, url_prefix="/profile/tokens")

EXPIRY_CHOICES = ("30", "90", "365", "never")


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])
    expires = SelectField(
        _l("Valid for"),
        choices=[
            SelectChoice("30", _l("30 days")),
            SelectChoice("90", _l("90 days")),
            SelectChoice("365", _l("one year")),
            SelectChoice("never", _l("until revoked")),
        ],
        default="90",
        validators=[AnyOf(EXPIRY_CHOICES)],
    )


class RevokeForm(FlaskForm):
    pass


def _profile(token_form: TokenForm, new_secret: str | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "main/profile.html",
        form=PasswordForm(formdata=None),
        api_token_form=token_form,
        new_api_token=new_secret,
    )
    return page, status


@bp.post("")
@login_required
def create() -> tuple[str, int]:
    form = TokenForm()
    if not form.validate_on_submit():
        return _profile(form, status=422)
    db = get_db()
    days = form.expires.data
    expires_at = None if days == "never" else utcnow() + timedelta(days=int(days or 90))
    try:
        created = create_token(db, current_user._get_current_object(), form.name.data or "", expires_at=expires_at)
    except InvalidInput as error:
        form.name.errors = [*form.name.errors, *error.fields.values()]
        return _profile(form, status=422)
    db.commit()
    return _profile(TokenForm(formdata=None), new_secret=created.secret)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    form = RevokeForm()
    if form.validate_on_submit():
        db = get_db()
        try:
            revoke_token(db, current_user._get_current_object(), token_id)
        except NotFound:
            flash(_("There is no such token."), "error")
        else:
            db.commit()
            flash(_("The token has been revoked; programs using it can no longer connect."), "success")
    return redirect(url_for("main.profile") + "#api-tokens")


@bp.app_context_processor
def _token_context() -> dict[str, Any]:
    def tokens() -> list[ApiToken]:
        if not current_user.is_authenticated:
            return []
        return list_tokens(get_db(), current_user._get_current_object())

    # Callables, so pages other than the profile build nothing.
    return {
        "api_tokens": tokens,
        "api_blank_token_form": lambda: TokenForm(formdata=None),
        "api_revoke_form": lambda: RevokeForm(formdata=None),
        "api_now": utcnow,
    }
