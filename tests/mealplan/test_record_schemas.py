"""One schema per record: the panel's verbs, the importer and the exports accept and refuse
the same values, field by field, for every record kind (mealplan.domain.schemas)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import PlanningSettings
from mealplan.db.models import Client, DietProfile, NutritionGroup
from mealplan.domain.schemas import KIND_NAMES, SCHEMAS, Field, RecordSchema
from mealplan.domain.values import FieldType, normalise_header
from mealplan.errors import ImportValidationError
from mealplan.io.exporting import export_table
from mealplan.io.importing import import_table
from mealplan.services import records, reference
from mealplan.services.records import PANEL_KINDS, RecipeInput, RecordValidationError

T = FieldType

#: one valid record of each kind, by column name (references name the `world` records)
BASE: dict[str, dict[str, str]] = {
    "kitchens": {"code": "KX", "name": "厨房", "lat": "30.1", "lon": "120.1"},
    "sites": {"code": "SX", "kind": "canteen", "name": "食堂", "lat": "30.1", "lon": "120.1",
              "kitchen": "K1"},
    "clients": {"code": "CX", "name": "老人", "lat": "30.1", "lon": "120.1",
                "diet_profile": "regular", "category": "age_80", "kitchen": "K1",
                "lunch_days": "12345"},
    "ingredients": {"code": "IX", "name_zh": "大米", "food_group": "grain"},
    "dishes": {"code": "DX", "name_zh": "米饭", "category": "staple", "cooking_method": "steam",
               "ingredient": "I1", "grams": "100"},
    "diet-profiles": {"code": "PX", "name_zh": "普通", "group": "regular"},
    "nutrition-groups": {"group": "GX", "name_zh": "组", "name_en": "Group",
                         "service": "lunch", "nutrient": "energy_kcal", "min": "",
                         "max": "200"},
    "vehicles": {"code": "VX", "kind": "van", "kitchen": "K1", "capacity_boxes": "10",
                 "speed_kmh": "20"},
    "drivers": {"code": "DRX", "name": "司机", "kitchen": "K1"},
    "headcounts": {"date": "2026-11-21", "service": "lunch", "site": "S1",
                   "profile": "regular", "count": "3"},
    "meal-structures": {"code": "MX", "name_zh": "一荤两素一饭一汤", "staple": "1", "main": "1",
                        "vegetable": "2", "soup": "1"},
    "price-tiers": {"code": "PTX", "service": "lunch", "category": "age_80",
                    "meal_price_fen": "100000", "elder_pays_fen": "0",
                    "valid_from": "2026-01-01"},
    "subsidy-rules": {"code": "SRX", "category": "age_80", "level": "city", "funder": "市民政局",
                      "valid_from": "2026-01-01"},
}  # fmt: skip


@dataclass(frozen=True)
class Case:
    """A value of one field and whether the schema's rules accept it."""

    field: str
    value: str
    ok: bool
    why: str

    @property
    def id(self) -> str:
        return f"{self.field}={self.value[:12]}{'…' if len(self.value) > 12 else ''}"


def _step(f: Field) -> float:
    return 1 if f.type is T.INT else 0.01


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


def _free(f: Field) -> bool:
    """Text that names no other record (a base dish is a dish code)."""
    return f.ref is None and f.name != "base_dish"


def cases(schema: RecordSchema) -> Iterator[Case]:
    """Boundary values just inside and just outside every bound, over-long text, a value
    outside each vocabulary, a bad time: derived from the schema itself."""
    for f in schema.fields:
        if f.type in (T.INT, T.FLOAT):
            if f.min_value is not None:
                lo = f.min_value
                if f.min_exclusive:
                    yield Case(f.name, _num(lo), False, "at the exclusive minimum")
                    yield Case(f.name, _num(lo + _step(f)), True, "just above the minimum")
                else:
                    yield Case(f.name, _num(lo), True, "at the minimum")
                    yield Case(f.name, _num(lo - _step(f)), False, "just below the minimum")
            if f.max_value is not None:
                yield Case(f.name, _num(f.max_value), True, "at the maximum")
                yield Case(f.name, _num(f.max_value + _step(f)), False, "just above the maximum")
            yield Case(f.name, "many", False, "not a number")
        if f.type is T.LIST and f.max_length is not None and f.choices is None:
            yield Case(f.name, "a" * f.max_length, True, "an item at the maximum length")
            yield Case(f.name, "a" * (f.max_length + 1), False, "an item over the maximum length")
        text = f.type in (T.TEXT, T.LONGTEXT) and f.max_length is not None and _free(f)
        if text and (f.name not in schema.key or len(schema.key) == 1):
            assert f.max_length is not None
            yield Case(f.name, "A" * f.max_length, True, "at the maximum length")
            yield Case(f.name, "A" * (f.max_length + 1), False, "over the maximum length")
        if f.pattern is not None:
            yield Case(f.name, "有 空格", False, "not a code")
        if f.type is T.CODE or (f.type is T.LIST and f.choices is not None):
            yield Case(f.name, "no-such-choice", False, "not in the vocabulary")
        if f.type is T.TIME:
            yield Case(f.name, "25:00", False, "not a time of day")
        if f.type is T.WEEKDAYS:
            yield Case(f.name, "89", False, "not weekdays")


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


@pytest.fixture
def world(session: Session) -> Session:
    """Kitchen K1, site S1, ingredient I1, profile regular, the default nutrition groups."""
    reference.ensure_nutrition_groups(session)
    records.create_kitchen(session, {"code": "K1", "name": "厨房", "lat": 30, "lon": 120},
                           actor="t")  # fmt: skip
    records.create_site(session, {"code": "S1", "kind": "canteen", "name": "食堂",
                                  "lat": 30, "lon": 120, "kitchen": "K1"}, actor="t")  # fmt: skip
    records.create_ingredient(session, {"code": "I1", "name_zh": "大米", "food_group": "grain"},
                              actor="t")  # fmt: skip
    records.create_profile(session, {"code": "regular", "name_zh": "普通", "group": "regular"},
                           actor="t")  # fmt: skip
    session.commit()
    return session


def _import_verdict(session: Session, kind: str, case: Case) -> tuple[bool, str]:
    row = {**BASE[kind], case.field: case.value}
    if kind == "nutrition-groups" and case.field in ("min", "max"):  # both bounded: test one
        row["max" if case.field == "min" else "min"] = ""
    try:
        import_table(session, kind, _csv([row]), filename="x.csv")
    except ImportValidationError as exc:
        columns = {e.column for e in exc.errors}
        assert columns == {case.field}, (case, [str(e) for e in exc.errors])
        return False, str(exc)
    return True, ""


def _panel_verdict(session: Session, kind: str, case: Case) -> tuple[bool, str]:
    data: dict[str, Any] = {**BASE[kind], case.field: case.value}
    try:
        if kind == "dishes":
            recipe = [RecipeInput(data.pop("ingredient"), data.pop("grams"))]
            records.create_dish(session, data, recipe, actor="t")
        else:
            records.create_record(session, kind, data, actor="t")
    except RecordValidationError as exc:
        return False, str(exc)
    return True, ""


def _roundtrip(session: Session, kind: str) -> None:
    """What was accepted exports and imports again unchanged, as CSV and as JSON."""
    for fmt in ("csv", "json"):
        data = export_table(session, kind, fmt)
        report = import_table(session, kind, data, filename=f"again.{fmt}")
        assert report.created == report.updated == 0, (kind, fmt, report.summary())


@pytest.mark.db
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_panel_import_and_export_accept_the_same_values(world: Session, kind: str) -> None:
    """For every field of every record, boundary values, over-long text and values outside
    a vocabulary get the same verdict from the panel's verbs and from a CSV import, that
    verdict is the schema's, and an accepted value exports and re-imports unchanged."""
    session = world
    schema = SCHEMAS[kind]
    panel_fields = {f.name for f in schema.panel_fields} | (
        {"ingredient", "grams"} if kind == "dishes" else set()
    )
    checked = 0
    for case in cases(schema):
        imported, why = _import_verdict(session, kind, case)
        assert imported is case.ok, f"import: {case} ({case.why}): {why}"
        if imported:
            _roundtrip(session, kind)
        session.rollback()
        if kind in PANEL_KINDS and case.field in panel_fields:
            saved, why = _panel_verdict(session, kind, case)
            assert saved is case.ok, f"panel: {case} ({case.why}): {why}"
            session.rollback()
        checked += 1
    assert checked >= 3


def test_every_kind_has_cases_for_every_bounded_field() -> None:
    """Each bound, length and vocabulary of every schema yields a case (none is skipped)."""
    for schema in SCHEMAS.values():
        fields = {c.field for c in cases(schema)}
        for f in schema.fields:
            bounded = (
                f.min_value is not None
                or f.max_value is not None
                or f.choices is not None
                or (f.max_length is not None and _free(f) and f.name not in schema.key[1:])
            )
            if bounded:
                assert f.name in fields, (schema.kind, f.name)


def test_panel_kinds_and_import_kinds_share_names() -> None:
    """The panel edits diet profiles under the importer's and CLI's name."""
    assert "diet-profiles" in PANEL_KINDS and "profiles" not in PANEL_KINDS
    assert set(PANEL_KINDS) <= set(KIND_NAMES)
    assert records.spec_for("profiles").kind == "diet-profiles"  # old name still understood


# --------------------------------------------------------------------------- headers


def _catalogue() -> Any:
    with open("web/translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as fh:
        return read_po(fh)


def test_chinese_panel_labels_are_import_headers() -> None:
    """Every label the panel shows for a field, in English and as the catalogue translates
    it to Chinese, is a header the importer maps to that field."""
    catalogue = _catalogue()
    for schema in SCHEMAS.values():
        headers = schema.header_map()
        for f in schema.fields:
            if not f.label:
                continue
            message = catalogue.get(f.label)
            assert message is not None and message.string, (schema.kind, f.label)
            assert message.string == f.label_zh, (schema.kind, f.name, message.string)
            for spelling in (f.label, message.string, f.key):
                assert headers[normalise_header(spelling)] == f.name, (schema.kind, spelling)


def test_no_header_names_two_fields() -> None:
    """Within a kind, no accepted header spelling belongs to two columns."""
    for schema in SCHEMAS.values():
        seen: dict[str, str] = {}
        for f in schema.fields:
            for spelling in f.headers:
                key = normalise_header(spelling)
                assert seen.setdefault(key, f.name) == f.name, (schema.kind, spelling)


# --------------------------------------------------------------------------- the listed bugs


@pytest.mark.db
def test_delivery_until_header_sets_the_clients_window_end(world: Session) -> None:
    """送达截止, the panel's label of a client's window end, is read on import (it was
    ignored, so a client got the window 13:00-12:00)."""
    text = (
        "编码,姓名,纬度,经度,膳食类型,类别,中央厨房,送达开始,送达截止\n"
        "C1,王奶奶,30.1,120.1,regular,age_80,K1,13:00,13:45\n"
    )
    import_table(world, "clients", text.encode(), filename="c.csv")
    client = world.scalars(select(Client)).one()
    assert (client.window_start_min, client.window_end_min) == (13 * 60, 13 * 60 + 45)


@pytest.mark.db
def test_panel_edits_a_clients_dinner_window(world: Session) -> None:
    """The panel's client fields include the dinner window (they lacked it)."""
    data = {**BASE["clients"], "dinner_days": "12345",
            "dinner_window_start_min": "16:30", "dinner_window_end_min": "17:15"}  # fmt: skip
    client = records.create_client(world, data, actor="t")
    assert (client.dinner_window_start_min, client.dinner_window_end_min) == (990, 1035)
    records.update_client(world, "CX", {"dinner_window_end_min": "17:30"}, actor="t")
    assert client.dinner_window_end_min == 1050
    with pytest.raises(RecordValidationError) as exc:
        records.update_client(world, "CX", {"dinner_window_end_min": "16:00"}, actor="t")
    assert set(exc.value.by_field()) == {"dinner_window_end_min"}


@pytest.mark.db
@pytest.mark.parametrize(
    ("kind", "field", "bad"),
    [
        ("kitchens", "cooking_lead_minutes", "601"),
        ("kitchens", "packing_minutes", "601"),
        ("kitchens", "loading_minutes", "601"),
        ("vehicles", "speed_kmh", "121"),
        ("vehicles", "speed_kmh", "0.5"),
        ("sites", "seats", "100001"),
        ("sites", "unloading_minutes", "121"),
        ("sites", "name", "长" * 121),
    ],
)
def test_import_refuses_what_the_panel_refuses(
    world: Session, kind: str, field: str, bad: str
) -> None:
    """Bounds and lengths that only the panel had are now the importer's too."""
    with pytest.raises(ImportValidationError) as info:
        import_table(world, kind, _csv([{**BASE[kind], field: bad}]), filename="x.csv")
    assert [e.column for e in info.value.errors] == [field]
    with pytest.raises(RecordValidationError):
        records.create_record(world, kind, {**BASE[kind], field: bad}, actor="t")


@pytest.mark.db
def test_one_writer_for_nutrition_targets(world: Session) -> None:
    """Panel, importer and shipped defaults all write targets through io.store.write_targets:
    the same value refused by the panel is refused on import, and each path writes."""
    from mealplan.io import store

    calls: list[bool] = []
    real = store.write_targets

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["replace"])
        return real(*args, **kwargs)

    mp = pytest.MonkeyPatch()
    for module in ("mealplan.io.store", "mealplan.services.records", "mealplan.services.reference",
                   "mealplan.io.kinds.nutrition"):  # fmt: skip
        mp.setattr(f"{module}.write_targets", spy)
    try:
        records.update_group_targets(
            world, "regular", [records.TargetInput("lunch", "sodium_mg", None, "800")], actor="t"
        )
        import_table(world, "nutrition-groups", _csv([BASE["nutrition-groups"]]), filename="g.csv")
        reference.upsert_nutrition_groups(world, reference.default_nutrition_groups(), replace=True)
        with pytest.raises(RecordValidationError):
            records.update_group_targets(
                world, "regular", [records.TargetInput("lunch", "sodium_mg", "-1", None)],
                actor="t",
            )  # fmt: skip
        with pytest.raises(ImportValidationError):
            import_table(world, "nutrition-groups",
                         _csv([{**BASE["nutrition-groups"], "min": "-1"}]), filename="g.csv")  # fmt: skip
    finally:
        mp.undo()
    assert calls[0] is False and calls[1] is True and len(calls) >= 3
    group = world.scalars(select(NutritionGroup).where(NutritionGroup.code == "GX")).one()
    assert [(t.service, t.nutrient, t.max_value) for t in group.targets] == [
        ("lunch", "energy_kcal", 200.0)
    ]


@pytest.mark.db
def test_budget_default_comes_from_the_planning_setting(world: Session) -> None:
    """A new diet profile without a budget gets [planning] default_budget_fen, from the
    panel and from an import alike (700 was hard-coded in three places)."""
    planning = PlanningSettings(default_budget_fen=850)
    records.create_profile(world, {"code": "p1", "name_zh": "甲", "group": "regular"},
                           actor="t", planning=planning)  # fmt: skip
    import_table(world, "diet-profiles", _csv([{"code": "p2", "name_zh": "乙", "group": "regular"}]),
                 filename="p.csv", planning=planning)  # fmt: skip
    import_table(world, "diet-profiles", _csv([{"code": "p3", "name_zh": "丙", "group": "regular",
                                                "budget_fen": ""}]),
                 filename="p.csv", planning=planning)  # fmt: skip
    budgets = {c: b for c, b in world.execute(select(DietProfile.code, DietProfile.budget_fen))}
    assert (budgets["p1"], budgets["p2"], budgets["p3"]) == (850, 850, 850)
    assert SCHEMAS["diet-profiles"].field("budget_fen").default_value() == (
        PlanningSettings().default_budget_fen
    )


def test_json_export_of_a_profile_keeps_its_shape() -> None:
    """The diet-profile JSON keys stay the stable interface (schema columns + derived)."""
    names = [f.name for f in SCHEMAS["diet-profiles"].fields]
    assert names == ["code", "name_zh", "name_en", "group", "max_iddsi", "exclude_allergens",
                     "halal", "vegetarian", "budget_fen", "budget_hard", "no_repeat_days"]  # fmt: skip
    assert json.dumps(names)
