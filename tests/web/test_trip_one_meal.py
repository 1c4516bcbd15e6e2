"""The panel's trip page says why a trip carries a single meal (issue 12), as the day's
plan recorded it: in Chinese by default, in English on request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mealplan.config import PlanningSettings
from mealplan.db.models import PlanRun, RouteStop
from mealplan.planning import route_sheets

pytestmark = pytest.mark.db

DAY = dt.date(2025, 3, 3)


@pytest.fixture
def one_meal_trip(
    session: Session, world: Any, make_route: Any, make_home_client: Any
) -> list[RouteStop]:
    """Vehicle V1 of kitchen K1 drives one trip with a single home meal (C1); the day's
    finished daily run recorded it as a one-meal trip no other trip could take."""
    make_home_client("C1")
    stops = make_route(DAY, [("home", "C1", {"regular": 1})])
    session.add(
        PlanRun(
            kind="daily",
            date=DAY,
            service="lunch",
            status="done",
            finished_at=dt.datetime(2025, 3, 3, 9, 20),
            figures={
                "one_meal_trips": [
                    {"kitchen": "K1", "trip": "V1-1", "reason": "no_other_trip", "could_join": ""}
                ]
            },
        )
    )
    session.commit()
    return stops


def test_trip_page_names_why_one_meal(
    client: FlaskClient, auth: Any, one_meal_trip: list[RouteStop]
) -> None:
    """The trip page of a one-meal trip gives the plan's reason, in Chinese by default."""
    trip_id = one_meal_trip[0].trip_id
    auth.login_as("dispatcher")
    html = client.get(f"/routes/trips/{trip_id}").get_data(as_text=True)
    assert 'id="one-meal"' in html
    assert "本趟只送一份餐：其他车次都无法在送餐时段、保温时限、容量和班次内送达该餐" in html


def test_trip_page_one_meal_reason_in_english(
    client: FlaskClient, auth: Any, one_meal_trip: list[RouteStop]
) -> None:
    """The same reason in English for a user who chose English."""
    trip_id = one_meal_trip[0].trip_id
    auth.login_as("dispatcher", language="en")
    html = client.get(f"/routes/trips/{trip_id}").get_data(as_text=True)
    assert "One meal on this trip: no other trip can deliver it" in html


def test_could_join_and_stale_reasons(session: Session, one_meal_trip: list[RouteStop]) -> None:
    """A 'could join' reason names the other trip; a trip that carries more than one meal
    now (routes changed since the plan) shows no reason, and neither does a day without a
    finished run."""
    planning = PlanningSettings()
    trip_id = one_meal_trip[0].trip_id
    sheet = route_sheets.trip_sheet(session, trip_id, planning)
    assert (sheet.trip, sheet.one_meal_reason, sheet.one_meal_other) == (
        "V1-1",
        "no_other_trip",
        "",
    )
    assert route_sheets.day_sheets(session, DAY, "lunch", planning) == [sheet]
    reasons = {("K1", "V1-1"): ("could_join", "V2 trip 1")}
    joined = route_sheets.with_one_meal_reason(sheet, reasons)
    assert (joined.one_meal_reason, joined.one_meal_other) == ("could_join", "V2 trip 1")
    one_meal_trip[0].meals = {"regular": 2}
    session.flush()
    assert route_sheets.trip_sheet(session, trip_id, planning).one_meal_reason == ""
    assert route_sheets.one_meal_reasons(session, DAY + dt.timedelta(days=1), "lunch") == {}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh_Hans_CN", "本趟只送一份餐：V2-1 可送达该餐，但本车各趟按顺序出车"),
        ("en", "One meal on this trip: V2-1 could take it, but trips are driven in order"),
    ],
)
def test_trip_page_next_trip_fixed_reason(
    client: FlaskClient,
    auth: Any,
    session: Session,
    one_meal_trip: list[RouteStop],
    lang: str,
    expected: str,
) -> None:
    """A trip that cannot be given up (its vehicle's next trip cannot move up) says so on
    the panel's trip page, with the words of the printed route sheet, in both languages."""
    run = session.query(PlanRun).one()
    run.figures = {
        "one_meal_trips": [
            {"kitchen": "K1", "trip": "V1-1", "reason": "next_trip_fixed", "could_join": "V2-1"}
        ]
    }
    session.commit()
    auth.login_as("dispatcher", language=lang)
    html = client.get(f"/routes/trips/{one_meal_trip[0].trip_id}").get_data(as_text=True)
    assert 'id="one-meal"' in html
    assert expected in html
