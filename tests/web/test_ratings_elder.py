"""Ratings per elder (web/ratings): the form lists the dishes of the elder's diet only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Client, DietProfile, Dish, FollowUp, Menu, MenuItem, Rating

pytestmark = pytest.mark.db
TODAY = dt.date.today()


@pytest.fixture
def menus(session: Session, world: Any) -> None:
    """Today's lunch: regular gets 红烧鱼 and 清炒时蔬, low sodium gets 清蒸鸡."""
    dishes = {
        code: Dish(code=code, name_zh=name, category="main", cooking_method="steam")
        for code, name in (("D1", "红烧鱼"), ("D2", "清炒时蔬"), ("D3", "清蒸鸡"))
    }
    session.add_all(dishes.values())
    for profile_code, codes in (("regular", ["D1", "D2"]), ("low_sodium", ["D3"])):
        profile = session.scalar(select(DietProfile).where(DietProfile.code == profile_code))
        assert profile is not None
        menu = Menu(date=TODAY, service="lunch", diet_profile_id=profile.id, cost_fen=600)
        menu.items = [MenuItem(position=i, dish=dishes[c]) for i, c in enumerate(codes)]
        session.add(menu)
    session.commit()


def test_form_lists_the_elders_dishes_and_a_low_score_opens_a_follow_up(
    client: FlaskClient,
    auth: Any,
    menus: None,
    make_home_client: Callable[..., Client],
    session: Session,
) -> None:
    """Without a choice no dish is listed (two diets); for a low-sodium elder only 清蒸鸡;
    the elder's 1-star rating is stored with the elder and opens a follow-up."""
    make_home_client("H1", profile="low_sodium")
    auth.login_as("site_staff", site="S1")
    page = client.get("/ratings/S1").get_data(as_text=True)
    assert 'name="dish-D1"' not in page and 'name="dish-D3"' not in page
    page = client.get("/ratings/S1?elder=H1").get_data(as_text=True)
    assert 'name="dish-D3"' in page and 'name="dish-D1"' not in page and "红烧鱼" not in page
    response = client.post("/ratings/S1", data={"elder": "H1", "dish-D3": "1"})
    assert response.status_code == 302
    rating = session.scalar(select(Rating))
    assert rating is not None and rating.client_id is not None and rating.site_id is not None
    assert session.scalar(select(FollowUp.source)) == "rating"
    page = client.get("/ratings/S1?profile=regular").get_data(as_text=True)
    assert 'name="dish-D1"' in page and 'name="dish-D3"' not in page


def test_one_meal_form_opens_one_follow_up_naming_the_dish(
    client: FlaskClient,
    auth: Any,
    menus: None,
    make_home_client: Callable[..., Client],
    session: Session,
) -> None:
    """Two low dish scores, a low service score and a comment are one meal's ratings: one
    follow-up task, for the lowest score (the dish by name) with the comment; a comment
    longer than the form allows is refused, nothing saved."""
    make_home_client("H1", profile="regular")
    auth.login_as("site_staff", site="S1")
    too_long = client.post("/ratings/S1", data={"elder": "H1", "dish-D1": "1",
                                                "comment": "咸" * 501})  # fmt: skip
    assert too_long.status_code == 422 and "500" in too_long.get_data(as_text=True)
    assert session.scalar(select(Rating)) is None
    r = client.post("/ratings/S1", data={"elder": "H1", "dish-D1": "2", "dish-D2": "1",
                                         "service-score": "2", "comment": "太咸了"})  # fmt: skip
    assert r.status_code == 302
    tasks = session.scalars(select(FollowUp)).all()
    assert len(tasks) == 1
    assert "清炒时蔬 1/5" in tasks[0].reason and "太咸了" in tasks[0].reason
    assert len(session.scalars(select(Rating)).all()) == 3


def test_a_dish_and_the_service_at_the_same_low_score_name_the_dish(
    client: FlaskClient,
    auth: Any,
    menus: None,
    make_home_client: Callable[..., Client],
    session: Session,
) -> None:
    """Service 1/5 and a dish 1/5 on one form: the one task names the dish (what the
    kitchen can change), not the service."""
    make_home_client("H1", profile="regular")
    auth.login_as("site_staff", site="S1")
    r = client.post("/ratings/S1", data={"elder": "H1", "dish-D1": "1",
                                         "service-score": "1"})  # fmt: skip
    assert r.status_code == 302
    tasks = session.scalars(select(FollowUp)).all()
    assert len(tasks) == 1 and "1/5" in tasks[0].reason
    assert tasks[0].reason.split(" ")[0] not in ("service", "服务")
    assert session.get(Rating, tasks[0].source_id).subject == "dish"
