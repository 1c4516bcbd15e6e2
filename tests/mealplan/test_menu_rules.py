"""The profile-derived menu rules (mealplan.domain.menu_rules): one tiny case per rule."""

from __future__ import annotations

from dataclasses import dataclass

from mealplan.domain import food, menu_rules
from solvers import energy
from solvers.menu import FoodGroupRule, NutrientBound


@dataclass(frozen=True)
class _Target:
    nutrient: str
    service: str
    min_value: float | None
    max_value: float | None
    hard: bool


def test_nutrient_targets() -> None:
    """Targets of the asked services become bounds; empty and unknown targets are skipped."""
    targets = [
        _Target("sodium_mg", "lunch", None, 800.0, True),
        _Target("fibre_g", "dinner", 7.0, None, False),  # other service
        _Target("calcium_mg", "lunch", None, None, False),  # no bound at all
        _Target("vitamin_c_mg", "lunch", 10.0, None, False),  # not a key the solver knows
    ]
    assert menu_rules.nutrient_targets(targets, {"lunch"}, 200.0) == (
        NutrientBound("sodium_mg", max=800.0, hard=True, service="lunch", weight=200.0),
    )


def test_fish_weekly_min() -> None:
    """Two fish meals a week (soft) for fish eaters; none for vegetarians or fish allergy."""
    assert menu_rules.fish_weekly_min(2, False, ()) == FoodGroupRule("fish", min=2, hard=False)
    assert menu_rules.fish_weekly_min(2, True, ()) is None
    assert menu_rules.fish_weekly_min(2, False, {"fish"}) is None
    assert menu_rules.fish_weekly_min(0, False, ()) is None


def test_pork_weekly_max() -> None:
    """At most three pork meals a week (soft); a negative maximum disables the rule."""
    assert menu_rules.pork_weekly_max(3) == FoodGroupRule("pork", max=3, hard=False)
    assert menu_rules.pork_weekly_max(0) == FoodGroupRule("pork", max=0, hard=False)
    assert menu_rules.pork_weekly_max(-1) is None


def test_staple_required_tags() -> None:
    """The group's required tags apply to the staple; no tags, no rule."""
    assert menu_rules.staple_required_tags(["whole_grain", "low_gi"]) == {
        "staple": frozenset({"whole_grain", "low_gi"})
    }
    assert menu_rules.staple_required_tags([]) == {}


def test_group_excluded_tags() -> None:
    """The group's excluded tags are excluded as a set."""
    assert menu_rules.group_excluded_tags(["added_sugar", "pickled", "added_sugar"]) == {
        "added_sugar",
        "pickled",
    }


def test_no_texture_modified() -> None:
    """Minced/pureed dishes are excluded from IDDSI 6-7 profiles, allowed at 5 and below."""
    assert menu_rules.no_texture_modified(7) == {"texture_modified"}
    assert menu_rules.no_texture_modified(6) == {"texture_modified"}
    assert menu_rules.no_texture_modified(5) == frozenset()


def test_distinct_cooking_methods() -> None:
    """Main, side and vegetable must differ in method, except for IDDSI 5 and below."""
    assert menu_rules.distinct_cooking_methods(7) == {"main", "side", "vegetable"}
    assert menu_rules.distinct_cooking_methods(5) == frozenset()


def test_meal_budget() -> None:
    """A profile's own budget wins; without one (0 or None) the configured default applies."""
    assert menu_rules.meal_budget(650, 700) == 650
    assert menu_rules.meal_budget(0, 700) == 700
    assert menu_rules.meal_budget(None, 800) == 800


def test_one_atwater_table() -> None:
    """mealplan's percent_energy is the solvers' one (one Atwater table)."""
    assert food.percent_energy is energy.percent_energy
