"""Ratings of dishes and of the service (mealplan.services.ratings)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from mealplan.db.models import Dish, Kitchen, Site
from mealplan.errors import NotFoundError
from mealplan.services import ratings
from mealplan.services.records import RecordValidationError

pytestmark = pytest.mark.db
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def site(session: Session) -> Site:
    site = Site(
        code="S1",
        kind="canteen",
        name="S",
        lat=30,
        lon=120,
        kitchen=Kitchen(code="K1", name="K", lat=30, lon=120),
    )
    session.add_all([site, Dish(code="D1", name_zh="鱼", category="main", cooking_method="steam")])
    session.flush()
    return site


def test_meal_ratings_and_summary(session: Session, site: Site) -> None:
    """Two elders rate: dish D1 averages (5 + 3) / 2 = 4, the service 4 from one rating."""
    ratings.record_meal_ratings(
        session,
        site_code="S1",
        date=DAY,
        service="lunch",
        dish_scores={"D1": 5},
        service_score=4,
        actor="li",
    )
    ratings.record_meal_ratings(
        session,
        site_code="S1",
        date=DAY,
        service="lunch",
        dish_scores={"D1": 3},
        service_score=None,
        actor="li",
    )
    summary = ratings.summary(session, site_code="S1", date=DAY, service="lunch")
    assert summary["D1"].count == 2 and summary["D1"].average == 4.0
    assert summary["service"].count == 1 and summary["service"].average == 4.0


@pytest.mark.parametrize("score", [0, 6, True])
def test_score_range(session: Session, site: Site, score: int) -> None:
    """Scores are whole numbers from 1 to 5."""
    with pytest.raises(RecordValidationError):
        ratings.record_rating(
            session,
            date=DAY,
            service="lunch",
            subject="service",
            score=score,
            site_code="S1",
            actor="li",
        )


def test_unknown_dish(session: Session, site: Site) -> None:
    """A rating of an unknown dish is refused."""
    with pytest.raises(NotFoundError):
        ratings.record_rating(
            session,
            date=DAY,
            service="lunch",
            subject="dish",
            score=3,
            site_code="S1",
            dish_code="D9",
            actor="li",
        )


def test_nothing_to_save(session: Session, site: Site) -> None:
    """A meal rating with no score at all is refused."""
    with pytest.raises(RecordValidationError):
        ratings.record_meal_ratings(
            session,
            site_code="S1",
            date=DAY,
            service="lunch",
            dish_scores={},
            service_score=None,
            actor="li",
        )
