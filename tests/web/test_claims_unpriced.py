"""A claim over a home delivery no price tier covers is refused with a message naming the
elder, the day and why (HTTP 422, nothing saved), in Chinese and English (the pricing
error inside too), never a 500."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mealplan.db.models import Client, Route, RouteStop, Trip, Vehicle
from mealplan.services import deliveries

pytestmark = pytest.mark.db
TODAY = dt.date.today()


@pytest.fixture
def delivered(make_home_client: Callable[..., Client], session: Session) -> Client:
    """H1's lunch delivered today; the world has no price tier."""
    elder = make_home_client("H1")
    van = Vehicle(code="V9", kind="van", capacity_boxes=10, speed_kmh=20,
                  kitchen_id=elder.kitchen_id)  # fmt: skip
    session.add(van)
    session.flush()
    route = Route(date=TODAY, service="lunch", vehicle_id=van.id, kitchen_id=elder.kitchen_id)
    trip = Trip(seq=1, ready_min=600, depart_min=610, return_min=700)
    stop = RouteStop(seq=1, kind="home", client_id=elder.id, arrive_min=650,
                     window_start_min=640, window_end_min=720, meals={"regular": 1})  # fmt: skip
    trip.stops.append(stop)
    route.trips.append(trip)
    session.add(route)
    session.flush()
    deliveries.record_delivery(session, stop.id, "delivered", actor="driver")
    session.commit()
    return elder


def test_unpriced_delivery_is_a_clear_refusal(
    client: FlaskClient, auth: Any, delivered: Client
) -> None:
    period = TODAY.strftime("%Y-%m")
    auth.login_as("viewer")
    for url in (f"/claims/?period={period}", "/claims/", f"/claims/{period}.xlsx"):
        r = client.get(url)
        assert r.status_code == 422, url
        page = r.get_data(as_text=True)
        assert "H1" in page and TODAY.isoformat() in page
        assert "Traceback" not in page and "cannot be priced" not in page
        # the reason inside is the pricing error's own message, in Chinese too
        assert "no price tier" not in page and "lunch" not in page
        assert f"{TODAY.isoformat()} 没有适用于午餐的价格档" in page
    auth.logout()
    auth.login_as("viewer", language="en")
    page = client.get(f"/claims/?period={period}").get_data(as_text=True)
    assert "cannot be priced" in page and "H1" in page
    assert f"no price tier for lunch on {TODAY.isoformat()}" in page
