"""Energy from the macronutrients: the one table of Atwater factors.

Used by the menu rules (``fat_pct_energy`` and the other ratio bounds) and, through
:mod:`mealplan.domain.food`, by the panel, the printed nutrient report and the planner.
"""

from __future__ import annotations

from collections.abc import Mapping

#: kcal per gram of each macronutrient (Atwater general factors).
ATWATER_KCAL_PER_G: Mapping[str, float] = {"protein_g": 4.0, "fat_g": 9.0, "carbohydrate_g": 4.0}

#: Ratio key (percent of a meal's energy from a macronutrient) -> (nutrient, kcal per g).
RATIO_SOURCES: Mapping[str, tuple[str, float]] = {
    "fat_pct_energy": ("fat_g", ATWATER_KCAL_PER_G["fat_g"]),
    "carbohydrate_pct_energy": ("carbohydrate_g", ATWATER_KCAL_PER_G["carbohydrate_g"]),
    "protein_pct_energy": ("protein_g", ATWATER_KCAL_PER_G["protein_g"]),
}


def percent_energy(nutrients: Mapping[str, float], macro: str) -> float:
    """Share of energy (percent) from ``macro`` (``protein_g``, ``fat_g``, ``carbohydrate_g``).

    0 when the meal has no energy. ``KeyError`` for any other key.
    """
    factor = ATWATER_KCAL_PER_G[macro]
    energy = float(nutrients.get("energy_kcal", 0.0))
    if energy <= 0:
        return 0.0
    return 100.0 * factor * float(nutrients.get(macro, 0.0)) / energy
