"""Studio pages: the process list with uploads, a version, the editor, a diff and the migration of cases."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.definitions.service import TASK_ROLES, InvalidDefinition, deploy
from engine.definitions.validation import ValidationReport
from engine.errors import Conflict, InvalidInput, NotFound
from engine.instances import migration
from engine.operations.registry import all_operations
from forms.registry import current_registry
from web.bodies import large_body
from web.db import get_db
from web.security import roles_required
from web.studio import bp
from web.studio.library import (
    bundle_with,
    current_library,
    decision_files,
    get_version,
    load_draft,
    process_overview,
    user_tasks,
    valid_process_id,
    version_xml,
)
from web.studio.scope import for_files

OWNER_ROLES = (Role.PROCESS_OWNER, Role.ADMIN, Role.NATIONAL_ADMIN)
UPLOAD_SUFFIXES = (".bpmn", ".dmn")


def actor() -> User:
    user: User = current_user._get_current_object()
    return user


def instance_path() -> Path:
    return Path(current_app.instance_path)


def _checked_id(process_id: str) -> str:
    if not valid_process_id(process_id):
        abort(404)
    return process_id


@bp.route("")
@roles_required(*OWNER_ROLES)
def index() -> str:
    db = get_db()
    return render_template(
        "studio/index.html", processes=process_overview(db), decisions=decision_files(db), report=None
    )


def _refuse_upload(report: ValidationReport | None, message: str) -> tuple[str, int]:
    flash(message, "error")
    db = get_db()
    return render_template(
        "studio/index.html", processes=process_overview(db), decisions=decision_files(db), report=report
    ), 422


@bp.route("/upload", methods=["POST"])
@large_body
@roles_required(*OWNER_ROLES)
def upload() -> Response | tuple[str, int]:
    """Validate and deploy uploaded BPMN/DMN files over the current library; refuse with the findings.

    A body over the limit is answered with the plain 413 page (web/errors.py) before anything is read.
    """
    uploads = request.files.getlist("files")
    chosen = {}
    for item in uploads:
        name = Path(item.filename or "").name
        if not name:
            continue
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            return _refuse_upload(None, _("Only .bpmn and .dmn files can be uploaded. Nothing was changed."))
        chosen[name] = item.read()
    if not chosen:
        return _refuse_upload(None, _("Choose at least one .bpmn or .dmn file."))
    db = get_db()
    # An uploaded file replaces the library file of the same name, wherever that file sits in the library.
    by_base = {Path(name).name: name for name in current_library(db)}
    changed = {by_base.get(name, name): content for name, content in chosen.items()}
    try:
        result = deploy(db, actor(), bundle_with(db, changed), source="studio upload")
    except InvalidDefinition as error:
        db.rollback()
        return _refuse_upload(
            for_files(error.report, changed), _("The files were refused. Nothing was changed. Findings:")
        )
    db.commit()
    if result.new_versions:
        created = ", ".join(f"{d.process_id} v{d.version}" for d in result.new_versions)
        flash(_("Deployed: %(versions)s.", versions=created), "success")
    else:
        flash(_("The files hold no changes; every process keeps its version."), "info")
    return redirect(url_for("studio.index"), code=303)


@bp.route("/<process_id>/v/<int:version>")
@roles_required(*OWNER_ROLES)
def version(process_id: str, version: int) -> str:
    db = get_db()
    definition = get_version(db, _checked_id(process_id), version)
    row = next(r for r in process_overview(db) if r.process_id == process_id)
    tasks = user_tasks(version_xml(db, definition), definition.bpmn_file)
    return render_template("studio/version.html", definition=definition, process=row, tasks=tasks)


@bp.route("/<process_id>/v/<int:version>/xml")
@roles_required(*OWNER_ROLES)
def download(process_id: str, version: int) -> Response:
    db = get_db()
    definition = get_version(db, _checked_id(process_id), version)
    response = Response(version_xml(db, definition), mimetype="application/xml")
    if request.args.get("inline") != "1":
        response.headers["Content-Disposition"] = f'attachment; filename="{process_id}-v{version}.bpmn"'
    return response


@bp.route("/<process_id>/edit")
@roles_required(*OWNER_ROLES)
def edit(process_id: str) -> str:
    db = get_db()
    wanted = request.args.get("version", type=int)
    definition = get_version(db, _checked_id(process_id), wanted)
    has_draft = load_draft(instance_path(), actor().id, process_id) is not None
    return render_template(
        "studio/edit.html",
        definition=definition,
        roles=sorted(str(role) for role in TASK_ROLES),
        form_keys=sorted(current_registry().keys()),
        operations=[
            {"name": op.name, "kind": str(op.kind), "summary": op.summary, "fields": sorted(op.fields)}
            for op in all_operations()
        ],
        has_draft=has_draft,
    )


@bp.route("/<process_id>/diff")
@roles_required(*OWNER_ROLES)
def diff(process_id: str) -> str:
    db = get_db()
    latest = get_version(db, _checked_id(process_id))
    a = request.args.get("a", type=int) or max(latest.version - 1, 1)
    b = request.args.get("b", type=int) or latest.version
    old, new = get_version(db, process_id, a), get_version(db, process_id, b)
    changes = migration.diff_versions(db, actor(), process_id, a, b)
    row = next(r for r in process_overview(db) if r.process_id == process_id)
    return render_template("studio/diff.html", process=row, old=old, new=new, changes=changes)


@bp.route("/<process_id>/migrate", methods=["GET", "POST"])
@roles_required(*OWNER_ROLES)
def migrate(process_id: str) -> Response | str:
    db = get_db()
    latest = get_version(db, _checked_id(process_id))
    target = request.values.get("to", type=int) or latest.version
    get_version(db, process_id, target)
    if request.method == "POST":
        chosen = [int(value) for value in request.form.getlist("instance") if value.isdigit()]
        if not chosen:
            flash(_("Choose at least one case to move."), "error")
            return redirect(url_for("studio.migrate", process_id=process_id, to=target), code=303)
        moved, refused = 0, []
        for instance_id in chosen:
            try:
                with db.begin_nested():
                    migration.migrate_instance(db, actor(), instance_id, target)
                moved += 1
            except (Conflict, InvalidInput, NotFound) as error:
                refused.append(f"#{instance_id}: {error.message}")
        db.commit()
        if moved:
            flash(_("%(n)s instance(s) moved to version %(v)s.", n=moved, v=target), "success")
        for message in refused:
            flash(_("Not moved: %(reason)s", reason=message), "error")
        return redirect(url_for("studio.migrate", process_id=process_id, to=target), code=303)
    verdicts = migration.dry_run(db, actor(), process_id, target)
    row = next(r for r in process_overview(db) if r.process_id == process_id)
    return render_template("studio/migrate.html", process=row, target=target, verdicts=verdicts)
