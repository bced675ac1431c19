"""Scanned documents on the case file: upload (size limited before the body is read) and audited download."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine.accounts.models import User
from engine.accounts.roles import SPECIALIST_ROLES, Role
from engine.cases.service import get_case
from engine.documents.service import download_document, upload_document
from engine.errors import InvalidInput
from web.bodies import file_body
from web.cases import bp
from web.db import get_db
from web.security import roles_required

KIND_LABELS = {
    "decision": _l("Decision"),
    "residence_card": _l("Residence card"),
    "signed_ipd": _l("Signed IPD"),
    "other": _l("Other document"),
}
VISIBILITY_LABELS = {
    "general": _l("Everyone working on the case"),
    "special": _l("Special category (health, psychological): only those who read psychological notes"),
}
FIELD_LABELS = {
    "file": _l("File"),
    "kind": _l("Type"),
    "visibility": _l("Who may see it"),
    "valid_until": _l("Valid until"),
}


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _refused(field: str, problem: str) -> None:
    label = FIELD_LABELS.get(field, field)
    flash(_("The document was not kept: %(field)s: %(problem)s", field=label, problem=problem), "error")


def documents_folder() -> Path:
    return Path(current_app.config["IPD_DOCUMENTS_PATH"])


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@roles_required(*SPECIALIST_ROLES, Role.SUPERVISOR)
@file_body("IPD_DOCUMENT_MAX_BYTES")
def upload_document_view(case_id: int) -> Response:
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)  # 404 for a case the actor may not see
    back = url_for("cases.show", case_id=case.id) + "#sec-documents"
    upload = request.files.get("file")
    raw_until = (request.form.get("valid_until") or "").strip()
    try:
        valid_until = date.fromisoformat(raw_until) if raw_until else None
    except ValueError:
        flash(
            _(
                "The document was not kept: %(field)s: %(problem)s",
                field=FIELD_LABELS["valid_until"],
                problem=_("not a date"),
            ),
            "error",
        )
        return redirect(back, 303)
    try:
        upload_document(
            db,
            actor,
            case,
            kind=request.form.get("kind", ""),
            visibility=request.form.get("visibility", "general"),
            valid_until=valid_until,
            data=upload.read() if upload is not None else b"",
            folder=documents_folder(),
            max_bytes=int(current_app.config["IPD_DOCUMENT_MAX_BYTES"]),
        )
    except InvalidInput as error:
        db.rollback()
        for field, problem in error.fields.items():
            flash(
                _(
                    "The document was not kept: %(field)s: %(problem)s",
                    field=FIELD_LABELS.get(field, field),
                    problem=problem,
                ),
                "error",
            )
        return redirect(back, 303)
    db.commit()
    flash(_("The document is kept on the case."), "success")
    return redirect(back, 303)


@bp.route("/cases/<int:case_id>/documents/<int:document_id>")
@login_required
def download_document_view(case_id: int, document_id: int) -> Response:
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    found = download_document(db, actor, case, document_id, documents_folder())
    db.commit()  # the download is audited before the file leaves
    response = send_file(
        found.path,
        mimetype=found.document.content_type,
        as_attachment=True,
        download_name=f"{case.number.replace('/', '-')}-{found.document.kind}-{found.document.id}.{found.extension}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
