"""The rights lookup evaluates the intake's decision table."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from engine import rights
from engine.spiff.decisions import DecisionError, evaluate_decision


@pytest.mark.parametrize(
    ("status", "assistance", "ipi", "referral", "eligible"),
    [
        ("refugee", "full", True, "PCPR", True),
        ("applicant", "none", False, "UdSC", False),
        ("trafficking_victim", "limited", False, "KCIK", True),
        ("temporary_protection", "reduced", False, "MOPS", True),
        ("other", "none", False, "NGO", False),
    ],
)
def test_rights_by_status(status: str, assistance: str, ipi: bool, referral: str, eligible: bool) -> None:
    found = rights.rights_for(status)
    assert (found.social_assistance, found.statutory_ipi, found.referral) == (assistance, ipi, referral)
    assert found.eligible_for_programme is eligible
    assert found.rights_note


def test_every_listed_status_has_a_row() -> None:
    for status in rights.LEGAL_STATUSES:
        assert rights.rights_for(status).legal_status == status


def test_refugee_deadline_is_sixty_days() -> None:
    assert rights.rights_for("refugee").ipi_deadline_days == 60
    assert rights.rights_for("humanitarian_stay").ipi_deadline_days is None


def test_unknown_status_raises() -> None:
    with pytest.raises(DecisionError):
        rights.rights_for("astronaut")


def test_evaluate_decision_from_bytes_and_missing_decision() -> None:
    content = rights.DECISION_FILE.read_bytes()
    assert evaluate_decision(content, "legal_status_rights", {"legal_status": "refugee"})["referral"] == "PCPR"
    with pytest.raises(DecisionError):
        evaluate_decision(content, "no_such_decision", {})


def test_cache_follows_the_file(tmp_path: Path) -> None:
    copy = tmp_path / "rights.dmn"
    shutil.copy(rights.DECISION_FILE, copy)
    assert rights.rights_for("other", path=copy).referral == "NGO"
    copy.write_text(copy.read_text(encoding="utf-8").replace('"NGO"', '"Caritas"'), encoding="utf-8")
    stat = copy.stat()
    os.utime(copy, (stat.st_atime, stat.st_mtime + 5))
    assert rights.rights_for("other", path=copy).referral == "Caritas"


def _deploy_intake(db_session, table: bytes) -> None:
    """The intake (which calls the decision) deployed with ``table``, as a process owner deploys it."""
    from engine.definitions.service import deploy
    from engine.definitions.validation import SourceFile

    intake = rights.PROJECT_ROOT / "processes" / "intake.bpmn"
    files = [
        SourceFile(name="intake.bpmn", content=intake.read_bytes()),
        SourceFile(name="decisions/legal_status_rights.dmn", content=table),
    ]
    deploy(db_session, None, files)


def test_rights_of_a_beneficiary_come_from_the_legal_status_on_their_row(db_session) -> None:
    from datetime import date
    from types import SimpleNamespace

    with pytest.raises(DecisionError, match="not deployed"):
        rights.rights_of(db_session, SimpleNamespace(legal_status="refugee"))
    _deploy_intake(db_session, rights.DECISION_FILE.read_bytes())
    refugee = SimpleNamespace(legal_status="refugee", legal_status_decision_date=date(2025, 12, 20))
    found = rights.rights_of(db_session, refugee)
    assert found is not None and found.referral == "PCPR"
    assert rights.ipi_apply_by(refugee, found) == date(2026, 2, 18)
    undated = SimpleNamespace(legal_status="refugee", legal_status_decision_date=None)
    assert rights.ipi_apply_by(undated, found) is None
    assert rights.rights_of(db_session, SimpleNamespace(legal_status=None)) is None
    assert rights.rights_of(db_session, SimpleNamespace(legal_status="astronaut")) is None


def test_the_lookup_follows_the_deployed_table_not_the_file_on_disk(db_session) -> None:
    original = rights.DECISION_FILE.read_bytes()
    _deploy_intake(db_session, original)
    assert rights.rights_for("other", session=db_session).referral == "NGO"
    _deploy_intake(db_session, original.replace(b'"NGO"', b'"MOPS"'))
    assert rights.rights_for("other", session=db_session).referral == "MOPS"
    assert rights.rights_for("other").referral == "NGO"  # the file on disk is unchanged
