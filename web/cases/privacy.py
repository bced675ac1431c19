"""The data subject's rights on the case file: sharing overrides, subject-access export, rectification and
legal holds. Each route checks who may act before it reads the form; others get 404."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine.accounts.models import User
from engine.cases.models import Case
from engine.cases.service import get_case
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.people.consents import grant_sharing_override, may_override
from engine.people.models import PARTNER_TYPES, RECTIFIABLE_FIELDS, SHARING_OVERRIDE_BASES
from engine.privacy.holds import active_hold, holds_of, lift_legal_hold, may_hold, set_legal_hold
from engine.privacy.rectification import rectify_beneficiary
from engine.privacy.subject_access import export_subject_access, may_export
from web.cases import bp
from web.cases.documents import documents_folder
from web.db import get_db

FIELD_LABELS = {
    "given_names_latin": _l("Given names (Latin script)"),
    "family_name_latin": _l("Family name (Latin script)"),
    "names_original": _l("Name in the original script"),
    "date_of_birth": _l("Date of birth"),
    "sex": _l("Sex"),
    "citizenship": _l("Citizenship"),
    "pesel": _l("PESEL"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "address": _l("Address"),
}


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def privacy_context(db: Any, actor: User, case: Case) -> dict[str, Any]:
    """What the case page's privacy section needs."""
    person = case.beneficiary
    return {
        "may_override": case.status == "open" and may_override(actor, case),
        "may_export": may_export(actor, case),
        "may_rectify": may_export(actor, case) and case.anonymised_at is None,
        "may_hold": may_hold(actor, case) and case.anonymised_at is None,
        "legal_hold": active_hold(db, case.id),
        "legal_holds": holds_of(db, case.id),
        "partner_types": PARTNER_TYPES,
        "override_bases": SHARING_OVERRIDE_BASES,
        # A hidden address (security flag) is never put into the page, so it cannot be corrected here either.
        "rectifiable": [
            (name, FIELD_LABELS[name], getattr(person, name))
            for name in RECTIFIABLE_FIELDS
            if not (name == "address" and person.address_hidden)
        ],
        "field_labels": FIELD_LABELS,
    }


def _back(case_id: int, anchor: str) -> Response:
    return redirect(url_for("cases.show", case_id=case_id) + anchor, 303)


def _refused(error: InvalidInput | Conflict, what: str) -> None:
    details = "; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in getattr(error, "fields", {}).items())
    flash(_("%(what)s: %(reason)s", what=what, reason=details or error.message), "error")


@bp.route("/cases/<int:case_id>/sharing-overrides", methods=["POST"])
@login_required
def sharing_override(case_id: int) -> Response:
    """A supervisor of the office allows one sharing with a partner without the person's consent."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    if not may_override(actor, case):
        abort(404)
    try:
        grant_sharing_override(
            db,
            actor,
            case,
            partner=request.form.get("partner", ""),
            partner_name=request.form.get("partner_name"),
            basis=request.form.get("basis", ""),
            reason=request.form.get("override_reason", ""),
        )
    except (InvalidInput, Conflict) as error:
        db.rollback()
        _refused(error, _("The override could not be recorded"))
        return _back(case_id, "#sec-privacy")
    except Forbidden:
        abort(404)
    db.commit()
    flash(_("The override is recorded; the next referral to this partner may use it."), "success")
    return _back(case_id, "#sec-privacy")


@bp.route("/cases/<int:case_id>/subject-access", methods=["POST"])
@login_required
def subject_access(case_id: int) -> Response:
    """The ZIP of everything held about the person (art. 15 GDPR): case manager or office supervisor."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    if not may_export(actor, case):
        abort(404)
    try:
        export = export_subject_access(db, actor, case.id, documents_folder())
    except NotFound:
        abort(404)
    db.commit()
    response = Response(export.content, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cases/<int:case_id>/rectify", methods=["POST"])
@login_required
def rectify(case_id: int) -> Response:
    """Correct the person's data; the previous values stay in the history shown on the case file."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    if not may_export(actor, case) or case.anonymised_at is not None:
        abort(404)
    person = case.beneficiary
    changes: dict[str, Any] = {}
    for name in RECTIFIABLE_FIELDS:
        if name not in request.form or (name == "address" and person.address_hidden):
            continue
        value = request.form.get(name, "").strip()
        current = getattr(person, name)
        shown = current.isoformat() if hasattr(current, "isoformat") else (current or "")
        if value != shown:
            changes[name] = value
    try:
        rectify_beneficiary(db, actor, case.id, changes, request.form.get("correction_reason", ""))
    except InvalidInput as error:
        db.rollback()
        _refused(error, _("The correction could not be recorded"))
        return _back(case_id, "#sec-rectification")
    except NotFound:
        abort(404)
    db.commit()
    flash(_("The correction is recorded; the previous values are kept in the history."), "success")
    return _back(case_id, "#sec-rectification")


@bp.route("/cases/<int:case_id>/legal-hold", methods=["POST"])
@login_required
def legal_hold(case_id: int) -> Response:
    """A supervisor of the office sets (``action=set``) or lifts (``action=lift``) a legal hold, with a reason."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    if not may_hold(actor, case):
        abort(404)
    lifting = request.form.get("action") == "lift"
    try:
        if lifting:
            lift_legal_hold(db, actor, case.id, request.form.get("hold_reason", ""))
        else:
            set_legal_hold(db, actor, case.id, request.form.get("hold_reason", ""))
    except (InvalidInput, Conflict) as error:
        db.rollback()
        _refused(error, _("The legal hold could not be changed"))
        return _back(case_id, "#sec-retention")
    except NotFound:
        abort(404)
    db.commit()
    flash(_("The legal hold is lifted.") if lifting else _("The case is under a legal hold."), "success")
    return _back(case_id, "#sec-retention")
