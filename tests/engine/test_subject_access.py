"""The subject-access export: every record of the person, no one else's, and a readable PDF; rectification."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from engine import clock
from engine.audit.models import AuditEvent
from engine.db import Base
from engine.errors import InvalidInput, NotFound
from engine.people.models import BeneficiaryCorrection
from engine.privacy.collectors import EXCLUDED, covered_tables
from engine.privacy.rectification import rectify_beneficiary
from engine.privacy.subject_access import export_subject_access
from forms.registry import FormRegistry, use_registry
from tests import factories
from tests.engine.privacy_world import FIRST, SECOND, START, build_world


def test_every_table_about_a_case_or_person_is_exported_or_excluded_with_a_reason() -> None:
    import engine.models  # noqa: F401  (the whole metadata)

    about_people = {
        name
        for name, table in Base.metadata.tables.items()
        if {"case_id", "beneficiary_id"} & set(table.c.keys()) or name in ("beneficiaries", "cases")
    }
    assert about_people - covered_tables() - set(EXCLUDED) == set()
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert not covered_tables() & set(EXCLUDED)


@pytest.fixture
def world(db_session):
    previous = use_registry(FormRegistry())
    try:
        with clock.frozen_clock(START) as frozen:
            yield build_world(db_session, frozen, occurrences=False)
    finally:
        use_registry(previous)


def _zip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_export_of_a_walked_case_holds_every_record_and_nobody_else(world) -> None:
    session = world.session
    first, second = world.cases["first"], world.cases["second"]
    export = export_subject_access(session, world.staff.case_manager, first.id)
    files = _zip(export.content)
    assert {"manifest.json", "access_log.json", "summary.pdf"} <= set(files)
    records = {
        name.removeprefix("records/").removesuffix(".json"): json.loads(body)
        for name, body in files.items()
        if name.startswith("records/")
    }
    exported = {table: rows for tables in records.values() for table, rows in tables.items()}
    exported["audit_events"] = json.loads(files["access_log.json"])
    # Every row of every table with a case column for this case is in the export.
    for name, table in Base.metadata.tables.items():
        if "case_id" in table.c and name not in EXCLUDED:
            held = session.scalar(select(func.count()).select_from(table).where(table.c.case_id == first.id))
            if name == "audit_events":
                held -= 1  # the export's own audit row is written after the export is built
            assert len([r for r in exported[name] if r["case_id"] == first.id]) == held, name
            assert all(r["case_id"] == first.id for r in exported[name]), name
    for table in (
        "household_members",
        "identity_documents",
        "consents",
        "assessments",
        "assessment_details",
        "plan_versions",
        "plan_goals",
        "plan_actions",
        "human_tasks",
        "audit_events",
    ):
        assert exported[table], table
    assert [row["id"] for row in exported["beneficiaries"]] == [first.beneficiary_id]
    text = b"".join(files.values()).decode("utf-8", errors="replace")
    for value in FIRST.given, FIRST.family, FIRST.document, FIRST.marker:
        assert value in text
    for value in (*SECOND.strings, second.number):
        assert value not in text, value
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(files["summary.pdf"])).pages)
    assert FIRST.family in pdf and "Zgody" in pdf and "Consents" in pdf
    assert "beneficiary.registered" in pdf  # who did what with the file
    audit = session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.subject_access_exported")).one()
    assert (audit.case_id, audit.actor_id) == (first.id, world.staff.case_manager.id)
    assert set(audit.details) == {"beneficiary_id"}


def test_the_export_holds_the_persons_scans_and_not_another_persons(world, tmp_path) -> None:
    from engine.documents.service import upload_document

    session = world.session
    first, second = world.cases["first"], world.cases["second"]
    scans = {}
    for case, body in ((first, b"%PDF-1.4 decision for the first person"), (second, b"%PDF-1.4 the second one's")):
        scans[case.id] = upload_document(
            session,
            world.staff.case_manager,
            case,
            kind="decision",
            visibility="general",
            valid_until=None,
            data=body,
            folder=tmp_path,
            max_bytes=4096,
        )
    files = _zip(export_subject_access(session, world.staff.case_manager, first.id, tmp_path).content)
    held = {name: body for name, body in files.items() if name.startswith("documents/")}
    assert held == {f"documents/{scans[first.id].id}-decision.pdf": b"%PDF-1.4 decision for the first person"}


def test_only_the_case_manager_and_supervisors_of_the_office_export(world) -> None:
    session = world.session
    first = world.cases["first"]
    psychologist = world.staff.by_role["psychologist"]  # a member of the case, but not its manager
    assert first.can_view(psychologist)
    with pytest.raises(NotFound):
        export_subject_access(session, psychologist, first.id)
    elsewhere = factories.user(session, "supervisor", office_code="WAW", username="privacy-sup-waw")
    with pytest.raises(NotFound):
        export_subject_access(session, elsewhere, first.id)
    export_subject_access(session, world.staff.supervisor, first.id)


def test_rectification_keeps_the_history(world) -> None:
    session = world.session
    first = world.cases["first"]
    manager = world.staff.case_manager
    with pytest.raises(InvalidInput):
        rectify_beneficiary(session, manager, first.id, {"family_name_latin": "Quelbrook"}, "")
    with pytest.raises(InvalidInput) as refused:
        rectify_beneficiary(session, manager, first.id, {"pesel": "123"}, "typo")
    assert "pesel" in refused.value.fields
    rectify_beneficiary(
        session, manager, first.id, {"family_name_latin": "Quelbrook", "date_of_birth": "1990-03-05"}, "Passport"
    )
    rows = session.scalars(select(BeneficiaryCorrection).order_by(BeneficiaryCorrection.id)).all()
    assert [(r.field, r.old_value, r.new_value, r.corrected_by_id) for r in rows] == [
        ("family_name_latin", FIRST.family, "Quelbrook", manager.id),
        ("date_of_birth", "1990-03-04", "1990-03-05", manager.id),
    ]
    assert first.beneficiary.family_name_latin == "Quelbrook"
    event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "beneficiary.rectified")).one()
    assert event.details["fields"] == ["family_name_latin", "date_of_birth"]
    assert "Quelbrook" not in json.dumps(event.details)
