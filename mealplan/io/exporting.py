"""Export use case: a kind of table -> CSV, XLSX or JSON bytes.

CSV and XLSX use the import format (English headers, one row per record, or per recipe
line / target for dishes and nutrition groups), so export -> import round-trips. CSV is
UTF-8 without a byte-order mark; text that a spreadsheet would run as a formula gets a
leading quote (``mealplan.io.sheets``). JSON is a list of objects; the shapes of ``dishes``,
``ingredients`` and ``diet-profiles`` are a stable interface that other tools read (see
each kind's ``export_json``).
"""

from __future__ import annotations

import csv
import io
import json
import logging

from sqlalchemy.orm import Session

from mealplan.domain.values import format_cell, format_text
from mealplan.errors import MealplanError
from mealplan.io.kinds import KIND_NAMES, KINDS
from mealplan.io.sheets import append_row, safe_row

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("csv", "xlsx", "json")


def export_table(session: Session, kind: str, fmt: str) -> bytes:
    """The whole table of ``kind`` as ``fmt`` (``csv``, ``xlsx`` or ``json``) bytes."""
    if kind not in KINDS:
        raise MealplanError(f"unknown kind {kind!r}; expected one of {', '.join(KIND_NAMES)}")
    spec = KINDS[kind]
    if fmt == "json":
        doc = spec.export_json(session)
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    fields = spec.export_fields()
    records = spec.export_records(session)
    log.info("exporting %d %s record(s) as %s", len(records), kind, fmt)
    if fmt == "csv":
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(safe_row(f.name for f in fields))
        for rec in records:
            writer.writerow(safe_row(format_text(f, rec.get(f.name)) for f in fields))
        return buf.getvalue().encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(kind, [f.name for f in fields],
                     [[format_cell(f, rec.get(f.name)) for f in fields] for rec in records])  # fmt: skip
    raise MealplanError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")


def _xlsx(title: str, header: list[str], rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    append_row(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, row)
    ws.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        width = max([len(name), *(len(str(r[index - 1] or "")) for r in rows[:200])])
        ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
