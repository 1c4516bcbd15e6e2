"""Derived facts about dishes: nutrients, cost, allergens, halal, vegetarian, food groups.

Pure functions over plain values, so the importer, the exports, the planners and the panel
all compute a dish the same way. A recipe gives grams per serving AS PURCHASED (市品);
the ingredient's edible fraction (食部) turns them into eaten grams, and nutrients are per
100 g of the edible portion. Cost is on purchased grams.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mealplan.domain.vocab import NUTRIENT_KEYS

# The %-energy ratio of a macronutrient: one Atwater table, the solvers' (re-exported here).
from solvers.energy import percent_energy as percent_energy


@dataclass(frozen=True)
class IngredientFacts:
    code: str
    edible_fraction: float
    per_100g: Mapping[str, float | None]
    price_fen_per_kg: int
    food_group: str
    allergens: frozenset[str]
    halal: bool
    vegetarian: bool


@dataclass(frozen=True)
class RecipeItem:
    ingredient: IngredientFacts
    grams: float  # as purchased, per serving


@dataclass(frozen=True)
class DishFacts:
    nutrients: dict[str, float]
    known: frozenset[str]  # nutrient keys every ingredient had a value for
    cost_fen: int
    allergens: frozenset[str]
    halal: bool
    vegetarian: bool
    food_groups: frozenset[str]
    edible_grams: float


def eaten_grams(item: RecipeItem) -> float:
    return item.grams * item.ingredient.edible_fraction


def item_nutrients(item: RecipeItem) -> dict[str, float]:
    """Nutrients one recipe line contributes (missing source values count as 0)."""
    eaten = eaten_grams(item)
    return {
        key: eaten * float(item.ingredient.per_100g.get(key) or 0.0) / 100.0
        for key in NUTRIENT_KEYS
    }


def item_cost_fen(grams_as_purchased: float, price_fen_per_kg: int) -> float:
    return grams_as_purchased * price_fen_per_kg / 1000.0


def dish_facts(recipe: Iterable[RecipeItem]) -> DishFacts:
    """Sum a recipe: nutrients per serving, cost in fen (rounded), derived flags."""
    items = list(recipe)
    totals = dict.fromkeys(NUTRIENT_KEYS, 0.0)
    known = set(NUTRIENT_KEYS)
    cost = 0.0
    allergens: set[str] = set()
    groups: set[str] = set()
    for item in items:
        for key, value in item_nutrients(item).items():
            totals[key] += value
            if item.ingredient.per_100g.get(key) is None and item.grams > 0:
                known.discard(key)
        cost += item_cost_fen(item.grams, item.ingredient.price_fen_per_kg)
        allergens |= item.ingredient.allergens
        groups.add(item.ingredient.food_group)
    return DishFacts(
        nutrients={k: round(v, 3) for k, v in totals.items()},
        known=frozenset(known),
        cost_fen=round(cost),
        allergens=frozenset(allergens),
        halal=all(i.ingredient.halal for i in items),
        vegetarian=all(i.ingredient.vegetarian for i in items),
        food_groups=frozenset(groups),
        edible_grams=round(sum(eaten_grams(i) for i in items), 2),
    )


def sum_nutrients(parts: Iterable[Mapping[str, float]]) -> dict[str, float]:
    totals = dict.fromkeys(NUTRIENT_KEYS, 0.0)
    for part in parts:
        for key in NUTRIENT_KEYS:
            totals[key] += float(part.get(key, 0.0))
    return {k: round(v, 3) for k, v in totals.items()}
