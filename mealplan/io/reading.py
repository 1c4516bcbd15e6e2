"""Reading CSV, XLSX and JSON files into raw rows keyed by canonical column names.

Kitchens' spreadsheets are the real input: headers may be Chinese or English, the sheet
may start with merged title rows, and CSV files saved by Excel on Chinese Windows are
GBK/GB18030. This module finds the header row (the row among the first ten that matches
most known headers), maps headers to canonical names and numbers every data row as a
spreadsheet shows it (row 1 is the first row of the sheet, title rows included).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mealplan.domain.schemas import Field
from mealplan.domain.values import is_blank, normalise_header, unguard_formula
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
    encoding: str | None = None  # how a CSV or JSON file was decoded; None for XLSX

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


@dataclass(frozen=True)
class FormulaCell:
    """An XLSX cell holding a formula whose value the file does not carry (a workbook
    written by a program, never opened and saved in a spreadsheet), or an error value."""

    formula: str  # the formula, or the error value (#VALUE!, #DIV/0!...)
    error: bool = False  # an error value: no number, date or text the file carries

    def __str__(self) -> str:
        return self.formula

    @property
    def problem(self) -> str:
        if self.error:
            return ("an error value (or a date or time the spreadsheet cannot show): type "
                    "the value")  # fmt: skip
        return ("a formula without a saved value: open and save the file in a spreadsheet, "
                "or type the value")  # fmt: skip


def _looks_chinese(text: str) -> bool:
    """Whether text decoded as GB18030 looks like GBK Chinese rather than mojibake: nearly
    every character beyond ASCII is in GB2312 (the common hanzi and symbols). A Latin-1 or
    Windows-1252 file decoded as GB18030 gives rare hanzi outside GB2312."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return True
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common >= 0.9 * len(wide)


def decode_text(data: bytes, filename: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV or JSON file and the encoding it was read with.

    ``encoding`` given: exactly that. Otherwise UTF-16 when the file starts with its
    byte-order mark (Excel's "Unicode text"), UTF-8 (with or without BOM), else GB18030
    (a superset of GBK, as Excel saves CSV on Chinese Windows) when the result looks like
    Chinese; anything else is refused, naming ``--encoding``, rather than stored as mojibake.
    """
    if encoding is not None:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise ImportValidationError(
                [RowError(filename, None, None, encoding, "unknown encoding")]
            ) from None
        try:
            return data.decode("utf-8-sig" if name == "utf-8" else name), name
        except UnicodeDecodeError as exc:
            raise ImportValidationError(
                [RowError(filename, None, None, None, f"cannot decode as {name}: {exc}")]
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_chinese(text):
        log.info("%s is not UTF-8; read as GB18030", filename)
        return text, "gb18030"
    raise ImportValidationError(
        [
            RowError(
                filename, None, None, None,
                "the file is neither UTF-8 nor Chinese GBK/GB18030 text; save it as UTF-8 "
                "or name its encoding (e.g. --encoding latin-1)",
            )
        ]
    )  # fmt: skip


def read_csv_grid(
    data: bytes, filename: str, encoding: str | None = None
) -> tuple[list[list[Any]], str]:
    """The cells of a CSV file and the encoding it was read with."""
    text, used = decode_text(data, filename, encoding)
    sample = text[:4096]
    delimiter = ","
    if sample.count("\t") > sample.count(",") and sample.count("\t") > 0:
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [list(r) for r in reader], used
    except csv.Error as exc:  # a field beyond csv.field_size_limit(), a NUL in old Pythons
        raise ImportValidationError(
            [RowError(filename, reader.line_num or None, None, None, f"cannot read as CSV: {exc}")]
        ) from None


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
        grid = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
        title = ws.title
    finally:
        wb.close()
    _mark_formulas(data, title, grid)
    return grid


def _mark_formulas(data: bytes, title: str, grid: list[list[Any]]) -> None:
    """Replace by :class:`FormulaCell` each cell of ``grid`` that holds a formula without a
    cached value or an error value (#DIV/0!, #REF!...): its value is not known."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(io.BytesIO(data), data_only=False)
    try:
        ws = wb[title]
        for r, row in enumerate(ws.iter_rows(min_row=1)):
            for c, cell in enumerate(row):
                if r >= len(grid) or c >= len(grid[r]):
                    continue
                cached = grid[r][c]
                unknown = cached is None or (isinstance(cached, str) and cached.startswith("#"))
                if cell.data_type == "f" and unknown:
                    grid[r][c] = FormulaCell(str(cell.value), error=cached is not None)
                elif cell.data_type == "e":
                    grid[r][c] = FormulaCell(str(cell.value), error=True)
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
        cells = {
            name: unguard_formula(row[col]) if col < len(row) else None
            for name, col in positions.items()
        }
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
    encoding: str | None = None,
) -> RawTable:
    """A JSON export (a list of objects) as raw rows; row numbers are record numbers."""
    text, used = decode_text(data, filename, encoding)
    try:
        doc = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise ImportValidationError(
            [RowError(filename, None, None, None, "not valid JSON: nested too deeply")]
        ) from None
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, a duplicate key, huge numbers
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
    return RawTable(filename, None, headers, rows, notes, encoding=used)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice in one object")
        out[key] = value
    return out
