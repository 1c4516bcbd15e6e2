"""End-to-end in headless Chromium on a 390 px phone: a family member pauses an elder's
meals for days ahead through the link, sees the pause, ends it early; the page fits the
phone; Chinese and English (issue 14)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium_support import chromium, needs_chromium, serving
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import Client, ClientPause
from mealplan.planning.demand import day_demand
from mealplan.services import orders
from web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.db, needs_chromium]
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def live_server(
    settings: Settings, app_config: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The panel on a real HTTP server with CSRF on; the cut-off at 00:00 (today closed)."""
    config = tmp_path / "mealplan.toml"
    config.write_text('[planning]\nheadcount_cutoff = "00:00"\n', encoding="utf-8")
    monkeypatch.setenv("MEALPLAN_CONFIG", str(config))
    app = create_app(
        {**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False, "MEALPLAN_SETTINGS": settings}
    )
    with serving(app) as base:
        yield base


@pytest.mark.parametrize(
    ("language", "withdraw", "end"),
    [("zh_Hans_CN", "撤销这次暂停", "结束暂停"), ("en", "Withdraw this pause", "End the pause")],
)
def test_family_pauses_and_ends_early_on_a_phone(
    live_server: str,
    make_home_client: Any,
    session: Session,
    language: str,
    withdraw: str,
    end: str,
) -> None:
    """Pause days 2-5 from the phone; the pause is listed with a withdraw button; an
    ongoing pause (added behind the page) offers 'end' from tomorrow, the first open day;
    ending it brings the elder back into tomorrow's demand."""
    make_home_client("H1")
    _, token = orders.create_link(session, "H1", holder="女儿", user="staff")
    session.commit()
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        page.goto(f"{live_server}/o/{token}")
        if language == "en":
            page.locator("form.lang-switch button").click()
            page.wait_for_load_state("domcontentloaded")
        page.fill('input[name="start"]', (TODAY + 2 * DAY).isoformat())
        page.fill('input[name="end"]', (TODAY + 5 * DAY).isoformat())
        page.locator("button[value=pause]").click()
        page.wait_for_load_state("domcontentloaded")
        row = page.locator("li.order-pause")
        assert row.count() == 1 and withdraw in row.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        # replace it by a pause that runs now
        row.locator("button[value=resume]").click()
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("li.order-pause").count() == 0
        client_id = session.scalar(select(Client.id).where(Client.code == "H1"))
        session.add(ClientPause(client_id=client_id, start_date=TODAY - DAY,
                                end_date=TODAY + 4 * DAY))  # fmt: skip
        session.commit()
        page.reload()
        row = page.locator("li.order-pause")
        assert end in row.inner_text()
        assert row.locator('input[name="on"]').input_value() == (TODAY + DAY).isoformat()
        row.locator("button[value=resume]").click()
        page.wait_for_load_state("domcontentloaded")
    session.expire_all()
    pause = session.scalar(select(ClientPause).where(ClientPause.client_id == client_id))
    assert pause is not None and pause.end_date == TODAY
    homes = [h.client_code for h in day_demand(session, TODAY + DAY, "lunch").homes]
    assert "H1" in homes
