"""A held-out demo district at the default [planning] settings: every meal delivered."""

from __future__ import annotations

import datetime as dt

import pytest
from test_daily_plan import check_routes

from mealplan.config import Settings
from mealplan.db.session import unit_of_work
from mealplan.demo import load_demo
from mealplan.planning.routes import plan_routes, routes_json

pytestmark = [pytest.mark.db, pytest.mark.slow]

DAY = dt.date(2026, 11, 23)  # a Monday
SEED = 2  # a held-out district (the demo's own is seed 1)


def test_held_out_district_delivers_every_meal(settings: Settings) -> None:
    """plan_routes on `demo --preset district --seed 2` at the default budgets: 0 meals
    unserved, every trip and stop passes the independent route checker, and plan.json
    carries the bound (no proof of a short fleet) and no what-if."""
    with unit_of_work(settings) as s:
        load_demo(s, "district", date=DAY, seed=SEED)
    with unit_of_work(settings) as s:
        plan = plan_routes(s, DAY, "lunch", settings)
        data = routes_json(s, DAY, "lunch", settings.planning, plan=plan)
    assert plan.dropped_meals == 0, plan.summary()
    assert data["objective"]["meals_unserved"] == 0 and not data["unserved"]
    check_routes(data)
    (bound,) = data["objective"]["bound"].values()
    assert bound is not None and not bound["fleet_short"]
    assert data["what_if"] == {}
