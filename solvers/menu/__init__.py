"""Menu planning: one menu variant per diet profile over a horizon of dates and services.

Entry point: :func:`solve_menu`. Pure functions over plain data (stdlib + PuLP).
"""

from solvers.menu.solve import solve_menu
from solvers.menu.types import (
    BOUND_KEYS,
    BOUND_KINDS,
    CATEGORIES,
    MEAT_GROUPS,
    NUTRIENT_KEYS,
    PROTEIN_GROUPS,
    RATIO_KEYS,
    SERVICES,
    STANDARD_STRUCTURE,
    VEGETARIAN_PROTEIN_GROUPS,
    DietProfile,
    Dish,
    Explanation,
    FoodGroupRule,
    LockedMeal,
    MealStructure,
    MenuParams,
    MenuProblem,
    MenuResult,
    NutrientBound,
    PlannedMeal,
    QualityWeights,
    RotationRules,
    Shortfall,
    Slot,
)
from solvers.status import SolveStatus

__all__ = [
    "BOUND_KEYS",
    "BOUND_KINDS",
    "MEAT_GROUPS",
    "PROTEIN_GROUPS",
    "VEGETARIAN_PROTEIN_GROUPS",
    "LockedMeal",
    "QualityWeights",
    "RotationRules",
    "Slot",
    "CATEGORIES",
    "NUTRIENT_KEYS",
    "RATIO_KEYS",
    "SERVICES",
    "STANDARD_STRUCTURE",
    "DietProfile",
    "Dish",
    "Explanation",
    "FoodGroupRule",
    "MealStructure",
    "MenuParams",
    "MenuProblem",
    "MenuResult",
    "NutrientBound",
    "PlannedMeal",
    "Shortfall",
    "SolveStatus",
    "solve_menu",
]
