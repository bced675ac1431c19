"""Declarative base, column types, and the database handle shared by web, workers and CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use engine.clock.utcnow()")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

# BIGINT on PostgreSQL; INTEGER on SQLite so the key is the auto-incrementing rowid.
intpk = Annotated[int, mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)]
str_code = Annotated[str, mapped_column(String(32))]
str_name = Annotated[str, mapped_column(String(200))]
money = Annotated[Decimal, mapped_column(Numeric(12, 2))]


class Base(DeclarativeBase):
    """Base of every ORM model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite switch on foreign keys, WAL and serialized writers."""
    if url.startswith("sqlite"):
        connect_args = kwargs.pop("connect_args", {})
        # The driver's own transaction handling breaks SAVEPOINT; we issue BEGIN ourselves.
        connect_args.setdefault("isolation_level", None)
        connect_args.setdefault("timeout", 30)
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # IMMEDIATE takes the write lock up front: one writer at a time, and no
            # deadlock when two readers both try to upgrade to writers.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """The engine and session factory of this process; configured once at start-up."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._sessionmaker: sessionmaker[Session] | None = None
        self.url: str | None = None

    def configure(self, url: str, *, force: bool = False, **engine_kwargs: Any) -> None:
        """Point at ``url``; a no-op when already configured for it, unless ``force``."""
        if self._engine is not None and self.url == url:
            if force:
                self._sessionmaker = sessionmaker(self._engine, expire_on_commit=False)
            return
        if self._engine is not None:
            self._engine.dispose()
        self.url = url
        self._engine = make_engine(url, **engine_kwargs)
        self._sessionmaker = sessionmaker(self._engine, expire_on_commit=False)

    def bind_connection(self, connection: Connection) -> None:
        """Run every session inside ``connection``'s transaction (tests roll it back)."""
        self._sessionmaker = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("database not configured: call engine.db.database.configure(url) first")
        return self._engine

    @property
    def is_configured(self) -> bool:
        return self._engine is not None

    def session(self) -> Session:
        """Open a session; the caller (an edge: request, task, command) commits or rolls back."""
        if self._sessionmaker is None:
            raise RuntimeError("database not configured: call engine.db.database.configure(url) first")
        return self._sessionmaker()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Yield a session that commits when the block ends normally and rolls back otherwise."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


database = Database()
