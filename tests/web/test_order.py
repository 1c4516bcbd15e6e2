"""Ordering pages (web/order): the per-elder link, community workers' 代订, links."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import AuditEntry, Client
from mealplan.planning.demand import day_demand
from mealplan.services import orders

pytestmark = pytest.mark.db
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


def _homes(session: Session, day: dt.date) -> list[str]:
    session.expire_all()
    return [h.client_code for h in day_demand(session, day, "lunch").homes]


@pytest.fixture
def elder(make_home_client: Callable[..., Client]) -> Client:
    """Elder H1 with no regular lunch days (orders only)."""
    return make_home_client("H1", lunch_days="")


def _link(session: Session, code: str = "H1") -> tuple[int, str]:
    link, token = orders.create_link(session, code, holder="女儿", user="staff")
    session.commit()
    return link.id, token


def test_family_orders_a_week_and_cancels_a_day_through_the_link(
    client: FlaskClient, session: Session, elder: Client
) -> None:
    """Through the link (no login): order 7 days from tomorrow, cancel the third; the
    planner's demand has the elder on exactly the 6 others; yesterday is refused (422)."""
    _, token = _link(session)
    page = client.get(f"/o/{token}")
    assert page.status_code == 200 and "老人H1" in page.get_data(as_text=True)
    week = [TODAY + i * DAY for i in range(1, 8)]
    for day in week:
        r = client.post(f"/o/{token}", data={"action": "order", "date": day.isoformat()})
        assert r.status_code == 302
    r = client.post(f"/o/{token}", data={"action": "cancel", "date": week[2].isoformat()})
    assert r.status_code == 302
    assert [d for d in week if "H1" in _homes(session, d)] == [d for d in week if d != week[2]]
    late = client.post(f"/o/{token}", data={"action": "order", "date": (TODAY - DAY).isoformat()})
    assert late.status_code == 422 and "截止" in late.get_data(as_text=True)
    actors = {
        a.actor
        for a in session.scalars(select(AuditEntry).where(AuditEntry.entity == "meal_order"))
    }
    assert len(actors) == 1 and next(iter(actors)).startswith("link:")


def test_revoked_link_is_refused_in_chinese_and_english(
    client: FlaskClient, session: Session, elder: Client, auth: Any
) -> None:
    """A withdrawn link answers 410 with a Chinese message (English on request); an
    unknown token 404; nothing is ordered."""
    link_id, token = _link(session)
    auth.login_as("manager")
    r = client.post("/order/H1/links", data={"action": "revoke", "link": str(link_id)})
    assert r.status_code == 200
    auth.logout()
    page = client.get(f"/o/{token}")
    assert page.status_code == 410 and "已停用" in page.get_data(as_text=True)
    en = client.get(f"/o/{token}", headers={"Accept-Language": "en"})
    assert en.status_code == 410
    r = client.post(f"/o/{token}", data={"action": "order", "date": (TODAY + DAY).isoformat()})
    assert r.status_code == 410
    assert client.get("/o/not-a-token").status_code == 404
    assert "H1" not in _homes(session, TODAY + DAY)


def test_unknown_tokens_are_throttled(client: FlaskClient, elder: Client) -> None:
    """After 20 refused tokens from one address the page answers 429."""
    codes = [client.get(f"/o/guess{i}").status_code for i in range(21)]
    assert codes[:20] == [404] * 20 and codes[20] == 429


def test_manager_makes_a_link_shown_once(
    client: FlaskClient, session: Session, elder: Client, auth: Any
) -> None:
    """The new link's address is shown once and opens the elder's page."""
    auth.login_as("manager")
    page = client.post("/order/H1/links", data={"action": "create", "holder": "本人"})
    text = page.get_data(as_text=True)
    url = re.search(r'id="new-link" href="([^"]+)"', text)
    assert url is not None
    assert '<div class="qr" id="new-link-qr"><svg' in text
    auth.logout()
    path = url.group(1).split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    assert client.get("/order/H1/links").status_code == 302  # login needed


def test_community_worker_orders_on_behalf(
    client: FlaskClient, session: Session, elder: Client, auth: Any
) -> None:
    """A community worker finds the elder and orders tomorrow's lunch; audited as worker."""
    user = auth.login_as("community_worker")
    assert "老人H1" in client.get("/order/?q=H1").get_data(as_text=True)
    tomorrow = TODAY + DAY
    r = client.post("/order/H1", data={"action": "order", "date": tomorrow.isoformat()})
    assert r.status_code == 302
    assert "H1" in _homes(session, tomorrow)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "meal_order"))
    assert entry is not None and entry.actor == user.username and entry.details["via"] == "worker"
    assert client.get("/order/H1/links").status_code == 403


@pytest.mark.parametrize("role", ["site_staff", "viewer", "dispatcher"])
def test_others_may_not_order_on_behalf(
    client: FlaskClient, elder: Client, auth: Any, role: str
) -> None:
    """Only managers, admins and community workers order on behalf of an elder."""
    auth.login_as(role)
    assert client.get("/order/H1").status_code == 403


@pytest.mark.parametrize("role", ["site_staff", "community_worker"])
def test_canteen_staff_and_workers_read_the_weeks_menu(
    client: FlaskClient, auth: Any, world: Any, role: str
) -> None:
    """The week's menu page answers 200 to site staff and community workers (not 403)."""
    auth.login_as(role)
    assert client.get("/menus/").status_code == 200


def test_client_page_links_to_ordering(client: FlaskClient, elder: Client, auth: Any) -> None:
    """A manager reaches the elder's ordering links from the client's record page."""
    auth.login_as("manager")
    page = client.get("/data/clients/H1/edit").get_data(as_text=True)
    assert "/order/H1/links" in page and "/order/H1" in page


def test_todays_delivery_status_is_shown(
    client: FlaskClient, session: Session, elder: Client, make_route: Any
) -> None:
    """The link page shows today's planned arrival and the driver's recorded outcome."""
    from mealplan.services import deliveries

    stops = make_route(TODAY, [("home", "H1", {"regular": 1})])
    deliveries.record_delivery(session, stops[0].id, "delivered", actor="driver")
    session.commit()
    _, token = _link(session)
    page = client.get(f"/o/{token}").get_data(as_text=True)
    section = page.split('id="today"', 1)[1].split("</section>", 1)[0]
    assert "预计送达" in section and "status-delivered" in section


def test_worker_of_a_street_orders_only_for_its_elders(
    client: FlaskClient, session: Session, elder: Client, make_home_client: Any
) -> None:
    """A worker bound to 米市巷街道 finds and orders for its elder only (another: 403)."""
    from mealplan.services import users

    elder.street = "米市巷街道"
    other = make_home_client("H2")
    other.street = "和睦街道"
    users.create_user(
        session, "w1", "correct horse 1", "community_worker", street="米市巷街道", actor="t"
    )
    session.commit()
    client.post("/login", data={"username": "w1", "password": "correct horse 1"})
    found = client.get("/order/").get_data(as_text=True)
    assert "老人H1" in found and "老人H2" not in found
    assert client.get("/order/H1").status_code == 200
    assert client.get("/order/H2").status_code == 403
