"""Dish and ingredient facts from stored records (one place for the arithmetic)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.models import Dish, Ingredient, RecipeLine
from mealplan.domain.food import DishFacts, IngredientFacts, RecipeItem, dish_facts
from mealplan.domain.vocab import NUTRIENT_KEYS


def ingredient_facts(ing: Ingredient) -> IngredientFacts:
    return IngredientFacts(
        code=ing.code,
        edible_fraction=ing.edible_fraction,
        per_100g={key: getattr(ing, key) for key in NUTRIENT_KEYS},
        price_fen_per_kg=ing.price_fen_per_kg,
        food_group=ing.food_group,
        allergens=frozenset(ing.allergens or ()),
        halal=ing.halal,
        vegetarian=ing.vegetarian,
    )


def facts_of(dish: Dish) -> DishFacts:
    """Derived facts of one dish (its recipe and ingredients must be loaded)."""
    return dish_facts(
        RecipeItem(ingredient_facts(line.ingredient), line.grams) for line in dish.recipe
    )


def load_dishes(session: Session, codes: Iterable[str] | None = None) -> list[Dish]:
    """Dishes with recipes and ingredients loaded, ordered by code."""
    stmt = (
        select(Dish)
        .options(selectinload(Dish.recipe).selectinload(RecipeLine.ingredient))
        .order_by(Dish.code)
    )
    if codes is not None:
        stmt = stmt.where(Dish.code.in_(list(codes)))
    return list(session.scalars(stmt))
