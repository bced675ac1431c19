"""``ipd audit verify``: OK with the count, or the first broken row and exit code 1."""

from __future__ import annotations

from sqlalchemy import func, select, text

from engine.audit.models import AuditEvent
from engine.audit.service import record


def test_verify_reports_ok_with_the_count(app, db_session):
    record(db_session, "test.one", actor_name="tester")
    record(db_session, "test.two", actor_name="tester")
    db_session.commit()
    total = db_session.scalar(select(func.count()).select_from(AuditEvent))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"OK: {total} audit events" in result.output


def test_verify_names_the_edited_row(app, db_session, backend):
    record(db_session, "test.one", actor_name="tester")
    edited = record(db_session, "test.two", actor_name="tester", case_id=5)
    record(db_session, "test.three", actor_name="tester")
    db_session.commit()
    if backend == "postgresql":
        db_session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        db_session.execute(text("DROP TRIGGER audit_events_no_update"))
    db_session.execute(text("UPDATE audit_events SET case_id = 6 WHERE id = :id"), {"id": edited.id})
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at audit event {edited.id} (position {edited.seq}, {edited.occurred_at.isoformat()})" in (
        result.output
    )
