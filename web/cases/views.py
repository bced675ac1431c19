"""New case (duplicates first), case list, case file, submitted records and process diagrams."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2 import Undefined
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from engine.accounts.models import User
from engine.accounts.roles import SPECIALIST_ROLES, Role
from engine.cases.casefile import (
    build_casefile,
    current_process_ids,
    element_states,
    process_xml,
)
from engine.cases.models import Beneficiary, Case
from engine.cases.occurrences import OCCURRENCE_PROCESSES, start_occurrence
from engine.cases.service import (
    BeneficiaryInput,
    get_case,
    open_case,
    start_case,
    visible_cases,
)
from engine.definitions.names import with_english_names
from engine.documents.service import list_documents
from engine.errors import Conflict, InvalidInput, NotFound
from engine.instances.models import ProcessInstance
from engine.pagination import PageWindow, count_rows
from engine.people.duplicates import find_candidates
from engine.people.operations import withdraw_consent as record_consent_withdrawal
from engine.rights import rights_of
from engine.spiff.decisions import DecisionError
from engine.tasks.models import HumanTask, TaskState
from engine.team.flags import flag_for_team, team_flag
from engine.team.read import case_decisions
from web.audit_reads import audit_search, audit_view, used_filters
from web.cases import bp
from web.cases.documents import KIND_LABELS, VISIBILITY_LABELS
from web.cases.duplicates import REASON_LABELS, case_search, duplicate_person
from web.cases.forms import NewCaseForm
from web.cases.labels import FILTERS
from web.cases.privacy import privacy_context
from web.cases.timeline import case_timeline
from web.db import get_db
from web.pagination import page_arg
from web.records import shown_card
from web.security import roles_required

PAGE_SIZE = 20


def isodate(value: Any, fmt: str = "medium") -> str:
    """A date kept as an ISO string in form data, formatted for the user's language."""
    if value is None or value == "" or isinstance(value, Undefined):
        return "—"
    if isinstance(value, datetime):
        return format_date(value, fmt)
    try:
        return format_date(date.fromisoformat(str(value)[:10]), fmt)
    except ValueError:
        return str(value)


@bp.record_once
def _filters(state: Any) -> None:
    for name, function in {**FILTERS, "isodate": isodate}.items():
        state.app.add_template_filter(function, name)


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.route("/cases")
@login_required
def index() -> str:
    db = get_db()
    query = (request.args.get("q") or "").strip()
    window = PageWindow.numbered(page_arg(), PAGE_SIZE)
    stmt = visible_cases(_actor()).join(Beneficiary, Beneficiary.id == Case.beneficiary_id)
    if query:
        stmt = stmt.where(case_search(query))
    total = count_rows(db, stmt)
    cases = db.scalars(
        window.apply(stmt.order_by(Case.opened_at.desc(), Case.id.desc()).options(joinedload(Case.beneficiary)))
    ).all()
    page = render_template(
        "cases/index.html", cases=cases, q=query, page=window.number, pages=window.pages(total), total=total
    )
    audit_search(db, _actor(), "case", [c.id for c in cases], total, used_filters(request.args, ("q", "page")))
    db.commit()
    return page


def _beneficiary_input(form: NewCaseForm) -> BeneficiaryInput:
    return BeneficiaryInput(
        given_names_latin=form.given_names_latin.data or "",
        family_name_latin=form.family_name_latin.data or "",
        date_of_birth=form.date_of_birth.data,
        names_original=form.names_original.data or None,
        citizenship=form.citizenship.data or None,
        document_number=form.document_number.data or None,
        pesel=form.pesel.data or None,
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@roles_required(Role.SOCIAL_WORKER, Role.SUPERVISOR)
def new() -> str | Response | tuple[str, int]:
    db = get_db()
    actor = _actor()
    form = NewCaseForm()
    matches: list[dict[str, Any]] = []
    if form.validate_on_submit():
        person = _beneficiary_input(form)
        found = find_candidates(db, actor, duplicate_person(person))
        if found and not form.confirm_new_person.data:
            for candidate in found:
                visible = [
                    c
                    for c in db.scalars(select(Case).where(Case.beneficiary_id == candidate.beneficiary.id))
                    if c.can_view(actor)
                ]
                matches.append({"beneficiary": candidate.beneficiary, "cases": visible, "reasons": candidate.reasons})
            return render_template("cases/new.html", form=form, matches=matches, reason_labels=REASON_LABELS), 200
        try:
            case = open_case(db, actor, person)
        except InvalidInput as error:
            for name, problem in error.fields.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, problem]
            return render_template("cases/new.html", form=form, matches=[]), 422
        outcome = start_case(db, actor, case)
        db.commit()
        first = db.scalar(
            select(HumanTask.id)
            .where(HumanTask.instance_id == outcome.instance.id, HumanTask.state == TaskState.OPEN)
            .order_by(HumanTask.id)
            .limit(1)
        )
        if first is None:
            return redirect(url_for("cases.show", case_id=case.id), 303)
        # The task page belongs to the tasks blueprint; its address is part of the contract.
        return redirect(f"/tasks/{first}", 303)
    return render_template("cases/new.html", form=form, matches=matches)


def _user_names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(get_db().execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


@bp.route("/cases/<int:case_id>")
@login_required
def show(case_id: int) -> str:
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    casefile = build_casefile(db, actor, case)
    try:
        rights = rights_of(db, case.beneficiary)  # the legal status on the beneficiary's row
    except DecisionError:
        rights = None
    diagrams = [
        {
            "instance": instance,
            "process_id": process_id,
            "url": url_for("cases.diagram", case_id=case.id, instance_id=instance.id, process=process_id),
        }
        for instance in casefile.running_instances
        for process_id in current_process_ids(db, instance)
    ]
    flag = team_flag(db, case.id)
    documents = list_documents(db, actor, case)
    team_decisions = case_decisions(db, case.id)
    privacy = privacy_context(db, actor, case)
    names = _user_names(
        {hold.set_by_id for hold in privacy["legal_holds"]}
        | {case.case_manager_id, flag.set_by_id if flag else None}
        | {d.uploaded_by_id for d in documents}
        | {d.assignee_id for d, _m in team_decisions}
        | {t.assignee_id for t in casefile.open_tasks}
        | set(casefile.user_ids())
    )
    page = render_template(
        "cases/show.html",
        case=case,
        cf=casefile,
        team_flag=flag,
        team_decisions=team_decisions,
        rights=rights,
        timeline=case_timeline(db, case.id),
        diagrams=diagrams,
        names=names,
        may_withdraw_consent=case.status == "open" and _records_consents(actor, case),
        occurrences=OCCURRENCE_PROCESSES if case.status == "open" else (),
        session_roles=sorted(SPECIALIST_ROLES),
        documents=documents,
        document_kinds=KIND_LABELS,
        document_visibilities=VISIBILITY_LABELS,
        document_max_mb=max(1, int(current_app.config["IPD_DOCUMENT_MAX_BYTES"]) // (1024 * 1024)),
        may_upload_documents=actor.has_role(*SPECIALIST_ROLES, Role.SUPERVISOR),
        **privacy,
    )
    # The one commit of the request: the read is audited once the page is ready to be shown.
    audit_view(db, actor, "case", case_id=case.id, office_id=case.office_id)
    db.commit()
    return page


@bp.route("/cases/<int:case_id>/team-flag", methods=["POST"])
@login_required
def flag_for_team_view(case_id: int) -> Response:
    """A case member asks the interdisciplinary team to discuss the case at its next meeting."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    try:
        flag_for_team(db, actor, case, request.form.get("reason", ""))
    except (InvalidInput, Conflict) as error:
        db.rollback()
        flash(_("The case could not be put on the team's list: %(reason)s", reason=error.message), "error")
        return redirect(url_for("cases.show", case_id=case_id))
    db.commit()
    flash(_("The case is on the list for the next team meeting."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.route("/cases/<int:case_id>/start", methods=["POST"])
@roles_required(*SPECIALIST_ROLES, Role.SUPERVISOR)
def start(case_id: int) -> Response:
    """Start a session, an aid request, a subsidy application… on the case and open its first task."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    try:
        outcome = start_occurrence(
            db, actor, case, request.form.get("process_id", ""), session_role=request.form.get("session_role") or None
        )
    except (InvalidInput, Conflict) as error:
        flash(_("This could not be started: %(reason)s", reason=error.message), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    db.commit()
    if outcome.incident is not None:
        flash(_("The process stopped on an error; the supervisor can see it in the instance list."), "error")
        return redirect(url_for("cases.show", case_id=case.id))
    first = db.scalar(
        select(HumanTask.id)
        .where(HumanTask.instance_id == outcome.instance.id, HumanTask.state == TaskState.OPEN)
        .order_by(HumanTask.id)
        .limit(1)
    )
    return redirect(f"/tasks/{first}" if first else url_for("cases.show", case_id=case.id), 303)


def _records_consents(actor: User, case: Case) -> bool:
    """The case manager, or a supervisor of the case's office, records a withdrawn consent."""
    return actor.id == case.case_manager_id or (actor.has_role(Role.SUPERVISOR) and actor.office_id == case.office_id)


@bp.route("/cases/<int:case_id>/consents/<int:consent_id>/withdraw", methods=["POST"])
@login_required
def withdraw_consent(case_id: int, consent_id: int) -> Response:
    """The case manager records that the person withdrew a consent (from today)."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    try:
        consent = record_consent_withdrawal(db, actor, consent_id)
    except NotFound:
        abort(404)
    except (Conflict, InvalidInput) as error:
        flash(_("The withdrawal could not be recorded: %(reason)s", reason=error.message), "error")
        return redirect(url_for("cases.show", case_id=case.id) + "#sec-consent", 303)
    if consent.case_id != case.id:
        db.rollback()
        abort(404)
    db.commit()
    flash(_("The withdrawal of the consent is recorded."), "success")
    return redirect(url_for("cases.show", case_id=case_id) + "#sec-consent", 303)


@bp.route("/cases/<int:case_id>/records/<kind>/<int:record_id>")
@login_required
def record_card(case_id: int, kind: str, record_id: int) -> str:
    """One record of the case (a request with its decisions, an assessment…) as it was recorded."""
    db = get_db()
    actor = _actor()
    case = get_case(db, actor, case_id)
    try:
        shown = shown_card(db, actor, kind, record_id, str(get_locale()))
    except NotFound:
        abort(404)
    if shown is None or shown.card.case_id != case.id:
        abort(404)
    audit_view(db, actor, "record", case_id=case.id, record_kind=kind, record_id=record_id)
    db.commit()
    case = get_case(db, actor, case_id)
    return render_template("cases/record.html", case=case, shown=shown, names=_user_names(shown.user_ids))


@bp.route("/cases/<int:case_id>/instances/<int:instance_id>/diagram")
@login_required
def diagram(case_id: int, instance_id: int) -> Response:
    """The BPMN of the instance's version and each element's state, for the viewer."""
    db = get_db()
    case = get_case(db, _actor(), case_id)
    instance = db.get(ProcessInstance, instance_id)
    if instance is None or instance.case_id != case.id:
        abort(404)
    process_id = request.args.get("process") or instance.process_id
    xml = process_xml(db, instance, process_id)
    if xml is None:
        abort(404)
    if str(get_locale()) == "en":
        xml = with_english_names(xml)
    response = jsonify(
        {
            "instance_id": instance.id,
            "process_id": process_id,
            "version": instance.definition.version,
            "xml": xml.decode("utf-8"),
            "states": element_states(db, instance, process_id),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
