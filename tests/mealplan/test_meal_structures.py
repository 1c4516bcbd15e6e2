"""Meal structures as data (issue 13, item 1): one record schema behind the import, the
export and the panel form; the shipped defaults; the loader the menu planner reads."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.db.mappers import load_meal_structures
from mealplan.db.models import MealStructure
from mealplan.errors import ImportValidationError
from mealplan.io.exporting import export_table
from mealplan.io.importing import import_table
from solvers import menu as ms

pytestmark = pytest.mark.db

MEAT = frozenset({"beef", "egg", "fish", "mutton", "pork", "poultry", "shellfish"})

# Chinese headers and values, as a kitchen's own sheet would have them
CSV_ZH = (
    "结构编码,名称,适用膳食,餐次,主食,荤菜,小荤,素菜,汤,水果,荤菜须含其一,售价\n"
    "std,一荤两素一饭一汤,非素食,午餐,1,1,0,2,1,0,猪肉;禽肉;鱼;蛋;牛肉;羊肉;虾蟹贝,1200\n"
    "veg,素食一荤两素,素食,,1,1,0,2,1,0,大豆及豆制品;蛋;奶,1200\n"
    "two,两荤两素一饭一汤,非素食,午餐;晚餐,1,2,0,2,1,0,猪肉;禽肉;鱼;蛋,1500\n"
)


def test_import_chinese_headers_and_load_solver_structures(session: Session) -> None:
    """A Chinese sheet imports; the loader gives the solver one slot per dish with the
    main's food-group set, vegetarian structures to vegetarian profiles only."""
    report = import_table(session, "meal-structures", CSV_ZH.encode(), filename="s.csv")
    assert (report.created, report.updated) == (3, 0)
    regular = {s.code: s for s in load_meal_structures(session, vegetarian=False)}
    assert set(regular) == {"std", "two"}
    std = regular["std"]
    assert std.categories == ("staple", "main", "vegetable", "vegetable", "soup")
    assert std.slots[1] == ms.Slot("main", MEAT)
    assert std.slots[0].food_groups is None
    assert std.services == frozenset({"lunch"}) and std.price_fen == 1200
    assert regular["two"].count("main") == 2
    (veg,) = load_meal_structures(session, vegetarian=True)
    assert veg.code == "veg" and veg.slots[1].food_groups == frozenset({"soy", "egg", "dairy"})
    assert veg.services == frozenset({"lunch", "dinner"})  # blank: every service


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_export_import_round_trip(session: Session, fmt: str) -> None:
    """Exported structures import back unchanged, in every format."""
    import_table(session, "meal-structures", CSV_ZH.encode(), filename="s.csv")
    data = export_table(session, "meal-structures", fmt)
    report = import_table(session, "meal-structures", data, filename=f"x.{fmt}")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    if fmt == "json":
        std = next(r for r in json.loads(data) if r["code"] == "std")
        assert std["main"] == 1 and std["services"] == ["lunch"]


def test_import_refuses_bad_structures_and_writes_nothing(session: Session) -> None:
    """No dish at all, an unknown food group and a food-group set without its dish are
    refused with the row and column named; nothing is stored."""
    bad = (
        "code,name_zh,staple,main,side,vegetable,soup,fruit,main_food_groups,side_food_groups\n"
        "empty,空,0,0,0,0,0,0,,\n"
        "typo,错,1,1,0,2,1,0,porky,\n"
        "noside,无小荤,1,1,0,2,1,0,,pork\n"
        "big,多,1,9,0,2,1,0,,\n"
    )
    with pytest.raises(ImportValidationError) as caught:
        import_table(session, "meal-structures", bad.encode(), filename="bad.csv")
    text = str(caught.value)
    assert "at least one dish" in text and "porky" in text
    assert "no dish of this category" in text and "between 0 and 4" in text
    assert session.scalar(select(func.count(MealStructure.id))) == 0


def test_catalogue_ships_default_structures(session: Session) -> None:
    """The shipped catalogue stores the defaults of mealplan/data/meal_structures.toml:
    一荤两素一饭一汤 active with meat, poultry, fish, shellfish or egg in the main (soy, egg
    or dairy for vegetarians), 一小荤 and 两荤两素 (a dearer tier) kept inactive."""
    import tomllib
    from importlib import resources

    from mealplan.catalogue import load_catalogue

    load_catalogue(session)
    rows = {s.code: s for s in session.scalars(select(MealStructure))}
    toml = tomllib.loads(
        resources.files("mealplan.data").joinpath("meal_structures.toml").read_text("utf-8")
    )
    for spec in toml["structure"]:
        row = rows[spec["code"]]
        assert (row.name_zh, row.price_fen, row.active) == (
            spec["name_zh"], spec.get("price_fen"), spec["active"],
        )  # fmt: skip
        assert rows[spec["code"] + "_vegetarian"].active == spec["active"]
    assert set(rows["standard"].main_food_groups) == set(toml["groups"]["protein"])
    (regular,) = load_meal_structures(session, vegetarian=False)
    (veg,) = load_meal_structures(session, vegetarian=True)
    assert regular.code == "standard" and regular.slots[1] == ms.Slot("main", MEAT)
    assert veg.slots[1].food_groups == frozenset(toml["groups"]["vegetarian_protein"])
    assert (rows["double_meat"].price_fen or 0) > (rows["standard"].price_fen or 0)
