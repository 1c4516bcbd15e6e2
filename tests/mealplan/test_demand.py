"""Headcount intake: reported counts, forecasts for missing reports, subscriptions, flags."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import (
    Client,
    ClientPause,
    DietProfile,
    Headcount,
    Kitchen,
    NutritionGroup,
    Site,
)
from mealplan.planning.demand import (
    client_subscribed,
    day_demand,
    forecast_counts,
    store_forecasts,
)
from mealplan.services import deliveries, reports

pytestmark = pytest.mark.db

DAY = dt.date(2026, 12, 2)  # a Wednesday


def _world(session: Session) -> tuple[Site, Site, DietProfile, DietProfile]:
    group = NutritionGroup(code="regular", name_zh="普通", name_en="Regular")
    session.add(group)
    session.flush()
    reg = DietProfile(code="regular", name_zh="普通", name_en="Regular", group_id=group.id)
    low = DietProfile(code="low_sodium", name_zh="低盐", name_en="Low", group_id=group.id)
    kitchen = Kitchen(code="K1", name="中央厨房", lat=30.3, lon=120.1)
    session.add_all([reg, low, kitchen])
    session.flush()
    a = Site(
        code="S1",
        kind="canteen",
        name="米市巷长者食堂",
        lat=30.31,
        lon=120.15,
        kitchen_id=kitchen.id,
        seats=60,
    )
    b = Site(
        code="S2",
        kind="dining_point",
        name="和睦助餐点",
        lat=30.32,
        lon=120.13,
        kitchen_id=kitchen.id,
        seats=30,
    )
    session.add_all([a, b])
    session.flush()
    return a, b, reg, low


def _hc(session: Session, site: Site, profile: DietProfile, day: dt.date, n: int) -> None:
    session.add(
        Headcount(
            date=day,
            service="lunch",
            site_id=site.id,
            diet_profile_id=profile.id,
            count=n,
            source="reported",
        )
    )


def test_reported_counts_are_used_as_reported(session: Session) -> None:
    """A site that reported gets exactly its reported counts, marked reported."""
    a, b, reg, low = _world(session)
    _hc(session, a, reg, DAY, 40)
    _hc(session, a, low, DAY, 12)
    session.flush()
    demand = day_demand(session, DAY, "lunch")
    s1 = next(s for s in demand.sites if s.site_code == "S1")
    assert s1.meals == {"low_sodium": 12, "regular": 40}
    assert s1.source == "reported"


def test_missing_report_is_forecast_from_same_weekday(session: Session) -> None:
    """A missing report is the same-weekday mean of recent weeks, never zero."""
    a, b, reg, low = _world(session)
    # Wednesdays: 20, 24, 22 regular -> mean 22; a Tuesday of 50 must not count.
    for weeks, n in ((1, 20), (2, 24), (3, 22)):
        _hc(session, b, reg, DAY - dt.timedelta(weeks=weeks), n)
    _hc(session, b, reg, DAY - dt.timedelta(days=1), 50)
    session.flush()
    demand = day_demand(session, DAY, "lunch")
    s2 = next(s for s in demand.sites if s.site_code == "S2")
    assert s2.source == "forecast"
    assert s2.meals == {"regular": 22}


def test_forecast_falls_back_to_all_days_without_same_weekday() -> None:
    """With no same-weekday history the forecast uses all recent reported days."""
    history = {
        DAY - dt.timedelta(days=1): {"regular": 10},
        DAY - dt.timedelta(days=2): {"regular": 14},
    }
    assert forecast_counts(history, DAY) == {"regular": 12}


def test_no_history_warns_instead_of_failing(session: Session) -> None:
    """A site with neither report nor history is planned at 0 with a warning naming it."""
    _world(session)
    demand = day_demand(session, DAY, "lunch")
    assert any("S1" in w and "no report" in w for w in demand.warnings)


def test_above_capacity_is_flagged(session: Session) -> None:
    """A count above the site's seats is flagged, not silently accepted."""
    a, b, reg, low = _world(session)
    _hc(session, b, reg, DAY, 45)  # 30 seats
    session.flush()
    demand = day_demand(session, DAY, "lunch")
    s2 = next(s for s in demand.sites if s.site_code == "S2")
    assert "above_capacity" in s2.flags
    assert any("S2" in w and "above_capacity" in w for w in demand.warnings)


def test_home_clients_follow_subscriptions_and_pauses(session: Session) -> None:
    """Home meals come from subscribed weekdays; a pause covering the date removes them."""
    a, b, reg, low = _world(session)
    common = dict(
        lat=30.3, lon=120.1, diet_profile_id=low.id, category="age_80", kitchen_id=a.kitchen_id
    )
    wed = Client(code="C1", name="王秀英", lunch_days="135", **common)
    not_wed = Client(code="C2", name="李建国", lunch_days="12", **common)
    paused = Client(code="C3", name="张桂兰", lunch_days="12345", **common)
    session.add_all([wed, not_wed, paused])
    session.flush()
    session.add(ClientPause(client_id=paused.id, start_date=DAY, end_date=DAY, reason="住院"))
    session.flush()
    demand = day_demand(session, DAY, "lunch")
    assert [h.client_code for h in demand.homes] == ["C1"]
    assert demand.meals_by_profile()["low_sodium"] == 1


def test_store_forecasts_never_touches_reported_rows(session: Session) -> None:
    """Forecast rows are written for missing sites and replaced on rerun; reports stay."""
    a, b, reg, low = _world(session)
    _hc(session, a, reg, DAY, 40)
    _hc(session, b, reg, DAY - dt.timedelta(weeks=1), 18)
    session.flush()
    demand = day_demand(session, DAY, "lunch")
    assert store_forecasts(session, demand) == 1
    assert store_forecasts(session, demand) == 1  # replaced, not duplicated
    rows = session.execute(
        select(Site.code, Headcount.count, Headcount.source)
        .join(Site, Headcount.site_id == Site.id)
        .where(Headcount.date == DAY)
        .order_by(Site.code)
    ).all()
    assert [tuple(r) for r in rows] == [("S1", 40, "reported"), ("S2", 18, "forecast")]


def test_subscription_rule_is_the_same_everywhere(session: Session) -> None:
    """The planner's homes, the deliveries' subscription list, the dashboard's home counts
    and client_subscribed agree for every day of a week and both services (weekday sets,
    pauses ending or starting around the day, an inactive client)."""
    a, b, reg, low = _world(session)
    common = dict(lat=30.3, lon=120.1, category="age_80", kitchen_id=a.kitchen_id)
    clients = [
        Client(code="C1", name="甲", lunch_days="135", diet_profile_id=low.id, **common),
        Client(code="C2", name="乙", lunch_days="12", dinner_days="3", diet_profile_id=reg.id,
               **common),
        Client(code="C3", name="丙", lunch_days="1234567", diet_profile_id=low.id, **common),
        Client(code="C4", name="丁", lunch_days="1234567", diet_profile_id=reg.id, **common),
        Client(code="C5", name="戊", lunch_days="1234567", dinner_days="1234567",
               diet_profile_id=reg.id, active=False, **common),
        Client(code="C6", name="己", lunch_days="", dinner_days="35", diet_profile_id=low.id,
               **common),
    ]  # fmt: skip
    session.add_all(clients)
    session.flush()
    one = dt.timedelta(days=1)
    session.add_all(
        [
            ClientPause(client_id=clients[2].id, start_date=DAY, end_date=DAY, reason="住院"),
            ClientPause(client_id=clients[3].id, start_date=DAY - 3 * one, end_date=DAY - one,
                        reason="探亲"),
            ClientPause(client_id=clients[5].id, start_date=DAY + one, end_date=DAY + 9 * one,
                        reason="探亲"),
        ]
    )  # fmt: skip
    session.flush()
    # Wednesday lunch by hand: C1 (135), C4 (pause ended Tuesday); not C2 (12), C3 (paused),
    # C5 (inactive), C6 (no lunch)
    assert [h.client_code for h in day_demand(session, DAY, "lunch").homes] == ["C1", "C4"]
    for day in (DAY + k * one for k in range(-3, 4)):
        for service in ("lunch", "dinner"):
            homes = day_demand(session, day, service).homes
            planner = [h.client_code for h in homes]
            assert [c.code for c in deliveries.home_subscriptions(session, day, service)] == planner
            assert reports._home_meals(session, day, service) == dict(
                Counter(h.profile for h in homes)
            )
            assert [c.code for c in clients if client_subscribed(c, day, service)] == planner
