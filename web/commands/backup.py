"""``ipd backup``: a consistent copy of the embedded SQLite database while the app runs."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from web.commands._common import settings


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=True, path_type=Path))
@with_appcontext
def backup(target: Path | None) -> None:
    """Copy the embedded SQLite database to TARGET (default: instance/backups/ipd-<time>.sqlite3).

    Uses SQLite's online backup, so the web server and the worker may keep running. For PostgreSQL
    use pg_dump (see the README).
    """
    from sqlalchemy.engine import make_url

    from engine.clock import utcnow

    current = settings()
    url = make_url(current.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            "ipd backup copies the embedded SQLite database only; for PostgreSQL run "
            "pg_dump --format=custom --file=ipd.dump DATABASE (see the README's backup section)"
        )
    source = Path(url.database)
    if not source.exists():
        raise click.ClickException(f"no database file at {source}")
    if target is None:
        target = current.instance_path / "backups" / f"ipd-{utcnow():%Y%m%d-%H%M%S}.sqlite3"
    elif target.is_dir():
        target = target / f"ipd-{utcnow():%Y%m%d-%H%M%S}.sqlite3"
    if target.exists():
        raise click.ClickException(f"{target} exists already; give another file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    copy_sqlite(source, target)
    click.echo(f"Backed up {source} to {target}")


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy ``source`` page by page with SQLite's backup API into a new file only its owner can read."""
    import sqlite3

    # The copy holds everything the database does: create it private before any byte is written.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


COMMANDS = (backup,)
