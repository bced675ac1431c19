"""List my notifications, open one (marking it read), mark all read, choose immediate e-mail or a digest."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from engine.accounts.models import User
from engine.errors import InvalidInput, NotFound
from engine.notifications import messages
from engine.notifications.service import (
    email_mode,
    mark_all_read,
    mark_read,
    my_notifications,
    set_email_mode,
    unread_count,
)
from web.db import get_db
from web.notifications import bp

PAGE = 100


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.app_context_processor
def _bell() -> dict[str, object]:
    if not current_user.is_authenticated:
        return {}
    db = get_db()
    try:
        return {
            "unread_notifications": unread_count(db, _actor()),
            "notification_mode": lambda: email_mode(db, current_user.id),
        }
    except SQLAlchemyError:
        db.rollback()
        return {"unread_notifications": "–", "notification_mode": lambda: "immediate"}


@bp.route("/notifications")
@login_required
def index() -> str:
    db = get_db()
    lang = str(get_locale() or "pl")
    rows = db.scalars(my_notifications(_actor()).limit(PAGE)).all()
    items = [(row, messages.render(row.kind, row.params, lang)[1]) for row in rows]
    return render_template("notifications/index.html", items=items)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int) -> Response:
    db = get_db()
    try:
        row = mark_read(db, _actor(), notification_id)
    except NotFound:
        db.rollback()
        flash(_("No such notification."), "error")
        return redirect(url_for("notifications.index"))
    target = messages.link_path(row.params, row.task_id, row.case_id)
    db.commit()
    return redirect(target)


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    db = get_db()
    mark_all_read(db, _actor())
    db.commit()
    return redirect(url_for("notifications.index"))


@bp.route("/profile/notifications", methods=["POST"])
@login_required
def preference() -> Response:
    db = get_db()
    try:
        set_email_mode(db, _actor(), request.form.get("email_mode", ""))
    except InvalidInput:
        db.rollback()
        flash(_("Choose how e-mail should reach you."), "error")
        return redirect(url_for("main.profile"))
    db.commit()
    flash(_("Your notification settings are saved."), "success")
    return redirect(url_for("main.profile"))
