"""The figures as files: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese) and XLSX
(openpyxl). Column headers in the current language; rates are numbers (XLSX: formatted as percentages, 万投比
with two decimals), a rate with nothing to divide by an empty cell, never a word."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from servicedesk.figures.definitions import FIGURES, PERCENT_RATES, Row, figure_label, translate
from servicedesk.formerrors import N_

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def headers() -> list[str]:
    return [translate(N_("Key")), translate(N_("Name")), *(figure_label(f) for f in FIGURES)]


def _cell(value: object) -> object:
    return "" if value is None else value


def export_csv(rows: list[Row]) -> bytes:
    """The rows as CSV: key, label, then every figure; rates as plain numbers (0.9531), none as empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows:
        writer.writerow([_cell(row.key), row.label, *(_cell(row.values.get(f)) for f in FIGURES)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(rows: list[Row], title: str) -> bytes:
    """The rows as one worksheet titled title; percentages formatted as such, the header row frozen."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "figures"
    ws.append(headers())
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row.key, row.label, *(row.values.get(f) for f in FIGURES)])
    for col, figure in enumerate(FIGURES, start=3):
        fmt = "0.0%" if figure in PERCENT_RATES else "0.00" if figure == "complaints_per_10k" else "0"
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = fmt
        ws.column_dimensions[get_column_letter(col)].width = 14
    ws.column_dimensions["B"].width = 24
    ws.freeze_panes = "C2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
