"""Reading CSV, XLSX and JSON files into raw rows keyed by canonical column names.

Kitchens' spreadsheets are the real input: headers may be Chinese or English, the sheet
may start with merged title rows, and CSV files saved by Excel on Chinese Windows are
GBK/GB18030. This module finds the header row (the row among the first ten that matches
most known headers), maps headers to canonical names and numbers every data row as a
spreadsheet shows it (row 1 is the first row of the sheet, title rows included).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mealplan.domain.schemas import Field
from mealplan.domain.values import is_blank, normalise_header
from mealplan.errors import ImportValidationError, RowError

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 10
FORMATS = ("csv", "xlsx", "json")

RawRow = dict[str, Any]


@dataclass
class RawTable:
    """Rows of one file with canonical column names, before any parsing."""

    filename: str
    header_row: int | None  # spreadsheet row of the header; None for JSON
    headers: dict[str, str]  # canonical name -> header as written in the file
    rows: list[tuple[int, RawRow]]  # (row number as the user sees it, cells)
    warnings: list[str] = field(default_factory=list)

    def header_of(self, name: str) -> str:
        return self.headers.get(name, name)


def header_map(fields: Sequence[Field]) -> dict[str, str]:
    """Normalised header spelling -> canonical column name."""
    table: dict[str, str] = {}
    for f in fields:
        for spelling in f.headers:
            table.setdefault(normalise_header(spelling), f.name)
    return table


def detect_format(filename: str, data: bytes) -> str:
    """``csv``, ``xlsx`` or ``json`` from the file name, else from the content."""
    lower = filename.lower()
    for ext, fmt in ((".csv", "csv"), (".txt", "csv"), (".xlsx", "xlsx"), (".xlsm", "xlsx"),
                     (".json", "json")):  # fmt: skip
        if lower.endswith(ext):
            return fmt
    if lower.endswith(".xls"):
        raise ImportValidationError(
            [RowError(filename, None, None, None, "old .xls files are not read; save as .xlsx")]
        )
    if data.startswith(b"PK"):
        return "xlsx"
    if data.lstrip()[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, as Excel saves CSV)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        log.info("file is not UTF-8; decoding as GB18030")
        return data.decode("gb18030")


def read_csv_grid(data: bytes, filename: str) -> list[list[Any]]:
    try:
        text = decode_text(data)
    except UnicodeDecodeError as exc:
        raise ImportValidationError(
            [RowError(filename, None, None, None, f"cannot decode as UTF-8 or GB18030: {exc}")]
        ) from None
    sample = text[:4096]
    delimiter = ","
    if sample.count("\t") > sample.count(",") and sample.count("\t") > 0:
        delimiter = "\t"
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def read_xlsx_grid(data: bytes, filename: str, sheet: str | None) -> list[list[Any]]:
    from openpyxl import load_workbook  # heavy import, only when needed

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportValidationError(
            [RowError(filename, None, None, None, f"cannot read as an XLSX workbook: {exc}")]
        ) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in wb.sheetnames:
            ws = wb[sheet]
        else:
            raise ImportValidationError(
                [
                    RowError(
                        filename,
                        None,
                        None,
                        sheet,
                        f"no such sheet; sheets: {', '.join(wb.sheetnames)}",
                    )
                ]  # fmt: skip
            )
        return [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
    finally:
        wb.close()


def grid_to_table(grid: list[list[Any]], filename: str, fields: Sequence[Field]) -> RawTable:
    """Find the header row, map headers, collect non-blank data rows."""
    names = header_map(fields)
    best_index, best_score = -1, 0
    for index, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        matched = {names[n] for cell in row if (n := normalise_header(cell or "")) in names}
        if len(matched) > best_score:
            best_index, best_score = index, len(matched)
    if best_index < 0:
        expected = ", ".join(f.name for f in fields if f.required)
        raise ImportValidationError(
            [
                RowError(
                    filename,
                    None,
                    None,
                    None,
                    f"no header row found in the first {HEADER_SCAN_ROWS} rows; "
                    f"expected columns such as {expected}",
                )
            ]  # fmt: skip
        )
    header_row = best_index + 1
    errors: list[RowError] = []
    notes: list[str] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for col, cell in enumerate(grid[best_index]):
        if is_blank(cell):
            continue
        written = str(cell).strip()
        name = names.get(normalise_header(written))
        if name is None:
            notes.append(f"column {written!r} is not part of this format and was ignored")
            continue
        if name in positions:
            errors.append(
                RowError(
                    filename,
                    header_row,
                    written,
                    None,
                    f"column {name!r} appears twice (also as {headers[name]!r})",
                )  # fmt: skip
            )
            continue
        positions[name] = col
        headers[name] = written
    rows: list[tuple[int, RawRow]] = []
    for index in range(best_index + 1, len(grid)):
        row = grid[index]
        cells = {name: (row[col] if col < len(row) else None) for name, col in positions.items()}
        if all(is_blank(v) for v in cells.values()):
            continue
        rows.append((index + 1, cells))
    if errors:
        raise ImportValidationError(errors)
    return RawTable(filename, header_row, headers, rows, notes)


def json_to_table(
    data: bytes,
    filename: str,
    fields: Sequence[Field],
    flatten: Callable[[Mapping[str, Any]], list[RawRow]],
    derived: frozenset[str],
) -> RawTable:
    """A JSON export (a list of objects) as raw rows; row numbers are record numbers."""
    try:
        doc = json.loads(decode_text(data))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportValidationError(
            [RowError(filename, None, None, None, f"not valid JSON: {exc}")]
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get("rows"), list):
        doc = doc["rows"]
    if not isinstance(doc, list):
        raise ImportValidationError(
            [RowError(filename, None, None, None, "expected a JSON array of objects")]
        )
    names = header_map(fields)
    headers: dict[str, str] = {}
    ignored: set[str] = set()
    rows: list[tuple[int, RawRow]] = []
    errors: list[RowError] = []
    for number, obj in enumerate(doc, start=1):
        if not isinstance(obj, dict):
            errors.append(RowError(filename, number, None, None, "expected an object"))
            continue
        for flat in flatten(obj):
            cells: RawRow = {}
            for key, value in flat.items():
                name = names.get(normalise_header(key))
                if name is None:
                    if key not in derived:
                        ignored.add(key)
                    continue
                headers.setdefault(name, key)
                cells[name] = value
            rows.append((number, cells))
    if errors:
        raise ImportValidationError(errors)
    notes = [f"key {k!r} is not part of this format and was ignored" for k in sorted(ignored)]
    # a column is present when any record has it; records without it leave it blank
    for _number, cells in rows:
        for name in headers:
            cells.setdefault(name, None)
    return RawTable(filename, None, headers, rows, notes)
