"""Meal structures (price tiers): one row per structure, dish counts per category."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mealplan.domain.schemas import MEAL_STRUCTURES, structure_problems
from mealplan.io.kinds.base import Kind
from mealplan.io.kinds.context import Parsed


class MealStructures(Kind):
    """Adds the schema's structure rule (a dish at least; a food-group set needs a dish of
    its category) to the row checks."""

    schema = MEAL_STRUCTURES

    def check(self, session: Session, p: Parsed) -> None:
        super().check(session, p)
        for number, row in p.rows:
            parsed = {k: v for k, v in row.items() if (number, k) not in p.failed}
            for problem in structure_problems(parsed):
                p.error(number, problem.field, problem.value, str(problem))
