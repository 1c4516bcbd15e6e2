"""The base of every importable kind: checks that span rows, the upsert, the export.

A kind's columns, header aliases and value rules are its record schema
(``mealplan.domain.schemas``); a kind class adds what a schema cannot say: reading a long
format (a dish per recipe line), cross-row and reference checks, and the JSON shapes.
Writing goes through the one record writer (``mealplan.io.store``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.domain.clock import hhmm
from mealplan.domain.schemas import Field, RecordSchema
from mealplan.domain.values import FieldType, format_json
from mealplan.io.kinds.context import Counts, Parsed, Row
from mealplan.io.reading import RawRow, RawTable
from mealplan.io.store import MODELS, REF_LABELS, Refs, write_record

# China's rough bounding box: coordinates outside it are legal but probably a mistake.
CHINA_LAT = (18.0, 54.0)
CHINA_LON = (73.0, 136.0)


class Kind:
    """One importable table, described by its record ``schema``."""

    schema: ClassVar[RecordSchema]
    #: JSON keys of the export that are derived and silently ignored on import
    derived: ClassVar[frozenset[str]] = frozenset()

    @property
    def name(self) -> str:
        return self.schema.kind

    @property
    def label(self) -> str:
        return self.schema.label

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.schema.fields

    @property
    def key(self) -> tuple[str, ...]:
        return self.schema.key

    @property
    def model(self) -> Any:
        return MODELS[self.schema.kind]

    # ---- reading

    def flatten_json(self, obj: Mapping[str, Any]) -> list[RawRow]:
        return [dict(obj)]

    def prepare(self, table: RawTable) -> None:
        """Adjust raw rows before parsing (e.g. fill down merged cells)."""

    # ---- checking

    def check(self, session: Session, p: Parsed) -> None:
        """Cross-field, cross-row and reference checks; add errors and warnings to ``p``."""
        self.check_duplicates(p)
        self.check_refs(session, p)
        self.check_coordinates(p)
        self.check_windows(p)

    def check_duplicates(self, p: Parsed) -> None:
        if not set(self.key) <= p.present:
            return
        first: dict[tuple[Any, ...], int] = {}
        for number, row in p.rows:
            key = tuple(row.get(k) for k in self.key)
            if any(v is None for v in key):
                continue
            if key in first:
                shown = key[0] if len(key) == 1 else "/".join(map(str, key))
                p.error(number, self.key[-1] if len(self.key) > 1 else self.key[0], shown,
                        f"duplicate {self.label} (first at row {first[key]})")  # fmt: skip
            else:
                first[key] = number

    def check_refs(self, session: Session, p: Parsed) -> None:
        refs = Refs(session, p.refs)
        for f in self.fields:
            if f.ref is None or f.name not in p.present:
                continue
            ids = refs.ids(f.ref)
            for number, row in p.rows:
                code = row.get(f.name)
                if code is not None and code not in ids:
                    p.error(number, f.name, code, f"unknown {REF_LABELS[f.ref]} code")

    def check_coordinates(self, p: Parsed) -> None:
        if not {"lat", "lon"} <= p.present:
            return
        for number, row in p.rows:
            lat, lon = row.get("lat"), row.get("lon")
            if lat is None or lon is None:
                continue
            if not (CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LON[0] <= lon <= CHINA_LON[1]):
                p.warn(number, f"({lat}, {lon}) lies outside China; are latitude and "
                               "longitude swapped?")  # fmt: skip

    def check_windows(self, p: Parsed) -> None:
        """The schema's window rules (the same the panel applies)."""
        for number, row in p.rows:
            parsed = {k: v for k, v in row.items() if (number, k) not in p.failed}
            for problem in self.schema.window_problems(parsed):
                f = self.schema.field(problem.field)
                value = problem.value
                if f.type is FieldType.TIME and isinstance(value, int):
                    value = hhmm(value)
                p.error(number, problem.field, value, str(problem))

    # ---- writing

    def upsert(self, session: Session, p: Parsed) -> Counts:
        counts = Counts()
        refs = Refs(session, p.refs)
        existing: dict[str, Any] = {obj.code: obj for obj in session.scalars(select(self.model))}
        for number, row in p.rows:
            obj = existing.get(row["code"])
            written = write_record(session, self.schema, obj, p.given(number, row, obj is not None),
                                   refs=refs, planning=p.planning)  # fmt: skip
            existing[row["code"]] = written.obj
            counts.add(_state(written.created, bool(written.changes)))
        session.flush()
        return counts

    # ---- exporting

    def export_fields(self) -> list[Field]:
        return [f for f in self.fields if f.export]

    def export_records(self, session: Session) -> list[Row]:
        """Rows in the import format, typed (the CSV and XLSX exports format them)."""
        refs = Refs(session)
        codes = {f.ref: refs.codes(f.ref) for f in self.fields if f.ref is not None}
        rows = []
        for obj in session.scalars(select(self.model).order_by(self.model.code)):
            row: Row = {}
            for f in self.export_fields():
                if f.attr is None:
                    continue
                value = getattr(obj, f.attr)
                if f.ref is not None and value is not None:
                    value = codes[f.ref][value]
                row[f.name] = value
            row.update(self.extra_export(obj))
            rows.append(row)
        return rows

    def extra_export(self, obj: Any) -> Row:
        return {}

    def export_json(self, session: Session) -> list[Row]:
        by_name = {f.name: f for f in self.fields}
        return [
            {k: format_json(by_name[k], v) for k, v in rec.items()}
            for rec in self.export_records(session)
        ]


def _state(created: bool, changed: bool) -> str:
    if created:
        return "created"
    return "updated" if changed else "unchanged"


def state_of(created: bool, changed: bool) -> str:
    """``created``, ``updated`` or ``unchanged``: how an import counts a written record."""
    return _state(created, changed)
