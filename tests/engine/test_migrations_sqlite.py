"""SQLite migrations: table rebuilds keep the model's CHECK constraints and work on a populated database."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, insert, select, text

from engine import migrate
from engine.db import make_engine
from engine.models import metadata


def _schema(url: str, table: str) -> str:
    engine = make_engine(url)
    with engine.connect() as conn:
        sql = conn.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table})
    engine.dispose()
    return sql or ""


def test_every_check_constraint_of_the_models_is_in_the_migrated_schema(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'head.sqlite3'}"
    migrate.upgrade(url)
    missing = [
        (table.name, constraint.name)
        for table in metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint) and str(constraint.sqltext) not in _schema(url, table.name)
    ]
    assert missing == []


def test_a_populated_database_migrates_through_a_table_rebuild(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'populated.sqlite3'}"
    migrate.upgrade(url, "0010")
    offices, people, members = (metadata.tables[n] for n in ("offices", "beneficiaries", "household_members"))
    engine = make_engine(url)
    with engine.begin() as conn:
        office = conn.execute(insert(offices).values(code="LUB", name="Lublin")).inserted_primary_key[0]
        person = conn.execute(
            insert(people).values(office_id=office, given_names_latin="Olena", family_name_latin="Melnyk")
        ).inserted_primary_key[0]
        conn.execute(insert(members).values(beneficiary_id=person, name="Taras", relation="child"))
    engine.dispose()

    migrate.upgrade(url)  # 0011 rebuilds the beneficiaries table, which household_members points at

    assert "ck_beneficiaries_sex_known" in _schema(url, "beneficiaries")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(members.c.beneficiary_id)) == person
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # enforcement is back on
    engine.dispose()
