"""The routes page on hand-made Route/Trip/RouteStop rows: map, tables, unserved stops,
the driver's phone page and the printed route sheets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import PlanningSettings
from mealplan.db.models import Client, Driver, Route, RouteStop, UnservedStop
from mealplan.documents.render import route_map_for
from mealplan.planning import route_sheets
from mealplan.services import routes

pytestmark = pytest.mark.db

DAY = dt.date(2025, 3, 3)


@pytest.fixture
def day_routes(
    session: Session, world: Any, make_route: Any, make_home_client: Any
) -> list[RouteStop]:
    """One van (driver 老李) on one trip: S1 (5 regular + 2 low sodium), S2 (3 regular),
    home client C1 (1 regular) arriving 12:10 after its 12:00 window; C2 unserved."""
    make_home_client("C1")
    make_home_client("C2")
    stops = make_route(
        DAY,
        [
            ("site", "S1", {"regular": 5, "low_sodium": 2}),
            ("site", "S2", {"regular": 3}),
            ("home", "C1", {"regular": 1}),
        ],
    )
    route = session.scalar(select(Route))
    assert route is not None
    driver = Driver(code="D1", name="老李", phone="13700000000", kitchen_id=route.kitchen_id)
    session.add(driver)
    session.flush()
    route.driver_id = driver.id
    route.distance_m = 12_300
    stops[0].distance_m_from_prev = 2_000
    stops[2].arrive_min = 12 * 60 + 10
    c2 = session.scalar(select(Client).where(Client.code == "C2"))
    assert c2 is not None
    session.add(
        UnservedStop(
            date=DAY,
            service="lunch",
            client_id=c2.id,
            meals={"regular": 1},
            reason="hold_limit",
            message="C2 cannot be reached within 60 min of packing: 74 min away",
        )
    )
    session.commit()
    return stops


def test_day_routes_service(session: Session, day_routes: Any) -> None:
    """The service gathers routes, trips, stops with meals, lateness and the unserved."""
    day = routes.day_routes(session, DAY, "lunch")
    (route,) = day.routes
    assert (route.vehicle_code, route.driver, route.distance_m) == ("V1", "老李", 12_300)
    (trip,) = route.trips
    assert [s.code for s in trip.stops] == ["S1", "S2", "C1"]
    assert trip.meals == 11 and trip.meals_by_profile() == {"low_sodium": 2, "regular": 9}
    assert [s.late for s in trip.stops] == [False, False, True]
    (unserved,) = day.unserved
    assert (unserved.code, unserved.kind, unserved.reason, unserved.total) == (
        "C2",
        "home",
        "hold_limit",
        1,
    )


def test_map_svg_draws_kitchen_routes_and_numbered_stops(session: Session, day_routes: Any) -> None:
    """The map has the kitchen, a coloured line per trip and a numbered circle per stop."""
    svg = routes.routes_map_svg(routes.day_routes(session, DAY, "lunch"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="kitchen"') == 1
    assert svg.count('<polyline class="trip"') == 1
    assert svg.count("<circle") == 3
    assert routes.PALETTE[0] in svg
    assert ">1</text>" in svg and ">3</text>" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # no tiles


def test_map_of_an_empty_day(session: Session, world: Any) -> None:
    """A day without routes still draws an (empty) map."""
    svg = routes.routes_map_svg(routes.day_routes(session, DAY, "lunch"))
    assert svg.startswith("<svg") and "<circle" not in svg


def test_routes_page(client: FlaskClient, auth: Any, day_routes: Any) -> None:
    """The page shows the map, a table per trip with ETA, window, meals and distance,
    the late stop, the unserved with its reason, and links to each trip's sheet."""
    auth.login_as("dispatcher", language="en")
    html = client.get(f"/routes/?date={DAY.isoformat()}&service=lunch").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="routes-map"' in html
    assert "老李" in html and "13700000000" in html
    assert "八一社区食堂" in html and "Low sodium 2, Regular 5" in html  # diet names
    assert '<td class="late">12:10</td>' in html
    assert "10:00–12:00" in html  # the window
    assert "74 min away" in html and 'id="unserved"' in html
    trip_id = day_routes[0].trip_id
    assert f"/routes/trips/{trip_id}/sheet" in html
    assert f"/routes/trips/{trip_id}" in html
    assert 'id="n-meals">11<' in html


def test_routes_page_without_routes(client: FlaskClient, auth: Any, world: Any) -> None:
    """A day without routes says so and offers to run the plan (manager)."""
    auth.login_as("manager", language="en")
    html = client.get("/routes/?date=2025-03-04").get_data(as_text=True)
    assert "No routes are stored for this day and service." in html
    assert "/plans/?date=2025-03-04" in html


def test_driver_trip_page_fits_a_phone(client: FlaskClient, auth: Any, day_routes: Any) -> None:
    """The driver's page lists the stops in order with times, meals and call links."""
    auth.login_as("dispatcher", language="en")
    trip_id = day_routes[0].trip_id
    html = client.get(f"/routes/trips/{trip_id}").get_data(as_text=True)
    assert 'name="viewport"' in html and 'id="trip-stops"' in html
    assert html.index("八一社区食堂") < html.index("东湖助餐点") < html.index("老人C1")
    assert 'href="tel:13800000000"' in html
    assert client.get("/routes/trips/9999").status_code == 404


def test_trip_route_sheet_html_and_pdf(client: FlaskClient, auth: Any, day_routes: Any) -> None:
    """The printed route sheet of a trip names the stops and comes as PDF too."""
    auth.login_as("manager")
    trip_id = day_routes[0].trip_id
    html = client.get(f"/routes/trips/{trip_id}/sheet").get_data(as_text=True)
    assert "八一社区食堂" in html and "老李" in html
    pdf = client.get(f"/routes/trips/{trip_id}/sheet?format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_all_sheets_of_the_day(client: FlaskClient, auth: Any, day_routes: Any) -> None:
    """Every trip's sheet of the day prints from one link; a day with none is 404."""
    auth.login_as("manager")
    html = client.get(f"/routes/sheets?date={DAY.isoformat()}").get_data(as_text=True)
    assert "东湖助餐点" in html
    assert client.get("/routes/sheets?date=2025-03-04").status_code == 404


def test_panel_map_and_sheet_map_are_one_renderer(session: Session, day_routes: Any) -> None:
    """The panel's day map and the printed sheet's trip map are both drawn by
    documents.svg.routes_svg: the same kitchen square, trip line and stop circles."""
    day = routes.day_routes(session, DAY, "lunch")
    panel = routes.routes_map_svg(day)
    sheet = routes.trip_sheet(session, day_routes[0].trip_id, PlanningSettings())
    printed = route_map_for(sheet)
    for svg in (panel, printed):
        assert svg.count('<rect class="kitchen"') == 1
        assert svg.count('<polyline class="trip"') == 1
        assert svg.count('<circle class="stop"') == 3
    assert f'stroke="{routes.PALETTE[0]}"' in panel and 'width="100%"' in panel
    assert 'width="300" height="220"' in printed


def test_panel_trip_sheet_is_the_planners_sheet(session: Session, day_routes: Any) -> None:
    """The panel's trip sheet and the daily plan's sheets come from one builder: the
    trip's sheet is the day's only sheet, with the menu-less profiles named by the
    profile records."""
    planning = PlanningSettings()
    sheet = routes.trip_sheet(session, day_routes[0].trip_id, planning)
    assert route_sheets.day_sheets(session, DAY, "lunch", planning) == [sheet]
    assert [m.profile_name for m in sheet.stops[0].meals] == ["低盐", "普通"]
    assert sheet.stops[2].notes == "" and sheet.kitchen.code == "K1"
