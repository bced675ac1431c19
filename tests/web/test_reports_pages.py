"""The report page, its drill-down and the CSV/XLSX exports, through the Flask test client."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.audit.models import AuditEvent
from engine.cases.service import BeneficiaryInput, open_case
from engine.reports.funder import funder_report, report_rows
from engine.reports.indicators import Scope
from engine.reports.period import quarter
from forms.registry import FormRegistry, use_registry
from tests.engine.report_scenario import build


@pytest.fixture
def scenario(db_session: Session) -> Any:
    previous = use_registry(FormRegistry())
    try:
        with clock.frozen_clock(clock.utcnow()) as frozen:
            yield build(db_session, frozen), frozen
    finally:
        use_registry(previous)


def exports(db: Session) -> list[dict[str, Any]]:
    return [e.details for e in db.scalars(select(AuditEvent).where(AuditEvent.kind == "exported"))]


def test_report_page_drill_down_and_xlsx(client, login, db_session, scenario) -> None:  # type: ignore[no-untyped-def]
    s, frozen = scenario
    lub = s.lub.supervisor.office_id
    login(s.lub.supervisor)
    page = client.get("/reports?period=2026-Q1").get_data(as_text=True)
    assert 'id="ind-material_aid"' in page and "149,99" in page
    assert "report-chart" in page and "/reports/export.xlsx?period=2026-Q1" in page
    # The men behind Q1's figure: Bilal refused the reporting consent, so he is counted and not listed.
    men = client.get(f"/reports/cases?period=2026-Q1&office={lub}&indicator=beneficiaries_by_sex&group=male")
    text = men.get_data(as_text=True)
    assert men.status_code == 200 and "Bilal" not in text and 'id="not-listed"' in text
    women = client.get(f"/reports/cases?period=2026-Q1&office={lub}&indicator=beneficiaries_by_sex&group=female")
    assert s.a.number in women.get_data(as_text=True)
    assert client.get(f"/reports/cases?period=2026-Q1&office={lub}&indicator=nothing&group=x").status_code == 404

    response = client.get(f"/reports/export.xlsx?period=2026-Q1&office={lub}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    expected = report_rows(funder_report(db_session, Scope(quarter(2026, 1), lub, frozen.current)))
    assert len(cells) == 1 + len(expected)
    assert cells[0] == ["Wskaźnik", "Podział", "Miara", "Wartość"]  # headers in the user's language (Polish)
    assert [row[3] for row in cells[1:]] == [float(v) if isinstance(v, Decimal) else v for *_, v in expected]
    aid = next(row for row in cells if row[1] == "school_kit" and row[2] == "Kwota (zł)")
    assert aid[3] == pytest.approx(149.99)
    assert exports(db_session) == [{"what": "report", "rows": len(expected)}]

    text = client.get(f"/reports/export.csv?period=2026-Q2&office={lub}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["Sesje według formy", "family", "Godziny", "1.50"] in rows


def test_who_may_open_which_report(client, login, db_session, scenario) -> None:  # type: ignore[no-untyped-def]
    s, _frozen = scenario
    login(s.lub.case_manager)
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/export.xlsx?office=all").status_code == 403
    client.post("/logout")
    login(s.lub.supervisor)
    assert client.get("/reports?office=all").status_code == 403
    assert client.get(f"/reports?office={s.waw.supervisor.office_id}").status_code == 403
    assert client.get("/reports?period=yesterday").status_code == 400
    client.post("/logout")
    login(s.national)
    page = client.get("/reports?office=all&period=2026-Q2").get_data(as_text=True)
    assert "Krajowy (wszystkie biura)" in page
    assert client.get(f"/reports?office={s.waw.supervisor.office_id}").status_code == 200
    assert exports(db_session) == []
    client.post("/logout")
    login(s.lub.supervisor)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert (
        'id="trend-table"' in dashboard
        and '<tr data-quarter="2026-Q1"><td>2026-Q1</td><td>2</td><td>0</td>' in dashboard
    )


FORMULAS = ('=HYPERLINK("http://x.example","klik")', "+1", "@SUM(A1)", "-2")


def test_formula_like_names_are_exported_neutralised(client, login, make_user, db_session) -> None:  # type: ignore[no-untyped-def]
    worker = make_user("social_worker")
    for name in FORMULAS:
        open_case(db_session, worker, BeneficiaryInput(name, "Nowak"))
    db_session.flush()
    login(worker)
    text = client.get("/exports/cases.csv").get_data(as_text=True)
    names = {row[1] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
    assert names >= {f"'{name} Nowak" for name in FORMULAS}
    book = load_workbook(io.BytesIO(client.get("/exports/cases.xlsx").data))
    values = {row[1] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert values == {f"'{name} Nowak" for name in FORMULAS}
    assert book.active.cell(1, 1).value == "Numer sprawy"
    for what in ("tasks", "payments"):
        for fmt in ("csv", "xlsx"):
            assert client.get(f"/exports/{what}.{fmt}").status_code == 200
    assert client.get("/exports/cases.pdf").status_code == 404
    assert [e["what"] for e in exports(db_session)] == ["cases", "cases", "tasks", "tasks", "payments", "payments"]
