"""Locks through the real solver, on the shipped catalogue: a dietitian's swapped and
locked lunch survives re-planning exactly, and the re-planned rest of the week does not
repeat its no-repeat dishes (the lock is planned around, not just kept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from mealplan.catalogue import load_catalogue
from mealplan.config import Settings
from mealplan.db.models import DietProfile, Headcount, Kitchen, NutritionGroup, Site
from mealplan.db.session import unit_of_work
from mealplan.planning.menus import plan_menus, stored_meals
from mealplan.services import menus

pytestmark = [pytest.mark.db, pytest.mark.slow]

MONDAY = dt.date(2026, 11, 30)
WEDNESDAY = MONDAY + dt.timedelta(days=2)


@pytest.fixture
def world(settings: Settings) -> Iterator[Settings]:
    """The real catalogue, the regular profile and a canteen's lunches for a week."""
    with unit_of_work(settings) as s:
        load_catalogue(s)
        group = s.scalar(select(NutritionGroup.id).where(NutritionGroup.code == "regular"))
        s.add(DietProfile(code="regular", name_zh="普通", name_en="Regular", group_id=group,
                          budget_fen=800))  # fmt: skip
        kitchen = Kitchen(code="K1", name="中央厨房", lat=30.32, lon=120.14)
        s.add(kitchen)
        s.flush()
        site = Site(code="C1", kind="canteen", name="长者食堂", lat=30.31, lon=120.15,
                    kitchen_id=kitchen.id, seats=120)  # fmt: skip
        s.add(site)
        s.flush()
        profile = s.scalar(select(DietProfile.id).where(DietProfile.code == "regular"))
        for i in range(7):
            s.add(Headcount(date=MONDAY + dt.timedelta(days=i), service="lunch",
                            site_id=site.id, diet_profile_id=profile, count=50))  # fmt: skip
    yield settings


def test_locked_meal_survives_a_real_replan_and_is_planned_around(world: Settings) -> None:
    """Plan, swap Wednesday's main for another allowed main and lock; re-plan: Wednesday
    is exactly the dietitian's meal, locked, and no other day within the no-repeat
    window serves its main."""
    with unit_of_work(world) as s:
        assert plan_menus(s, MONDAY, 7, ["lunch"], world.planning, time_limit_s=20).complete
    with unit_of_work(world) as s:
        edit = menus.meal_edit(s, WEDNESDAY, "lunch", "regular", planning=world.planning)
        position = edit.categories.index("main")
        week = {d for m in stored_meals(s, MONDAY, 7, ["lunch"]) for d in m.dishes}
        new_main = next(c.code for c in edit.choices[position] if c.code not in week)
        dishes = [d.code for d in edit.dishes]
        dishes[position] = new_main
        menus.save_meal(s, WEDNESDAY, "lunch", "regular", dishes, actor="dietitian",
                        planning=world.planning)  # fmt: skip
    with unit_of_work(world) as s:
        plan = plan_menus(s, MONDAY, 7, ["lunch"], world.planning, time_limit_s=20)
        assert plan.complete, plan.warnings
    with unit_of_work(world) as s:
        meals = {m.date: m for m in stored_meals(s, MONDAY, 7, ["lunch"])}
        assert list(meals[WEDNESDAY].dishes) == dishes
        assert len(menus.week_grid(s, MONDAY, "lunch").cells) == 7
        locked = [c for c in menus.week_grid(s, MONDAY, "lunch").cells.values() if c.locked]
        assert [c.day for c in locked] == [WEDNESDAY]
        others = [d for day, m in meals.items() if day != WEDNESDAY for d in m.dishes]
        assert new_main not in others
