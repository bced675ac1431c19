"""CSV and XLSX writing: formula-like text neutralised in both, numbers stay numbers, money keeps 2 places."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from engine.reports.export import neutralise, to_csv, to_xlsx

HOSTILE = ["=1+2", "+48 600", "-3", "@SUM(A1)", "\t=cmd", "\r=cmd", "plain"]


def test_neutralise_prefixes_what_a_spreadsheet_would_run() -> None:
    assert [neutralise(v) for v in HOSTILE] == [f"'{v}" for v in HOSTILE[:-1]] + ["plain"]


def test_csv_and_xlsx_hold_neutralised_text_and_real_numbers() -> None:
    rows = [[value, 3, Decimal("12.5"), date(2026, 1, 2), None] for value in HOSTILE]
    text = to_csv(["=Head", "n", "amount", "day", "empty"], rows)
    read = list(csv.reader(io.StringIO(text)))
    assert read[0][0] == "'=Head"
    assert [r[0] for r in read[1:]] == [neutralise(v) for v in HOSTILE]
    assert read[1][1:] == ["3", "12.50", "2026-01-02", ""]
    sheet = load_workbook(io.BytesIO(to_xlsx(["=Head", "n", "amount", "day", "empty"], rows))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "'=Head"
    assert [r[0] for r in values[1:]] == [neutralise(v) for v in HOSTILE]
    assert values[1][1] == 3 and values[1][2] == 12.5 and sheet.cell(2, 3).number_format == "0.00"
    assert all(sheet.cell(row, 1).data_type == "s" for row in range(2, len(HOSTILE) + 2))
