"""Process definitions: what is deployed, deploy new versions, list a process's versions."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from engine.accounts.roles import Role
from engine.definitions.models import ProcessDefinition
from engine.definitions.service import deploy
from engine.definitions.validation import SourceFile
from engine.errors import Forbidden, NotFound
from web.api import bp, serialize
from web.api.auth import current_actor
from web.api.pagination import paginate
from web.api.problems import invalid
from web.bodies import large_body
from web.db import get_db

MAX_FILES = 50
MAX_FILE_BYTES = 5 * 1024 * 1024


def _without_spec() -> Any:
    return select(ProcessDefinition).options(defer(ProcessDefinition.spec), defer(ProcessDefinition.summary))


@bp.get("/process-definitions")
def list_definitions() -> dict[str, Any]:
    current_actor()
    newest = (
        select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.process_id)
        .subquery()
    )
    stmt = (
        _without_spec()
        .join(
            newest,
            (ProcessDefinition.process_id == newest.c.process_id) & (ProcessDefinition.version == newest.c.version),
        )
        .order_by(ProcessDefinition.process_id)
    )
    return paginate(get_db(), stmt, serialize.definition)


@bp.get("/process-definitions/<string(maxlength=100):process_id>/versions")
def list_versions(process_id: str) -> dict[str, Any]:
    current_actor()
    db = get_db()
    if "\x00" in process_id or (
        db.scalar(select(ProcessDefinition.id).where(ProcessDefinition.process_id == process_id).limit(1)) is None
    ):
        raise NotFound(f"process {process_id!r} is not deployed")
    stmt = _without_spec().where(ProcessDefinition.process_id == process_id).order_by(ProcessDefinition.version.desc())
    return paginate(db, stmt, serialize.definition)


def _uploaded_files() -> list[SourceFile]:
    uploads = request.files.getlist("files")
    if not uploads:
        raise invalid({"files": "upload one or more .bpmn or .dmn files in the multipart field 'files'"})
    if len(uploads) > MAX_FILES:
        raise invalid({"files": f"at most {MAX_FILES} files at once"})
    files = []
    for index, upload in enumerate(uploads):
        name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not name.lower().endswith((".bpmn", ".dmn")) or len(name) > 200 or "\x00" in name:
            raise invalid({f"files[{index}]": "name the file *.bpmn or *.dmn (at most 200 characters)"})
        content = upload.stream.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise invalid({f"files[{index}]": f"a file may hold at most {MAX_FILE_BYTES // (1024 * 1024)} MB"})
        files.append(SourceFile(name=name, content=content))
    if len({source.name for source in files}) != len(files):
        raise invalid({"files": "two files have the same name"})
    return files


@bp.post("/process-definitions")
@large_body
def deploy_definitions() -> tuple[dict[str, Any], int]:
    actor = current_actor()
    if not actor.has_role(Role.PROCESS_OWNER, Role.ADMIN, Role.NATIONAL_ADMIN):
        # Before the upload is parsed: nobody else's files are read at all.
        raise Forbidden("only process owners and administrators deploy process definitions")
    files = _uploaded_files()
    db = get_db()
    result = deploy(db, actor, files, source="api")
    db.commit()
    body = {
        "report": result.report.to_dict(),
        "definitions": [serialize.definition(item) for item in result.definitions],
        "new_versions": [serialize.definition(item) for item in result.new_versions],
    }
    return body, 201 if result.new_versions else 200
