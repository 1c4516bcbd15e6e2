"""Headcount entry by site staff before the cut-off; managers after it; seats flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Headcount
from mealplan.services import headcounts

pytestmark = pytest.mark.db

TOMORROW = dt.date.today() + dt.timedelta(days=1)
YESTERDAY = dt.date.today() - dt.timedelta(days=1)


def test_site_staff_redirected_to_own_grid(client: FlaskClient, auth: Any, world: Any) -> None:
    """Site staff land on their own site's grid."""
    auth.login_as("site_staff", site="S1")
    response = client.get("/headcounts/")
    assert response.status_code == 302 and "/headcounts/S1" in response.headers["Location"]


def test_grid_shows_profiles_by_services(client: FlaskClient, auth: Any, world: Any) -> None:
    """The grid has one input per profile and service, usable on a phone (numeric)."""
    auth.login_as("site_staff", site="S1")
    html = client.get(f"/headcounts/S1?date={TOMORROW}").get_data(as_text=True)
    assert 'name="c-lunch-regular"' in html and 'name="c-lunch-low_sodium"' in html
    assert 'inputmode="numeric"' in html
    assert 'name="viewport"' in html


def test_site_staff_enter_counts_before_cutoff(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """Counts entered before the cut-off are stored as reported, by the user."""
    user = auth.login_as("site_staff", site="S1")
    response = client.post(
        f"/headcounts/S1?date={TOMORROW}",
        data={"c-lunch-regular": "12", "c-lunch-low_sodium": "5"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "共 17 份" in response.get_data(as_text=True)
    assert headcounts.site_counts(session, "S1", TOMORROW, "lunch") == {
        "regular": 12,
        "low_sodium": 5,
    }
    row = session.scalars(select(Headcount).where(Headcount.date == TOMORROW)).first()
    assert row is not None and row.reported_by == user.username and row.source == "reported"


def test_site_staff_read_only_after_cutoff(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """After the cut-off the grid is read-only for site staff and a POST changes nothing."""
    auth.login_as("site_staff", site="S1")
    html = client.get(f"/headcounts/S1?date={YESTERDAY}").get_data(as_text=True)
    assert 'id="closed"' in html and " disabled" in html
    response = client.post(f"/headcounts/S1?date={YESTERDAY}", data={"c-lunch-regular": "9"})
    assert response.status_code == 409
    assert headcounts.site_counts(session, "S1", YESTERDAY, "lunch") == {}


def test_manager_edits_after_cutoff(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A manager may still change counts after the cut-off."""
    auth.login_as("manager")
    response = client.post(f"/headcounts/S1?date={YESTERDAY}", data={"c-lunch-regular": "9"})
    assert response.status_code == 302
    assert headcounts.site_counts(session, "S1", YESTERDAY, "lunch") == {"regular": 9}


def test_above_seats_is_flagged(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A total above the site's 40 seats is stored and flagged with a warning."""
    auth.login_as("site_staff", site="S1")
    response = client.post(
        f"/headcounts/S1?date={TOMORROW}", data={"c-lunch-regular": "45"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "超过了本站点的 40 个座位" in html
    assert headcounts.site_counts(session, "S1", TOMORROW, "lunch") == {"regular": 45}


def test_bad_count_refused(client: FlaskClient, auth: Any, world: Any, session: Session) -> None:
    """A count that is not a whole number is refused and nothing is stored."""
    auth.login_as("site_staff", site="S1")
    response = client.post(
        f"/headcounts/S1?date={TOMORROW}", data={"c-lunch-regular": "-3", "c-lunch-low_sodium": "4"}
    )
    assert response.status_code == 422
    assert headcounts.site_counts(session, "S1", TOMORROW, "lunch") == {}


def test_site_staff_other_site_forbidden(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """Site staff of S1 get 403 on S2's grid and cannot write S2's counts."""
    auth.login_as("site_staff", site="S1")
    assert client.get("/headcounts/S2").status_code == 403
    assert (
        client.post(f"/headcounts/S2?date={TOMORROW}", data={"c-lunch-regular": "3"}).status_code
        == 403
    )
    assert headcounts.site_counts(session, "S2", TOMORROW, "lunch") == {}


def test_dashboard_shows_reported_and_missing(
    client: FlaskClient, auth: Any, world: Any, session: Session, make_home_client: Any
) -> None:
    """The dashboard counts reported and missing sites and home subscriptions per profile."""
    headcounts.record_headcounts(session, "S1", TOMORROW, "lunch", {"regular": 10}, "test")
    make_home_client("C1", profile="low_sodium")
    session.commit()
    auth.login_as("manager")
    html = client.get(f"/?date={TOMORROW}").get_data(as_text=True)
    assert 'id="meals-total">11<' in html
    assert 'id="home-total">1<' in html
    assert "已上报" in html and "未上报" in html


@pytest.mark.parametrize("value", ["²", "٣x", "1.5", "-3", "1e3", "12345678901"])
def test_odd_digits_are_a_field_error_not_500(
    client: FlaskClient, auth: Any, world: Any, value: str
) -> None:
    """``²`` passes ``str.isdigit`` but not ``int``: it is refused as a field error (422)."""
    auth.login_as("site_staff", site="S1")
    response = client.post(f"/headcounts/S1?date={TOMORROW}", data={"c-lunch-regular": value})
    assert response.status_code == 422
    assert "人数必须是整数" in response.get_data(as_text=True)


def test_full_width_digits_are_counts(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """Full-width digits from a Chinese phone keyboard are read as the number."""
    auth.login_as("site_staff", site="S1")
    response = client.post(f"/headcounts/S1?date={TOMORROW}", data={"c-lunch-regular": "１２"})
    assert response.status_code == 302
    assert headcounts.site_counts(session, "S1", TOMORROW, "lunch")["regular"] == 12


def test_date_picker_has_no_inline_handler(client: FlaskClient, auth: Any, world: Any) -> None:
    """The date picker submits through panel.js (the CSP forbids inline handlers)."""
    auth.login_as("site_staff", site="S1")
    html = client.get(f"/headcounts/S1?date={TOMORROW}").get_data(as_text=True)
    assert "onchange" not in html and "data-autosubmit" in html
    assert "panel.js" in html
