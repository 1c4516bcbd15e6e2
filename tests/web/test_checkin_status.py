"""The check-in page refuses a deceased elder and one who moved out, naming the date, in
Chinese (English on request), and records nothing (issue 14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.db.models import MealCheckin
from mealplan.services import records
from tests.money_world import build

pytestmark = pytest.mark.db
DIED = dt.date(2026, 11, 30)


@pytest.fixture
def money(session: Session) -> Session:
    build(session)
    records.update_client(session, "E05", {"status": "deceased", "status_date": DIED,
                                           "status_reason": "病故"}, actor="m")  # fmt: skip
    records.update_client(session, "E06", {"status": "moved_out", "status_date": DIED},
                          actor="m")  # fmt: skip
    session.commit()
    return session


def test_deceased_and_moved_out_are_refused(client: FlaskClient, auth: Any, money: Session) -> None:
    """Both cards are refused with the date; the page stays 200 (no 500) and nothing is
    stored; an active elder still checks in."""
    auth.login_as("site_staff", site="S1")
    r = client.post("/checkin/S1", data={"card": "1000000005"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "老人05 已登记去世（2026-11-30）" in page
    auth.logout()
    auth.login_as("manager", language="en")
    r = client.post("/checkin/S1", data={"card": "1000000006"}, follow_redirects=True)
    assert r.status_code == 200
    assert "老人06 has moved out (2026-11-30)" in r.get_data(as_text=True)
    money.expire_all()
    assert money.scalar(select(func.count(MealCheckin.id))) == 0
    client.post("/checkin/S1", data={"card": "1000000007"}, follow_redirects=True)
    money.expire_all()
    assert money.scalar(select(func.count(MealCheckin.id))) == 1
