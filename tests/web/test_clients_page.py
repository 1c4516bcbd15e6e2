"""The home client's page (web/records, issue 14): register status, a link to the meal
card, the jurisdiction history written by edits, the elder's open follow-ups; a status
edited in the form stops the elder's meals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Client, ClientJurisdiction, Route, RouteStop, Trip, Vehicle
from mealplan.planning.demand import day_demand
from mealplan.services import deliveries, records

pytestmark = pytest.mark.db
TODAY = dt.date.today()


@pytest.fixture
def elder(make_home_client: Callable[..., Client], session: Session) -> Client:
    client = make_home_client("H1")
    records.update_client(session, "H1", {"card_number": "CARD0001", "district": "拱墅区",
                                          "street": "米市巷街道",
                                          "jurisdiction_from": dt.date(2026, 1, 1)},
                          actor="t")  # fmt: skip
    session.commit()
    return client


def test_page_shows_status_card_history_and_follow_ups(
    client: FlaskClient, session: Session, elder: Client, auth: Any
) -> None:
    """The manager sees the status, the card link, both jurisdiction periods (the first
    ending the day before the change) and the elder's open follow-up (a no-answer)."""
    kitchen_id = elder.kitchen_id
    van = Vehicle(code="V9", kind="van", capacity_boxes=10, speed_kmh=20, kitchen_id=kitchen_id)
    session.add(van)
    session.flush()
    route = Route(date=TODAY, service="lunch", vehicle_id=van.id, kitchen_id=kitchen_id)
    trip = Trip(seq=1, ready_min=600, depart_min=610, return_min=700)
    stop = RouteStop(seq=1, kind="home", client_id=elder.id, arrive_min=650,
                     window_start_min=640, window_end_min=720, meals={"regular": 1})  # fmt: skip
    trip.stops.append(stop)
    route.trips.append(trip)
    session.add(route)
    session.flush()
    deliveries.record_delivery(session, stop.id, "no_answer", actor="driver")
    session.commit()
    auth.login_as("manager")
    page = client.get("/data/clients/H1/edit").get_data(as_text=True)
    assert 'data-status="active"' in page and "在册" in page
    assert 'href="/checkin/cards/H1"' in page
    assert page.count('class="jurisdiction"') == 2
    assert "自登记起" in page and "2025-12-31" in page and "米市巷街道" in page
    assert 'id="client-followups"' in page and "无人应答" in page and "no_answer" not in page
    assert client.get("/checkin/cards/H1").status_code == 200


def test_status_edited_in_the_form_stops_meals(
    client: FlaskClient, session: Session, elder: Client, auth: Any
) -> None:
    """Marking the elder deceased on the form (with date and reason) shows on the page,
    clears ``active`` and takes the elder out of the planner's demand; English too."""
    auth.login_as("manager")
    form = client.get("/data/clients/H1/edit").get_data(as_text=True)
    assert 'name="status"' in form and 'name="status_date"' in form
    data = {
        "code": "H1", "name": "老人H1", "lat": "30.03", "lon": "120.03",
        "diet_profile": "regular", "category": "age_80", "lunch_days": list("1234567"),
        "window_start_min": "11:00", "window_end_min": "12:00", "kitchen": "K1",
        "district": "拱墅区", "street": "米市巷街道", "jurisdiction_from": "2026-01-01",
        "card_number": "CARD0001",
        "status": "deceased", "status_date": "2026-12-01", "status_reason": "病故",
    }  # fmt: skip
    r = client.post("/data/clients/H1/edit", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    session.expire_all()
    h1 = session.scalar(select(Client).where(Client.code == "H1"))
    assert h1 is not None and (h1.status, h1.active) == ("deceased", False)
    assert "H1" not in [h.client_code for h in day_demand(session, TODAY, "lunch").homes]
    page = client.get("/data/clients/H1/edit").get_data(as_text=True)
    assert "已去世" in page and "病故" in page
    en = client.get("/data/clients/H1/edit", headers={"Accept-Language": "en"})
    assert en.status_code == 200
    rows = session.scalars(select(ClientJurisdiction).where(ClientJurisdiction.client_id == h1.id))
    assert len(list(rows)) == 2  # the status edit left the jurisdiction alone


def test_dispatcher_sees_no_follow_ups(
    client: FlaskClient, session: Session, elder: Client, auth: Any
) -> None:
    """A dispatcher reads the client's page but not the follow-ups section."""
    auth.login_as("dispatcher")
    page = client.get("/data/clients/H1/edit").get_data(as_text=True)
    assert 'id="jurisdictions"' in page and 'id="client-followups"' not in page


def test_choosers_name_records_in_the_users_language(
    client: FlaskClient, elder: Client, auth: Any
) -> None:
    """The diet profile and site choosers show English names to an English user and
    Chinese names by default (they showed Chinese names in English)."""
    auth.login_as("manager", language="en")
    page = client.get("/data/clients/H1/edit").get_data(as_text=True)
    assert ">regular Regular<" in page and ">regular 普通<" not in page
    auth.logout()
    auth.login_as("manager")
    page = client.get("/data/clients/H1/edit").get_data(as_text=True)
    assert ">regular 普通<" in page
