"""Shared pieces of the work pages: the acting user, safe redirects, translated form errors."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from engine.access.policy import visible_case_ids
from engine.accounts.models import User
from engine.cases.models import Beneficiary, Case
from engine.definitions.models import ProcessDefinition
from engine.definitions.names import english_process_names
from forms.validation import FieldError
from web.security import is_safe_next


def actor() -> User:
    user: User = current_user._get_current_object()
    return user


def back(default: str) -> Response:
    """Redirect to the form's ``next`` when it is a local path, else to ``default``."""
    target = request.form.get("next") or request.args.get("next")
    return redirect(target if target and is_safe_next(target) else default)


def inbox_url() -> str:
    return url_for("work.inbox")


def process_names(session: Session) -> dict[str, str]:
    """Process id → the name of its newest version, in English (its nameEn) in the English interface."""
    names: dict[str, str] = {}
    for process_id, name in session.execute(
        select(ProcessDefinition.process_id, ProcessDefinition.name).order_by(ProcessDefinition.version)
    ):
        names[process_id] = name
    if str(get_locale()) == "en":
        names.update(english_process_names(session))
    return names


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {uid: name for uid, name in session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))}


def field_error_message(problem: FieldError) -> str:
    """The validator's problem in the user's language."""
    params: dict[str, Any] = problem.params
    code = problem.code
    if code == "required":
        return _("This field is required.")
    if code == "type":
        kind = params.get("type")
        if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
            return _("Enter a whole number.")
        return _("This value has the wrong type.")
    if code == "choice":
        return _("Choose one of the listed options.")
    if code == "format":
        if params.get("format") == "date":
            return _("Enter a valid date.")
        if params.get("format") == "email":
            return _("Enter a valid e-mail address.")
        return _("The value has the wrong form.")
    if code == "pattern":
        return _("The value has the wrong form.")
    if code == "min_length":
        return _("This field is required.") if params.get("min") == 1 else _("Too short.")
    if code == "max_length":
        return _("Must be at most %(max)s characters long.", max=params.get("max"))
    if code == "minimum":
        return _("Must be at least %(min)s.", min=params.get("min"))
    if code == "maximum":
        return _("Must be at most %(max)s.", max=params.get("max"))
    if code == "min_items":
        return _("Add at least %(min)s.", min=params.get("min"))
    if code == "max_items":
        return _("Add at most %(max)s.", max=params.get("max"))
    if code == "unknown_field":
        return _("The form has no such field.")
    # The forms use ``not: null`` under if/then for fields that a choice makes required.
    return _("Fill in this field for the choice made above.")


def case_labels(session: Session, ids: set[int | None], viewer: User) -> dict[int, tuple[str, str]]:
    """Case id → (case number, beneficiary name); the name only of cases ``viewer`` may see."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    stmt = (
        select(Case.id, Case.number, Beneficiary.given_names_latin, Beneficiary.family_name_latin)
        .join(Beneficiary, Beneficiary.id == Case.beneficiary_id)
        .where(Case.id.in_(wanted))
    )
    named = set(session.scalars(visible_case_ids(viewer).where(Case.id.in_(wanted))))
    return {
        cid: (number, f"{given} {family}" if cid in named else "")
        for cid, number, given, family in session.execute(stmt)
    }
