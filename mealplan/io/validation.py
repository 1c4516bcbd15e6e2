"""Validation at the boundary: raw rows -> typed rows, or every error in the file.

Three passes, all of which run before anything is written:

1. each cell is parsed by its column type (numbers, HH:MM times, dates, vocabularies with
   Chinese spellings, ``;``-separated lists);
2. a pandera schema per kind checks ranges on the parsed values (latitude, counts,
   IDDSI levels, edible fractions...);
3. the kind checks what spans fields, rows or tables: windows that end before they start,
   duplicate codes, references to unknown codes.

Every problem becomes a :class:`~mealplan.errors.RowError`; if there is any, the whole file
is rejected with :class:`~mealplan.errors.ImportValidationError`.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
from sqlalchemy.orm import Session

from mealplan.errors import ImportValidationError, RowError
from mealplan.io.fields import parse_value
from mealplan.io.kinds import KINDS, Kind, Parsed
from mealplan.io.reading import RawTable

log = logging.getLogger(__name__)


@cache
def schema_for(kind_name: str) -> pa.DataFrameSchema:
    """The pandera schema of a kind: value checks on parsed, non-null cells."""
    kind = KINDS[kind_name]
    return pa.DataFrameSchema(
        {
            f.name: pa.Column(None, checks=list(f.checks), nullable=True, required=False)
            for f in kind.fields
            if f.checks
        },
        strict=False,
    )


def parse_table(kind: Kind, table: RawTable) -> Parsed:
    """Parse every cell of the columns present; collect errors instead of stopping."""
    present = frozenset(table.headers)
    p = Parsed(kind.name, table, present, [], warnings=list(table.warnings))
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
            try:
                row[f.name] = parse_value(f, value)
            except ValueError as exc:
                p.error(number, f.name, value, str(exc))
                row[f.name] = None
        p.rows.append((number, row))
    return p


def check_schema(p: Parsed) -> None:
    """Run the kind's pandera schema lazily and turn its failure cases into row errors."""
    schema = schema_for(p.kind)
    columns = [c for c in schema.columns if c in p.present]
    if not columns or not p.rows:
        return
    frame = pd.DataFrame([[row.get(c) for c in columns] for _n, row in p.rows],
                         columns=columns, dtype=object)  # fmt: skip
    numbers = [n for n, _row in p.rows]
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for case in cases.itertuples(index=False):
            index = getattr(case, "index", None)
            row = None if index is None or pd.isna(index) else numbers[int(index)]
            p.error(row, str(case.column), case.failure_case, str(case.check))


def validate(session: Session, kind_name: str, table: RawTable) -> Parsed:
    """Typed, checked rows of ``table``; raises ImportValidationError listing every error."""
    kind = KINDS[kind_name]
    kind.prepare(table)
    p = parse_table(kind, table)
    if p.rows:
        check_schema(p)
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
