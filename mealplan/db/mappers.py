"""Stored records as domain and solver values: dish and ingredient facts (one place for the
arithmetic), meal structures and locked meals for the menu solver."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.models import (
    DietProfile,
    Dish,
    Ingredient,
    MealStructure,
    Menu,
    MenuItem,
    RecipeLine,
)
from mealplan.domain.food import DishFacts, IngredientFacts, RecipeItem, dish_facts
from mealplan.domain.schemas import STRUCTURE_CATEGORIES, STRUCTURE_GROUP_CATEGORIES
from mealplan.domain.vocab import NUTRIENT_KEYS
from solvers import menu as ms


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


def solver_structure(row: MealStructure) -> ms.MealStructure:
    """The solver's view of a stored meal structure: one slot per dish, in the order
    staple, main, side, vegetable, soup, fruit; main and side slots carry the stored
    food-group set (empty: any dish of the category); no services stored: every service."""
    slots: list[ms.Slot] = []
    for category in STRUCTURE_CATEGORIES:
        groups: frozenset[str] | None = None
        if category in STRUCTURE_GROUP_CATEGORIES:
            groups = frozenset(getattr(row, f"{category}_food_groups") or ()) or None
        slots.extend(ms.Slot(category, groups) for _ in range(getattr(row, category) or 0))
    structure = ms.MealStructure(
        code=row.code, slots=tuple(slots), budget_fen=row.budget_fen, price_fen=row.price_fen
    )
    if row.services:
        structure = replace(structure, services=frozenset(row.services))
    return structure


def load_meal_structures(session: Session, *, vegetarian: bool) -> tuple[ms.MealStructure, ...]:
    """The active stored meal structures for a vegetarian or a non-vegetarian profile
    (``diet`` ``all`` or matching), as solver structures ordered by code; empty when the
    kitchen stored none (the planner then keeps the solver's default)."""
    wanted = ("all", "vegetarian" if vegetarian else "non_vegetarian")
    rows = session.scalars(
        select(MealStructure)
        .where(MealStructure.active.is_(True), MealStructure.diet.in_(wanted))
        .order_by(MealStructure.code)
    )
    return tuple(solver_structure(row) for row in rows)


def load_locked_meals(
    session: Session,
    dates: Sequence[dt.date],
    services: Iterable[str] | None = None,
    profiles: Iterable[str] | None = None,
) -> tuple[ms.LockedMeal, ...]:
    """The stored meals a dietitian locked on ``dates`` (optionally only these services and
    profile codes), as the solver's fixed meals, ordered by date, service and profile."""
    if not dates:
        return ()
    stmt = (
        select(Menu.date, Menu.service, DietProfile.code, Dish.code)
        .join(DietProfile, Menu.diet_profile_id == DietProfile.id)
        .join(MenuItem, MenuItem.menu_id == Menu.id)
        .join(Dish, MenuItem.dish_id == Dish.id)
        .where(Menu.locked.is_(True), Menu.date.in_(list(dates)))
        .order_by(Menu.date, Menu.service, DietProfile.code, MenuItem.position)
    )
    if services is not None:
        stmt = stmt.where(Menu.service.in_(list(services)))
    if profiles is not None:
        stmt = stmt.where(DietProfile.code.in_(list(profiles)))
    meals: dict[tuple[dt.date, str, str], list[str]] = {}
    for day, service, profile, dish in session.execute(stmt):
        meals.setdefault((day, service, profile), []).append(dish)
    return tuple(ms.LockedMeal(d, s, p, tuple(codes)) for (d, s, p), codes in meals.items())
