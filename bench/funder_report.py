"""The funder report for one office and nationally, for one quarter, against the number of cases.

Walks template cases through the deployed library with the services — intake to the signed IPD, then a session,
material aid, a nursery place, a camp, a referral and a rent subsidy, every record written by its operation — in
two offices (three templates in LUB, one in WAW), clones their rows with SQL until the database holds N cases
(``bench/casefile_dashboard.py`` does the cloning), and times the report of 2026-Q1: the engine's queries alone
and the page through the Flask app (in process), for LUB's supervisor and for a national administrator.

    .venv/bin/python bench/funder_report.py --database-url postgresql+psycopg://postgres@127.0.0.1/ipd_bench
    .venv/bin/python bench/funder_report.py --sizes 8,16 --requests 3      # quick check (what CI runs)
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.casefile_dashboard import clone_cases, percentile  # noqa: E402  (the project root is on the path now)
from bench.engine_age import fresh_database  # noqa: E402

START = datetime(2026, 1, 12, 10, tzinfo=UTC)
PERIOD = "2026-Q1"
OCCURRENCES = ("service_session", "material_aid", "nursery_placement", "camp_enrolment", "referral")
TARGETS_MS = {"office": 300, "national": 1000}


def make_templates(url: str, count: int) -> tuple[list[int], dict[str, str]]:
    """Walk ``count`` template cases (the last in WAW, the others in LUB); return their ids and two logins."""
    from engine import clock
    from engine.accounts.roles import Role
    from engine.cases.occurrences import start_occurrence
    from engine.cases.service import BeneficiaryInput, open_case, start_case
    from engine.db import database
    from engine.definitions.service import deploy, read_directory
    from engine.instances.models import InstanceStatus, ProcessInstance
    from engine.subsidies.budgets import set_budget
    from tests import factories
    from tests.processes.walker import CaseWalker, Staff

    database.configure(url, force=True)
    ids = []
    with clock.frozen_clock(START) as frozen, database.unit_of_work() as session:
        deploy(session, None, read_directory(ROOT / "processes"), source="bench")
        offices = {code: Staff.create(session, code, prefix="bench") for code in ("LUB", "WAW")}
        for code in offices:
            set_budget(session, None, code, date(2026, 1, 1), date(2026, 12, 31), Decimal("5000000"))
        national = factories.user(session, Role.NATIONAL_ADMIN, office_code="LUB", username="bench-national")
        for number in range(count):
            frozen.current = START
            staff = offices["WAW" if number == count - 1 else "LUB"]
            person = BeneficiaryInput(given_names_latin=f"Person{number}", family_name_latin="Template")
            case = open_case(session, staff.case_manager, person)
            start_case(session, staff.case_manager, case)
            walker = CaseWalker(session, staff, frozen)
            walker.walk(case, until=lambda w=walker: "ipd/signature" in w.trail)
            for process_id in (*OCCURRENCES, "housing_subsidy"):
                start_occurrence(session, staff.case_manager, case, process_id)

            def settled(case_id: int = case.id, w: CaseWalker = walker) -> bool:
                # Stop at the subsidy's first payment: the clock must not run on for its other months.
                running = session.scalar(
                    select(func.count())
                    .select_from(ProcessInstance)
                    .where(
                        ProcessInstance.case_id == case_id,
                        ProcessInstance.status == InstanceStatus.RUNNING,
                        ProcessInstance.process_id.in_(OCCURRENCES),
                    )
                )
                return not running and "housing/payment" in w.trail

            walker.walk(case, until=settled)
            ids.append(case.id)
        return ids, {"office": offices["LUB"].supervisor.username, "national": national.username}


def time_engine(url: str, office_id: int | None, requests: int) -> list[float]:
    from engine.db import database
    from engine.reports.funder import funder_report
    from engine.reports.indicators import Scope
    from engine.reports.period import parse_period

    database.configure(url, force=True)
    timings = []
    with database.unit_of_work() as session:
        scope = Scope(parse_period(PERIOD), office_id, datetime.now(UTC))
        funder_report(session, scope)  # warm-up
        for _ in range(requests):
            began = time.perf_counter()
            funder_report(session, scope)
            timings.append((time.perf_counter() - began) * 1000)
    return timings


def time_page(url: str, username: str, path: str, requests: int) -> list[float]:
    from engine.config import Settings
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
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302, response.status_code
    client.get(path)  # warm-up
    timings = []
    for _ in range(requests):
        began = time.perf_counter()
        answer = client.get(path)
        timings.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return timings


def office_counts(url: str) -> dict[str, int]:
    from engine.accounts.models import Office
    from engine.cases.models import Case
    from engine.db import database

    database.configure(url, force=True)
    with database.unit_of_work() as session:
        rows = session.execute(select(Office.code, func.count(Case.id)).join(Case).group_by(Office.code))
        return {code: int(n) for code, n in rows}


def covered(url: str) -> str:
    """How many indicators have figures in the national report: the templates must exercise them."""
    from engine.db import database
    from engine.reports.funder import funder_report
    from engine.reports.indicators import Scope
    from engine.reports.period import parse_period

    database.configure(url, force=True)
    with database.unit_of_work() as session:
        report = funder_report(session, Scope(parse_period(PERIOD), None, datetime.now(UTC)))
    empty = [f.indicator.key for f in report.indicators if not f.rows]
    return f"indicators with figures: {len(report.indicators) - len(empty)} of {len(report.indicators)}" + (
        f" (none for {', '.join(empty)})" if empty else ""
    )


def measure(url: str, logins: dict[str, str], requests: int) -> dict[str, list[float]]:
    from engine.accounts.models import Office
    from engine.db import database

    database.configure(url, force=True)
    with database.unit_of_work() as session:
        lub = session.scalar(select(Office.id).where(Office.code == "LUB"))
    runs: dict[str, Callable[[], list[float]]] = {
        "office (engine)": lambda: time_engine(url, lub, requests),
        "office (page)": lambda: time_page(url, logins["office"], f"/reports?period={PERIOD}", requests),
        "national (engine)": lambda: time_engine(url, None, requests),
        "national (page)": lambda: time_page(url, logins["national"], f"/reports?period={PERIOD}&office=all", requests),
    }
    return {name: run() for name, run in runs.items()}


def rows(results: dict[int, dict[str, list[float]]], counts: dict[int, dict[str, int]]) -> Iterator[str]:
    sizes = sorted(results)
    yield "report (ms)        " + "".join(f"{f'{n} cases p50':>16}{f'{n} cases p95':>16}" for n in sizes) + "  target"
    for name in results[sizes[0]]:
        cells = "".join(
            f"{statistics.median(results[n][name]):16.1f}{percentile(results[n][name], 0.95):16.1f}" for n in sizes
        )
        target = TARGETS_MS["office" if name.startswith("office") else "national"]
        yield f"{name:<19}{cells}  ≤ {target}"
    for n in sizes:
        yield f"{n} cases: " + ", ".join(f"{code} {count}" for code, count in sorted(counts[n].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--sizes", default="1000,10000", help="case counts to measure, ascending")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--templates", type=int, default=4, help="at least 2: the last one is WAW's")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as workdir:
        url = fresh_database(args.database_url, Path(workdir))
        templates, logins = make_templates(url, max(2, args.templates))
        results: dict[int, dict[str, Any]] = {}
        counts = {}
        for size in sizes:
            total = clone_cases(url, templates, size)
            results[size] = measure(url, logins, args.requests)
            counts[size] = office_counts(url)
            print(f"measured with {total} cases", flush=True)
        print(f"database: {make_url(url).get_backend_name()}, period {PERIOD}, runs per figure: {args.requests}")
        for line in rows(results, counts):
            print(line)
        print(covered(url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
