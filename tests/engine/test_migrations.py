"""Migrations build the schema from nothing, and the models do not drift from them."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from engine import migrate
from engine.db import make_engine
from engine.models import metadata
from tests.conftest import PG_URL, create_pg_database, pg_database_name


def _fresh_urls(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    if PG_URL:
        yield "postgresql", create_pg_database(pg_database_name("migration_check"))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_from_empty_and_no_drift(tmp_path, backend):
    urls = dict(_fresh_urls(tmp_path))
    if backend not in urls:
        pytest.skip("IPD_TEST_DATABASE_URL not set")
    url = urls[backend]
    migrate.upgrade(url)
    migrate.check(url)  # raises when autogenerate would find a difference
    engine = make_engine(url)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_audit_log_is_append_only(db_session):
    from engine.audit.service import record

    event = record(db_session, "test.event", actor_name="tester")
    db_session.flush()
    with pytest.raises(Exception, match="append-only"), db_session.begin_nested():
        db_session.execute(text("UPDATE audit_events SET kind = 'x' WHERE id = :id"), {"id": event.id})
    with pytest.raises(Exception, match="append-only"), db_session.begin_nested():
        db_session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event.id})
