"""Upload, list and download the scanned documents of a case; every upload and download is audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.categories import Category
from engine.access.policy import may_read
from engine.accounts.models import User
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.documents import storage
from engine.documents.models import CaseDocument, DocumentKind, Visibility
from engine.errors import InvalidInput, NotFound

KINDS = tuple(kind.value for kind in DocumentKind)
VISIBILITIES = tuple(v.value for v in Visibility)


@dataclass(frozen=True)
class Download:
    document: CaseDocument
    path: Path
    extension: str


def _may_see(actor: User, document: CaseDocument, case: Case) -> bool:
    """A special-category scan (health) only for that category's readers (engine.access.categories)."""
    return document.visibility == Visibility.GENERAL or may_read(actor, Category.HEALTH, case)


def upload_document(
    session: Session,
    actor: User,
    case: Case,
    *,
    kind: str,
    visibility: str,
    valid_until: date | None,
    data: bytes,
    folder: Path,
    max_bytes: int,
) -> CaseDocument:
    """Keep a scanned document of ``case``; the caller has checked that the actor may see the case."""
    problems = {}
    if kind not in KINDS:
        problems["kind"] = f"one of {', '.join(KINDS)}"
    if visibility not in VISIBILITIES:
        problems["visibility"] = f"one of {', '.join(VISIBILITIES)}"
    elif visibility == Visibility.SPECIAL and not may_read(actor, Category.HEALTH, case):
        problems["visibility"] = "you may not file special-category documents"
    content_type = storage.sniff(data)
    if not data:
        problems["file"] = "the file is empty"
    elif len(data) > max_bytes:
        problems["file"] = f"the file is larger than {max_bytes // (1024 * 1024) or 1} MB"
    elif content_type is None:
        problems["file"] = "only PDF, JPEG or PNG files are accepted (checked from the file's contents)"
    if problems:
        raise InvalidInput("the document cannot be kept", problems)
    assert content_type is not None
    name = storage.store(folder, data)
    document = CaseDocument(
        case_id=case.id,
        kind=kind,
        visibility=visibility,
        valid_until=valid_until,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        stored_name=name,
        uploaded_by_id=actor.id,
        uploaded_at=utcnow(),
    )
    session.add(document)
    try:
        session.flush()
    except Exception:
        storage.discard(folder, name)
        raise
    record(
        session,
        "document.uploaded",
        actor=actor,
        case_id=case.id,
        document_id=document.id,
        document_kind=kind,
        visibility=visibility,
        size_bytes=len(data),
    )
    return document


def list_documents(session: Session, actor: User, case: Case) -> list[CaseDocument]:
    """The documents of ``case`` the actor may see, newest first."""
    rows = session.scalars(
        select(CaseDocument)
        .where(CaseDocument.case_id == case.id)
        .order_by(CaseDocument.uploaded_at.desc(), CaseDocument.id.desc())
    )
    return [row for row in rows if _may_see(actor, row, case)]


def download_document(session: Session, actor: User, case: Case, document_id: int, folder: Path) -> Download:
    """The file of one document of ``case``, its download audited; NotFound for what the actor may not see."""
    document = session.get(CaseDocument, document_id)
    if document is None or document.case_id != case.id or not _may_see(actor, document, case):
        raise NotFound(f"no document {document_id}")
    path = storage.path_of(folder, document.stored_name)
    if not path.is_file():
        raise NotFound(f"the file of document {document_id} is missing")
    record(
        session,
        "document.downloaded",
        actor=actor,
        case_id=case.id,
        document_id=document.id,
        document_kind=document.kind,
    )
    return Download(document, path, storage.EXTENSIONS.get(document.content_type, "bin"))
