"""An elder's name stays out of the router: its messages, warnings and logs name codes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import (
    Client,
    DietProfile,
    Headcount,
    Kitchen,
    NutritionGroup,
    Site,
    Vehicle,
)
from mealplan.planning.demand import day_demand
from mealplan.planning.routes import build_kitchen_problems

DAY = dt.date(2026, 12, 2)  # a Wednesday

pytestmark = pytest.mark.db


def test_router_gets_the_trip_lock_and_the_sites_hold_from_cook_finish(
    session: Session, settings: Settings
) -> None:
    """A stop locked to a vehicle and trip reaches the router as Stop.vehicles and the
    0-based Stop.trip; a lock on a vehicle outside the fleet is dropped with its trip; a
    site's hold limit for the router is the bulk hold minus the kitchen's cook-to-pack
    lead (or the measured offset), a home's is the home hold."""
    group = NutritionGroup(code="regular", name_zh="普通", name_en="Regular")
    session.add(group)
    session.flush()
    profile = DietProfile(code="regular", name_zh="普通", name_en="Regular", group_id=group.id)
    kitchen = Kitchen(code="K1", name="中央厨房", lat=30.3, lon=120.1, cook_to_pack_minutes=15)
    session.add_all([profile, kitchen])
    session.flush()
    session.add(
        Client(
            code="C1",
            name="王秀英",
            lunch_days="1234567",
            lat=30.31,
            lon=120.12,
            diet_profile_id=profile.id,
            category="age_80",
            kitchen_id=kitchen.id,
        )
    )
    site = Site(
        code="S1",
        kind="canteen",
        name="食堂",
        lat=30.32,
        lon=120.11,
        kitchen_id=kitchen.id,
        lunch_window_start_min=660,
        lunch_window_end_min=720,
    )
    session.add(site)
    session.add(Vehicle(code="V1", kind="van", capacity_boxes=20, speed_kmh=30,
                        kitchen_id=kitchen.id))  # fmt: skip
    session.flush()
    session.add(Headcount(date=DAY, service="lunch", site_id=site.id,
                          diet_profile_id=profile.id, count=5))  # fmt: skip
    session.flush()
    demand = day_demand(session, DAY, "lunch")
    (kp,) = build_kitchen_problems(
        session, demand, settings, locks={"C1": "V1", "S1": "V9"}, lock_trips={"C1": 2, "S1": 1}
    )
    stops = {s.id: s for s in kp.problem.stops}
    assert (stops["C1"].vehicles, stops["C1"].trip) == (("V1",), 1)
    assert (stops["S1"].vehicles, stops["S1"].trip) == ((), None)
    planning = settings.planning
    assert stops["C1"].hold_limit == planning.hold_limit_home_minutes
    assert stops["S1"].hold_limit == planning.hold_limit_bulk_minutes - 15
    (kp,) = build_kitchen_problems(session, demand, settings, hold_offsets={"K1": {"S1": 40}})
    assert {s.id: s for s in kp.problem.stops}["S1"].hold_limit == (
        planning.hold_limit_bulk_minutes - 40
    )
