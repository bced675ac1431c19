"""The audit log is a hash chain: appends link up, edits and removals are found, the database refuses changes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from engine import migrate
from engine.audit.chain import GENESIS, verify_chain
from engine.audit.models import AuditEvent
from engine.audit.service import MAX_DETAIL_TEXT, FreeTextInAudit, record, use_strict_details
from engine.db import make_engine
from tests.conftest import PG_URL, create_pg_database, pg_database_name


def _three_events(session: Session) -> list[AuditEvent]:
    events = [
        record(session, "test.first", actor_name="tester", case_id=7, field="family_name"),
        record(session, "test.second", actor_name="tester", purpose="court request", ids=[1, 2]),
        record(session, "test.third", actor_name="tester", instance_id=3),
    ]
    session.commit()
    return events


def _disable_guard(session: Session, backend: str) -> None:
    """What an intruder with the database owner's rights does first; undone when the test's transaction ends."""
    if backend == "postgresql":
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_committed_events_are_linked_in_order(db_session):
    first, second, third = _three_events(db_session)
    assert (first.seq, second.seq, third.seq) == (first.seq, first.seq + 1, first.seq + 2)
    assert second.prev_hash == first.row_hash and third.prev_hash == second.row_hash
    assert second.purpose == "court request"
    verdict = verify_chain(db_session)
    assert verdict.ok and verdict.checked == db_session.scalar(select(func.count()).select_from(AuditEvent))


def test_the_first_event_follows_the_genesis_hash(db_session):
    _three_events(db_session)
    first = db_session.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
    assert first is not None and first.prev_hash == GENESIS


def test_an_event_rolled_back_with_its_savepoint_takes_no_place(db_session):
    kept = record(db_session, "test.kept", actor_name="tester")
    with pytest.raises(RuntimeError), db_session.begin_nested():
        record(db_session, "test.dropped", actor_name="tester")
        db_session.flush()
        raise RuntimeError("undo")
    db_session.commit()
    assert kept.seq is not None
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "test.dropped")) is None
    assert verify_chain(db_session).ok


def test_an_edited_row_is_named(db_session, backend):
    first, second, third = _three_events(db_session)
    _disable_guard(db_session, backend)
    db_session.execute(text("UPDATE audit_events SET actor_name = 'someone-else' WHERE id = :id"), {"id": second.id})
    verdict = verify_chain(db_session)
    assert verdict.broken is not None
    assert (verdict.broken.event_id, verdict.broken.seq) == (second.id, second.seq)
    assert verdict.broken.occurred_at == second.occurred_at
    assert "contents" in verdict.broken.reason
    assert verdict.checked == second.seq - 1


def test_a_rehashed_row_breaks_the_next_link(db_session, backend):
    first, second, third = _three_events(db_session)
    _disable_guard(db_session, backend)
    db_session.execute(text("UPDATE audit_events SET row_hash = :h WHERE id = :id"), {"h": "f" * 64, "id": first.id})
    verdict = verify_chain(db_session)
    assert verdict.broken is not None and verdict.broken.event_id == first.id


def test_a_removed_row_is_found(db_session, backend):
    first, second, third = _three_events(db_session)
    _disable_guard(db_session, backend)
    db_session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": second.id})
    verdict = verify_chain(db_session)
    assert verdict.broken is not None and verdict.broken.event_id == third.id
    assert "missing" in verdict.broken.reason


def test_a_row_slipped_in_without_a_link_is_found(db_session):
    _three_events(db_session)
    db_session.execute(
        text("INSERT INTO audit_events (occurred_at, kind, details) VALUES (CURRENT_TIMESTAMP, 'forged', '{}')")
    )
    verdict = verify_chain(db_session)
    assert verdict.broken is not None and verdict.broken.seq is None
    assert "no place" in verdict.broken.reason


def test_the_database_refuses_changes_to_linked_rows(db_session):
    first, *_ = _three_events(db_session)
    for statement in (
        "UPDATE audit_events SET kind = 'x' WHERE id = :id",
        "UPDATE audit_events SET row_hash = NULL WHERE id = :id",
        "UPDATE audit_events SET seq = 999999 WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(text(statement), {"id": first.id})


def test_linking_an_unlinked_row_cannot_change_its_contents(db_session):
    event = record(db_session, "test.pending", actor_name="tester")
    db_session.flush()  # written, not linked yet: the transaction has not committed
    assert event.row_hash is None
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(
            text("UPDATE audit_events SET kind = 'other', row_hash = :h WHERE id = :id"),
            {"h": "a" * 64, "id": event.id},
        )
    db_session.commit()
    assert event.row_hash is not None and verify_chain(db_session).ok


def test_delete_without_where_is_refused(db_session):
    _three_events(db_session)
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text("DELETE FROM audit_events"))
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) >= 3


def test_truncate_is_refused_on_postgresql(db_session, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused above")
    _three_events(db_session)
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text("TRUNCATE audit_events"))
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) >= 3


def test_free_text_in_details_is_refused(db_session):
    note = "Pacjentka zgłasza " + "objawy " * 20
    with pytest.raises(FreeTextInAudit, match=r"details\.note"):
        record(db_session, "test.leak", actor_name="tester", note=note)
    with pytest.raises(FreeTextInAudit, match=r"details\.fields\[1\]"):
        record(db_session, "test.leak", actor_name="tester", fields=["ok", note])
    short = record(db_session, "test.fine", actor_name="tester", field="x" * MAX_DETAIL_TEXT)
    assert short.details == {"field": "x" * MAX_DETAIL_TEXT}


def test_outside_strict_mode_free_text_is_dropped_not_kept(db_session):
    use_strict_details(False)
    try:
        event = record(db_session, "test.leak", actor_name="tester", note="PTSD " * 40)
    finally:
        use_strict_details(True)
    assert event.details == {"note": "[text removed: 200 characters]"}


@pytest.fixture
def own_pg_database() -> str:
    if not PG_URL:
        pytest.skip("IPD_TEST_DATABASE_URL not set")
    url = create_pg_database(pg_database_name("audit_chain"))
    migrate.upgrade(url)
    return url


def test_concurrent_appends_keep_the_chain_on_postgresql(own_pg_database):
    """Two sessions commit their events at the same moment, round after round: the chain stays one line."""
    engine = make_engine(own_pg_database)
    rounds, writers = 15, 2
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(name: str) -> None:
        try:
            for number in range(rounds):
                with Session(engine) as session:
                    record(session, "test.concurrent", actor_name=name, round=number)
                    record(session, "test.concurrent", actor_name=name, round=number, second=True)
                    session.flush()  # both transactions hold unlinked rows
                    barrier.wait(timeout=30)
                    session.commit()  # and link them at once
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(f"writer-{n}",)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    with Session(engine) as session:
        verdict = verify_chain(session)
        seqs = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
    engine.dispose()
    assert verdict.ok, verdict.broken
    assert verdict.checked == rounds * writers * 2
    assert seqs == list(range(1, rounds * writers * 2 + 1))


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_the_migration_links_the_rows_already_in_the_log(tmp_path, backend_name):
    if backend_name == "sqlite":
        url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    elif PG_URL:
        url = create_pg_database(pg_database_name("audit_backfill"))
    else:
        pytest.skip("IPD_TEST_DATABASE_URL not set")
    migrate.upgrade(url, "0004")
    engine = make_engine(url)
    with engine.begin() as conn:
        for kind, details in (("case.opened", '{"number": "LUB/1"}'), ("case.viewed", "{}"), ("auth.login", "{}")):
            conn.execute(
                text(
                    "INSERT INTO audit_events (occurred_at, kind, actor_name, case_id, details) "
                    "VALUES (CURRENT_TIMESTAMP, :kind, 'anna', 3, :details)"
                ),
                {"kind": kind, "details": details},
            )
    migrate.upgrade(url)
    with Session(engine) as session:
        verdict = verify_chain(session)
        linked = list(session.execute(select(AuditEvent.kind, AuditEvent.seq).order_by(AuditEvent.id)))
        record(session, "test.after_upgrade", actor_name="tester")
        session.commit()
        after = verify_chain(session)
    engine.dispose()
    assert verdict.ok and verdict.checked == 3
    assert linked == [("case.opened", 1), ("case.viewed", 2), ("auth.login", 3)]
    assert after.ok and after.checked == 4
