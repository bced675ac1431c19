"""User administration (administrators only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from engine.accounts.roles import Role
from engine.accounts.service import get_user, list_users, set_user_active
from web.db import get_db
from web.security import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@roles_required(Role.ADMIN, Role.NATIONAL_ADMIN)
def users() -> str:
    actor = current_user._get_current_object()
    return render_template("admin/users.html", users=list_users(get_db(), actor), form=FlaskForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN, Role.NATIONAL_ADMIN)
def toggle_active(user_id: int) -> Response:
    db = get_db()
    user = get_user(db, user_id)
    set_user_active(db, current_user._get_current_object(), user, not user.active)
    db.commit()
    if user.active:
        flash(_("%(name)s can log in again.", name=user.display_name), "success")
    else:
        flash(_("%(name)s can no longer log in.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))
