"""The one Atwater table: percent of energy from a macronutrient, used by the menu rules."""

import pytest

from solvers.energy import ATWATER_KCAL_PER_G, RATIO_SOURCES, percent_energy
from solvers.menu import RATIO_KEYS
from solvers.menu.rules import bound_value


def test_percent_energy_hand_computed() -> None:
    """10 g fat in a 300 kcal meal is 9 x 10 / 300 = 30 % of its energy; no energy gives 0."""
    meal = {"energy_kcal": 300.0, "fat_g": 10.0, "protein_g": 15.0}
    assert percent_energy(meal, "fat_g") == pytest.approx(30.0)
    assert percent_energy(meal, "protein_g") == pytest.approx(20.0)  # 4 x 15 / 300
    assert percent_energy({"fat_g": 10.0}, "fat_g") == 0.0


def test_ratio_rules_use_the_table() -> None:
    """Every ratio key maps to a macronutrient of the Atwater table, and the rule value is it."""
    meal = {"energy_kcal": 640.0, "fat_g": 20.0, "carbohydrate_g": 90.0, "protein_g": 25.0}
    assert set(RATIO_SOURCES) == set(RATIO_KEYS)
    for key, (macro, factor) in RATIO_SOURCES.items():
        assert factor == ATWATER_KCAL_PER_G[macro]
        assert bound_value(key, meal) == percent_energy(meal, macro)
    assert bound_value("fat_pct_energy", meal) == pytest.approx(28.125)  # 9 x 20 / 640
