"""The printable IPD: an approved version of the case's plan as an A4 PDF for signature, in two languages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from weasyprint import HTML
from werkzeug.wrappers import Response

from engine.audit.service import record
from engine.cases.service import get_case
from engine.errors import Conflict, NotFound
from engine.plans.print_labels import LABELS
from engine.plans.printing import printable_plan
from web.cases import bp
from web.db import get_db


def _no_fetching(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    """The document needs nothing from outside (fonts are the system's): never let it fetch a URL."""
    raise ValueError(f"the printed IPD fetches no resources ({url[:40]})")


@bp.route("/cases/<int:case_id>/plan/print.pdf")
@login_required
def plan_pdf(case_id: int) -> Response:
    """Download the approved plan (or ``?version=N``) as a PDF; every download is audited."""
    db = get_db()
    actor = current_user._get_current_object()
    case = get_case(db, actor, case_id)
    version = request.args.get("version", type=int)
    try:
        printed = printable_plan(db, actor, case, version)
    except NotFound:
        abort(404)
    except Conflict:
        flash(_("The plan cannot be printed yet: only a version approved by the supervisor prints."), "error")
        return redirect(url_for("cases.show", case_id=case.id) + "#sec-plan", 303)
    html = render_template("cases/plan_print.html", p=printed, labels=LABELS)
    pdf = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    record(db, "plan.downloaded", actor=actor, case_id=case.id, office_id=case.office_id, plan_version=printed.version)
    db.commit()
    response = Response(pdf, mimetype="application/pdf")
    filename = f"IPD-{case.number}-v{printed.version}.pdf".replace("/", "-")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
