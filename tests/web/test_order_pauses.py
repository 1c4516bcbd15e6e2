"""Pauses on the ordering page (web/order, issue 14): a family pauses days ahead through
the elder's link, sees the current and coming pauses, ends one early or withdraws one
before the cut-off; the planner's demand follows (checked on day_demand, not the page)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import AuditEntry, Client, ClientPause
from mealplan.planning.demand import day_demand
from mealplan.services import orders, pauses

pytestmark = pytest.mark.db
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


def _gets(session: Session, day: dt.date, code: str = "H1") -> bool:
    session.expire_all()
    return code in [h.client_code for h in day_demand(session, day, "lunch").homes]


def _pauses(session: Session, code: str = "H1") -> list[tuple[dt.date, dt.date]]:
    session.expire_all()
    return [
        (p.start_date, p.end_date)
        for p in session.scalars(
            select(ClientPause).join(Client).where(Client.code == code)
            .order_by(ClientPause.start_date)
        )
    ]  # fmt: skip


@pytest.fixture
def token(make_home_client: Callable[..., Client], session: Session) -> str:
    """Elder H1 eating lunch every day and H2 (another elder); a link for H1."""
    make_home_client("H1")
    make_home_client("H2")
    _link, token = orders.create_link(session, "H1", holder="女儿", user="staff")
    session.commit()
    return token


def test_family_pauses_ends_early_and_withdraws(
    client: FlaskClient, session: Session, token: str
) -> None:
    """Pause from day+2 to day+5: listed on the page and the elder drops out of those days'
    demand; ended from day+4: back on days 4-5; a coming pause withdrawn is gone."""
    start, end = TODAY + 2 * DAY, TODAY + 5 * DAY
    r = client.post(f"/o/{token}", data={"action": "pause", "start": start.isoformat(),
                                         "end": end.isoformat()})  # fmt: skip
    assert r.status_code == 302
    page = client.get(f"/o/{token}").get_data(as_text=True)
    pause_id = int(re.search(r'data-pause="(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert f"{start.isoformat()} – {end.isoformat()}" in page and "撤销这次暂停" in page
    assert [_gets(session, TODAY + i * DAY) for i in range(1, 7)] == [
        True, False, False, False, False, True,
    ]  # fmt: skip
    r = client.post(f"/o/{token}", data={"action": "resume", "pause": str(pause_id),
                                         "on": (TODAY + 4 * DAY).isoformat()})  # fmt: skip
    assert r.status_code == 302
    assert _pauses(session) == [(start, TODAY + 3 * DAY)]
    assert [_gets(session, TODAY + i * DAY) for i in range(1, 7)] == [
        True, False, False, True, True, True,
    ]  # fmt: skip
    ended = session.scalar(
        select(AuditEntry).where(AuditEntry.entity == pauses.ENTITY, AuditEntry.action == "end")
    )
    assert ended is not None and ended.actor.startswith("link:")
    # withdraw it altogether (it has not started)
    r = client.post(f"/o/{token}", data={"action": "resume", "pause": str(pause_id),
                                         "on": start.isoformat()})  # fmt: skip
    assert r.status_code == 302 and _pauses(session) == []
    assert "没有计划的暂停" in client.get(f"/o/{token}").get_data(as_text=True)


def test_ongoing_pause_is_listed_and_past_ones_are_not(
    client: FlaskClient, session: Session, token: str
) -> None:
    """A pause running now shows 'paused now' with an end form from the first open day; a
    pause that is over is not listed."""
    pauses.add_pause(session, "H1", TODAY - 10 * DAY, TODAY - 8 * DAY, user="t")
    pauses.add_pause(session, "H1", TODAY - DAY, TODAY + 3 * DAY, user="t")
    session.commit()
    page = client.get(f"/o/{token}").get_data(as_text=True)
    assert page.count('class="order-pause"') == 1 and "正在暂停" in page
    first = orders.first_open_day(dt.datetime.now())
    assert f'name="on" value="{first.isoformat()}"' in page


def test_refusals(client: FlaskClient, session: Session, token: str) -> None:
    """Another elder's pause through this link is 404 and unchanged; a day past its
    cut-off is refused (422, in Chinese) and the pause stays."""
    other = pauses.add_pause(session, "H2", TODAY + 2 * DAY, TODAY + 3 * DAY, user="t")
    mine = pauses.add_pause(session, "H1", TODAY - DAY, TODAY + 3 * DAY, user="t")
    session.commit()
    r = client.post(f"/o/{token}", data={"action": "resume", "pause": str(other.id),
                                         "on": (TODAY + 2 * DAY).isoformat()})  # fmt: skip
    assert r.status_code == 404
    assert _pauses(session, "H2") == [(TODAY + 2 * DAY, TODAY + 3 * DAY)]
    r = client.post(f"/o/{token}", data={"action": "resume", "pause": str(mine.id),
                                         "on": (TODAY - DAY).isoformat()})  # fmt: skip
    assert r.status_code == 422 and "截止" in r.get_data(as_text=True)
    assert _pauses(session) == [(TODAY - DAY, TODAY + 3 * DAY)]


def test_worker_ends_a_pause_on_behalf(
    client: FlaskClient, session: Session, token: str, auth: Any
) -> None:
    """A community worker (代订) ends the elder's pause from the page in English too."""
    mine = pauses.add_pause(session, "H1", TODAY + 2 * DAY, TODAY + 6 * DAY, user="t")
    session.commit()
    auth.login_as("community_worker", language="en")
    page = client.get("/order/H1").get_data(as_text=True)
    assert "Withdraw this pause" in page
    r = client.post("/order/H1", data={"action": "resume", "pause": str(mine.id),
                                       "on": (TODAY + 4 * DAY).isoformat()})  # fmt: skip
    assert r.status_code == 302
    assert _pauses(session) == [(TODAY + 2 * DAY, TODAY + 3 * DAY)]
