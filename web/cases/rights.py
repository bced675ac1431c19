"""The rights lookup: a legal status in, entitlements and where to refer out (any logged-in user).

Opened from a case (``?case_id=``), it looks up the legal status recorded on the case's beneficiary.
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from engine.cases.service import get_case
from engine.errors import NotFound
from engine.rights import LEGAL_STATUSES, rights_for
from engine.spiff.decisions import DecisionError
from web.cases import bp
from web.cases.forms import RightsForm
from web.db import get_db


@bp.route("/rights")
@login_required
def rights() -> str:
    form = RightsForm(formdata=None)
    status = request.args.get("legal_status") or ""
    case_id = request.args.get("case_id", type=int)
    if case_id is not None and not status:
        try:
            case = get_case(get_db(), current_user._get_current_object(), case_id)
        except NotFound:
            case = None
        status = (case.beneficiary.legal_status or "") if case is not None else ""
    form.legal_status.data = status
    # Evaluated from the deployed decision table: the one the intake of a new case runs.
    found, missing_table = None, False
    if status in LEGAL_STATUSES:
        try:
            found = rights_for(status, session=get_db())
        except DecisionError:
            missing_table = True
    return render_template(
        "cases/rights.html",
        form=form,
        found=found,
        missing_table=missing_table,
        unknown=bool(status) and found is None and not missing_table,
    )
