"""Cells for every CSV and XLSX the application writes, safe to open in a spreadsheet.

A text cell that starts with ``= + - @``, a tab or a carriage return (also after leading
spaces) would run as a formula in Excel, WPS or LibreOffice ("CSV injection", OWASP): a
name such as ``=HYPERLINK("http://evil.example", "click")`` becomes a live link. Every
writer passes its cells through :func:`safe_row` (CSV) or :func:`append_row` (XLSX): such
text gets a leading single quote (:func:`mealplan.domain.values.guard_formula`), and XLSX
text cells are stored as strings, never as formulas. The importer removes the quote
exactly where the guard adds it (:func:`mealplan.domain.values.unguard_formula`), so an
export imports back to the original values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mealplan.domain.values import guard_formula


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row of cells with every formula-like text guarded."""
    return [guard_formula(v) for v in values]


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet: text guarded and stored as a string cell."""
    row = safe_row(values)
    ws.append(row)
    for cell, value in zip(ws[ws.max_row], row, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl would store text starting with '=' as a formula
