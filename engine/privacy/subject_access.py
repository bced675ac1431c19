"""The subject-access export (art. 15 GDPR): a ZIP with everything held about one person.

``records/<area>.json`` for every collector (``engine.privacy.collectors``), ``access_log.json`` with who saw or
changed their file, and ``summary.pdf``: a readable summary in Polish and English (HTML rendered by WeasyPrint).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.documents import storage
from engine.errors import NotFound
from engine.privacy.collectors import COLLECTORS, Rows, Scope

TEMPLATES = Path(__file__).parent / "templates"


def may_export(actor: User, case: Case) -> bool:
    """The case manager, or a supervisor of the case's office."""
    supervisor = actor.has_role(Role.SUPERVISOR) and actor.office_id == case.office_id
    return actor.id == case.case_manager_id or supervisor


@dataclass(frozen=True)
class SubjectAccessExport:
    filename: str
    content: bytes
    areas: dict[str, Rows]


def collect(session: Session, beneficiary_id: int) -> dict[str, Rows]:
    """Every collector's rows for the person and all their cases."""
    case_ids = tuple(session.scalars(select(Case.id).where(Case.beneficiary_id == beneficiary_id).order_by(Case.id)))
    scope = Scope(beneficiary_id, case_ids)
    return {c.area: c.collect(session, scope) for c in COLLECTORS}


def export_subject_access(
    session: Session, actor: User, case_id: int, documents_folder: Path | None = None
) -> SubjectAccessExport:
    """Build the person's export from one of their cases; audited. NotFound for anyone but the case manager or a
    supervisor of the office. With ``documents_folder``, the uploaded scans go in under ``documents/``."""
    case = session.get(Case, case_id)
    if case is None or not case.can_view(actor) or not may_export(actor, case):
        raise NotFound(f"no case {case_id}")
    areas = collect(session, case.beneficiary_id)
    now = utcnow()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        manifest = {
            "beneficiary_id": case.beneficiary_id,
            "case_ids": [row["id"] for row in areas["cases"]["cases"]],
            "produced_at": now.isoformat(),
            "produced_by_id": actor.id,
            "areas": {area: {t: len(r) for t, r in tables.items()} for area, tables in areas.items()},
        }
        archive.writestr("manifest.json", _json(manifest))
        for area, tables in areas.items():
            if area == "access_log":
                continue
            archive.writestr(f"records/{area}.json", _json(tables))
        archive.writestr("access_log.json", _json(areas["access_log"]["audit_events"]))
        archive.writestr("summary.pdf", summary_pdf(session, areas, now))
        if documents_folder is not None:
            _add_scans(archive, documents_folder, areas["documents"]["case_documents"])
    record(
        session,
        "case.subject_access_exported",
        actor=actor,
        case_id=case.id,
        office_id=case.office_id,
        beneficiary_id=case.beneficiary_id,
    )
    filename = f"subject-access-{case.number.replace('/', '-')}-{now:%Y%m%d}.zip"
    return SubjectAccessExport(filename, buffer.getvalue(), areas)


def _add_scans(archive: zipfile.ZipFile, folder: Path, documents: list[dict[str, Any]]) -> None:
    """The scanned documents themselves, named by their record id, kind and type (never the uploader's file name)."""
    for row in documents:
        try:
            data = storage.path_of(folder, row["stored_name"]).read_bytes()
        except (OSError, ValueError):
            continue  # a file lost from the folder: its record in records/documents.json still says it existed
        extension = storage.EXTENSIONS.get(row["content_type"], "bin")
        archive.writestr(f"documents/{row['id']}-{row['kind']}.{extension}", data)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def summary_html(session: Session, areas: dict[str, Rows], now: datetime) -> str:
    users = _user_names(session, areas)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    person = areas["person"]["beneficiaries"][0]
    return env.get_template("subject_access.html").render(
        person=person,
        areas=areas,
        now=now,
        users=users,
        counts={area: sum(len(r) for r in tables.values()) for area, tables in areas.items()},
    )


def summary_pdf(session: Session, areas: dict[str, Rows], now: datetime) -> bytes:
    from weasyprint import HTML  # heavy: loaded only when an export is made

    pdf = HTML(string=summary_html(session, areas, now)).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def _user_names(session: Session, areas: dict[str, Rows]) -> dict[int, str]:
    wanted = {row["actor_id"] for row in areas["access_log"]["audit_events"] if row.get("actor_id")}
    if not wanted:
        return {}
    found = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all()
    return {user_id: name for user_id, name in found}
