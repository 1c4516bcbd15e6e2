"""Delivery outcomes, welfare alerts and subscriptions (mealplan.services.deliveries)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from mealplan.db.models import (
    Client,
    ClientPause,
    DietProfile,
    Kitchen,
    NutritionGroup,
    Route,
    RouteStop,
    Site,
    Trip,
    Vehicle,
)
from mealplan.errors import MealplanError
from mealplan.services import deliveries
from mealplan.services.records import RecordValidationError

pytestmark = pytest.mark.db
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def stops(session: Session) -> list[RouteStop]:
    kitchen = Kitchen(code="K1", name="K", lat=30, lon=120)
    site = Site(code="S1", kind="canteen", name="食堂", lat=30, lon=120, kitchen=kitchen)
    profile = DietProfile(
        code="reg",
        name_zh="普通",
        name_en="Regular",
        group=NutritionGroup(code="regular", name_zh="普通", name_en="R"),
    )
    client = Client(
        code="C1",
        name="张爷爷",
        lat=30,
        lon=120,
        diet_profile=profile,
        category="age_80",
        kitchen=kitchen,
        lunch_days="135",
        emergency_contact_name="儿子",
        emergency_contact_phone="139",
    )
    vehicle = Vehicle(code="V1", kind="van", capacity_boxes=10, speed_kmh=30, kitchen=kitchen)
    trip = Trip(
        seq=1,
        ready_min=600,
        depart_min=610,
        return_min=700,
        stops=[
            RouteStop(
                seq=1,
                kind="canteen",
                site=site,
                arrive_min=630,
                window_start_min=600,
                window_end_min=700,
                meals={"reg": 10},
            ),
            RouteStop(
                seq=2,
                kind="home",
                client=client,
                arrive_min=650,
                window_start_min=600,
                window_end_min=720,
                meals={"reg": 1},
            ),
        ],
    )
    session.add(Route(date=MONDAY, service="lunch", vehicle=vehicle, kitchen=kitchen, trips=[trip]))
    session.flush()
    return list(trip.stops)


def test_stops_for_day(session: Session, stops: list[RouteStop]) -> None:
    """The day's stops come in route order with names and meals; a site filter applies."""
    views = deliveries.stops_for_day(session, MONDAY, "lunch")
    assert [(v.name, v.total_meals) for v in views] == [("食堂", 10), ("张爷爷", 1)]
    assert [v.name for v in deliveries.stops_for_day(session, MONDAY, site_code="S1")] == ["食堂"]
    assert deliveries.stops_for_day(session, MONDAY + dt.timedelta(days=1)) == []


def test_no_answer_at_home_opens_alert_until_resolved(
    session: Session, stops: list[RouteStop]
) -> None:
    """A home no-answer opens an alert; a later 'delivered' does not close it; resolving
    with a note does, once."""
    d = deliveries.record_delivery(session, stops[1].id, "no_answer", actor="driver")
    assert d.welfare_alert_open and deliveries.count_open_alerts(session) == 1
    alert = deliveries.open_alerts(session)[0]
    assert alert.client_code == "C1" and alert.emergency_contact == "儿子 139"
    deliveries.record_delivery(session, stops[1].id, "delivered", actor="driver")
    assert deliveries.count_open_alerts(session) == 1
    with pytest.raises(RecordValidationError):
        deliveries.resolve_alert(session, d.id, "  ", actor="boss")
    deliveries.resolve_alert(session, d.id, "打通电话，老人外出", actor="boss")
    assert deliveries.count_open_alerts(session) == 0
    with pytest.raises(MealplanError):
        deliveries.resolve_alert(session, d.id, "again", actor="boss")


def test_site_no_answer_is_not_an_alert(session: Session, stops: list[RouteStop]) -> None:
    """No answer at a canteen is an outcome, not a welfare alert."""
    d = deliveries.record_delivery(session, stops[0].id, "no_answer", actor="driver")
    assert not d.welfare_alert_open


@pytest.mark.parametrize(("status", "reason"), [("lost", ""), ("refused", "")])
def test_invalid_outcomes(
    session: Session, stops: list[RouteStop], status: str, reason: str
) -> None:
    """Unknown statuses and refusals without a reason are refused."""
    with pytest.raises(RecordValidationError):
        deliveries.record_delivery(session, stops[0].id, status, reason=reason, actor="d")


def test_home_subscriptions(session: Session, stops: list[RouteStop]) -> None:
    """A client subscribed Mon/Wed/Fri gets Monday's lunch, not Tuesday's nor dinner, and not
    while paused."""
    assert [c.code for c in deliveries.home_subscriptions(session, MONDAY, "lunch")] == ["C1"]
    tuesday = MONDAY + dt.timedelta(days=1)
    assert deliveries.home_subscriptions(session, tuesday, "lunch") == []
    assert deliveries.home_subscriptions(session, MONDAY, "dinner") == []
    client = stops[1].client
    assert client is not None
    client.pauses.append(ClientPause(start_date=MONDAY, end_date=MONDAY, reason="住院"))
    session.flush()
    assert deliveries.home_subscriptions(session, MONDAY, "lunch") == []
