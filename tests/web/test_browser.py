"""End-to-end in headless Chromium: log in, read the dashboard, enter headcounts on a phone,
and the recipe editor's live totals. Uses the system Chromium at /usr/bin/chromium."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from chromium_support import chromium, login, needs_chromium, serving
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.services import headcounts, records
from web import create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.db,
    needs_chromium,
]

TOMORROW = dt.date.today() + dt.timedelta(days=1)


@pytest.fixture
def live_server(settings: Settings, app_config: dict[str, Any]) -> Iterator[str]:
    """The panel on a real HTTP server on 127.0.0.1 (free port), CSRF on."""
    app = create_app(
        {**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False, "MEALPLAN_SETTINGS": settings}
    )
    with serving(app) as base:
        yield base


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_manager_reads_dashboard(
    live_server: str, browser: Any, world: Any, make_user: Any, session: Session
) -> None:
    """The manager logs in and the dashboard shows the day's figures in Chinese."""
    headcounts.record_headcounts(
        session, "S1", dt.date.today(), "lunch", {"regular": 9}, "staff", allow_late=True
    )
    session.commit()
    manager = make_user("manager")
    page = browser.new_page()
    login(page, live_server, manager.username)
    assert "当日概览" in page.inner_text("h1")
    assert page.inner_text("#meals-total") == "9"
    assert "八一社区食堂" in page.inner_text("#sites")
    assert "未上报" in page.inner_text("#sites")  # S2 has not reported
    page.close()


def test_site_staff_enter_headcounts_on_a_phone(
    live_server: str, browser: Any, world: Any, make_user: Any, session: Session
) -> None:
    """Site staff on a phone-sized screen enter tomorrow's counts and see them saved."""
    staff = make_user("site_staff", site="S1")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    login(page, live_server, staff.username)
    assert "/headcounts/S1" in page.url
    page.goto(f"{live_server}/headcounts/S1?date={TOMORROW.isoformat()}")
    page.fill("input[name=c-lunch-regular]", "12")
    page.fill("input[name=c-lunch-low_sodium]", "3")
    page.click("#headcount-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "共 15 份" in page.inner_text("main")
    assert page.input_value("input[name=c-lunch-regular]") == "12"
    # the grid fits the phone: no horizontal scrolling of the page itself
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    session.expire_all()
    assert headcounts.site_counts(session, "S1", TOMORROW, "lunch") == {
        "regular": 12,
        "low_sodium": 3,
    }
    context.close()


def test_recipe_editor_live_totals(
    live_server: str, browser: Any, world: Any, make_user: Any, session: Session
) -> None:
    """Typing grams updates the per-serving totals at once: 150 g rice x 346/100 = 519 kcal."""
    records.create_ingredient(
        session,
        {
            "code": "rice",
            "name_zh": "大米",
            "food_group": "grain",
            "energy_kcal": 346,
            "price_fen_per_kg": 600,
        },
        actor="t",
    )
    session.commit()
    manager = make_user("manager")
    page = browser.new_page()
    login(page, live_server, manager.username)
    page.goto(f"{live_server}/data/dishes/new")
    page.fill("input[name=recipe-0-ingredient]", "rice")
    page.fill("input[name=recipe-0-grams]", "150")
    assert page.inner_text("#totals td[data-key=energy_kcal]") == "519.0"
    assert page.inner_text("#totals td[data-key=cost_fen]") == "90"
    page.click("#add-line")
    assert page.locator("input[name=recipe-1-grams]").count() == 1
    page.close()
