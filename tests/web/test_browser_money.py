"""End-to-end in headless Chromium, in Chinese and English: site staff check in 20 elders
of mixed categories at a canteen by typing each card + Enter as a USB scanner does (one
elder twice, charged in full by the configured rule); the officer (a viewer) opens the
month's claim, sees every meal once with the right amounts per funder level and the
duplicate flagged, and rejects it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from chromium_support import PASSWORD, chromium, login, needs_chromium, serving
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import ClaimDecision, MealCheckin
from mealplan.services import users
from tests.money_world import build
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.db, needs_chromium]


@pytest.fixture
def live_server(settings: Settings, app_config: dict[str, Any]) -> Iterator[str]:
    """The panel on a real HTTP server, CSRF on, a repeat meal charged in full."""
    full = replace(settings, planning=replace(settings.planning, repeat_meal="full_price"))
    app = create_app(
        {**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False, "MEALPLAN_SETTINGS": full}
    )
    with serving(app) as base:
        yield base


@pytest.mark.parametrize(
    ("language", "repeat_text", "flag_text"),
    [
        ("zh_Hans_CN", "本餐次第二次就餐", "同一餐次重复就餐"),
        ("en", "second meal of this service", "two meals in one service"),
    ],
)
def test_checkin_and_claim(
    live_server: str, session: Session, language: str, repeat_text: str, flag_text: str
) -> None:
    """20 elders checked in (one twice, full price); the claim lists 21 meals, 60 yuan from
    the city, flags the duplicate once; rejecting it leaves 20 meals."""
    build(session)
    session.commit()
    users.create_user(session, "staff1", PASSWORD, "site_staff", site_code="S1",
                      language=language, actor="t")  # fmt: skip
    users.create_user(session, "officer1", PASSWORD, "viewer", language=language, actor="t")
    session.commit()
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        login(page, live_server, "staff1")
        page.goto(f"{live_server}/checkin/")
        assert page.url.endswith("/checkin/S1")
        for i in [*range(1, 21), 7]:
            page.locator("#card").fill(f"{1000000000 + i}")
            page.locator("#card").press("Enter")
            page.wait_for_load_state("domcontentloaded")
            assert f"老人{i:02d}" in page.locator("main, body").first.inner_text()
        assert repeat_text in page.content()
        assert page.locator("#checked-in-total").inner_text() == "21"
        context.clear_cookies()
        login(page, live_server, "officer1")
        month = dt.date.today().strftime("%Y-%m")
        page.goto(f"{live_server}/claims/?period={month}")
        assert page.locator("#total-meals").inner_text() == "21"
        assert page.locator("#total-city").inner_text() == "60.00"
        flagged = page.locator("tr.flagged", has_text=flag_text)
        assert flagged.count() == 1
        flagged.locator("input[name=reason]").fill("重复就餐")
        flagged.locator("button[value=reject]").click()
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("#total-meals").inner_text() == "20"
        context.close()
    session.expire_all()
    assert len(session.scalars(select(MealCheckin)).all()) == 21
    decision = session.scalar(select(ClaimDecision))
    assert decision is not None and decision.accepted is False
