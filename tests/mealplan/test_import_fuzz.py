"""Property-based fuzzing of every import kind and format (issue 11).

For each kind and each format (CSV in UTF-8, CSV in GBK, XLSX, JSON) hypothesis generates
files whose rows are a valid record with some cells replaced by hostile values: huge, NaN
and infinite numbers, long, NUL, control, formula and emoji strings, lists and objects
where text belongs, deeply nested JSON, impossible dates and times, duplicate keys and
missing columns. Every file must either import cleanly, storing only values the schema
allows, or be refused with ``ImportValidationError`` (the CLI's exit 2) whose errors name
the file; never another exception (a traceback), and after a refusal every table is
exactly as before.

The default run is derandomized and small (``EXAMPLES`` per kind and format); ``make
test-slow`` sets ``MEALPLAN_FUZZ_LONG=1`` for the long run (``LONG_EXAMPLES`` each).
Marked ``db``: CI runs it on PostgreSQL too, where an unchecked long string or huge number
would fail with DataError.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Float, String, select
from sqlalchemy.orm import Session
from test_import_export import load_fixtures

from mealplan.db.models import Base
from mealplan.domain.schemas import SCHEMAS
from mealplan.errors import ImportValidationError
from mealplan.io.importing import import_table
from mealplan.io.kinds import KIND_NAMES

pytestmark = pytest.mark.db

EXAMPLES = 8  # per kind and format: 10 kinds x 4 formats x 8 = 320 files by default
LONG_EXAMPLES = 100  # 4,000 files under `make test-slow`
FORMATS = ("csv-utf8", "csv-gbk", "xlsx", "json")

#: one valid record per kind, referencing the fixture tables (K1, S1, regular, rice, V1)
BASE: dict[str, dict[str, Any]] = {
    "kitchens": {"code": "K9", "name": "新厨房", "lat": "30.3", "lon": "120.1",
                 "capacity_lunch": "100", "contact_phone": "13800000000"},
    "sites": {"code": "S9", "kind": "canteen", "name": "新食堂", "kitchen": "K1", "lat": "30.3",
              "lon": "120.1", "seats": "10", "lunch_window_start": "11:00",
              "lunch_window_end": "11:45", "notes": "二楼"},
    "clients": {"code": "H9", "name": "王大妈", "kitchen": "K1", "diet_profile": "regular",
                "category": "age_80", "lat": "30.3", "lon": "120.1", "lunch_days": "12345",
                "window_start": "11:00", "window_end": "12:00", "driver_notes": "敲门",
                "pauses": "2026-11-20..2026-11-25 住院"},
    "ingredients": {"code": "I9", "name_zh": "大米", "food_group": "grain",
                    "energy_kcal": "346", "price_fen_per_kg": "600", "allergens": ""},
    "dishes": {"code": "D9", "name_zh": "米饭", "category": "staple", "cooking_method": "steam",
               "tags": "", "ingredient": "rice", "grams": "85"},
    "diet-profiles": {"code": "P9", "name_zh": "新膳食", "group": "regular", "budget_fen": "700"},
    "nutrition-groups": {"group": "G9", "name_zh": "新组", "name_en": "New", "service": "lunch",
                         "nutrient": "energy_kcal", "min": "400", "max": "600"},
    "vehicles": {"code": "V9", "kind": "van", "kitchen": "K1", "capacity_boxes": "100",
                 "speed_kmh": "30", "shift_start": "09:30", "shift_end": "14:00"},
    "drivers": {"code": "DR9", "name": "赵师傅", "kitchen": "K1", "vehicle": "V1",
                "phone": "13800000021"},
    "headcounts": {"date": "2026-11-19", "service": "lunch", "site": "S1",
                   "profile": "regular", "count": "10", "reported_by": "张三"},
}  # fmt: skip
if "meal-structures" in KIND_NAMES:
    BASE["meal-structures"] = {"code": "M9", "name_zh": "一荤两素", "staple": "1", "main": "1",
                               "vegetable": "2", "main_food_groups": "pork;egg",
                               "price_fen": "1200"}  # fmt: skip


def base_record(kind: str) -> dict[str, Any]:
    """The valid record of ``kind``; a kind added later without one gets blank cells (its
    files are then mostly refused, which the property covers as well)."""
    return BASE.get(kind) or {f.name: "" for f in SCHEMAS[kind].fields}


SPECIAL = [
    "1e30", "3e9", "1e308", "-1e308", "nan", "NaN", "inf", "-inf", "-0", "²", "１２", "0x10",
    "1_000", "9" * 400, "25:99", "24:00", "-1:00", "11:30:99", "2026-02-30", "0000-01-01",
    "9999-12-31", "2026-13-01", "20261301", "", " ", "是", "true", "=1+1", "=100+10",
    '=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-", "'=x",
    "😀" * 10, "A" * 121, "A" * 5001, "\x00", "a\x00b", "\r\n", "\u202e", "\ufeff",
    "K1", "S1", "regular", "rice", "V1", "lunch", "dinner", "canteen", "van", "grain",
    "2026-11-20..2026-11-19 x", "2026-11-20..2026-11-25;2026-11-24..2026-11-30",
]  # fmt: skip


#: a code of each kind that the fixtures store (an update instead of a new record)
EXISTING = {"kitchens": "K1", "sites": "S1", "clients": "H1", "ingredients": "rice",
            "dishes": "rice_plain", "diet-profiles": "regular", "vehicles": "V1",
            "drivers": "D1"}  # fmt: skip


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


HOSTILE = st.one_of(
    st.sampled_from(SPECIAL),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.text(max_size=20),
    st.booleans(),
    st.none(),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(min_value=0, max_value=9), max_size=2),
    st.integers(min_value=1, max_value=60).map(_nested),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.times(),
)


@st.composite
def hostile_files(draw: st.DrawFn, kind: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A header and 1-3 rows: the valid base record with some cells hostile, perhaps a
    column dropped, a row duplicated or an unknown column added."""
    base = base_record(kind)
    header = list(base)
    if draw(st.integers(0, 5)) == 0:
        header.remove(draw(st.sampled_from(header)))
    if draw(st.integers(0, 7)) == 0:
        header.append("unknown_column")
    if draw(st.integers(0, 9)) == 0:  # a hostile header cell (a formula, NUL, emoji...)
        spelled = draw(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=10)))
        if spelled not in header:
            header[draw(st.integers(0, len(header) - 1))] = spelled
    rows = []
    for index in range(draw(st.integers(1, 3))):
        row: dict[str, Any] = {}
        for name in header:
            value = base.get(name, "x")
            if name == "code" and draw(st.integers(0, 3)) == 0:
                value = EXISTING.get(kind, value)  # an update of a stored record
            if name in ("code", "group") and index:
                value = f"{value}{index}"
            if draw(st.integers(0, 3)) == 0:
                value = draw(HOSTILE)
            row[name] = value
        rows.append(row)
    if draw(st.integers(0, 5)) == 0:
        rows.append(dict(rows[0]))  # a duplicate key
    return header, rows


def _text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _csv(header: list[str], rows: list[dict[str, Any]], encoding: str) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text_cell(row[name]) for name in header])
    errors = "surrogatepass" if encoding == "utf-8" else "replace"
    return buf.getvalue().encode(encoding, errors=errors)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
        return str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, dt.date) and value.year < 1900:
        return value.isoformat()
    return value


def _xlsx(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([_xlsx_cell(h) for h in header])
    for row in rows:
        ws.append([_xlsx_cell(row[name]) for name in header])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _json(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    doc = [{name: row[name] for name in header} for row in rows]
    text = json.dumps(doc, ensure_ascii=False, default=lambda v: v.isoformat())
    return text.encode("utf-8", errors="surrogatepass")


def make_file(fmt: str, header: list[str], rows: list[dict[str, Any]]) -> tuple[bytes, str]:
    """The file's bytes and name in ``fmt``."""
    if fmt == "csv-utf8":
        return _csv(header, rows, "utf-8"), "fuzz.csv"
    if fmt == "csv-gbk":
        return _csv(header, rows, "gbk"), "fuzz.csv"
    if fmt == "xlsx":
        return _xlsx(header, rows), "fuzz.xlsx"
    return _json(header, rows), "fuzz.json"


def dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order (as this session sees them)."""
    return {
        t.name: [tuple(r) for r in session.execute(select(t).order_by(*t.primary_key.columns))]
        for t in Base.metadata.sorted_tables
    }


def check_stored(session: Session) -> None:
    """Only storable values were written: text within its column's length and without
    NUL, finite floats."""
    for table in Base.metadata.sorted_tables:
        columns = [
            c for c in table.columns if isinstance(c.type, (String, Float)) and c.name != "id"
        ]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                if isinstance(column.type, Float):
                    assert math.isfinite(value), (table.name, column.name, value)
                elif isinstance(value, str):
                    length = column.type.length
                    assert length is None or len(value) <= length, (table.name, column.name)
                    assert "\x00" not in value, (table.name, column.name)


def run_one(
    session: Session, kind: str, fmt: str, file: tuple[list[str], list[dict[str, Any]]]
) -> None:
    """Import one generated file: a clean import of storable values, or a refusal naming
    the file that changes nothing. The session is rolled back either way."""
    data, filename = make_file(fmt, *file)
    before = dump(session)
    try:
        import_table(session, kind, data, filename=filename)
    except ImportValidationError as exc:
        assert exc.errors
        for error in exc.errors:
            assert error.file == filename, str(error)
            assert str(error)  # formats without a traceback
        assert dump(session) == before
    else:
        session.flush()
        check_stored(session)
    finally:
        session.rollback()


@pytest.fixture
def fixtures(session: Session) -> Session:
    """The fixture tables, committed once per kind and format."""
    load_fixtures(session)
    return session


FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KIND_NAMES)
@FUZZ
@given(data=st.data())
def test_import_fuzz(fixtures: Session, kind: str, fmt: str, data: st.DataObject) -> None:
    """Any generated file imports cleanly or is refused naming the file, with every table
    unchanged; never a traceback."""
    run_one(fixtures, kind, fmt, data.draw(hostile_files(kind)))


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("MEALPLAN_FUZZ_LONG") != "1", reason="the long fuzz run: make test-slow"
)
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KIND_NAMES)
@settings(FUZZ, max_examples=LONG_EXAMPLES)
@given(data=st.data())
def test_import_fuzz_long(fixtures: Session, kind: str, fmt: str, data: st.DataObject) -> None:
    """The same property over thousands of files (make test-slow)."""
    run_one(fixtures, kind, fmt, data.draw(hostile_files(kind)))
