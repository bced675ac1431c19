"""Duplicates on the case pages: the new-case check's input, a supervisor's merge and closing a duplicate case."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, get_case
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.people.duplicates import Person, Reason
from engine.people.merge import close_duplicate_case, merge_beneficiaries
from engine.people.search import case_search
from web.cases import bp
from web.db import get_db
from web.security import roles_required

__all__ = ["case_search", "duplicate_person", "REASON_LABELS"]

REASON_LABELS = {
    Reason.DOCUMENT_NUMBER: _l("the same document number"),
    Reason.PESEL: _l("the same PESEL"),
    Reason.SIMILAR_NAME: _l("a similar name (compared in Latin transliteration)"),
    Reason.SAME_ORIGINAL_NAME: _l("the same name in the original script"),
    Reason.SAME_BIRTH_DATE: _l("the same date of birth"),
    Reason.NO_BIRTH_DATE: _l("no date of birth to tell them apart"),
}


def duplicate_person(person: BeneficiaryInput) -> Person:
    return Person(
        person.given_names_latin,
        person.family_name_latin,
        person.names_original,
        person.date_of_birth,
        person.document_number,
        person.pesel,
    )


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _other_case(case: Case) -> Case | None:
    """The case whose number the supervisor typed, when they may see it."""
    number = (request.form.get("other_case") or "").strip().upper()
    other = get_db().scalar(select(Case).where(Case.number == number)) if number else None
    if other is None or not other.can_view(_actor()) or other.office_id != case.office_id:
        return None
    return other


@bp.route("/cases/<int:case_id>/merge-person", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def merge_person(case_id: int) -> Response:
    """Merge the person of another case into this case's person: their records move here."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    other = _other_case(case)
    if other is None:
        flash(_("There is no case with this number in your office."), "error")
        return redirect(url_for("cases.show", case_id=case.id) + "#sec-duplicates", 303)
    try:
        merge_beneficiaries(db, actor, case.beneficiary_id, other.beneficiary_id)
    except (InvalidInput, Conflict, Forbidden, NotFound) as error:
        db.rollback()
        flash(_("The records were not merged: %(reason)s", reason=error.message), "error")
        return redirect(url_for("cases.show", case_id=case.id) + "#sec-duplicates", 303)
    db.commit()
    flash(_("The person's records from case %(number)s are merged into this one.", number=other.number), "success")
    return redirect(url_for("cases.show", case_id=case.id), 303)


@bp.route("/cases/<int:case_id>/close-duplicate", methods=["POST"])
@roles_required(Role.SUPERVISOR)
def close_duplicate(case_id: int) -> Response:
    """Close this case as a duplicate of another case of the office; its running processes are withdrawn."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    other = _other_case(case)
    if other is None:
        flash(_("There is no case with this number in your office."), "error")
        return redirect(url_for("cases.show", case_id=case.id) + "#sec-duplicates", 303)
    try:
        close_duplicate_case(db, actor, case, other)
    except (InvalidInput, Conflict, Forbidden) as error:
        db.rollback()
        flash(_("The case was not closed: %(reason)s", reason=error.message), "error")
        return redirect(url_for("cases.show", case_id=case.id) + "#sec-duplicates", 303)
    except NotFound:
        abort(404)
    db.commit()
    flash(_("The case is closed as a duplicate of %(number)s.", number=other.number), "success")
    return redirect(url_for("cases.show", case_id=other.id), 303)
