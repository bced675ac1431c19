"""Alembic environment: the URL comes from the caller's config or from IPD_* variables."""

from __future__ import annotations

from alembic import context

from engine.config import Settings
from engine.db import make_engine
from engine.models import metadata

config = context.config


def _url() -> str:
    return config.attributes.get("database_url") or Settings.from_env(env="development").database_url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _sqlite_foreign_keys(connection, on: bool) -> None:  # type: ignore[no-untyped-def]
    """Switch SQLite's foreign-key enforcement on the raw connection (the pragma is ignored inside a transaction).

    Batch mode rebuilds a table by copying it, dropping the original and renaming the copy; with enforcement on,
    dropping a table that other rows point at fails, so a populated database could not be migrated.
    """
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    if sqlite and not connection.in_transaction():
        _sqlite_foreign_keys(connection, False)
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration would leave rows pointing at nothing: {broken[:5]}")
    finally:
        if sqlite and not connection.in_transaction():
            _sqlite_foreign_keys(connection, True)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
