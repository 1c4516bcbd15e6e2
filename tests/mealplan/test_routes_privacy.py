"""An elder's name stays out of the router: its messages, warnings and logs name codes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import Client, DietProfile, Kitchen, NutritionGroup, Vehicle
from mealplan.planning.demand import day_demand
from mealplan.planning.routes import build_kitchen_problems

DAY = dt.date(2026, 12, 2)  # a Wednesday

pytestmark = pytest.mark.db


def test_home_stops_reach_the_router_without_the_elders_name(
    session: Session, settings: Settings
) -> None:
    """A home stop's solver label is the client code, never the elder's name."""
    group = NutritionGroup(code="regular", name_zh="普通", name_en="Regular")
    session.add(group)
    session.flush()
    profile = DietProfile(code="regular", name_zh="普通", name_en="Regular", group_id=group.id)
    kitchen = Kitchen(code="K1", name="中央厨房", lat=30.3, lon=120.1)
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
    session.add(
        Vehicle(
            code="V1", kind="e_tricycle", capacity_boxes=20, speed_kmh=15, kitchen_id=kitchen.id
        )
    )
    session.flush()
    demand = day_demand(session, DAY, "lunch")
    (kp,) = build_kitchen_problems(session, demand, settings)
    (stop,) = kp.problem.stops
    assert stop.label == "C1"
    assert "王秀英" not in repr(kp.problem)
