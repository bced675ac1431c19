"""The plan's actions on the case file: the case manager or the responsible specialist marks their progress."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine.cases.service import get_case
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.plans.actions import update_action_status
from web.cases import bp
from web.db import get_db


@bp.route("/cases/<int:case_id>/plan/actions/<int:action_id>/status", methods=["POST"])
@login_required
def plan_action_status(case_id: int, action_id: int) -> Response:
    """Mark an action of the plan in force in progress, done or dropped."""
    db = get_db()
    actor = current_user._get_current_object()
    case = get_case(db, actor, case_id)
    try:
        update_action_status(db, actor, case, action_id, request.form.get("status", ""))
    except (InvalidInput, Conflict, Forbidden, NotFound) as error:
        db.rollback()
        flash(_("The action was not changed: %(reason)s", reason=error.message), "error")
        return redirect(url_for("cases.show", case_id=case_id) + "#sec-plan", 303)
    db.commit()
    flash(_("The action's status was changed."), "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#sec-plan", 303)
