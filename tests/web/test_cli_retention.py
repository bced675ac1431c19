"""``ipd retention run [--dry-run]`` and the daily scheduled run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from engine import clock
from engine.audit.models import AuditEvent
from engine.cases.models import Beneficiary, Case
from engine.cases.service import BeneficiaryInput, close_case, open_case
from engine.privacy.retention import ANONYMISED
from tests import factories


def test_dry_run_lists_then_run_anonymises(app, db_session):
    worker = factories.user(db_session, "social_worker", username="ret-sw")
    with clock.frozen_clock(datetime(2012, 3, 1, 9, tzinfo=UTC)):
        old = open_case(db_session, worker, BeneficiaryInput("Halyna", "Oldcase"))
        close_case(db_session, None, old, "moved_away")
    recent = open_case(db_session, worker, BeneficiaryInput("Petro", "Newcase"))
    db_session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"1 case(s) would be anonymised (retention 10 years): {old.id}" in dry.output
    db_session.expire_all()
    assert db_session.get(Beneficiary, old.beneficiary_id).family_name_latin == "Oldcase"
    done = runner.invoke(args=["retention", "run"])
    assert done.exit_code == 0 and f"1 case(s) anonymised (retention 10 years): {old.id}" in done.output
    db_session.expire_all()
    assert db_session.get(Beneficiary, old.beneficiary_id).family_name_latin == ANONYMISED
    assert db_session.get(Case, recent.id).anonymised_at is None
    kinds = db_session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("retention.%"))).all()
    assert sorted(kinds) == ["retention.dry_run", "retention.run"]


def test_the_scheduler_runs_retention_daily_with_the_configured_years(settings):
    from web.celery_app import TASK_MODULES, beat_schedule

    entry = beat_schedule(replace(settings, retention_years=7))["retention"]
    assert entry["task"] == "engine.privacy.jobs.run_retention"
    assert entry["args"][0] == 7 and entry["args"][1].endswith("documents")
    assert entry["schedule"].days == 1
    assert "engine.privacy.jobs" in TASK_MODULES


def test_the_scheduled_job_anonymises_what_is_due_and_deletes_the_uploaded_files(app, db_session, tmp_path):
    from engine.documents.models import CaseDocument
    from engine.documents.service import upload_document
    from engine.privacy.jobs import run_retention_job

    worker = factories.user(db_session, "social_worker", username="ret-sw2")
    with clock.frozen_clock(datetime(2014, 5, 1, 9, tzinfo=UTC)):
        old = open_case(db_session, worker, BeneficiaryInput("Halyna", "Jobcase"))
        scan = upload_document(
            db_session,
            worker,
            old,
            kind="decision",
            visibility="general",
            valid_until=None,
            data=b"%PDF-1.4 decision of the voivode",
            folder=tmp_path,
            max_bytes=1024,
        )
        close_case(db_session, None, old, "lost_contact")
    db_session.commit()
    stored = tmp_path / scan.stored_name
    assert stored.exists()
    with app.app_context():
        assert run_retention_job.run(10, str(tmp_path)) == [old.id]
    db_session.expire_all()
    assert db_session.get(Beneficiary, old.beneficiary_id).family_name_latin == ANONYMISED
    assert db_session.scalar(select(CaseDocument).where(CaseDocument.case_id == old.id)) is None
    assert not stored.exists()
