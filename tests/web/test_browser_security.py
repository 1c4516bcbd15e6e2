"""In headless Chromium, under the panel's Content-Security-Policy: the pages' scripts
still work (the date picker, the language switch), and the browser reports no CSP
violation on the pages a manager and site staff use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from chromium_support import chromium, login, needs_chromium, serving

from mealplan.config import Settings
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.db, needs_chromium]

TOMORROW = dt.date.today() + dt.timedelta(days=1)


@pytest.fixture
def live_server(settings: Settings, app_config: dict[str, Any]) -> Iterator[str]:
    """The panel on a real HTTP server on 127.0.0.1 (free port), CSRF on."""
    app = create_app(
        {**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False, "MEALPLAN_SETTINGS": settings}
    )
    with serving(app) as base:
        yield base


def test_pages_work_under_the_csp(live_server: str, world: Any, make_user: Any) -> None:
    """No CSP violation on the main pages; the date picker (panel.js) navigates and the
    header's language button (a POST with the CSRF token) switches to English and back."""
    staff = make_user("site_staff", site="S1")
    manager = make_user("manager")
    with chromium() as browser:
        page = browser.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda msg: (
                violations.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )
        login(page, live_server, staff.username)
        page.goto(f"{live_server}/headcounts/S1?date={TOMORROW.isoformat()}")
        with page.expect_navigation():
            page.fill(
                "input[type=date][data-autosubmit]", (TOMORROW + dt.timedelta(days=1)).isoformat()
            )
            page.dispatch_event("input[type=date][data-autosubmit]", "change")
        assert f"date={(TOMORROW + dt.timedelta(days=1)).isoformat()}" in page.url
        page.click("form.lang-switch button")
        page.wait_for_load_state("domcontentloaded")
        assert "/headcounts/S1" in page.url
        assert "Log out" in page.inner_text("header")
        page.click("form.lang-switch button")
        page.wait_for_load_state("domcontentloaded")
        assert "退出" in page.inner_text("header")
        page.context.clear_cookies()
        login(page, live_server, manager.username)
        for path in ("/", "/headcounts/", "/deliveries/", "/plans/", "/menus/", "/routes/"):
            page.goto(f"{live_server}{path}")
        assert violations == []
        page.close()
