"""Meal structures as data (mealplan/data/meal_structures.toml), season months, and the
[planning] keys of the rotation rules and quality objective (no database)."""

from __future__ import annotations

import pytest

from mealplan.config import PlanningSettings, planning_problems
from mealplan.domain import menu_rules
from mealplan.planning.menus import (
    default_structures,
    profile_structures,
    read_structures,
    season_months,
)
from solvers.menu import MEAT_GROUPS


def test_default_structures_put_protein_in_the_main() -> None:
    """The shipped 一荤两素一饭一汤 has a main slot of meat groups (vegetarian: soy/egg/dairy)."""
    file = default_structures()
    regular = {s.code: s for s in profile_structures(file, vegetarian=False)}
    veg = {s.code: s for s in profile_structures(file, vegetarian=True)}
    assert set(regular) == {"standard"}  # the other tiers ship inactive
    main = [s for s in regular["standard"].slots if s.category == "main"]
    assert len(main) == 1 and main[0].food_groups == MEAT_GROUPS
    vmain = [s for s in veg["standard"].slots if s.category == "main"]
    assert vmain[0].food_groups == frozenset({"soy", "egg", "dairy"})
    assert regular["standard"].price_fen == 1200


def test_explicit_group_list_and_errors() -> None:
    """A slot may list groups with '|'; a bad category or missing key names the structure."""
    text = '[[structure]]\ncode = "fishday"\nslots = ["staple", "main:fish|shellfish"]\n'
    (st,) = profile_structures(read_structures(text), vegetarian=False)
    assert st.slots[1].food_groups == frozenset({"fish", "shellfish"})
    with pytest.raises(ValueError, match="structure 1 \\(bad\\).*category"):
        read_structures('[[structure]]\ncode = "bad"\nslots = ["dessert"]\n')
    with pytest.raises(ValueError, match="missing slots"):
        read_structures('[[structure]]\ncode = "x"\n')
    with pytest.raises(ValueError, match="not valid TOML"):
        read_structures("[[structure")


def test_season_months_cover_the_year() -> None:
    """The season table gives every month exactly one season."""
    months = season_months()
    assert sorted(m for ms in months.values() for m in ms) == list(range(1, 13))


def test_planning_keys_feed_the_rules() -> None:
    """[planning] rotation, band and weight keys reach the solver's rules unchanged."""
    planning = PlanningSettings(staple_max_per_week=4, cost_band_min_fen=400,
                                quality_rating_fen=55.0)  # fmt: skip
    assert menu_rules.rotation(planning).staple_max == 4
    assert menu_rules.rotation(planning).rice_tag == "rice"
    assert menu_rules.cost_band(planning) == (400, 600)
    assert menu_rules.quality_weights(planning).rating_fen == 55.0


def test_band_out_of_order_is_a_config_problem() -> None:
    """A band whose minimum exceeds its maximum is refused, naming the key."""
    problems = planning_problems(PlanningSettings(cost_band_min_fen=700, cost_band_max_fen=600))
    assert any("cost_band_min_fen" in p for p in problems)
