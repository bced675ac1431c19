"""The rights lookup: a legal status in, entitlements and where to refer out (any logged-in user)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import login_required

from engine.rights import LEGAL_STATUSES, rights_for
from web.cases import bp
from web.cases.forms import RightsForm


@bp.route("/rights")
@login_required
def rights() -> str:
    form = RightsForm(formdata=None)
    status = request.args.get("legal_status") or ""
    form.legal_status.data = status
    # Evaluated from the same decision table (processes/decisions/legal_status_rights.dmn) the intake runs.
    found = rights_for(status) if status in LEGAL_STATUSES else None
    return render_template("cases/rights.html", form=form, found=found, unknown=bool(status) and found is None)
