"""Ratings of the day's dishes and of the service, by site staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import DietProfile, Dish, Menu, MenuItem, Rating

pytestmark = pytest.mark.db
TODAY = dt.date.today()


@pytest.fixture
def menu(session: Session, world: Any) -> list[str]:
    """Today's lunch menu of the regular profile: two dishes (no recipe needed here)."""
    dishes = [
        Dish(code="D1", name_zh="红烧鱼", category="main", cooking_method="braise"),
        Dish(code="D2", name_zh="清炒时蔬", category="vegetable", cooking_method="stir_fry"),
    ]
    session.add_all(dishes)
    profile = session.scalar(select(DietProfile).where(DietProfile.code == "regular"))
    assert profile is not None
    m = Menu(date=TODAY, service="lunch", diet_profile_id=profile.id, cost_fen=600)
    m.items = [MenuItem(position=i, dish=d) for i, d in enumerate(dishes, start=1)]
    session.add(m)
    session.commit()
    return ["D1", "D2"]


def test_rate_a_meal_in_a_few_taps(
    client: FlaskClient, auth: Any, menu: list[str], session: Session
) -> None:
    """Site staff rate the day's dishes and the service; the scores are stored and summed."""
    auth.login_as("site_staff", site="S1")
    page = client.get("/ratings/S1").get_data(as_text=True)
    assert "红烧鱼" in page and 'name="dish-D1"' in page and 'name="service-score"' in page
    response = client.post(
        "/ratings/S1",
        data={"dish-D1": "5", "dish-D2": "3", "service-score": "4"},
        follow_redirects=True,
    )
    assert "评价已保存" in response.get_data(as_text=True)
    client.post("/ratings/S1", data={"service-score": "2"})
    rows = session.scalars(select(Rating).order_by(Rating.id)).all()
    assert [(r.subject, r.score) for r in rows] == [
        ("dish", 5),
        ("dish", 3),
        ("service", 4),
        ("service", 2),
    ]
    html = client.get("/ratings/S1").get_data(as_text=True)
    assert 'id="service-count">2<' in html


def test_empty_rating_refused(
    client: FlaskClient, auth: Any, menu: list[str], session: Session
) -> None:
    """Saving without any score stores nothing."""
    auth.login_as("site_staff", site="S1")
    assert client.post("/ratings/S1", data={}).status_code == 422
    assert session.scalars(select(Rating)).all() == []


def test_out_of_range_score_ignored(
    client: FlaskClient, auth: Any, menu: list[str], session: Session
) -> None:
    """A score outside 1-5 is not stored."""
    auth.login_as("site_staff", site="S1")
    client.post("/ratings/S1", data={"dish-D1": "9"})
    assert session.scalars(select(Rating)).all() == []


def test_superscript_score_is_refused_not_500(
    client: FlaskClient, auth: Any, menu: list[str], session: Session
) -> None:
    """A score of '²' (a digit to isdigit, not to int) is refused like an empty form."""
    auth.login_as("site_staff", site="S1")
    assert client.post("/ratings/S1", data={"service-score": "²"}).status_code == 422
    assert session.scalars(select(Rating)).all() == []


def test_other_site_ratings_forbidden(client: FlaskClient, auth: Any, menu: list[str]) -> None:
    """Site staff of S1 cannot rate for S2."""
    auth.login_as("site_staff", site="S1")
    assert client.post("/ratings/S2", data={"service-score": "5"}).status_code == 403
