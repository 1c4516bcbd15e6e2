"""The check-in tablet page (web/checkin): site staff check elders in at their own site,
repeats and unknown cards are refused in Chinese, walk-ins pay full price."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mealplan.db.models import MealCheckin, PriceTier
from tests.money_world import build

pytestmark = pytest.mark.db


@pytest.fixture
def money(session: Session) -> Session:
    build(session)
    session.commit()
    return session


def _count(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count(MealCheckin.id))) or 0)


def test_twenty_elders_one_twice(client: FlaskClient, auth: Any, money: Session) -> None:
    """20 elders checked in by card (one through the QR prefix); the second lunch of one
    is refused with a Chinese message; the page lists 20 and the headcount comparison."""
    auth.login_as("site_staff", site="S1")
    for i in range(1, 21):
        card = f"{1000000000 + i}"
        if i == 3:
            card = "MEALPLAN-CARD:" + card
        r = client.post("/checkin/S1", data={"card": card, "service": "lunch"},
                        follow_redirects=True)  # fmt: skip
        assert r.status_code == 200
        assert f"老人{i:02d}" in r.get_data(as_text=True)
        if i == 1:  # the confirmation names the diet, not its code
            assert "老人01（" in r.get_data(as_text=True)
            assert "，普通）" in r.get_data(as_text=True) or "，软食）" in r.get_data(as_text=True)
    r = client.post("/checkin/S1", data={"card": "1000000007"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "今天已在" in page and "老人07" in page
    assert _count(money) == 20
    page = client.get("/checkin/S1").get_data(as_text=True)
    assert 'id="checked-in-total">20<' in page


def test_refusals_and_walk_in(client: FlaskClient, auth: Any, money: Session) -> None:
    """An unknown card is refused in Chinese and English; a walk-in pays 12 yuan."""
    auth.login_as("site_staff", site="S1")
    page = client.post("/checkin/S1", data={"card": "42424242"}, follow_redirects=True)
    assert "未知卡号 42424242" in page.get_data(as_text=True)
    page = client.post("/checkin/S1", data={"walk_in": "1"}, follow_redirects=True)
    assert "12.00" in page.get_data(as_text=True)
    assert _count(money) == 1
    auth.logout()
    auth.login_as("manager", language="en")
    page = client.post("/checkin/S2", data={"card": "42424242"}, follow_redirects=True)
    assert "unknown card number 42424242" in page.get_data(as_text=True)


def test_site_staff_only_at_their_site(client: FlaskClient, auth: Any, money: Session) -> None:
    """Site staff of S1 cannot open or post to another site's page; drivers cannot at all."""
    auth.login_as("site_staff", site="S1")
    assert client.get("/checkin/").headers["Location"].endswith("/checkin/S1")
    assert client.get("/checkin/S2").status_code == 403
    assert client.post("/checkin/S2", data={"card": "1000000001"}).status_code == 403
    auth.logout()
    auth.login_as("viewer")
    assert client.get("/checkin/S1").status_code == 403
    assert _count(money) == 0


def test_elder_card_has_qr(client: FlaskClient, auth: Any, money: Session) -> None:
    """An elder's card page shows the card number and an SVG QR code; the PDF is a PDF;
    an unknown elder is a 404; site staff may not print cards."""
    auth.login_as("manager")
    page = client.get("/checkin/cards/E01").get_data(as_text=True)
    assert "1000000001" in page and "<svg" in page and "老人01" in page
    r = client.get("/checkin/cards/E01.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert client.get("/checkin/cards/NOPE").status_code == 404
    auth.logout()
    auth.login_as("site_staff", site="S1")
    assert client.get("/checkin/cards/E01").status_code == 403


def test_client_form_card_fields(client: FlaskClient, auth: Any, money: Session) -> None:
    """The client form shows the card, district, street and registered site; a blank card
    shows blank (not None); price tiers are listed under Data."""
    auth.login_as("manager", language="en")
    page = client.get("/data/clients/E01/edit").get_data(as_text=True)
    assert "1000000001" in page and "南华西街" in page and "Registered site" in page
    assert 'value="None"' not in page
    assert 'value="None"' not in client.get("/data/clients/new").get_data(as_text=True)
    page = client.get("/data/price-tiers/").get_data(as_text=True)
    assert "lunch-age_80" in page


def test_a_service_the_site_does_not_serve_is_refused(
    client: FlaskClient, auth: Any, money: Session
) -> None:
    """A crafted POST for breakfast, or dinner at a site without a dinner window, records
    nothing (it was recorded as lunch)."""
    auth.login_as("site_staff", site="S1")
    page = client.get("/checkin/S1").get_data(as_text=True)
    has_dinner = 'value="dinner"' in page
    for service in ("breakfast", *(() if has_dinner else ("dinner",))):
        r = client.post("/checkin/S1", data={"card": "1000000001", "service": service},
                        follow_redirects=True)  # fmt: skip
        assert "未记录" in r.get_data(as_text=True)
        if service == "breakfast":  # the service named in Chinese, not as its code
            assert "本站点不提供早餐" in r.get_data(as_text=True)
    assert _count(money) == 0


def test_an_unpriced_meal_is_refused_in_the_panel_language(
    client: FlaskClient, auth: Any, money: Session
) -> None:
    """With no price tier in force the check-in is refused, nothing recorded, and the
    pricing error inside the refusal is translated too (it read "无法计价：no price tier
    for lunch on ...")."""
    money.execute(delete(PriceTier))
    money.commit()
    today = dt.date.today().isoformat()
    auth.login_as("site_staff", site="S1")
    page = client.post("/checkin/S1", data={"card": "1000000001", "service": "lunch"},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert f"{today} 没有适用于午餐的价格档" in page and "no price tier" not in page
    auth.logout()
    auth.login_as("site_staff", site="S1", language="en")
    page = client.post("/checkin/S1", data={"card": "1000000001", "service": "lunch"},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert f"no price tier for lunch on {today}" in page
    assert _count(money) == 0
