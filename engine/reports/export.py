"""CSV and XLSX files of a table: formula-like text neutralised, numbers kept numbers, money as 2-place Decimals.

A spreadsheet runs a cell that starts with ``= + - @`` (or a tab or carriage return before one) as a formula;
such text gets a leading apostrophe in both formats, so a beneficiary's name can never become a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy.orm import Session

from engine.audit.service import Actor, record

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CENT = Decimal("0.01")

Cell = str | int | Decimal | date | datetime | None


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, int | date):
        return value.isoformat() if isinstance(value, date) else str(value)
    return neutralise(str(value))


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue()


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str = "export") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = title[:31]
    sheet.append([neutralise(h) for h in headers])
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=False):
            if isinstance(value, Decimal):
                cell.number_format = "0.00"
            elif isinstance(value, str):
                cell.data_type = "s"  # text is text, whatever it looks like
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise(value)
    return value


def record_export(session: Session, actor: Actor, what: str, rows: int) -> None:
    """The audit row of an export: what was exported and how many rows, never a value."""
    record(session, "exported", actor=actor, what=what, rows=rows)
