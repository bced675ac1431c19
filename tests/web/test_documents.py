"""Documents on the case: kept under random names outside the web root, checked from their bytes, limited in size
before the body is read, downloaded as attachments with an audit event, shown only to those who see the case."""

# ruff: noqa: F811  (pytest fixtures imported from test_cases_pages)
from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases.service import BeneficiaryInput, open_case
from engine.documents.models import CaseDocument
from tests.conftest import create_test_app
from tests.web.test_bodies import post_huge
from tests.web.test_cases_pages import page, staff  # noqa: F401 - fixtures

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def folder(settings) -> Path:  # type: ignore[no-untyped-def]
    return Path(settings.documents_path)


def _upload(client, case_id: int, data: bytes, name: str = "scan.pdf", **form: str):  # type: ignore[no-untyped-def]
    fields = {"kind": "decision", "visibility": "general", "valid_until": "2027-05-31", **form}
    return client.post(
        f"/cases/{case_id}/documents",
        data={**fields, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_list_and_audited_download(client, login, db_session, staff, folder) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko"))
    db_session.commit()
    login(staff["sw"])
    assert _upload(client, case.id, PDF, name="Olena decyzja.pdf").status_code == 303
    document = db_session.scalar(select(CaseDocument).where(CaseDocument.case_id == case.id))
    assert document is not None and document.content_type == "application/pdf" and document.size_bytes == len(PDF)
    stored = folder / document.stored_name
    assert stored.read_bytes() == PDF and stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert "Olena" not in document.stored_name and [p.name for p in folder.iterdir()] == [document.stored_name]
    assert not str(folder).startswith(str(Path(client.application.root_path) / "static"))
    text = page(client.get(f"/cases/{case.id}"))
    assert f'data-document="{document.id}"' in text and "Decyzja" in text
    with client.get(f"/cases/{case.id}/documents/{document.id}") as response:
        assert response.status_code == 200 and response.get_data() == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Olena" not in response.headers["Content-Disposition"]
    kinds = [e.kind for e in db_session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id))]
    assert "document.uploaded" in kinds and "document.downloaded" in kinds
    assert _upload(client, case.id, PNG, name="card.png", kind="residence_card").status_code == 303
    png = db_session.scalar(select(CaseDocument).where(CaseDocument.kind == "residence_card"))
    with client.get(f"/cases/{case.id}/documents/{png.id}") as response:
        assert response.mimetype == "image/png"


def test_a_file_that_is_not_what_it_claims_is_refused(client, login, db_session, staff, folder) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko"))
    db_session.commit()
    login(staff["sw"])
    response = _upload(client, case.id, b"MZ\x90\x00 this is an executable, not a PDF", name="decision.pdf")
    assert response.status_code == 303
    text = page(client.get(f"/cases/{case.id}"))
    assert "Dokument nie został dołączony: Plik: only PDF, JPEG or PNG files are accepted" in text, text[:3000]
    assert db_session.scalar(select(CaseDocument)) is None
    assert not folder.exists() or list(folder.iterdir()) == []


def test_an_upload_over_the_limit_is_refused_with_413_before_it_is_read(  # type: ignore[no-untyped-def]
    login, db_session, staff, settings, connection
) -> None:
    app = create_test_app(settings, IPD_DOCUMENT_MAX_BYTES=2048)
    client = app.test_client()
    case = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko"))
    db_session.commit()
    response = client.post("/login", data={"username": staff["sw"].username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    response, stream = post_huge(client, f"/cases/{case.id}/documents", 1024 * 1024, "multipart/form-data; boundary=x")
    assert response.status_code == 413 and stream.read_bytes == 0
    assert db_session.scalar(select(CaseDocument)) is None


def test_a_stranger_gets_404(client, login, db_session, staff) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko"))
    db_session.commit()
    login(staff["sw"])
    assert _upload(client, case.id, PDF).status_code == 303
    document = db_session.scalar(select(CaseDocument))
    client.post("/logout")
    login(staff["sw2"])  # a social worker of the same office, not on the case
    assert client.get(f"/cases/{case.id}/documents/{document.id}").status_code == 404
    assert _upload(client, case.id, PDF).status_code == 404
    client.post("/logout")
    login(staff["waw"])  # a supervisor of another office
    assert client.get(f"/cases/{case.id}/documents/{document.id}").status_code == 404
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "document.downloaded")) is None


def test_special_category_documents_are_shown_to_psychologists_only(client, login, db_session, staff) -> None:  # type: ignore[no-untyped-def]
    from engine.cases.models import CaseMember

    case = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko"))
    db_session.add(CaseMember(case_id=case.id, user_id=staff["psy"].id, role="psychologist"))
    db_session.commit()
    login(staff["sw"])
    assert _upload(client, case.id, PDF, visibility="special").status_code == 303
    assert db_session.scalar(select(CaseDocument)) is None  # a social worker may not file one
    client.post("/logout")
    login(staff["psy"])
    assert _upload(client, case.id, PDF, visibility="special", kind="other").status_code == 303
    document = db_session.scalar(select(CaseDocument))
    assert document is not None
    with client.get(f"/cases/{case.id}/documents/{document.id}") as response:
        assert response.status_code == 200
    client.post("/logout")
    login(staff["sw"])
    assert f'data-document="{document.id}"' not in page(client.get(f"/cases/{case.id}"))
    assert client.get(f"/cases/{case.id}/documents/{document.id}").status_code == 404
