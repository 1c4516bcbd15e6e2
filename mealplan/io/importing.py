"""Import use case: a file (CSV, XLSX or JSON) -> validated upsert by natural key.

``import_table`` validates every row first and raises ``ImportValidationError`` listing
every problem; only a valid file is written, inside the caller's transaction (the CLI's
``unit_of_work`` commits on success and rolls back on any error), so a bad file changes
nothing. Re-importing the same file is idempotent: records are matched by ``code``
(headcounts by date + service + site + profile) and only changed ones are updated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mealplan.config import PlanningSettings
from mealplan.db.models import AuditEntry
from mealplan.domain.values import normalise_header
from mealplan.errors import ImportValidationError, MealplanError, RowError
from mealplan.io.kinds import KIND_NAMES, KINDS
from mealplan.io.reading import (
    RawTable,
    detect_format,
    grid_to_table,
    header_map,
    json_to_table,
    read_csv_grid,
    read_xlsx_grid,
)
from mealplan.io.validation import validate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport:
    """What an import did. ``rows`` counts data rows; the other counts are records (a dish
    with five recipe lines is one record)."""

    kind: str
    filename: str
    rows: int
    created: int
    updated: int
    unchanged: int
    warnings: tuple[str, ...] = ()
    encoding: str | None = None  # how a CSV or JSON file was decoded; None for XLSX

    def summary(self) -> str:
        read_as = f" (read as {self.encoding})" if self.encoding else ""
        return (
            f"{self.kind} from {self.filename}{read_as}: {self.rows} row(s); "
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
            + (f"; {len(self.warnings)} warning(s)" if self.warnings else "")
        )


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise MealplanError(f"unknown kind {kind!r}; expected one of {', '.join(KIND_NAMES)}")


def read_raw(
    kind: str,
    data: bytes,
    filename: str,
    sheet: str | None = None,
    encoding: str | None = None,
) -> RawTable:
    """Read a file of ``kind`` into raw rows (no parsing yet); ``encoding`` of a CSV or
    JSON file (default: UTF-8, else Chinese GB18030, else refused)."""
    _check_kind(kind)
    spec = KINDS[kind]
    fmt = detect_format(filename, data)
    if fmt == "json":
        return json_to_table(data, filename, spec.fields, spec.flatten_json, spec.derived, encoding)
    if fmt == "xlsx":
        return grid_to_table(read_xlsx_grid(data, filename, sheet), filename, spec.fields)
    grid, used = read_csv_grid(data, filename, encoding)
    table = grid_to_table(grid, filename, spec.fields)
    table.encoding = used
    return table


def import_table(
    session: Session,
    kind: str,
    path_or_bytes: str | Path | bytes,
    *,
    filename: str | None = None,
    actor: str = "cli",
    sheet: str | None = None,
    planning: PlanningSettings | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Validate a file of ``kind`` and upsert it into ``session`` (not committed).

    Args:
        session: the caller's session; the caller commits (or rolls back on error).
        kind: one of :data:`~mealplan.io.kinds.KIND_NAMES` (``sites``, ``dishes``...).
        path_or_bytes: a path to the file, or its content.
        filename: the name shown in messages and used to detect the format (``.csv``,
            ``.xlsx``, ``.json``); defaults to the path's name, required for bytes.
        actor: who imports (a username, or ``cli``), recorded in the audit log.
        sheet: the XLSX sheet to read (default: the first).
        planning: the ``[planning]`` settings that supply configured defaults (a new
            diet profile's budget); the built-in defaults when None.
        encoding: the text encoding of a CSV or JSON file (default: UTF-8, else Chinese
            GB18030 when the text looks like it, else the file is refused).

    Raises:
        ImportValidationError: listing every problem in the file; nothing is written.
    """
    _check_kind(kind)
    if isinstance(path_or_bytes, bytes):
        if filename is None:
            raise MealplanError("filename is required when importing bytes")
        data = path_or_bytes
    else:
        path = Path(path_or_bytes)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise MealplanError(f"cannot read {path}: {exc}") from exc
        filename = filename or path.name
    table = read_raw(kind, data, filename, sheet, encoding)
    return _import(session, kind, table, actor=actor, planning=planning)


def import_rows(
    session: Session,
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    source: str,
    actor: str = "cli",
    planning: PlanningSettings | None = None,
) -> ImportReport:
    """Import records given as dicts in the import format (canonical column names, typed
    or text values) through the same validation and upsert as files. ``source`` names
    them in messages; row numbers count as if a header were row 1."""
    _check_kind(kind)
    names = header_map(KINDS[kind].fields)
    raw_rows = []
    headers: dict[str, str] = {}
    unknown: set[str] = set()
    for number, record in enumerate(rows, start=2):
        cells: dict[str, Any] = {}
        for key, value in record.items():
            name = names.get(normalise_header(key))
            if name is None:
                unknown.add(key)
                continue
            headers.setdefault(name, key)
            cells[name] = value
        raw_rows.append((number, cells))
    if unknown:
        raise ImportValidationError(
            [RowError(source, 1, k, None, "not a column of this format") for k in sorted(unknown)]
        )
    for _number, cells in raw_rows:
        for name in headers:
            cells.setdefault(name, None)
    table = RawTable(source, 1, headers, raw_rows)
    return _import(session, kind, table, actor=actor, planning=planning)


def _import(
    session: Session,
    kind: str,
    table: RawTable,
    *,
    actor: str,
    planning: PlanningSettings | None = None,
) -> ImportReport:
    parsed = validate(session, kind, table, planning)
    counts = KINDS[kind].upsert(session, parsed)
    report = ImportReport(
        kind=kind,
        filename=table.filename,
        rows=len(parsed.rows),
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        warnings=tuple(parsed.warnings),
        encoding=table.encoding,
    )
    session.add(
        AuditEntry(
            actor=actor[:80],
            action="import",
            entity=kind,
            entity_code=table.filename[-120:],
            details={
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "warnings": len(report.warnings),
                "encoding": report.encoding,
            },
        )
    )
    session.flush()
    for warning in report.warnings:
        log.info("warning: %s", warning)
    log.info("%s", report.summary())
    return report
