"""The README's PostgreSQL backup and restore (pg_dump, pg_restore --clean) round-trips our schema."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine import migrate
from tests.conftest import PG_URL, create_pg_database, pg_database_name

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set IPD_TEST_DATABASE_URL")


def _libpq(url: str) -> list[str]:
    parsed = make_url(url)
    return [
        "--host", parsed.host or "127.0.0.1", "--port", str(parsed.port or 5432),
        "--username", parsed.username or "postgres", "--dbname", parsed.database or "",
    ]  # fmt: skip


def test_pg_dump_and_pg_restore_as_the_readme_says(tmp_path):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore are not installed")
    url = create_pg_database(pg_database_name("backup"))
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO offices (code, name, created_at) VALUES ('KRK', 'Kraków', now())"))
    dump = tmp_path / "ipd.dump"
    with dump.open("wb") as out:
        subprocess.run(["pg_dump", *_libpq(url), "--format=custom"], stdout=out, check=True, timeout=120)
    with engine.begin() as conn:  # what happened after the backup is undone by the restore
        conn.execute(text("DELETE FROM offices"))
        conn.execute(text("INSERT INTO offices (code, name, created_at) VALUES ('WAW', 'Warszawa', now())"))
    engine.dispose()
    with dump.open("rb") as source:
        subprocess.run(["pg_restore", *_libpq(url), "--clean", "--if-exists"], stdin=source, check=True, timeout=120)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM offices")).scalars().all() == ["KRK"]
    engine.dispose()
    migrate.check(url)  # the restored schema is the one the models expect
