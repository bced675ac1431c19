"""Case page and dashboard against the number of cases, both sizes in one run.

Walks a few template cases through the deployed library with the services (every record written by its
operation), then clones their rows — every table that hangs off a case, found from the schema — until the
office holds N cases, and requests a case page and the dashboard as the office's supervisor through the
Flask app (in process, no HTTP server). Prints p50/p95 per size side by side.

    .venv/bin/python bench/casefile_dashboard.py --database-url postgresql+psycopg://postgres@127.0.0.1/ipd_bench
    .venv/bin/python bench/casefile_dashboard.py --sizes 20,60 --requests 10      # quick check (what CI runs)
"""

from __future__ import annotations

import argparse
import itertools
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection, make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.engine_age import fresh_database  # noqa: E402  (the project root is on the path only now)

START = datetime(2026, 1, 12, 10, tzinfo=UTC)
#: Tables that are not the case's own records, even where they name a case.
_SERIAL = itertools.count(1)
#: Not copied with a case: shared rows, and staff notifications (unique per user and event, not case data).
NOT_CLONED = {
    "audit_events",
    "users",
    "offices",
    "process_definitions",
    "deployments",
    "deployment_files",
    "notifications",
}


def make_templates(url: str, count: int) -> tuple[list[int], int, str]:
    """Walk ``count`` cases through the library (some to closure, some mid-plan); return ids, office, user."""
    from engine import clock
    from engine.cases.service import BeneficiaryInput, open_case, start_case
    from engine.db import database
    from engine.definitions.service import deploy, read_directory
    from tests.processes.walker import CaseWalker, Staff

    database.configure(url, force=True)
    ids = []
    with clock.frozen_clock(START) as frozen, database.unit_of_work() as session:
        deploy(session, None, read_directory(ROOT / "processes"), source="bench")
        staff = Staff.create(session, prefix="bench")
        prepare_office(session, staff)
        for number in range(count):
            frozen.current = START
            person = BeneficiaryInput(given_names_latin=f"Person{number}", family_name_latin="Template")
            case = open_case(session, staff.case_manager, person)
            start_case(session, staff.case_manager, case)
            walker = CaseWalker(session, staff, frozen)
            if number % 2:
                walker.walk(case)  # to closure
            else:
                walker.walk(case, until=lambda w=walker: "ipd/signature" in w.trail)
            ids.append(case.id)
        return ids, staff.supervisor.office_id, staff.supervisor.username


def prepare_office(session: Any, staff: Any) -> None:
    """A housing-subsidy budget for the office, set as an administrator does."""
    from decimal import Decimal

    from engine.subsidies.budgets import set_budget

    year = START.date()
    code = staff.supervisor.office.code
    set_budget(session, None, code, year.replace(month=1, day=1), year.replace(year=year.year + 1), Decimal("5000000"))


def _owned_tables(metadata: Any) -> list[Table]:
    owned = {"beneficiaries", "cases"}
    order = []
    for table in metadata.sorted_tables:
        if table.name in NOT_CLONED:
            continue
        if table.name in owned or any(fk.column.table.name in owned for fk in table.foreign_keys):
            owned.add(table.name)
            order.append(table)
    return order


def _unique_strings(table: Table) -> set[str]:
    """String columns unique on their own (a case number, a task's engine id): each copy needs its own value."""
    names = {c.name for c in table.columns if c.unique and not c.foreign_keys and c.type.python_type is str}
    for constraint in table.constraints:
        columns = list(getattr(constraint, "columns", []))
        if getattr(constraint, "__visit_name__", "") == "unique_constraint" and len(columns) == 1:
            names |= {c.name for c in columns if not c.foreign_keys and c.type.python_type is str}
    return names


def clone_cases(url: str, templates: list[int], target: int) -> int:
    """Copy the template cases' rows until the database holds ``target`` cases; return how many now."""
    from engine.db import make_engine
    from engine.models import metadata

    engine = make_engine(url)
    tables = _owned_tables(metadata)
    with engine.begin() as conn:
        existing = conn.scalar(select(func.count()).select_from(metadata.tables["cases"])) or 0
        rows = {table.name: _template_rows(conn, table, templates, metadata) for table in tables}
        next_id = {
            table.name: (conn.scalar(select(func.max(table.c.id))) or 0) + 1 for table in tables if "id" in table.c
        }
        copies = max(0, target - existing)
        batch: dict[str, list[dict[str, Any]]] = {table.name: [] for table in tables}
        for copy_number in range(copies):
            template = templates[copy_number % len(templates)]
            mapping: dict[str, dict[int, int]] = {}
            for table in tables:
                mapping[table.name] = {}
                for row in rows[table.name].get(template, []):
                    new = dict(row)
                    if table.name in next_id:
                        new["id"] = next_id[table.name]
                        next_id[table.name] += 1
                        mapping[table.name][row["id"]] = new["id"]
                    for column in table.columns:
                        for fk in column.foreign_keys:
                            target_table = fk.column.table.name
                            if target_table in mapping and new.get(column.name) in mapping[target_table]:
                                new[column.name] = mapping[target_table][new[column.name]]
                    for name in _unique_strings(table):
                        value = new.get(name)
                        if isinstance(value, str):
                            new[name] = str(uuid.uuid4()) if len(value) == 36 else f"{value[:20]}-c{next(_SERIAL)}"
                    batch[table.name].append(new)
            if copy_number % 500 == 499 or copy_number == copies - 1:
                for table in tables:
                    if batch[table.name]:
                        conn.execute(insert(table), batch[table.name])
                        batch[table.name] = []
        total = conn.scalar(select(func.count()).select_from(metadata.tables["cases"])) or 0
    # The copies bypass the operations, so the kept caseload counts are rebuilt, as after any bulk load.
    from engine.cases.caseload import recount
    from engine.db import database

    database.configure(url, force=True)
    with database.unit_of_work() as session:
        recount(session)
    if engine.dialect.name == "postgresql":
        # Statistics and visibility as autovacuum keeps them after a bulk load: without them the planner guesses
        # empty tables and cannot count from an index alone.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return int(total)


def _template_rows(
    conn: Connection, table: Table, templates: list[int], metadata: Any
) -> dict[int, list[dict[str, Any]]]:
    """The table's rows per template case, following foreign keys from the case."""
    found: dict[int, list[dict[str, Any]]] = {}
    for template in templates:
        found[template] = _rows_of(conn, table, template, metadata)
    return found


def _rows_of(conn: Connection, table: Table, case_id: int, metadata: Any) -> list[dict[str, Any]]:
    cases = metadata.tables["cases"]
    if table.name == "cases":
        return [dict(r._mapping) for r in conn.execute(select(cases).where(cases.c.id == case_id))]
    if table.name == "beneficiaries":
        beneficiary = conn.scalar(select(cases.c.beneficiary_id).where(cases.c.id == case_id))
        return [dict(r._mapping) for r in conn.execute(select(table).where(table.c.id == beneficiary))]
    if "case_id" in table.c:
        return [dict(r._mapping) for r in conn.execute(select(table).where(table.c.case_id == case_id))]
    # A child of another owned table (goals of a plan, the state of an instance).
    for fk in table.foreign_keys:
        parent = fk.column.table
        if "case_id" in parent.c:
            parents = select(parent.c.id).where(parent.c.case_id == case_id).scalar_subquery()
            stmt = select(table).where(fk.parent.in_(select(parent.c.id).where(parent.c.case_id == case_id)))
            del parents
            return [dict(r._mapping) for r in conn.execute(stmt)]
    return []


def measure(url: str, office_id: int, username: str, requests: int) -> dict[str, list[float]]:
    from engine.cases.models import Case
    from engine.config import Settings
    from engine.db import database
    from tests import factories
    from web import create_app

    settings = Settings(
        env="testing",
        instance_path=Path(tempfile.mkdtemp()),
        database_url=url,
        broker_url="memory://",
        secret_key=secrets.token_urlsafe(48),
        two_factor_roles=frozenset(),  # the pages are measured, not the sign-in
    ).resolved()
    app = create_app({"SETTINGS": settings, "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    database.configure(url, force=True)
    with database.unit_of_work() as session:
        case_ids = list(session.scalars(select(Case.id).where(Case.office_id == office_id)))
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302, response.status_code
    rng = random.Random(7)
    timings: dict[str, list[float]] = {"case page": [], "dashboard": []}
    for path_of, name in ((lambda: f"/cases/{rng.choice(case_ids)}", "case page"), (lambda: "/dashboard", "dashboard")):
        client.get(path_of())  # warm-up
        for _ in range(requests):
            path = path_of()
            began = time.perf_counter()
            answer = client.get(path)
            timings[name].append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, (path, answer.status_code)
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def rows(results: dict[int, dict[str, list[float]]]) -> Iterator[str]:
    sizes = sorted(results)
    yield "page        " + "".join(f"{f'{n} cases p50':>16}{f'{n} cases p95':>16}" for n in sizes)
    for name in ("case page", "dashboard"):
        cells = "".join(
            f"{statistics.median(results[n][name]):16.1f}{percentile(results[n][name], 0.95):16.1f}" for n in sizes
        )
        yield f"{name:<12}{cells}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--sizes", default="100,10000", help="case counts to measure, ascending")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--templates", type=int, default=4)
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as workdir:
        url = fresh_database(args.database_url, Path(workdir))
        templates, office_id, supervisor = make_templates(url, args.templates)
        results = {}
        for size in sizes:
            total = clone_cases(url, templates, size)
            results[size] = measure(url, office_id, supervisor, args.requests)
            print(f"measured with {total} cases", flush=True)
        print(f"database: {make_url(url).get_backend_name()}, requests per page: {args.requests} (ms)")
        for line in rows(results):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
