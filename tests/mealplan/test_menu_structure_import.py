"""Meal structures imported from a kitchen's file (issue 13, item 1): `mealplan import
meal-structures` with Chinese headers stores the protein sets the planner reads; a bad
file is refused naming file, row, column and value, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.mappers import load_meal_structures
from mealplan.db.models import MealStructure
from mealplan.db.session import unit_of_work
from solvers import menu as ms

pytestmark = pytest.mark.db

GOOD = (
    "结构编码,中文名称,适用膳食,主食数,荤菜数,素菜数,汤数,荤菜须含其一,售价（分）\n"
    "fish_day,鱼日套餐,非素食,1,1,2,1,fish;shellfish,1300\n"
)
BAD = (
    "code,name_zh,staple,main,vegetable,soup,main_food_groups\n"
    "ok,好,1,1,2,1,pork\n"
    "typo,错,1,1,2,1,porky\n"
    "big,多,1,9,2,1,\n"
)


def test_import_with_chinese_headers_feeds_the_planner(settings: Settings, tmp_path: Path) -> None:
    """A Chinese-header CSV becomes a structure whose main must be fish or shellfish, as
    the planner loads it (non-vegetarian profiles only)."""
    path = tmp_path / "餐标.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "meal-structures", str(path)])
    assert result.exit_code == 0, result.output
    with unit_of_work(settings) as s:
        (fish_day,) = load_meal_structures(s, vegetarian=False)
        assert load_meal_structures(s, vegetarian=True) == ()
    assert fish_day.code == "fish_day" and fish_day.price_fen == 1300
    assert ms.Slot("main", frozenset({"fish", "shellfish"})) in fish_day.slots


def test_bad_file_is_refused_naming_file_row_column_and_value(
    settings: Settings, tmp_path: Path
) -> None:
    """An unknown food group and 9 mains: exit 2, each error with file, row, column and
    value, no traceback; the good row is not stored either."""
    path = tmp_path / "structures.csv"
    path.write_text(BAD, encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "meal-structures", str(path)])
    assert result.exit_code == 2, result.output
    assert "structures.csv, row 3, column 'main_food_groups'" in result.output
    assert "(value 'porky')" in result.output
    assert "structures.csv, row 4, column 'main': must be between 0 and 4 (value '9')" in (
        result.output
    )
    assert "Traceback" not in result.output
    with unit_of_work(settings) as s:
        assert s.scalar(select(func.count(MealStructure.id))) == 0
