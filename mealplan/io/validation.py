"""Validation at the boundary: raw rows -> typed rows, or every error in the file.

Two passes, both of which run before anything is written:

1. each cell is parsed and checked by its field of the record schema
   (:func:`mealplan.domain.values.parse_value`, the same parser the panel uses): numbers
   and their bounds, HH:MM times, dates, vocabularies with Chinese spellings,
   ``;``-separated lists, text lengths;
2. the kind checks what spans fields, rows or tables: windows that end before they start
   (the schema's rule, as in the panel), duplicate codes, references to unknown codes.

Every problem becomes a :class:`~mealplan.errors.RowError`; if there is any, the whole file
is rejected with :class:`~mealplan.errors.ImportValidationError`.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from mealplan.config import PlanningSettings
from mealplan.domain.values import ValueProblem, is_blank
from mealplan.errors import ImportValidationError, RowError
from mealplan.io.kinds import KINDS, Kind, Parsed
from mealplan.io.reading import FormulaCell, RawTable

log = logging.getLogger(__name__)


def parse_table(kind: Kind, table: RawTable, planning: PlanningSettings | None = None) -> Parsed:
    """Parse every cell of the columns present; collect errors instead of stopping."""
    present = frozenset(table.headers)
    p = Parsed(kind.name, table, present, [], warnings=list(table.warnings), planning=planning)
    missing = [f for f in kind.fields if f.required and f.name not in present]
    for f in missing:
        p.error(table.header_row, None, None, f"required column {f.name!r} is missing")
    if missing:
        return p
    fields = [f for f in kind.fields if f.name in present]
    for number, raw in table.rows:
        row: dict[str, Any] = {}
        for f in fields:
            value = raw.get(f.name)
            if isinstance(value, FormulaCell):
                p.error(number, f.name, str(value), value.problem)
                p.failed.add((number, f.name))
                row[f.name] = None
                continue
            if is_blank(value):
                p.blank.add((number, f.name))
            try:
                row[f.name] = f.parse(value, planning)
            except ValueProblem as exc:
                p.error(number, f.name, value, str(exc))
                p.failed.add((number, f.name))
                row[f.name] = None
        p.rows.append((number, row))
    return p


def validate(
    session: Session, kind_name: str, table: RawTable, planning: PlanningSettings | None = None
) -> Parsed:
    """Typed, checked rows of ``table``; raises ImportValidationError listing every error."""
    kind = KINDS[kind_name]
    kind.prepare(table)
    p = parse_table(kind, table, planning)
    if p.rows:
        kind.check(session, p)
    elif not p.errors:
        p.warn(None, "the file has no data rows")
    if p.errors:
        errors = sorted(p.errors, key=lambda e: (e.row or 0, e.column or ""))
        log.info("%s: %d error(s) in %s", kind_name, len(errors), table.filename)
        raise ImportValidationError(_dedupe(errors))
    return p


def _dedupe(errors: list[RowError]) -> list[RowError]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for e in errors:
        key = (e.row, e.column, e.message, repr(e.value))
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
