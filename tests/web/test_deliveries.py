"""Delivery confirmation per stop and welfare alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Delivery

pytestmark = pytest.mark.db
TODAY = dt.date.today()


@pytest.fixture
def stops(world: Any, make_home_client: Any, make_route: Any) -> list[Any]:
    make_home_client("C1")
    return list(
        make_route(TODAY, [("site", "S1", {"regular": 10}), ("home", "C1", {"regular": 1})])
    )


def test_stops_listed(client: FlaskClient, auth: Any, stops: list[Any]) -> None:
    """The delivery page lists the day's stops with their meals."""
    auth.login_as("dispatcher")
    html = client.get(f"/deliveries/?date={TODAY}").get_data(as_text=True)
    assert "八一社区食堂" in html and "老人C1" in html and "10 份" in html
    assert "1 份" in html
    auth.logout()
    auth.login_as("dispatcher", language="en")
    html = client.get(f"/deliveries/?date={TODAY}").get_data(as_text=True)
    assert "10 meals" in html and "1 meal<" in html and "1 meals" not in html


def test_site_staff_see_only_their_stops(client: FlaskClient, auth: Any, stops: list[Any]) -> None:
    """Site staff see their own site's stop only."""
    auth.login_as("site_staff", site="S1")
    html = client.get(f"/deliveries/?date={TODAY}").get_data(as_text=True)
    assert "八一社区食堂" in html and "老人C1" not in html


def test_record_delivered_with_time(
    client: FlaskClient, auth: Any, stops: list[Any], session: Session
) -> None:
    """Recording 'delivered' stores the status, time and user."""
    user = auth.login_as("dispatcher")
    response = client.post(
        f"/deliveries/{stops[0].id}",
        data={"status": "delivered", "time": "11:20", "date": TODAY.isoformat()},
    )
    assert response.status_code == 302
    d = session.scalar(select(Delivery).where(Delivery.route_stop_id == stops[0].id))
    assert d is not None and d.status == "delivered" and d.recorded_by == user.username
    assert d.recorded_at == dt.datetime.combine(TODAY, dt.time(11, 20))
    assert d.welfare_alert_open is False


def test_refused_needs_reason(
    client: FlaskClient, auth: Any, stops: list[Any], session: Session
) -> None:
    """'Refused' without a reason is not recorded."""
    auth.login_as("dispatcher")
    response = client.post(
        f"/deliveries/{stops[0].id}", data={"status": "refused"}, follow_redirects=True
    )
    assert "请填写拒收原因" in response.get_data(as_text=True)
    assert session.scalar(select(Delivery)) is None


def test_welfare_alert_raised_and_resolved(
    client: FlaskClient, auth: Any, stops: list[Any], session: Session
) -> None:
    """No answer at a home raises an alert shown on every page for managers and dispatchers
    until someone resolves it with a note."""
    auth.login_as("dispatcher")
    response = client.post(
        f"/deliveries/{stops[1].id}",
        data={"status": "no_answer", "reason": "敲门无人应"},
        follow_redirects=True,
    )
    assert "已发出关怀预警" in response.get_data(as_text=True)
    for url in ("/", "/data/sites/", "/deliveries/"):
        assert 'class="banner alert"' in client.get(url).get_data(as_text=True)
    alerts = client.get("/alerts/").get_data(as_text=True)
    assert "老人C1" in alerts and "13900000000" in alerts
    d = session.scalar(select(Delivery))
    assert d is not None and d.welfare_alert_open
    # an empty note does not resolve it
    client.post(f"/alerts/{d.id}/resolve", data={"note": ""})
    session.expire_all()
    assert session.get(Delivery, d.id).welfare_alert_open  # type: ignore[union-attr]
    response = client.post(
        f"/alerts/{d.id}/resolve",
        data={"note": "已联系女儿，老人去医院复诊"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "预警已处理" in html and 'class="banner alert"' not in html
    session.expire_all()
    resolved = session.get(Delivery, d.id)
    assert resolved is not None and not resolved.welfare_alert_open
    assert resolved.resolution == "已联系女儿，老人去医院复诊"


def test_no_answer_at_site_raises_no_alert(
    client: FlaskClient, auth: Any, stops: list[Any], session: Session
) -> None:
    """A no-answer at a canteen is recorded but is not a welfare alert."""
    auth.login_as("dispatcher")
    client.post(f"/deliveries/{stops[0].id}", data={"status": "no_answer"})
    d = session.scalar(select(Delivery))
    assert d is not None and d.status == "no_answer" and not d.welfare_alert_open


def test_banner_not_shown_to_site_staff(
    client: FlaskClient, auth: Any, stops: list[Any], session: Session
) -> None:
    """The welfare banner is for managers and dispatchers, not site staff."""
    from mealplan.services import deliveries

    deliveries.record_delivery(session, stops[1].id, "no_answer", actor="driver")
    session.commit()
    auth.login_as("site_staff", site="S1")
    assert 'class="banner alert"' not in client.get("/deliveries/").get_data(as_text=True)


def test_viewer_cannot_resolve(
    client: FlaskClient, auth: Any, stops: list[Any], session: Session
) -> None:
    """A viewer sees alerts but cannot resolve them."""
    from mealplan.services import deliveries

    d = deliveries.record_delivery(session, stops[1].id, "no_answer", actor="driver")
    session.commit()
    auth.login_as("viewer")
    assert client.get("/alerts/").status_code == 200
    assert client.post(f"/alerts/{d.id}/resolve", data={"note": "x"}).status_code == 403


@pytest.mark.parametrize(
    "back",
    ["//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)",
     "/\t/evil.example", "\\\\evil.example"],
)  # fmt: skip
def test_back_cannot_leave_the_site(
    client: FlaskClient, auth: Any, stops: list[Any], back: str
) -> None:
    """``back=`` after recording goes to a path on this site only (no open redirect)."""
    auth.login_as("dispatcher")
    response = client.post(
        f"/deliveries/{stops[0].id}",
        data={"status": "delivered", "date": TODAY.isoformat(), "back": back},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/deliveries/"


def test_back_to_a_local_page_is_kept(client: FlaskClient, auth: Any, stops: list[Any]) -> None:
    """A same-site path with its query string is where the form sends the user back."""
    auth.login_as("dispatcher")
    back = f"/deliveries/?date={TODAY}&vehicle=V1"
    response = client.post(
        f"/deliveries/{stops[0].id}",
        data={"status": "delivered", "date": TODAY.isoformat(), "back": back},
    )
    assert response.headers["Location"] == back
