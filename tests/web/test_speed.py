"""What keeps the panel fast: paged deliveries and alerts, the cached monthly report,
long-cached static files, the dashboard's column-query demand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mealplan.db.models import ClientPause
from mealplan.planning.demand import day_demand
from mealplan.services import deliveries, headcounts, reports
from web.cache import TTLCache

pytestmark = pytest.mark.db
TODAY = dt.date.today()
MARCH = dt.date(2026, 3, 2)


@pytest.fixture
def day(world: Any, make_home_client: Any, make_route: Any) -> list[Any]:
    """Today's route: S1 (10 meals), home C1 (1), S2 (6), in that order."""
    make_home_client("C1")
    return list(
        make_route(
            TODAY,
            [
                ("site", "S1", {"regular": 10}),
                ("home", "C1", {"regular": 1}),
                ("site", "S2", {"regular": 6}),
            ],
        )
    )


def _html(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_deliveries_paged(
    client: FlaskClient, auth: Any, day: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deliveries page shows a page of stops with a pager; an out-of-range page
    shows the last."""
    monkeypatch.setattr(deliveries, "STOPS_PER_PAGE", 2)
    auth.login_as("dispatcher")
    first = _html(client, f"/deliveries/?date={TODAY}")
    assert "八一社区食堂" in first and "老人C1" in first and "东湖助餐点" not in first
    assert "第 1 页，共 2 页" in first and "page=2" in first
    second = _html(client, f"/deliveries/?date={TODAY}&page=2")
    assert "东湖助餐点" in second and "八一社区食堂" not in second
    assert "第 2 页，共 2 页" in _html(client, f"/deliveries/?date={TODAY}&page=9")


def test_deliveries_filtered_by_outcome_and_vehicle(
    client: FlaskClient, auth: Any, day: list[Any], session: Session
) -> None:
    """The outcome filter lists the not-yet-recorded or the recorded stops; an unknown
    vehicle matches nothing; the day's counts per outcome are shown."""
    deliveries.record_delivery(session, day[0].id, "delivered", actor="driver")
    session.commit()
    auth.login_as("dispatcher")
    base = f"/deliveries/?date={TODAY}"
    open_stops = _html(client, base + "&outcome=not_recorded")
    assert "老人C1" in open_stops and "东湖助餐点" in open_stops
    assert "八一社区食堂" not in open_stops
    done = _html(client, base + "&outcome=delivered&vehicle=V1")
    assert "八一社区食堂" in done and "老人C1" not in done
    assert "3 个站点" in done
    nothing = _html(client, base + "&vehicle=NOPE")
    assert "没有符合条件的站点" in nothing


def test_stops_page_service(session: Session, day: list[Any]) -> None:
    """stops_page pages in route order and counts the whole filter."""
    flt = deliveries.StopFilter(TODAY)
    page = deliveries.stops_page(session, flt, page=2, per_page=2)
    assert (page.total, page.page, page.pages) == (3, 2, 2)
    assert [s.name for s in page.items] == ["东湖助餐点"]
    outcomes = deliveries.day_outcomes(session, flt)
    assert (outcomes.not_recorded, outcomes.total, outcomes.vehicles) == (3, 3, ["V1"])


def test_alerts_paged(
    client: FlaskClient,
    auth: Any,
    session: Session,
    make_home_client: Any,
    make_route: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Open welfare alerts are listed a page at a time, oldest first."""
    make_home_client("C1")
    make_home_client("C2")
    stops = make_route(TODAY, [("home", "C1", {"regular": 1}), ("home", "C2", {"regular": 1})])
    for hour, stop in ((9, stops[0]), (10, stops[1])):
        at = dt.datetime.combine(TODAY, dt.time(hour))
        deliveries.record_delivery(session, stop.id, "no_answer", at=at, actor="driver")
    session.commit()
    monkeypatch.setattr(deliveries, "ALERTS_PER_PAGE", 1)
    auth.login_as("manager")
    first = _html(client, "/alerts/")
    assert "老人C1" in first and "老人C2" not in first and "第 1 页，共 2 页" in first
    second = _html(client, "/alerts/?page=2")
    assert "老人C2" in second and "老人C1" not in second


@pytest.fixture
def march(session: Session, world: Any, make_home_client: Any, make_route: Any) -> list[Any]:
    """March 2026: S1 10 meals delivered, home C1 1 meal not yet recorded."""
    make_home_client("C1")
    stops = list(
        make_route(MARCH, [("site", "S1", {"regular": 10}), ("home", "C1", {"regular": 1})])
    )
    deliveries.record_delivery(session, stops[0].id, "delivered", actor="driver")
    session.commit()
    return stops


def test_monthly_report_cached_until_the_panel_writes(
    client: FlaskClient, auth: Any, march: list[Any], session: Session
) -> None:
    """The monthly report is kept a minute: a change made outside the panel shows later,
    one recorded in the panel empties the cache at once."""
    auth.login_as("manager")
    url = "/reports/monthly?month=2026-03"
    assert 'id="total-meals">10<' in _html(client, url)
    deliveries.record_delivery(session, march[1].id, "refused", reason="x", actor="cli")
    session.commit()  # another process (here: the test's own session)
    assert 'id="total-meals">10<' in _html(client, url)
    response = client.post(
        f"/deliveries/{march[1].id}", data={"status": "delivered", "date": MARCH.isoformat()}
    )
    assert response.status_code == 302
    assert 'id="total-meals">11<' in _html(client, url)


def test_monthly_report_one_row_per_place(client: FlaskClient, auth: Any, march: list[Any]) -> None:
    """The HTML report has one row per place with a column per diet profile."""
    auth.login_as("viewer")
    html = _html(client, "/reports/monthly?month=2026-03")
    served = html.split('id="served"', 1)[1].split("</table>", 1)[0]
    assert served.count("<tr>") == 3  # header, S1, home
    assert 'title="regular">普通</th>' in served


def test_ttl_cache_expires_and_clears() -> None:
    """A cached value is reused until it expires or the cache is cleared."""
    now = [0.0]
    cache = TTLCache(60, clock=lambda: now[0])
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get("k", compute) == 1
    assert cache.get("k", compute) == 1
    now[0] = 61.0
    assert cache.get("k", compute) == 2
    cache.clear()
    assert cache.get("k", compute) == 3
    assert TTLCache(0).get("k", compute) == 4  # 0 s: no caching


def test_static_files_cached_with_versioned_urls(
    client: FlaskClient, auth: Any, world: Any
) -> None:
    """Static files are cached for a week; pages link them with their version."""
    auth.login_as("manager")
    html = _html(client, "/")
    assert "/static/style.css?v=" in html
    response = client.get("/static/style.css")
    try:
        assert "max-age=604800" in (response.headers.get("Cache-Control") or "")
    finally:
        response.close()


def test_dashboard_matches_day_demand(session: Session, world: Any, make_home_client: Any) -> None:
    """The dashboard's column-query demand equals day_demand's: a site forecast from other
    weekdays when it has no same-weekday history, a paused client left out."""
    day = dt.date(2026, 12, 2)  # a Wednesday
    for back, n in ((1, 10), (2, 14)):  # Tuesday and Monday before
        headcounts.record_headcounts(
            session,
            "S1",
            day - dt.timedelta(days=back),
            "lunch",
            {"regular": n},
            "t",
            allow_late=True,
        )
    headcounts.record_headcounts(
        session,
        "S2",
        day - dt.timedelta(weeks=1),
        "lunch",
        {"low_sodium": 5},
        "t",
        allow_late=True,
    )
    make_home_client("C1")
    paused = make_home_client("C2", profile="low_sodium")
    session.add(ClientPause(client_id=paused.id, start_date=day, end_date=day, reason="away"))
    session.commit()
    summary = reports.day_summary(session, day, "lunch")
    demand = day_demand(session, day, "lunch")
    assert {p.code: p.total for p in summary.profiles} == demand.meals_by_profile()
    assert [(s.site_code, s.counts) for s in summary.sites] == [
        (d.site_code, d.meals) for d in demand.sites
    ]
    assert [(s.site_code, s.status, s.total) for s in summary.sites] == [
        ("S1", "forecast", 12),
        ("S2", "forecast", 5),
    ]
    assert summary.home_clients == len(demand.homes) == 1
