"""Imports that cannot corrupt and exports that cannot attack (issue 11): formula cells,
blank cells in updates, bounds and lengths, control characters, encodings, formula
injection in every CSV/XLSX writer."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import String, select
from sqlalchemy.orm import Session
from test_import_export import load_fixtures, snapshot

from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.models import Client, ClientPause, Ingredient, Site
from mealplan.domain.schemas import SCHEMAS
from mealplan.domain.values import (
    PAUSE_REASON_LENGTH,
    FieldType,
    guard_formula,
    unguard_formula,
)
from mealplan.errors import ImportValidationError, RowError
from mealplan.io.exporting import export_table
from mealplan.io.importing import import_table
from mealplan.io.store import MODELS

SITE_HEADER = "code,name,kind,kitchen,lat,lon,seats"


def _site_csv(*rows: str, header: str = SITE_HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode("utf-8")


def _errors(session: Session, kind: str, data: bytes, filename: str, **kw: Any) -> list[RowError]:
    with pytest.raises(ImportValidationError) as info:
        import_table(session, kind, data, filename=filename, **kw)
    session.rollback()
    return info.value.errors


def _one_error(session: Session, kind: str, data: bytes, filename: str) -> RowError:
    errors = _errors(session, kind, data, filename)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


@pytest.fixture
def world(session: Session) -> Session:
    """The fixture tables, with site S1 seating 110."""
    load_fixtures(session)
    site = session.scalars(select(Site)).first()
    assert site is not None
    site.seats = 110
    session.commit()
    return session


def _site(session: Session) -> Site:
    site = session.scalars(select(Site).where(Site.seats == 110)).one()
    return site


def _xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl saves formulas without a cached value
    return buf.getvalue()


# --------------------------------------------------------------------------- formulas, blanks


@pytest.mark.db
def test_formula_cell_without_a_value_is_a_row_error(world: Session, settings: Settings) -> None:
    """An XLSX formula without a cached value (=100+10 in seats) is a row error naming
    file, row, column and formula; the stored 110 stays."""
    site = _site(world)
    data = _xlsx(SITE_HEADER.split(","), [[site.code, site.name, site.kind, "K1", site.lat,
                                            site.lon, "=100+10"]])  # fmt: skip
    before = snapshot(settings)
    error = _one_error(world, "sites", data, "sites.xlsx")
    assert (error.file, error.row, error.column, error.value) == ("sites.xlsx", 2, "seats",
                                                                  "=100+10")  # fmt: skip
    assert "formula" in error.message
    assert snapshot(settings) == before


@pytest.mark.db
def test_blank_cells_in_an_update_keep_stored_values(world: Session) -> None:
    """A blank cell of an existing record is not given: the stored value stays (no
    default is written over it); a new record still gets the default."""
    site = _site(world)
    data = _site_csv(f"{site.code},{site.name},{site.kind},K1,{site.lat},{site.lon},",
                     "NEW1,新站点,canteen,K1,30.1,120.1,")  # fmt: skip
    report = import_table(world, "sites", data, filename="sites.csv")
    world.commit()
    assert (report.created, report.unchanged) == (1, 1)
    assert _site(world).seats == 110
    assert world.scalars(select(Site.seats).where(Site.code == "NEW1")).one() == 0


@pytest.mark.db
def test_blank_json_keys_keep_client_pauses(world: Session) -> None:
    """A JSON record without a key (or with null) keeps that stored value of the client."""
    client = world.scalars(select(Client).where(Client.code == "H1")).one()
    phone, pauses = client.phone, len(client.pauses)
    record = json.loads(export_table(world, "clients", "json"))[0]
    assert record["code"] == "H1" and pauses == 1
    record.update(name="改名", phone=None)
    del record["pauses"]
    import_table(world, "clients", json.dumps([record]).encode(), filename="c.json")
    world.commit()
    world.refresh(client)
    assert (client.name, client.phone, len(client.pauses)) == ("改名", phone, pauses)


# --------------------------------------------------------------------------- bounds, lengths


def test_every_number_has_bounds_and_every_text_a_length() -> None:
    """Every numeric field of every schema has a minimum and a maximum; every text field
    a maximum length."""
    for schema in SCHEMAS.values():
        for f in schema.fields:
            if f.type in (FieldType.INT, FieldType.FLOAT):
                assert f.min_value is not None and f.max_value is not None, (schema.kind, f.name)
            if f.type in (FieldType.TEXT, FieldType.LONGTEXT):
                assert f.max_length is not None, (schema.kind, f.name)


def test_text_lengths_match_the_database_columns() -> None:
    """A text field's max length equals its String(n) column (a longer value would crash
    PostgreSQL with DataError); a reference's length fits the referenced code column."""
    for kind, schema in SCHEMAS.items():
        table = MODELS[kind].__table__
        for f in schema.fields:
            if f.attr is None or f.type not in (FieldType.TEXT, FieldType.LONGTEXT):
                continue
            if f.ref is not None:
                code = MODELS[f.ref].__table__.c.code.type
                assert isinstance(code, String) and code.length == f.max_length, (kind, f.name)
                continue
            column = table.c[f.attr].type
            if isinstance(column, String) and column.length is not None:
                assert f.max_length == column.length, (kind, f.name, column.length)
            else:  # Text
                assert f.max_length is not None and f.max_length <= 100_000, (kind, f.name)
    reason = ClientPause.__table__.c.reason.type
    assert isinstance(reason, String) and reason.length == PAUSE_REASON_LENGTH


@pytest.mark.db
@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("seats", "1e30", "between"),
        ("seats", "3e9", "between"),
        ("seats", "nan", "number"),
        ("lat", "inf", "number"),
        ("name", "A" * 500, "at most 120 characters"),
        ("name", "食堂\x00", "control character"),
        ("name", "食堂\x1b[31m", "control character"),
        ("code", "X" * 41, "at most 40 characters"),
    ],
)
def test_out_of_bounds_values_are_row_errors(
    world: Session, settings: Settings, column: str, value: str, message: str
) -> None:
    """Huge, infinite, too long or control-character values are one row error naming
    file, row, column and value; nothing changes."""
    cells = {"code": "NEW1", "name": "新站点", "kind": "canteen", "kitchen": "K1",
             "lat": "30.1", "lon": "120.1", "seats": "10", column: value}  # fmt: skip
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([list(cells), list(cells.values())])
    before = snapshot(settings)
    error = _one_error(world, "sites", buf.getvalue().encode(), "sites.csv")
    assert (error.file, error.row, error.column) == ("sites.csv", 2, column)
    assert message in error.message and error.value is not None
    assert snapshot(settings) == before


@pytest.mark.db
def test_huge_nutrient_and_json_values_are_row_errors(world: Session) -> None:
    """1e308 kcal, a JSON object or list in a text field, a huge integer: row errors."""
    doc = [
        {
            "code": "I-X1",
            "name_zh": "甲",
            "food_group": "grain",
            "per_100g": {"energy_kcal": 1e308},
        },
        {"code": "I-X2", "name_zh": {"a": 1}, "food_group": "grain"},
        {"code": "I-X3", "name_zh": ["a", "b"], "food_group": "grain"},
        {"code": "I-X4", "name_zh": "丁", "food_group": "grain", "price_fen_per_kg": 10**400},
    ]
    text = json.dumps(doc)
    errors = _errors(world, "ingredients", text.encode(), "i.json")
    where = {(e.row, e.column) for e in errors}
    assert where == {(1, "energy_kcal"), (2, "name_zh"), (3, "name_zh"), (4, "price_fen_per_kg")}
    assert world.scalars(select(Ingredient).where(Ingredient.code.like("I-X%"))).all() == []


@pytest.mark.db
@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '[{"code": NaN}]',
        '[{"code": "A", "code": "B"}]',
        "[" + "1" * 5000 + "]",
    ],
)
def test_hostile_json_is_a_file_error(world: Session, text: str) -> None:
    """Deeply nested JSON, NaN, a duplicate key or a 5000-digit number: a file error."""
    errors = _errors(world, "sites", text.encode(), "s.json")
    assert errors and errors[0].file == "s.json" and "JSON" in errors[0].message


@pytest.mark.db
def test_a_cell_beyond_the_csv_field_limit_is_an_error(world: Session) -> None:
    """A field over 131,072 characters is an error naming the file and row, not a
    _csv.Error traceback."""
    data = _site_csv('NEW1,"' + "A" * 200_000 + '",canteen,K1,30.1,120.1,1')
    errors = _errors(world, "sites", data, "sites.csv")
    assert errors[0].file == "sites.csv" and "CSV" in errors[0].message


@pytest.mark.db
def test_dates_outside_the_service_years_are_row_errors(world: Session) -> None:
    """A headcount dated 0202 or 9999 is a row error."""
    rows = ["date,service,site,profile,count", "0202-01-01,lunch,S1,regular,3",
            "9999-01-01,lunch,S1,regular,3"]  # fmt: skip
    errors = _errors(world, "headcounts", "\n".join(rows).encode(), "h.csv")
    assert {(e.row, e.column) for e in errors} == {(2, "date"), (3, "date")}


# --------------------------------------------------------------------------- encodings


@pytest.mark.db
def test_latin1_is_refused_unless_named(world: Session, settings: Settings) -> None:
    """A Latin-1 file is refused (not stored as GB18030 mojibake); with the encoding
    named it imports, and the report says which encoding it was read with."""
    data = _site_csv("NEW1,Café Müller,canteen,K1,30.1,120.1,10").decode().encode("latin-1")
    before = snapshot(settings)
    error = _one_error(world, "sites", data, "sites.csv")
    assert "encoding" in error.message
    assert snapshot(settings) == before
    report = import_table(world, "sites", data, filename="sites.csv", encoding="latin-1")
    world.commit()
    assert report.encoding == "iso8859-1" and "iso8859-1" in report.summary()
    assert world.scalars(select(Site.name).where(Site.code == "NEW1")).one() == "Café Müller"


@pytest.mark.db
def test_gbk_is_still_detected_and_reported(world: Session) -> None:
    """A Chinese GBK file is read as GB18030 without asking, and the report says so."""
    data = _site_csv("NEW1,南湖社区长者食堂,canteen,K1,30.1,120.1,10").decode().encode("gbk")
    report = import_table(world, "sites", data, filename="sites.csv")
    assert report.encoding == "gb18030"


@pytest.mark.db
def test_cli_encoding_option(settings: Settings, world: Session, tmp_path: Path) -> None:
    """`mealplan import --encoding latin-1` imports a Latin-1 file and names the encoding;
    without it the command exits 2 with the file named."""
    path = tmp_path / "sites.csv"
    path.write_bytes(_site_csv("NEW1,Café,canteen,K1,30.1,120.1,10").decode().encode("latin-1"))
    runner = CliRunner()
    bad = runner.invoke(main, ["import", "sites", str(path)])
    assert bad.exit_code == 2 and "sites.csv" in bad.output and "Traceback" not in bad.output
    good = runner.invoke(main, ["import", "sites", str(path), "--encoding", "latin-1"])
    assert good.exit_code == 0, good.output
    assert "iso8859-1" in good.output
    unknown = runner.invoke(main, ["import", "sites", str(path), "--encoding", "klingon"])
    assert unknown.exit_code == 2 and "unknown encoding" in unknown.output


# --------------------------------------------------------------------------- formula injection

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "  =1+1", "'=already quoted"]  # fmt: skip


def test_guard_round_trips_and_neutralises() -> None:
    """Guarded text never starts a formula, and unguard(guard(x)) == x for every x."""
    for text in [*HOSTILE, "plain", "-12.5", "'plain", "''=x", "\t=1", "\r=1", ""]:
        guarded = guard_formula(text)
        assert unguard_formula(guarded) == text
        assert not guarded.lstrip().startswith(("=", "+", "-", "@")) or guarded == "-12.5"
        assert not guarded.startswith(("\t", "\r"))


def _hostile_sites(session: Session) -> None:
    for i, name in enumerate(HOSTILE):
        rows = _site_csv(f"EVIL{i},x,canteen,K1,30.1,120.1,1")
        import_table(session, "sites", rows, filename="s.csv")
        site = session.scalars(select(Site).where(Site.code == f"EVIL{i}")).one()
        site.name = name.strip()
    session.commit()


@pytest.mark.db
def test_csv_export_is_guarded_and_round_trips(world: Session, settings: Settings) -> None:
    """Formula-like names go out with a leading quote in CSV and come back unchanged."""
    _hostile_sites(world)
    data = export_table(world, "sites", "csv")
    names = [r["name"] for r in csv.DictReader(io.StringIO(data.decode()))]
    assert all(not n.startswith(("=", "+", "-", "@")) for n in names)
    before = snapshot(settings)
    report = import_table(world, "sites", data, filename="sites.csv")
    world.commit()
    assert report.created == report.updated == 0
    assert snapshot(settings)["site"] == before["site"]


@pytest.mark.db
def test_xlsx_export_has_no_formula_cells_and_round_trips(
    world: Session, settings: Settings
) -> None:
    """XLSX text cells are strings (never formulas), guarded, and import back unchanged."""
    _hostile_sites(world)
    data = export_table(world, "sites", "xlsx")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    names = [str(c.value) for c in cells if isinstance(c.value, str)]
    assert any(n.startswith("'=HYPERLINK") for n in names)
    before = snapshot(settings)
    report = import_table(world, "sites", data, filename="sites.xlsx")
    world.commit()
    assert report.created == report.updated == 0
    assert snapshot(settings)["site"] == before["site"]


def test_purchase_list_xlsx_keeps_formula_names_as_text() -> None:
    """An ingredient named like a formula is a guarded string cell in the purchase list."""
    from dataclasses import replace

    from test_documents import AT, _production

    from mealplan.documents.xlsx import purchase_list_xlsx

    _, purchase = _production()
    evil = '=HYPERLINK("http://evil.example","x")'
    lines = [replace(purchase.lines[0], name_zh=evil), *purchase.lines[1:]]
    data = purchase_list_xlsx(replace(purchase, lines=lines), generated_at=AT)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "'" + evil for c in cells)


@pytest.mark.db
@pytest.mark.parametrize("source_cell", [None, ""])
def test_imported_count_replaces_a_forecast(world: Session, source_cell: str | None) -> None:
    """A headcount imported over the plan's forecast (source column absent or blank)
    becomes a reported count, so the next plan does not delete it as a forecast."""
    from mealplan.db.models import Headcount

    row = world.scalars(select(Headcount)).first()
    assert row is not None
    row.source, row.reported_by = "forecast", "forecast"
    world.commit()
    site = world.scalars(select(Site.code).where(Site.id == row.site_id)).one()
    profile = row.diet_profile.code
    header = "date,service,site,profile,count" + (",source" if source_cell is not None else "")
    line = f"{row.date},{row.service},{site},{profile},77" + (
        "," if source_cell is not None else ""
    )
    import_table(world, "headcounts", f"{header}\n{line}\n".encode(), filename="h.csv")
    world.commit()
    world.refresh(row)
    assert (row.count, row.source, row.reported_by) == (77, "reported", "")


def _hostile_xlsx() -> bytes:
    return _xlsx(SITE_HEADER.split(","), [["NEW1", "新", "canteen", "K1", 30.1, 120.1, "=1/0"]])


HOSTILE_FILES = {
    "nul.csv": _site_csv("NEW1,食\x00堂,canteen,K1,30.1,120.1,1"),
    "long.csv": _site_csv("NEW1," + "A" * 500 + ",canteen,K1,30.1,120.1,1"),
    "huge.csv": _site_csv("NEW1,食堂,canteen,K1,30.1,120.1,1e30"),
    "field.csv": _site_csv('NEW1,"' + "A" * 200_000 + '",canteen,K1,30.1,120.1,1'),
    "latin1.csv": _site_csv("NEW1,Café,canteen,K1,30.1,120.1,1").decode().encode("latin-1"),
    "formula.xlsx": _hostile_xlsx(),
    "deep.json": b"[" * 50_000 + b"]" * 50_000,
    "object.json": json.dumps([{"code": "NEW1", "name": {"a": [1]}, "kind": "canteen",
                                "kitchen": "K1", "lat": 30.1, "lon": 120.1}]).encode(),
}  # fmt: skip


@pytest.mark.db
@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_cli_refuses_hostile_files_with_exit_2(
    world: Session, settings: Settings, tmp_path: Path, name: str
) -> None:
    """`mealplan import` on each hostile file exits 2 naming the file, prints no
    traceback and leaves every table as it was."""
    path = tmp_path / name
    path.write_bytes(HOSTILE_FILES[name])
    before = snapshot(settings)
    result = CliRunner().invoke(main, ["import", "sites", str(path)])
    assert result.exit_code == 2, result.output
    assert name in result.output and "Traceback" not in result.output
    assert snapshot(settings) == before


@pytest.mark.db
def test_utf16_unicode_text_is_detected(world: Session) -> None:
    """Excel's "Unicode text" (UTF-16 with BOM, tab-separated) is read as UTF-16."""
    text = SITE_HEADER.replace(",", "\t") + "\nNEW1\t南湖食堂\tcanteen\tK1\t30.1\t120.1\t10\n"
    report = import_table(world, "sites", text.encode("utf-16"), filename="sites.txt")
    assert (report.created, report.encoding) == (1, "utf-16")


@pytest.mark.db
def test_xlsx_date_cell_out_of_range_is_a_row_error(world: Session) -> None:
    """1e30 in a date-formatted XLSX cell (no date a spreadsheet can show) is a row error
    naming the column, not an OverflowError."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["date", "service", "site", "profile", "count"])
    ws.append([1e30, "lunch", "S1", "regular", 3])
    ws["A2"].number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    error = _one_error(world, "headcounts", buf.getvalue(), "h.xlsx")
    assert (error.row, error.column) == (2, "date") and "error value" in error.message
