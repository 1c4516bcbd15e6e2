"""A daily plan running while ten panel users enter headcounts and record deliveries."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from test_daily_plan import DAY, kitchen_world  # noqa: F401  (the small kitchen's fixture)

from mealplan.config import Settings
from mealplan.db.models import (
    Delivery,
    DietProfile,
    Headcount,
    Kitchen,
    PlanRun,
    Route,
    RouteStop,
    Site,
    Trip,
    Vehicle,
)
from mealplan.db.session import unit_of_work
from mealplan.planning import daily
from mealplan.planning.daily import run_daily_plan
from mealplan.services import users

pytestmark = [pytest.mark.db, pytest.mark.slow]

USERS = 10
ROUNDS = 3
PASSWORD = "correct horse 1"
YESTERDAY = DAY - dt.timedelta(days=1)


def _stops_for_yesterday(settings: Settings) -> list[int]:
    """A route on the day before with one stop per user (so each records its own)."""
    with unit_of_work(settings) as s:
        kitchen = s.scalar(select(Kitchen).where(Kitchen.code == "K1"))
        van = s.scalar(select(Vehicle).where(Vehicle.code == "V1"))
        site = s.scalar(select(Site).where(Site.code == "C1"))
        assert kitchen is not None and van is not None and site is not None
        route = Route(date=YESTERDAY, service="lunch", vehicle_id=van.id, kitchen_id=kitchen.id)
        trip = Trip(seq=1, ready_min=600, depart_min=610, return_min=760)
        route.trips.append(trip)
        for seq in range(1, USERS + 1):
            trip.stops.append(
                RouteStop(seq=seq, kind="canteen", site_id=site.id, arrive_min=640 + seq,
                          window_start_min=600, window_end_min=720, meals={"regular": 1})
            )  # fmt: skip
        s.add(route)
        s.flush()
        ids = [st.id for st in trip.stops]
        for i in range(USERS):
            users.create_user(s, f"mgr{i}", PASSWORD, "manager", actor="test")
    return ids


def test_panel_users_write_while_a_plan_runs(
    kitchen_world: Settings,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a daily plan computes its routes, 10 panel users log in, enter headcounts and
    record deliveries: every request succeeds (no 500, no 503), every write is stored,
    and the plan still finishes."""
    from web import create_app

    monkeypatch.setattr(users, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    stops = _stops_for_yesterday(kitchen_world)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "t",
                      "MEALPLAN_SETTINGS": kitchen_world})  # fmt: skip

    routing = threading.Event()
    users_done = threading.Event()
    real_plan_routes = daily.stages.plan_routes

    def slow_routing(*args: Any, **kwargs: Any) -> Any:
        routing.set()  # the users start now, while the plan is in the middle of its run
        users_done.wait(timeout=300)
        return real_plan_routes(*args, **kwargs)

    monkeypatch.setattr(daily.stages, "plan_routes", slow_routing)
    outcome: dict[str, Any] = {}

    def plan() -> None:
        try:
            outcome["result"] = run_daily_plan(kitchen_world, DAY, out_dir=tmp_path / "out",
                                               seed=5, routing_time_limit_s=2)  # fmt: skip
        except BaseException as exc:  # reported below
            outcome["error"] = exc
            routing.set()

    failures: list[str] = []

    def user(i: int) -> None:
        client = app.test_client()
        try:
            r = client.post("/login", data={"username": f"mgr{i}", "password": PASSWORD})
            if r.status_code != 302:
                failures.append(f"user {i} login: {r.status_code}")
                return
            for k in range(ROUNDS):
                day = DAY + dt.timedelta(days=1 + i * ROUNDS + k)
                r = client.post(f"/headcounts/C1?date={day.isoformat()}",
                                data={"c-lunch-regular": str(10 * i + k + 1)})  # fmt: skip
                if r.status_code != 302:
                    failures.append(f"user {i} headcount {day}: {r.status_code}")
                status = ("delivered", "no_answer", "delivered")[k]
                r = client.post(f"/deliveries/{stops[i]}",
                                data={"status": status, "back": "/deliveries"})  # fmt: skip
                if r.status_code != 302:
                    failures.append(f"user {i} delivery: {r.status_code}")
        except Exception as exc:  # a traceback is a failure too
            failures.append(f"user {i}: {type(exc).__name__}: {exc}")

    planner = threading.Thread(target=plan)
    planner.start()
    assert routing.wait(timeout=600), "the plan never reached routing"
    threads = [threading.Thread(target=user, args=(i,)) for i in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    users_done.set()
    planner.join(timeout=600)

    assert failures == []
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"].ok
    with unit_of_work(kitchen_world) as s:
        regular = s.scalar(select(DietProfile.id).where(DietProfile.code == "regular"))
        c1 = s.scalar(select(Site.id).where(Site.code == "C1"))
        for i in range(USERS):
            for k in range(ROUNDS):
                day = DAY + dt.timedelta(days=1 + i * ROUNDS + k)
                count = s.scalar(select(Headcount.count).where(
                    Headcount.date == day, Headcount.site_id == c1,
                    Headcount.diet_profile_id == regular, Headcount.service == "lunch"))  # fmt: skip
                assert count == 10 * i + k + 1, (i, k)
        recorded = {d.route_stop_id: d.status for d in s.scalars(select(Delivery))}
        assert recorded == {stop: "delivered" for stop in stops}
        assert s.scalars(select(PlanRun.status)).all() == ["done"]
