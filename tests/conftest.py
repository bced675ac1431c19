"""Shared fixtures: a migrated database per backend, a rolled-back transaction per test, the app."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from engine import migrate
from engine.accounts import passwords
from engine.audit import service as audit_service
from engine.config import Settings
from engine.db import database

PG_URL = os.environ.get("IPD_TEST_DATABASE_URL")

passwords.use_fast_hashing_for_tests()
audit_service.use_strict_details()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_base_name() -> str:
    """Databases of this run are named after the one in IPD_TEST_DATABASE_URL, so parallel runs never share."""
    assert PG_URL
    return re.sub(r"[^a-z0-9_]", "_", (make_url(PG_URL).database or "ipd_test").lower())


def pg_database_name(purpose: str) -> str:
    """A database name for one purpose, unique to this run and this test worker."""
    return f"{_pg_base_name()}_{purpose}_{_worker_suffix()}"


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def create_pg_database(name: str) -> str:
    """(Re)create database ``name`` next to IPD_TEST_DATABASE_URL and return its URL."""
    assert PG_URL
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"bad database name {name!r}")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head, one per backend and test worker."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        url = create_pg_database(f"{_pg_base_name()}_{_worker_suffix()}")
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    """A connection in an outer transaction that is rolled back after the test."""
    database.configure(database_url)
    conn = database.engine.connect()
    outer = conn.begin()
    database.bind_connection(conn)
    try:
        yield conn
    finally:
        if outer.is_active:
            outer.rollback()
        conn.close()
        database.configure(database_url, force=True)


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    session = database.session()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="testing",
        instance_path=tmp_path / "instance",
        database_url=database_url,
        broker_url="memory://",
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        # No role requires two factors by default here: tests that need it require it explicitly.
        two_factor_roles=frozenset(),
    ).resolved()


@pytest.fixture
def app(settings: Settings, connection: Connection) -> Flask:
    return create_test_app(settings)


def create_test_app(settings: Settings, **config: object) -> Flask:
    from web import create_app

    values: dict[str, object] = {"SETTINGS": settings, "TESTING": True, "WTF_CSRF_ENABLED": False}
    values.update(config)
    return create_app(values)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
