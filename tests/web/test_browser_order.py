"""End-to-end in headless Chromium on a 390 px phone: a family member orders a week for an
elder through the elder's link and cancels one day before the cut-off, a closed day offers
no button; a low rating's follow-up is closed by a community worker; Chinese and English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium_support import chromium, login, needs_chromium, serving
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import FollowUp
from mealplan.planning.demand import day_demand
from mealplan.services import orders, ratings
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.db, needs_chromium]
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def live_server(
    settings: Settings, app_config: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The panel on a real HTTP server, CSRF on; the cut-off at 00:00 so that today is
    always past it."""
    config = tmp_path / "mealplan.toml"
    config.write_text('[planning]\nheadcount_cutoff = "00:00"\n', encoding="utf-8")
    monkeypatch.setenv("MEALPLAN_CONFIG", str(config))
    app = create_app(
        {**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False, "MEALPLAN_SETTINGS": settings}
    )
    with serving(app) as base:
        yield base


def _switch_to_english(page: Any) -> None:
    page.locator("form.lang-switch button").click()
    page.wait_for_load_state("domcontentloaded")


@pytest.mark.parametrize(
    ("language", "heading", "closed", "ordered"),
    [("zh_Hans_CN", "订餐", "已截止", "已订"), ("en", "Order meals", "closed", "ordered")],
)
def test_family_orders_a_week_on_a_phone(
    live_server: str,
    make_home_client: Any,
    session: Session,
    language: str,
    heading: str,
    closed: str,
    ordered: str,
) -> None:
    """Order the 6 days after today, cancel the second; today (past its cut-off) has no
    button; the planner's demand has the elder on exactly the 5 remaining days."""
    make_home_client("H1", lunch_days="")
    _, token = orders.create_link(session, "H1", holder="女儿", user="staff")
    session.commit()
    days = [TODAY + i * DAY for i in range(1, 7)]
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        page.goto(f"{live_server}/o/{token}")
        if language == "en":
            _switch_to_english(page)
        assert heading in page.locator("h1").first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        today_row = page.locator(f'li.order-day[data-date="{TODAY.isoformat()}"]')
        assert closed in today_row.inner_text() and today_row.locator("button").count() == 0
        for day in days:
            page.locator(f'li.order-day[data-date="{day.isoformat()}"] button[value=order]').click()
            page.wait_for_load_state("domcontentloaded")
        row = page.locator(f'li.order-day[data-date="{days[1].isoformat()}"]')
        assert ordered in row.locator(".state").inner_text()
        row.locator("button[value=cancel]").click()
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("li.order-day.gets").count() == 5
        context.close()
    session.expire_all()
    planned = [
        d for d in days if "H1" in [h.client_code for h in day_demand(session, d, "lunch").homes]
    ]
    assert planned == [d for d in days if d != days[1]]


@pytest.mark.parametrize(("language", "done"), [("zh_Hans_CN", "已关闭"), ("en", "Closed")])
def test_worker_closes_a_low_ratings_follow_up_on_a_phone(
    live_server: str, world: Any, make_user: Any, session: Session, language: str, done: str
) -> None:
    """A 1-star rating's task is on the worker's list after login; closing it with an
    outcome moves it to the history."""
    ratings.record_rating(
        session,
        date=TODAY,
        service="lunch",
        subject="service",
        score=1,
        site_code="S1",
        comment="饭太硬",
        actor="staff",
    )
    session.commit()
    user = make_user("community_worker", language=language)
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        login(page, live_server, user.username)
        assert page.url.endswith("/followups/")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        task = page.locator("li.followup").first
        assert "饭太硬" in task.inner_text()
        task.locator("input[name=outcome]").fill("已上门回访")
        task.locator("button[value=close]").click()
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("li.followup").count() == 0
        page.locator("nav.tabs a").nth(1).click()
        page.wait_for_load_state("domcontentloaded")
        assert done in page.locator("nav.tabs a.active").inner_text()
        assert "已上门回访" in page.locator("li.followup").first.inner_text()
        context.close()
    session.expire_all()
    task_row = session.scalar(select(FollowUp))
    assert (
        task_row is not None and task_row.status == "closed" and task_row.closed_by == user.username
    )
