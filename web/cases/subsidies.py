"""A second supervisor confirms a corrected subsidy payment from the case file."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.service import get_case
from engine.errors import Conflict, Forbidden, NotFound
from engine.subsidies.operations import confirm_payment_correction
from web.cases import bp
from web.db import get_db
from web.security import roles_required


@bp.route("/cases/<int:case_id>/subsidy-payments/<int:payment_id>/confirm", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def confirm_subsidy_correction(case_id: int, payment_id: int) -> Response:
    db = get_db()
    actor: User = current_user._get_current_object()
    case = get_case(db, actor, case_id)
    try:
        payment = confirm_payment_correction(db, actor, payment_id)
        if payment.case_id != case.id:
            raise NotFound(f"no subsidy payment {payment_id}")
    except (Conflict, Forbidden, NotFound) as error:
        db.rollback()
        flash(_("The correction was not confirmed: %(reason)s", reason=error.message), "error")
        return redirect(url_for("cases.show", case_id=case_id) + "#sec-subsidy", 303)
    db.commit()
    flash(_("The corrected payment is confirmed."), "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#sec-subsidy", 303)
