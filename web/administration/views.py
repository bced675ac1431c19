"""Administration pages: every view checks the role first; the services check the office scope."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from engine import programme
from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.accounts.service import LOCALES
from engine.administration import accounts, budgets, partners, resets
from engine.administration.models import PartnerInstitution
from engine.administration.scope import (
    administered_office,
    administered_offices,
    administered_user,
    is_national_admin,
    may_administer,
)
from engine.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from web.administration import bp
from web.administration.forms import BudgetForm, OfficeForm, PartnerForm, ResetForm, SettingForm, UserForm
from web.db import get_db
from web.labels import ROLE_LABELS
from web.security import roles_required

ADMINS = (Role.ADMIN, Role.NATIONAL_ADMIN)
#: The office select's value for "national (no office)".
NATIONAL = 0
PARTNER_KINDS = {
    "health": _l("Health"),
    "legal": _l("Legal"),
    "education": _l("Education"),
    "employment": _l("Employment"),
    "housing": _l("Housing"),
    "social": _l("Social assistance"),
    "other": _l("Other"),
}
SETTING_LABELS = {
    "IPD_MATERIAL_AID_APPROVAL_LIMIT": _l("Material aid above this amount needs a supervisor (PLN)"),
    "IPD_SUBSIDY_INCOME_LIMIT_SINGLE": _l("Housing subsidy: income limit per person, single person (PLN)"),
    "IPD_SUBSIDY_INCOME_LIMIT_FAMILY": _l("Housing subsidy: income limit per person in a household (PLN)"),
    "IPD_SUBSIDY_RENT_SHARE": _l("Housing subsidy: share of the rent covered (0–1)"),
    "IPD_SUBSIDY_MAX_MONTHLY": _l("Housing subsidy: monthly cap (PLN)"),
}


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _show_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a service's field problems next to the fields; the rest in a message at the top."""
    fields = error.fields if isinstance(error, InvalidInput) else {}
    placed = False
    for name, problem in fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, problem]
            placed = True
    if not placed:
        flash(_("Not saved: %(reason)s", reason=error.message), "error")


def _office_choices(*, national: bool = False) -> list[tuple[int, str]]:
    offices = [(o.id, f"{o.code} — {o.name}") for o in administered_offices(get_db(), _actor())]
    if national and is_national_admin(_actor()):
        offices.insert(0, (NATIONAL, str(_("National (all offices)"))))
    return offices


@bp.route("/")
@roles_required(*ADMINS)
def index() -> str:
    return render_template("administration/index.html", national=is_national_admin(_actor()))


# -- offices --------------------------------------------------------------------------------------------------
@bp.route("/offices", methods=["GET", "POST"])
@roles_required(*ADMINS)
def offices() -> str | Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = accounts.add_office(db, actor, form.code.data or "", form.name.data or "", form.city.data)
        except (InvalidInput, Conflict, Forbidden) as error:
            db.rollback()
            _show_errors(form, error)
        else:
            db.commit()
            flash(_("Office %(code)s is created.", code=office.code), "success")
            return redirect(url_for("administration.offices"), 303)
    status = 422 if form.errors or request.method == "POST" else 200
    page = render_template(
        "administration/offices.html",
        offices=administered_offices(db, actor),
        form=form,
        national=is_national_admin(actor),
    )
    return page, status


@bp.route("/offices/<int:office_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def office(office_id: int) -> str | Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    found = administered_office(db, actor, office_id)
    form = OfficeForm(obj=found)
    if form.validate_on_submit():
        try:
            accounts.edit_office(db, actor, office_id, form.name.data or "", form.city.data)
        except (InvalidInput, Forbidden) as error:
            db.rollback()
            _show_errors(form, error)
        else:
            db.commit()
            flash(_("The office is saved."), "success")
            return redirect(url_for("administration.offices"), 303)
    return render_template("administration/office.html", office=found, form=form), (
        422 if request.method == "POST" else 200
    )


# -- users ----------------------------------------------------------------------------------------------------
def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user) if user is not None else UserForm()
    form.office_id.choices = _office_choices()
    form.preferred_locale.choices = [("", _("Office default"))] + [(code, code.upper()) for code in LOCALES]
    grantable = [role for role in Role if role != Role.NATIONAL_ADMIN or is_national_admin(_actor())]
    form.roles.choices = [(str(role), str(ROLE_LABELS.get(str(role), role))) for role in grantable]
    if user is not None and request.method == "GET":
        form.roles.data = sorted(str(role) for role in user.roles)
        form.preferred_locale.data = user.preferred_locale or ""
    return form


@bp.route("/users")
@roles_required(*ADMINS)
def users() -> str:
    return render_template(
        "administration/users.html", users=accounts.list_administered_users(get_db(), _actor()), form=FlaskForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def new_user() -> str | Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    form = _user_form()
    if form.validate_on_submit():
        try:
            user = accounts.add_user(
                db,
                actor,
                username=form.username.data or "",
                office_id=form.office_id.data,
                roles=form.roles.data or [],
                display_name=form.display_name.data,
                email=form.email.data,
                preferred_locale=form.preferred_locale.data or None,
            )
            issued = resets.issue_reset(db, actor, user.id)
        except (InvalidInput, Conflict, Forbidden, NotFound) as error:
            db.rollback()
            if isinstance(error, Conflict):
                form.username.errors = [*form.username.errors, error.message]
            else:
                _show_errors(form, error)
        else:
            db.commit()
            flash(_("%(name)s is created. Give them the link below to set their password.", name=user.display_name))
            return render_template("administration/reset_link.html", user=user, link=_reset_url(issued.secret))
    return render_template("administration/user.html", form=form, user=None), (422 if request.method == "POST" else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def user(user_id: int) -> str | Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    found = administered_user(db, actor, user_id)
    form = _user_form(found)
    if form.validate_on_submit():
        try:
            accounts.edit_user(
                db,
                actor,
                found,
                display_name=form.display_name.data or "",
                email=form.email.data,
                preferred_locale=form.preferred_locale.data or None,
                roles=form.roles.data or [],
            )
            if form.office_id.data != found.office_id:
                accounts.move_user(db, actor, found, form.office_id.data)
        except (InvalidInput, Conflict, Forbidden, NotFound) as error:
            db.rollback()
            _show_errors(form, error)
        else:
            db.commit()
            flash(_("%(name)s is saved.", name=found.display_name), "success")
            return redirect(url_for("administration.users"), 303)
    return render_template(
        "administration/user.html", form=form, user=found, national=is_national_admin(actor), actions=FlaskForm()
    ), (422 if request.method == "POST" else 200)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(*ADMINS)
def user_active(user_id: int) -> Response:
    db = get_db()
    found = administered_user(db, _actor(), user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        accounts.set_active(db, _actor(), found, not found.active)
    except (Conflict, Forbidden) as error:
        db.rollback()
        flash(_("Not saved: %(reason)s", reason=error.message), "error")
        return redirect(url_for("administration.users"), 303)
    db.commit()
    if found.active:
        flash(_("%(name)s can log in again.", name=found.display_name), "success")
    else:
        flash(_("%(name)s can no longer log in.", name=found.display_name), "success")
    return redirect(url_for("administration.users"), 303)


def _reset_url(secret: str) -> str:
    return url_for("administration.password_reset", secret=secret, _external=True)


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
@roles_required(*ADMINS)
def reset_link(user_id: int) -> str | Response:
    db = get_db()
    actor = _actor()
    found = administered_user(db, actor, user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        issued = resets.issue_reset(db, actor, found.id)
    except (InvalidInput, Forbidden) as error:
        db.rollback()
        flash(_("No link was made: %(reason)s", reason=error.message), "error")
        return redirect(url_for("administration.users"), 303)
    db.commit()
    return render_template("administration/reset_link.html", user=found, link=_reset_url(issued.secret))


@bp.route("/password-reset/<secret>", methods=["GET", "POST"])
def password_reset(secret: str) -> str | Response | tuple[str, int]:
    """The page a reset link opens: anyone holding the link sets the password of its user, once."""
    db = get_db()
    try:
        reset = resets.pending_reset(db, secret)
    except NotFound:
        return render_template("administration/reset_invalid.html"), 404
    owner = db.get(User, reset.user_id)
    form = ResetForm()
    if form.validate_on_submit():
        try:
            resets.use_reset(db, secret, form.new_password.data or "", form.confirm_password.data or "")
        except InvalidInput as error:
            db.rollback()
            _show_errors(form, error)
        else:
            db.commit()
            flash(_("Your password is set. Log in with it now."), "success")
            return redirect(url_for("auth.login"), 303)
    page = render_template("administration/reset.html", form=form, owner=owner)
    return page, (422 if request.method == "POST" else 200)


# -- budgets --------------------------------------------------------------------------------------------------
@bp.route("/budgets", methods=["GET", "POST"])
@roles_required(*ADMINS)
def budgets_page() -> str | Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    form = BudgetForm()
    form.office_id.choices = _office_choices()
    if form.validate_on_submit():
        assert form.period_start.data and form.period_end.data and form.amount.data is not None
        try:
            budgets.set_office_budget(
                db, actor, form.office_id.data, form.period_start.data, form.period_end.data, form.amount.data
            )
        except (InvalidInput, NotFound, Forbidden) as error:
            db.rollback()
            if isinstance(error, InvalidInput):
                error.fields = {
                    {"from": "period_start", "to": "period_end"}.get(k, k): v for k, v in error.fields.items()
                }
            _show_errors(form, error)
        else:
            db.commit()
            flash(_("The budget is saved."), "success")
            return redirect(url_for("administration.budgets_page"), 303)
    return render_template("administration/budgets.html", budgets=budgets.administered_budgets(db, actor), form=form), (
        422 if request.method == "POST" else 200
    )


# -- partner institutions -------------------------------------------------------------------------------------
def _partner_form(partner: PartnerInstitution | None = None) -> PartnerForm:
    form = PartnerForm(obj=partner) if partner is not None else PartnerForm()
    form.kind.choices = [(k, str(v)) for k, v in PARTNER_KINDS.items()]
    form.office_id.choices = _office_choices(national=True)
    if partner is not None and request.method == "GET":
        form.office_id.data = partner.office_id or NATIONAL
    return form


def _partner_values(form: PartnerForm) -> dict[str, Any]:
    return {
        "name": form.name.data or "",
        "kind": form.kind.data or "",
        "office_id": form.office_id.data or None,
        "contact": form.contact.data,
    }


@bp.route("/partners", methods=["GET", "POST"])
@roles_required(*ADMINS)
def partners_page() -> str | Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    form = _partner_form()
    if form.validate_on_submit():
        try:
            partners.add_partner(db, actor, **_partner_values(form))
        except (InvalidInput, Forbidden) as error:
            db.rollback()
            _show_errors(form, error)
        else:
            db.commit()
            flash(_("The partner institution is saved."), "success")
            return redirect(url_for("administration.partners_page"), 303)
    listed = partners.list_administered_partners(db, actor)
    return render_template(
        "administration/partners.html",
        partners=listed,
        form=form,
        kinds=PARTNER_KINDS,
        offices={o.id: o.code for o in administered_offices(db, actor)},
        editable={p.id for p in listed if may_administer(actor, p.office_id)},
    ), (422 if request.method == "POST" else 200)


@bp.route("/partners/<int:partner_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def partner(partner_id: int) -> str | Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    found = partners.administered_partner(db, actor, partner_id)
    form = _partner_form(found)
    if form.validate_on_submit():
        try:
            partners.edit_partner(db, actor, partner_id, active=bool(form.active.data), **_partner_values(form))
        except (InvalidInput, Forbidden) as error:
            db.rollback()
            _show_errors(form, error)
        else:
            db.commit()
            flash(_("The partner institution is saved."), "success")
            return redirect(url_for("administration.partners_page"), 303)
    return render_template("administration/partner.html", form=form, partner=found), (
        422 if request.method == "POST" else 200
    )


# -- programme settings ---------------------------------------------------------------------------------------
@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*ADMINS)
def settings() -> str | Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    form = SettingForm()
    problems: dict[str, str] = {}
    if request.method == "POST":
        if not is_national_admin(actor):
            abort(403)
        if form.validate_on_submit():
            try:
                programme.change_setting(db, actor, form.name.data or "", form.value.data)
            except InvalidInput as error:
                db.rollback()
                problems = error.fields
            else:
                db.commit()
                flash(_("The setting is saved."), "success")
                return redirect(url_for("administration.settings"), 303)
        else:
            problems = {form.name.data or "": _("Enter a value.")}
    rows = [
        {
            "name": name,
            "label": SETTING_LABELS.get(name, name),
            "value": programme.setting(db, name),
            "default": programme.amount(name),
            "overridden": programme.is_overridden(db, name),
            "problem": problems.get(name),
        }
        for name in programme.SETTING_NAMES
    ]
    return render_template("administration/settings.html", rows=rows, national=is_national_admin(actor), form=form), (
        422 if problems else 200
    )
