"""End-to-end in headless Chromium on a 390 px phone: a driver opens today's trips,
presses delivered at a canteen and no answer at a home, in Chinese and in English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from chromium_support import PASSWORD, chromium, login, needs_chromium, serving
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import Delivery, Driver, Kitchen, Notification, Vehicle
from mealplan.services import users
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.db, needs_chromium]
DAY = dt.date.today()


@pytest.fixture
def live_server(settings: Settings, app_config: dict[str, Any]) -> Iterator[str]:
    """The panel on a real HTTP server on 127.0.0.1 (free port), CSRF on."""
    app = create_app(
        {**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False, "MEALPLAN_SETTINGS": settings}
    )
    with serving(app) as base:
        yield base


@pytest.mark.parametrize(
    ("language", "title", "delivered", "no_answer"),
    [
        ("zh_Hans_CN", "我的送餐", "已送达", "无人应答"),
        ("en", "My deliveries", "Delivered", "No answer"),
    ],
)
def test_driver_marks_deliveries_on_a_phone(
    live_server: str,
    world: Any,
    make_home_client: Any,
    make_route: Any,
    session: Session,
    language: str,
    title: str,
    delivered: str,
    no_answer: str,
) -> None:
    """The page fits the phone, shows the stops in order with their navigation links;
    delivered and no answer are recorded, the no-answer opens the alert and notifies."""
    make_home_client("C1")
    stops = make_route(DAY, [("site", "S1", {"regular": 6}), ("home", "C1", {"regular": 1})])
    kitchen = session.scalar(select(Kitchen).where(Kitchen.code == "K1"))
    vehicle = session.scalar(select(Vehicle).where(Vehicle.code == "V1"))
    assert kitchen is not None and vehicle is not None
    session.add(Driver(code="D1", name="王师傅", kitchen_id=kitchen.id, vehicle_id=vehicle.id))
    session.commit()
    users.create_user(
        session, "driver1", PASSWORD, "driver", driver_code="D1", language=language, actor="t"
    )
    session.commit()
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        login(page, live_server, "driver1")
        assert page.url.endswith("/driver/")
        assert title in page.locator("h1").first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert page.locator("li.driver-stop").count() == 2
        assert (
            page.locator("a.nav-link").first.get_attribute("href", timeout=5000).startswith("geo:")
        )
        page.locator(f"#stop-{stops[0].id} button.delivered").click()
        page.wait_for_load_state("domcontentloaded")
        assert delivered in page.locator(f"#stop-{stops[0].id} .outcome").inner_text()
        page.locator(f"#stop-{stops[1].id} button.no_answer").click()
        page.wait_for_load_state("domcontentloaded")
        assert no_answer in page.locator(f"#stop-{stops[1].id} .outcome").inner_text()
        assert page.locator(f"#stop-{stops[1].id} .badge.bad").count() == 1
        context.close()
    session.expire_all()
    got = dict(session.execute(select(Delivery.route_stop_id, Delivery.status)).all())
    assert got == {stops[0].id: "delivered", stops[1].id: "no_answer"}
    assert len(session.scalars(select(Notification)).all()) == 1
