"""The editor's JSON calls: drafts, Validate, Deploy, and the live preview of a task's form."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request
from flask_babel import force_locale

from engine.definitions.service import InvalidDefinition, deploy, validate
from forms.registry import FormNotFound, current_registry
from forms.render import build_fields, localized
from web.bodies import large_body
from web.db import get_db
from web.security import roles_required
from web.studio import bp
from web.studio.finding_texts import finding_dict
from web.studio.library import bundle_with, delete_draft, get_version, load_draft, save_draft
from web.studio.scope import for_files
from web.studio.views import OWNER_ROLES, _checked_id, actor, instance_path

MAX_DIAGRAM_BYTES = 5_000_000


def _posted_xml() -> bytes:
    try:
        payload = request.get_json(silent=True) or {}
    except RecursionError:  # silent=True covers malformed JSON, not JSON nested past the interpreter's limit
        payload = {}
    xml = payload.get("xml") if isinstance(payload, dict) else None
    if not isinstance(xml, str) or not xml.strip():
        return b""
    return xml.encode("utf-8")


def _report(report: Any, file_name: str) -> dict[str, Any]:
    data = for_files(report, [file_name]).to_dict()
    data["findings"] = [finding_dict(finding) for finding in data["findings"]]
    return data | {"file": file_name}


@bp.route("/<process_id>/draft", methods=["GET", "PUT", "DELETE"])
@large_body
@roles_required(*OWNER_ROLES)
def draft(process_id: str) -> Response | tuple[Response, int]:
    user_id = actor().id
    _checked_id(process_id)
    get_version(get_db(), process_id)  # only processes that exist have drafts
    if request.method == "GET":
        xml = load_draft(instance_path(), user_id, process_id)
        if xml is None:
            return jsonify({"xml": None}), 404
        return jsonify({"xml": xml.decode("utf-8", errors="replace")})
    if request.method == "DELETE":
        delete_draft(instance_path(), user_id, process_id)
        return jsonify({"deleted": True})
    xml = _posted_xml()
    if not xml or len(xml) > MAX_DIAGRAM_BYTES:
        return jsonify({"saved": False}), 422
    save_draft(instance_path(), user_id, process_id, xml)
    return jsonify({"saved": True})


@bp.route("/<process_id>/validate", methods=["POST"])
@large_body
@roles_required(*OWNER_ROLES)
def validate_diagram(process_id: str) -> Response:
    """The engine's validation report for the edited diagram inside the current library."""
    db = get_db()
    definition = get_version(db, _checked_id(process_id))
    report = validate(bundle_with(db, {definition.bpmn_file: _posted_xml()}))
    return jsonify(_report(report, definition.bpmn_file))


@bp.route("/<process_id>/deploy", methods=["POST"])
@large_body
@roles_required(*OWNER_ROLES)
def deploy_diagram(process_id: str) -> Response | tuple[Response, int]:
    """Deploy the edited diagram: the next version when it changed; the report when it cannot be deployed."""
    db = get_db()
    definition = get_version(db, _checked_id(process_id))
    try:
        result = deploy(db, actor(), bundle_with(db, {definition.bpmn_file: _posted_xml()}), source="studio editor")
    except InvalidDefinition as error:
        db.rollback()
        return jsonify(_report(error.report, definition.bpmn_file) | {"deployed": False}), 422
    new_versions = [{"process_id": d.process_id, "version": d.version} for d in result.new_versions]
    db.commit()
    delete_draft(instance_path(), actor().id, process_id)
    current = next((d.version for d in result.definitions if d.process_id == process_id), definition.version)
    return jsonify(
        _report(result.report, definition.bpmn_file)
        | {"deployed": True, "new_versions": new_versions, "version": current}
    )


@bp.route("/forms/preview")
@roles_required(*OWNER_ROLES)
def form_preview() -> Response | tuple[str, int] | str:
    """A user task's form in Polish and English, read-only, rendered as the task page renders it."""
    key = request.args.get("key", "")
    registry = current_registry()
    template = "studio/_preview.html" if request.args.get("fragment") == "1" else "studio/form_preview.html"
    try:
        schema = registry.load(key) if key and registry.exists(key) else None
    except (FormNotFound, ValueError):
        schema = None
    if schema is None:
        return render_template(template, key=key, previews=None), 404
    previews = []
    for locale in ("pl", "en"):
        with force_locale(locale):
            previews.append(
                {
                    "locale": locale,
                    "title": localized(schema.get("x-label"), locale, key),
                    "html": render_template("studio/_fields_preview.html", fields=build_fields(schema, None, locale)),
                }
            )
    return render_template(template, key=key, previews=previews)
