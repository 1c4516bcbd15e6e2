"""The panel on a large network (issue 15): the monthly report keeps the follow-ups it
opens and is computed by one request at a time; the routes page and the dashboard, which
work out their per-row links and words once, still link every stop and site right."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.db import session as db_session
from mealplan.db.models import FollowUp, Route, RouteStop, Site, Trip, UnservedStop, Vehicle
from mealplan.db.session import dispose_engines, session_factory
from mealplan.services import records, reports, users
from mealplan.services import routes as routes_service
from web import create_app

pytestmark = pytest.mark.db

DAY = dt.date(2026, 3, 2)


def _unserved_home_meal(session: Session, make_home_client: Any) -> None:
    """A home meal of C1 on DAY the plan could not deliver, stored with no follow-up (as a
    routing pass stored before follow-ups were opened with the plan)."""
    client = make_home_client("C1")
    session.add(
        UnservedStop(
            date=DAY,
            service="lunch",
            client_id=client.id,
            meals={"regular": 1},
            reason="no_capacity",
        )
    )
    session.commit()


def test_monthly_report_keeps_the_follow_ups_it_opens(
    client: FlaskClient, auth: Any, session: Session, make_home_client: Any, settings: Any
) -> None:
    """The report counts the follow-up of an unserved meal that had none (opened 1) and
    that task is stored: a later request finds it instead of opening it again, so a
    report does not write (nor wait for a plan's write lock) every time it is shown."""
    _unserved_home_meal(session, make_home_client)
    auth.login_as("manager")
    html = client.get("/reports/monthly?month=2026-03").get_data(as_text=True)
    assert 'id="followups-opened">1<' in html
    with session_factory(settings)() as other:  # what another connection sees: committed
        assert other.scalar(select(func.count(FollowUp.id))) == 1
    html = client.get("/reports/monthly?month=2026-03").get_data(as_text=True)
    assert 'id="followups-opened">1<' in html
    with session_factory(settings)() as other:
        assert other.scalar(select(func.count(FollowUp.id))) == 1


class _WatchedLock:
    """A lock that counts the requests that came to it (waiting or not)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrived = 0

    def __enter__(self) -> None:
        self.arrived += 1
        self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def test_concurrent_reports_are_computed_once(
    app: Flask, auth: Any, monkeypatch: pytest.MonkeyPatch, world: Any
) -> None:
    """Two users asking for the same month while its report is being computed: the second
    waits for the first computation and gets its figures; the report is computed once
    (before, each request computed it: ten users, ten computations side by side)."""
    import web.reports.views as views

    locks: defaultdict[tuple[int, int], _WatchedLock] = defaultdict(_WatchedLock)
    monkeypatch.setattr(views, "_COMPUTING", locks)
    real = reports.monthly_report
    computing, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow_report(session: Session, year: int, month: int) -> reports.MonthlyReport:
        calls.append(month)
        computing.set()
        assert release.wait(30), "the test never let the computation finish"
        return real(session, year, month)

    monkeypatch.setattr(reports, "monthly_report", slow_report)
    auth.login_as("manager")
    cookie = auth.client.get_cookie("session")
    assert cookie is not None
    statuses: list[int] = []

    def user() -> None:
        c = app.test_client()
        c.set_cookie("session", cookie.value)
        statuses.append(c.get("/reports/monthly?month=2026-03").status_code)

    first = threading.Thread(target=user)
    first.start()
    assert computing.wait(30)
    second = threading.Thread(target=user)
    second.start()
    for _ in range(3000):  # until the second request is at the lock (at most 30 s)
        if locks[(2026, 3)].arrived >= 2:
            break
        threading.Event().wait(0.01)
    assert locks[(2026, 3)].arrived == 2
    release.set()
    first.join(30)
    second.join(30)
    assert statuses == [200, 200]
    assert calls == [3]


def test_routes_page_links_every_stop_and_trip(
    client: FlaskClient, auth: Any, session: Session, make_home_client: Any, make_route: Any
) -> None:
    """Each stop's lock form posts to that stop, each trip links its driver's page, its
    route sheet and the sheet's PDF, in Chinese and in English (the words and links are
    worked out once per page, not per row)."""
    make_home_client("C1")
    stops = make_route(DAY, [("site", "S1", {"regular": 8}), ("home", "C1", {"regular": 1})])
    make_route(DAY, [("site", "S2", {"regular": 5})])
    trips = session.scalars(select(Trip.id).order_by(Trip.id)).all()
    for language, words in (
        ("zh_Hans_CN", ("锁定", "司机页面")),
        ("en", ("Lock", "driver's page")),
    ):
        auth.login_as("dispatcher", language=language)
        html = client.get(f"/routes/?date={DAY.isoformat()}").get_data(as_text=True)
        all_stops = session.scalars(select(RouteStop.id).order_by(RouteStop.id)).all()
        assert re.findall(r'action="/routes/stops/(\d+)/lock"', html) == [str(i) for i in all_stops]
        assert {s.id for s in stops} <= set(all_stops)
        for trip in trips:
            assert f'href="/routes/trips/{trip}" class="trip-link"' in html
            assert f'href="/routes/trips/{trip}/sheet" target="_blank"' in html
            assert f'href="/routes/trips/{trip}/sheet?format=pdf"' in html
        for word in words:
            assert word in html
        auth.logout()


def test_dashboard_links_every_site_with_its_labels(
    client: FlaskClient, auth: Any, session: Session, world: Any
) -> None:
    """Every active site's row links its headcount page of the day and shows its kind and
    status in the panel's language."""
    codes = session.scalars(select(Site.code).where(Site.active.is_(True))).all()
    for language, words in (
        ("zh_Hans_CN", ("社区食堂", "未上报")),
        ("en", ("Community canteen", "Missing")),
    ):
        auth.login_as("manager", language=language)
        html = client.get(f"/?date={DAY.isoformat()}").get_data(as_text=True)
        for code in codes:
            assert f'href="/headcounts/{code}?date={DAY.isoformat()}"' in html
        for word in words:
            assert word in html
        auth.logout()


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Writers give up after 1 s instead of 15 s (new engines pick it up)."""
    dispose_engines()
    monkeypatch.setattr(db_session, "BUSY_TIMEOUT_S", 1)
    yield
    dispose_engines()


def test_reading_pages_answer_while_a_plan_holds_the_write_lock(
    settings: Any,
    app_config: dict[str, Any],
    short_busy_timeout: None,
    session: Session,
    make_home_client: Any,
    make_route: Any,
) -> None:
    """While another program (a plan storing its routes) holds SQLite's write lock, the
    monthly report, the dashboard and the routes page answer 200 with their figures: they
    only read (the report's follow-ups were opened and kept by an earlier request; before,
    each report opened them again and waited for the lock: 'database is locked')."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer lock")
    _unserved_home_meal(session, make_home_client)
    make_route(DAY, [("site", "S1", {"regular": 8})])
    app = create_app({**app_config, "CACHE_SECONDS": 0, "MEALPLAN_SETTINGS": settings})
    client = app.test_client()
    users.create_user(session, "boss", "boss password 1", "manager", actor="test")
    session.commit()
    login = {"username": "boss", "password": "boss password 1"}
    assert client.post("/login", data=login).status_code == 302
    assert client.get("/reports/monthly?month=2026-03").status_code == 200  # opens the task
    path = settings.database_url.split("///", 1)[1]
    conn = sqlite3.connect(path, isolation_level=None, timeout=5)
    conn.execute("BEGIN IMMEDIATE")
    try:
        report = client.get("/reports/monthly?month=2026-03")
        dashboard = client.get(f"/?date={DAY.isoformat()}")
        routes = client.get(f"/routes/?date={DAY.isoformat()}")
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert report.status_code == 200
    assert 'id="followups-opened">1<' in report.get_data(as_text=True)
    assert dashboard.status_code == 200
    assert routes.status_code == 200
    assert 'id="n-stops">1<' in routes.get_data(as_text=True)


def _tiles(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="n-(routes|trips|stops|meals|unserved)">([^<]*)<', html))


def test_all_kitchens_of_a_large_day_shows_each_kitchen_in_figures(
    client: FlaskClient,
    auth: Any,
    session: Session,
    make_home_client: Any,
    make_route: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a day with more stops than one page shows (the limit lowered to 1 here), "all
    kitchens" lists each kitchen's vehicles, trips, stops, meals and unserved meals, equal
    to the tiles of that kitchen's own page, and totals them; no stop is listed. (On the
    province preset the page listed 6,905 stops: 9 MB in two seconds.)"""
    monkeypatch.setattr(routes_service, "MAX_STOPS_ALL_KITCHENS", 1)
    client_c1 = make_home_client("C1")
    make_route(
        DAY, [("site", "S1", {"regular": 8, "low_sodium": 2}), ("home", "C1", {"regular": 1})]
    )
    k2 = records.create_kitchen(
        session, {"code": "K2", "name": "第二厨房", "lat": 30.1, "lon": 120.1}, actor="test"
    )
    van = Vehicle(code="V2", kind="van", capacity_boxes=50, speed_kmh=30, kitchen_id=k2.id)
    session.add(van)
    session.flush()
    s2 = session.scalar(select(Site).where(Site.code == "S2"))
    route = Route(date=DAY, service="lunch", vehicle_id=van.id, kitchen_id=k2.id, distance_m=5000)
    trip = Trip(seq=1, ready_min=600, depart_min=610, return_min=700)
    trip.stops.append(
        RouteStop(seq=1, kind="canteen", site=s2, meals={"regular": 5}, arrive_min=640,
                  window_start_min=600, window_end_min=720)
    )  # fmt: skip
    route.trips.append(trip)
    session.add(route)
    session.add(
        UnservedStop(date=DAY, service="lunch", client_id=client_c1.id, meals={"regular": 1},
                     reason="no_capacity")
    )  # fmt: skip
    session.commit()
    d = DAY.isoformat()
    for language, note in (("zh_Hans_CN", "站点太多"), ("en", "Too many stops")):
        auth.login_as("dispatcher", language=language)
        overview = client.get(f"/routes/?date={d}&kitchen=all").get_data(as_text=True)
        assert note in overview
        assert "/lock" not in overview and 'class="card route"' not in overview
        per_kitchen = {
            code: _tiles(client.get(f"/routes/?date={d}&kitchen={code}").get_data(as_text=True))
            for code in ("K1", "K2")
        }
        assert per_kitchen["K1"] == {"routes": "1", "trips": "1", "stops": "2", "meals": "11",
                                     "unserved": "1"}  # fmt: skip
        assert per_kitchen["K2"] == {"routes": "1", "trips": "1", "stops": "1", "meals": "5",
                                     "unserved": "0"}  # fmt: skip
        rows = re.findall(
            r'kitchen=(K\d)">[^<]*</a> <small>K\d</small></td>\s*'
            r'<td class="n">(\d+)</td><td class="n">(\d+)</td><td class="n">(\d+)</td>'
            r'<td class="n">(\d+)</td>\s*<td class="n">[\d.]+</td><td class="n[^"]*">(\d+)</td>',
            overview,
        )
        assert {code: dict(zip(("routes", "trips", "stops", "meals", "unserved"), figures,
                               strict=True)) for code, *figures in rows} == per_kitchen  # fmt: skip
        assert _tiles(overview) == {"routes": "2", "trips": "2", "stops": "3", "meals": "16",
                                    "unserved": "1"}  # fmt: skip
        auth.logout()
