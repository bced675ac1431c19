"""Decision tables in the studio: the dmn-js editor, Validate and Deploy for one DMN file of the library."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Response, jsonify, make_response, render_template, request

from engine.definitions.service import InvalidDefinition, deploy, validate
from web.bodies import large_body
from web.db import get_db
from web.security import CONTENT_SECURITY_POLICY, roles_required
from web.studio import bp
from web.studio.actions import _posted_xml, _report
from web.studio.library import bundle_with, decision_xml
from web.studio.views import OWNER_ROLES, actor


@bp.route("/decisions/<path:name>/xml")
@roles_required(*OWNER_ROLES)
def decision_download(name: str) -> Response:
    response = Response(decision_xml(get_db(), name), mimetype="application/xml")
    if request.args.get("inline") != "1":
        response.headers["Content-Disposition"] = f'attachment; filename="{PurePosixPath(name).name}"'
    return response


# dmn-js 17 builds its bpmn.io watermark, the watermark's lightbox and a hidden text-measuring helper from HTML
# strings with style attributes, which style-src 'self' blocks (the licence wants the watermark shown as drawn).
# Only this page allows inline styles; scripts stay 'self'.
DMN_EDITOR_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


@bp.route("/decisions/<path:name>/edit")
@roles_required(*OWNER_ROLES)
def decision_edit(name: str) -> Response:
    decision_xml(get_db(), name)  # 404 unless the library holds it
    response = make_response(render_template("studio/decision_edit.html", name=name))
    response.headers["Content-Security-Policy"] = DMN_EDITOR_POLICY
    return response


@bp.route("/decisions/<path:name>/validate", methods=["POST"])
@large_body
@roles_required(*OWNER_ROLES)
def decision_validate(name: str) -> Response:
    db = get_db()
    decision_xml(db, name)
    report = validate(bundle_with(db, {name: _posted_xml()}))
    return jsonify(_report(report, name))


@bp.route("/decisions/<path:name>/deploy", methods=["POST"])
@large_body
@roles_required(*OWNER_ROLES)
def decision_deploy(name: str) -> Response | tuple[Response, int]:
    """Deploy the library with this table changed: every process that calls it gets its next version."""
    db = get_db()
    decision_xml(db, name)
    try:
        result = deploy(db, actor(), bundle_with(db, {name: _posted_xml()}), source="studio decision editor")
    except InvalidDefinition as error:
        db.rollback()
        return jsonify(_report(error.report, name) | {"deployed": False}), 422
    new_versions = [{"process_id": d.process_id, "version": d.version} for d in result.new_versions]
    db.commit()
    return jsonify(_report(result.report, name) | {"deployed": True, "new_versions": new_versions})
