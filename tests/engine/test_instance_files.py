"""The instance folder holds the database, the broker and the development key: for their owner's eyes only."""

from __future__ import annotations

import sqlite3
import stat

from engine.config import Settings


def mode(path) -> int:  # type: ignore[no-untyped-def]
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_files_and_the_key_are_created_private(tmp_path):
    settings = Settings.from_env({"IPD_ENV": "development", "IPD_INSTANCE_PATH": str(tmp_path / "instance")})
    folder = settings.ensure_instance_path()
    settings.effective_secret_key()
    assert mode(folder) == 0o700
    for name in ("ipd.sqlite3", "broker.sqlite3", "dev-secret-key"):
        assert mode(folder / name) == 0o600, name
    # SQLite takes the empty file as an empty database, and gives its journal the file's mode.
    with sqlite3.connect(folder / "ipd.sqlite3") as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        assert mode(folder / "ipd.sqlite3-wal") == 0o600


def test_files_left_readable_by_an_older_version_are_made_private(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o755)
    old = folder / "ipd.sqlite3"
    old.write_bytes(b"")
    old.chmod(0o644)
    Settings.from_env({"IPD_ENV": "development", "IPD_INSTANCE_PATH": str(folder)}).ensure_instance_path()
    assert mode(folder) == 0o700 and mode(old) == 0o600


def test_a_database_outside_the_instance_folder_is_left_alone(tmp_path):
    elsewhere = tmp_path / "elsewhere.sqlite3"
    Settings.from_env(
        {
            "IPD_ENV": "development",
            "IPD_INSTANCE_PATH": str(tmp_path / "i"),
            "IPD_DATABASE_URL": f"sqlite:///{elsewhere}",
        }
    ).ensure_instance_path()
    assert not elsewhere.exists()
