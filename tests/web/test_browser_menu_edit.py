"""End-to-end in headless Chromium: the dietitian swaps a dish; the live check (a static
script, CSP forbids inline ones) names the broken rule as the dish changes; saving locks
the meal and the grid marks it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chromium_support import chromium, login, needs_chromium, serving
from test_menu_edits import TUESDAY, week  # noqa: F401  (the week fixture)

from mealplan.config import Settings
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.db, needs_chromium]


@pytest.fixture
def live_server(settings: Settings, app_config: dict[str, Any]) -> Iterator[str]:
    """The panel on a real HTTP server on 127.0.0.1 (free port), CSRF on."""
    app = create_app(
        {**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False, "MEALPLAN_SETTINGS": settings}
    )
    with serving(app) as base:
        yield base


@pytest.mark.usefixtures("week")
def test_live_check_follows_the_chooser_and_save_locks(live_server: str, make_user: Any) -> None:
    """Choosing Monday's pork for Tuesday shows `no_repeat` for it without a reload;
    choosing tofu clears that; saving locks the meal (the grid shows the lock)."""
    manager = make_user("manager", language="en")
    with chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        login(page, live_server, manager.username)
        page.goto(
            f"{live_server}/menus/meal?date={TUESDAY.isoformat()}&service=lunch&profile=regular"
        )
        main = page.locator("select[name=dish]").nth(1)
        main.select_option("pork")
        pork = "#live-items li[data-rule=no_repeat]:has-text('Braised pork')"
        page.wait_for_selector(pork, timeout=10_000)
        assert page.locator(pork + " code").inner_text() == "no_repeat"  # the rule id shown
        assert "kcal" in page.locator("#live-cost").inner_text()  # the English page
        main.select_option("tofu")
        page.wait_for_selector(pork, state="detached", timeout=10_000)
        page.click("#meal-edit button[type=submit]")
        page.wait_for_selector(f"div.meal[data-day='{TUESDAY.isoformat()}'][data-locked='1']")
        assert page.locator("div.meal[data-locked='1']").count() == 1
        assert not [e for e in errors if "Content Security Policy" in e], errors
