"""A register status takes effect on its date (issue 14): an elder recorded today as moving
out or deceased on a later day still gets meals, checks in and orders until then, and not
after; a pause from its day on. The SQL condition of the planner (subscriptions) and the
Python rule (check-in, orders, claims) agree day by day."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Client
from mealplan.db.subscriptions import in_register_clause, is_subscribed
from mealplan.domain.vocab import status_on
from mealplan.services import checkins, orders, records
from mealplan.services.checkins import CheckinRefused
from mealplan.services.records import RecordValidationError
from tests.money_world import build

pytestmark = pytest.mark.db
TODAY = dt.date.today()


@pytest.fixture
def world(session: Session) -> Session:
    build(session)
    for client in session.scalars(select(Client)):
        client.lunch_days = "1234567"
    session.commit()
    return session


def _set(session: Session, code: str, status: str, since: dt.date | None) -> None:
    records.update_client(session, code, {"status": status, "status_date": since}, actor="m")
    session.commit()


def test_a_future_move_stops_meals_from_the_day_after(world: Session) -> None:
    moving = TODAY + dt.timedelta(days=10)
    _set(world, "E06", "moved_out", moving)
    elder = world.scalar(select(Client).where(Client.code == "E06"))
    assert elder is not None
    assert is_subscribed(world, elder.id, TODAY, "lunch")
    assert is_subscribed(world, elder.id, moving, "lunch")  # the day of the move: served
    assert not is_subscribed(world, elder.id, moving + dt.timedelta(days=1), "lunch")
    # the canteen still checks the elder in today
    result = checkins.check_in(world, site_code="S1", date=TODAY, service="lunch",
                               card="1000000006", actor="t")  # fmt: skip
    assert result.checkin.client_id == elder.id
    # ordering: a day before the move is taken, a day after is refused
    six = dt.datetime.combine(TODAY, dt.time(6))
    assert orders.set_meal(world, "E06", TODAY + dt.timedelta(days=2), "lunch", False,
                           via="staff", actor="t", now=six) is False  # fmt: skip
    with pytest.raises(RecordValidationError, match="stopped"):
        orders.set_meal(world, "E06", moving + dt.timedelta(days=2), "lunch", True,
                        via="staff", actor="t", now=six)  # fmt: skip


def test_a_past_death_stops_checkin(world: Session) -> None:
    _set(world, "E05", "deceased", TODAY - dt.timedelta(days=1))
    with pytest.raises(CheckinRefused):
        checkins.check_in(world, site_code="S1", date=TODAY, service="lunch",
                          card="1000000005", actor="t")  # fmt: skip


@pytest.mark.parametrize("status", ["active", "paused", "moved_out", "deceased"])
@pytest.mark.parametrize("offset", [None, -3, -1, 0, 1, 3])
def test_sql_and_python_agree(world: Session, status: str, offset: int | None) -> None:
    since = None if offset is None else TODAY + dt.timedelta(days=offset)
    _set(world, "E07", status, since)
    for day in (TODAY + dt.timedelta(days=d) for d in range(-4, 5)):
        in_sql = world.scalar(
            select(Client.code).where(Client.code == "E07", in_register_clause(day))
        )
        assert (in_sql is not None) == (status_on(status, since, day) is None), (status, since, day)
