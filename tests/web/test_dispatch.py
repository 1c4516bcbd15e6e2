"""The dispatcher's call list and hand placement (issue 12, item 4): unserved stops with
whom to call, placing one on a trip after a check of capacity, window, hold limit and
shift, locking, re-plans that keep locks, roles, both languages."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import (
    AuditEntry,
    Client,
    Kitchen,
    Route,
    RouteStop,
    Site,
    Trip,
    UnservedStop,
    Vehicle,
)
from mealplan.planning import dispatch
from mealplan.planning import routes as planning_routes
from mealplan.services import reports, routes
from solvers.routing import DropReason

pytestmark = pytest.mark.db

DAY = dt.date(2025, 3, 3)  # a Monday


def _vehicle(session: Session, code: str, capacity: int = 50) -> Vehicle:
    kitchen = session.scalar(select(Kitchen).where(Kitchen.code == "K1"))
    assert kitchen is not None
    v = Vehicle(code=code, kind="van", capacity_boxes=capacity, speed_kmh=30, kitchen_id=kitchen.id)
    session.add(v)
    session.flush()
    return v


@pytest.fixture
def day(session: Session, world: Any, make_home_client: Any) -> dict[str, Any]:
    """V1 (50 boxes) on one trip, ready 10:20, departing 10:30: S1 at 10:40 (10 min from
    the kitchen), S2 at 10:58 (8 min unloading + 10 min), back 11:21 (8 + 15 min); home
    client C2 unserved (no capacity), window 11:00-12:00, hold limit 60 min."""
    make_home_client("C1")
    c2 = make_home_client("C2")
    v1 = _vehicle(session, "V1")
    s1, s2 = (session.scalar(select(Site).where(Site.code == c)) for c in ("S1", "S2"))
    assert s1 is not None and s2 is not None
    route = Route(date=DAY, service="lunch", vehicle_id=v1.id, kitchen_id=v1.kitchen_id)
    trip = Trip(seq=1, ready_min=620, depart_min=630, return_min=681)
    route.trips.append(trip)
    for seq, (site, arrive, meals) in enumerate(
        [(s1, 640, {"regular": 5, "low_sodium": 2}), (s2, 658, {"regular": 3})], start=1
    ):
        trip.stops.append(
            RouteStop(seq=seq, kind=site.kind, site_id=site.id, arrive_min=arrive,
                      window_start_min=600, window_end_min=720, meals=meals,
                      minutes_from_prev=10, distance_m_from_prev=2_000)
        )  # fmt: skip
    session.add(route)
    unserved = UnservedStop(
        date=DAY, service="lunch", client_id=c2.id, meals={"regular": 1},
        reason=DropReason.NO_CAPACITY.value,
        message="C2: the fleet has no vehicle capacity or time left to deliver these 1 meals",
    )  # fmt: skip
    session.add(unserved)
    session.commit()
    return {"trip": trip.id, "unserved": unserved.id, "route": route.id}


def recheck(session: Session, trip_id: int, settings: Settings) -> list[int]:
    """Independent timing of a stored trip: service starts from the stored departure,
    minutes from the previous stop, service minutes (sites 8, homes 3) and windows."""
    trip = session.get(Trip, trip_id)
    assert trip is not None
    now, service, out = trip.depart_min, 0, []
    for st in sorted(trip.stops, key=lambda s: s.seq):
        now = max(now + service + st.minutes_from_prev, st.window_start_min)
        out.append(now)
        service = 8 if st.site_id is not None else settings.planning.home_service_minutes
    return out


# --------------------------------------------------------------------------- call list


def test_reasons_have_panel_messages() -> None:
    """Every router drop reason maps to a panel message and a short label (one place)."""
    assert set(routes.DROP_REASONS) == {r.value for r in DropReason}
    assert set(routes.DROP_REASON_LABELS) == {r.value for r in DropReason}


def test_call_list_names_phone_and_emergency_contact(session: Session, day: Any) -> None:
    """The call list gives the elder's phone, emergency contact, address, diet, meals, reason."""
    (row,) = routes.call_list(session, DAY, "lunch")
    assert (row.code, row.name, row.phone) == ("C2", "老人C2", "13800000000")
    assert (row.contact_name, row.contact_phone) == ("家属", "13900000000")
    assert (row.diet, row.meals, row.reason, row.total) == (
        "regular",
        {"regular": 1},
        "no_capacity",
        1,
    )
    assert row.reason_text == routes.DROP_REASONS["no_capacity"]


def test_call_list_page_in_chinese_and_english(client: FlaskClient, auth: Any, day: Any) -> None:
    """The routes page shows the call list with phones and the reason in Chinese, or English."""
    auth.login_as("dispatcher")
    html = client.get("/routes/?date=2025-03-03&service=lunch").get_data(as_text=True)
    assert "呼叫名单" in html and "13800000000" in html and "13900000000" in html
    assert "车队已无空位或时间" in html and "家属" in html
    assert f"/routes/unserved/{day['unserved']}/place" in html
    auth.logout()
    auth.login_as("manager", language="en")
    html = client.get("/routes/?date=2025-03-03&service=lunch").get_data(as_text=True)
    assert "Call list" in html and "The fleet had no room or time left" in html


def test_day_summary_counts_unserved(
    client: FlaskClient, auth: Any, session: Session, day: Any
) -> None:
    """The dashboard's day summary counts the unserved meals and links to the call list."""
    assert reports.day_summary(session, DAY, "lunch").unserved_meals == 1
    auth.login_as("manager")
    html = client.get("/?date=2025-03-03&service=lunch").get_data(as_text=True)
    assert 'id="unserved-meals">1<' in html


def test_record_action(client: FlaskClient, auth: Any, session: Session, day: Any) -> None:
    """A dispatcher notes what was done; it is stored, audited and shown."""
    auth.login_as("dispatcher")
    r = client.post(
        f"/routes/unserved/{day['unserved']}/action", data={"action": "已致电，家属自取"}
    )
    assert r.status_code == 302
    session.expire_all()
    assert session.get(UnservedStop, day["unserved"]).action == "已致电，家属自取"  # type: ignore[union-attr]
    assert session.scalar(select(AuditEntry).where(AuditEntry.entity == "unserved_stop"))
    html = client.get("/routes/?date=2025-03-03&service=lunch").get_data(as_text=True)
    assert "已致电，家属自取" in html


# --------------------------------------------------------------------------- placement


def test_stored_trip_rechecks_to_its_own_times(
    session: Session, settings: Settings, day: Any
) -> None:
    """The check re-times an unchanged stored trip to its stored arrivals and return."""
    check = dispatch.check_trip(session, day["trip"], settings)
    assert check.arrivals == (640, 658) and check.return_min == 681 and check.ok


def test_placement_refused_names_the_hold_limit(
    client: FlaskClient, auth: Any, session: Session, day: Any
) -> None:
    """Ready at 09:20, every place for C2 is past its 60-min hold limit: refused with the
    limit and the minutes over named (in Chinese), nothing changed."""
    trip = session.get(Trip, day["trip"])
    assert trip is not None
    trip.ready_min = 560
    session.commit()
    auth.login_as("dispatcher")
    r = client.post(f"/routes/unserved/{day['unserved']}/place", data={"trip": day["trip"]})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "保温时限：老人C2 将在出餐后" in html and "时限 60 分钟（超出" in html
    session.expire_all()
    assert session.get(UnservedStop, day["unserved"]) is not None
    assert len(session.get(Trip, day["trip"]).stops) == 2  # type: ignore[union-attr]


def test_placement_refused_names_capacity(session: Session, settings: Settings, day: Any) -> None:
    """On a 10-box vehicle already carrying 10, the check names capacity, 1 box over."""
    v = session.scalar(select(Vehicle).where(Vehicle.code == "V1"))
    assert v is not None
    v.capacity_boxes = 10
    session.flush()
    check = routes.place_unserved(session, day["unserved"], day["trip"], 3, settings, actor="t")
    assert not check.ok
    (b,) = check.breaches
    assert (b.rule, b.value, b.limit, b.over) == ("capacity", 11, 10, 1)
    assert session.get(UnservedStop, day["unserved"]) is not None


def test_check_json_and_position_errors(client: FlaskClient, auth: Any, day: Any) -> None:
    """The instant check answers JSON; a position outside the trip is an error, not a 500."""
    auth.login_as("dispatcher")
    url = f"/routes/unserved/{day['unserved']}/check?trip={day['trip']}"
    data = client.get(url).get_json()
    assert data["ok"] is True and data["position"] in (1, 2, 3) and data["breaches"] == []
    assert "error" in client.get(url + "&position=9").get_json()
    assert client.get(f"/routes/unserved/{day['unserved']}/place?trip=9999").status_code == 200
    assert client.get("/routes/unserved/9999/place").status_code == 404


def test_placement_accepted_updates_times_and_locks(
    client: FlaskClient, auth: Any, session: Session, settings: Settings, day: Any
) -> None:
    """Placed at the end of the trip: the stop is stored locked with its arrival, the
    return moves, times agree with an independent re-timing, the unserved row goes, audited."""
    auth.login_as("dispatcher")
    page = client.get(f"/routes/unserved/{day['unserved']}/place?trip={day['trip']}&position=3")
    assert "安排并锁定" in page.get_data(as_text=True)
    r = client.post(
        f"/routes/unserved/{day['unserved']}/place", data={"trip": day["trip"], "position": 3}
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    session.expire_all()
    trip = session.get(Trip, day["trip"])
    assert trip is not None
    stops = sorted(trip.stops, key=lambda s: s.seq)
    assert [s.seq for s in stops] == [1, 2, 3]
    new = stops[2]
    assert new.client_id is not None and new.locked and new.locked_by.startswith("dispatcher")
    assert [s.arrive_min for s in stops] == recheck(session, trip.id, settings)
    assert new.arrive_min >= 660 and new.arrive_min - trip.ready_min <= 60
    assert trip.return_min > 681 and new.minutes_from_prev > 0
    assert session.get(UnservedStop, day["unserved"]) is None
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "place"))
    assert entry is not None and entry.entity_code == "C2"
    plan = planning_routes.routes_json(session, DAY, "lunch", settings.planning)
    stops = plan["routes"][0]["trips"][0]["stops"]
    assert [(s["stop"], s["locked"]) for s in stops] == [("S1", False), ("S2", False), ("C2", True)]
    assert plan["unserved"] == [] and plan["objective"]["meals_unserved"] == 0
    html = client.get("/routes/?date=2025-03-03&service=lunch").get_data(as_text=True)
    assert "已锁定" in html


def test_best_position_breaks_nothing(session: Session, settings: Settings, day: Any) -> None:
    """Without a position the check picks one that breaks nothing, the least added time."""
    best = routes.check_placement(session, day["unserved"], day["trip"], None, settings)
    each = [
        routes.check_placement(session, day["unserved"], day["trip"], p, settings)
        for p in (1, 2, 3)
    ]
    assert best.ok
    assert best.added_minutes == min(c.added_minutes for c in each if c.ok)


def test_lock_and_unlock_a_planned_stop(
    client: FlaskClient, auth: Any, session: Session, day: Any
) -> None:
    """A dispatcher locks a planned stop to its vehicle and unlocks it; both audited; the
    lock names the trip too (a re-plan keeps the stop on that trip)."""
    stop_id = session.scalar(select(RouteStop.id).where(RouteStop.seq == 1))
    auth.login_as("manager")
    assert client.post(f"/routes/stops/{stop_id}/lock", data={"locked": "1"}).status_code == 302
    session.expire_all()
    assert session.get(RouteStop, stop_id).locked  # type: ignore[union-attr]
    assert planning_routes.stored_locks(session, DAY, "lunch") == {
        "S1": ("V1", session.get(RouteStop, stop_id).locked_by)
    }  # type: ignore[union-attr]
    trip_seq = session.get(RouteStop, stop_id).trip.seq  # type: ignore[union-attr]
    assert planning_routes.locked_trips(session, DAY, "lunch") == {"S1": trip_seq}
    client.post(f"/routes/stops/{stop_id}/lock", data={"locked": "0"})
    session.expire_all()
    assert not session.get(RouteStop, stop_id).locked  # type: ignore[union-attr]
    assert (
        session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "route_stop"))
        == 2
    )


@pytest.mark.parametrize(
    ("role", "status"), [("site_staff", 403), ("viewer", 403), ("dispatcher", 200), ("admin", 200)]
)
def test_dispatch_roles(client: FlaskClient, auth: Any, day: Any, role: str, status: int) -> None:
    """Only admin, manager and dispatcher may place, lock or note; site staff and viewers get 403."""
    auth.login_as(role)
    assert client.get(f"/routes/unserved/{day['unserved']}/place").status_code == status
    if status == 403:
        assert client.post("/routes/stops/1/lock", data={"locked": "1"}).status_code == 403
        assert (
            client.post(
                f"/routes/unserved/{day['unserved']}/action", data={"action": "x"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"/routes/unserved/{day['unserved']}/place", data={"trip": day["trip"]}
            ).status_code
            == 403
        )


# --------------------------------------------------------------------------- re-plan


def test_replan_keeps_a_locked_stop_on_its_vehicle(
    session: Session,
    settings: Settings,
    world: Any,
    make_home_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """C1 locked on V2 stays on V2 after a re-plan (one vehicle would serve both homes
    otherwise), still locked; the re-plan's trips re-time to their own arrivals."""
    for code in ("C1", "C2"):
        make_home_client(code)
    v1, v2 = _vehicle(session, "V1"), _vehicle(session, "V2")
    c1 = session.scalar(select(Client).where(Client.code == "C1"))
    assert c1 is not None
    route = Route(date=DAY, service="lunch", vehicle_id=v2.id, kitchen_id=v2.kitchen_id)
    trip = Trip(seq=1, ready_min=620, depart_min=630, return_min=700)
    trip.stops.append(RouteStop(seq=1, kind="home", client_id=c1.id, arrive_min=660,
                                window_start_min=660, window_end_min=720, meals={"regular": 1},
                                locked=True, locked_by="disp"))  # fmt: skip
    route.trips.append(trip)
    session.add(route)
    session.commit()
    # deterministic: a solution and iteration limit; the time limit is only a safety net
    monkeypatch.setattr(
        planning_routes.rs, "RoutingParams",
        functools.partial(planning_routes.rs.RoutingParams, solution_limit=5, own_search_iterations=30),
    )  # fmt: skip
    one = replace(settings, planning=replace(settings.planning, workers=1))
    plan = planning_routes.plan_routes(session, DAY, "lunch", one, time_limit_s=60)
    session.commit()
    assert plan.dropped_meals == 0
    on = {
        (st.client.code if st.client else ""): (r.vehicle.code, st.locked)
        for r in planning_routes.stored_routes(session, DAY, "lunch")
        for t in r.trips
        for st in t.stops
    }
    assert on["C1"] == ("V2", True)
    assert on["C2"][1] is False
    for r in planning_routes.stored_routes(session, DAY, "lunch"):
        for t in r.trips:
            check = dispatch.check_trip(session, t.id, one)
            assert list(check.arrivals) == [st.arrive_min for st in t.stops]
            assert check.return_min == t.return_min
    del v1


def test_place_page_in_english(client: FlaskClient, auth: Any, session: Session, day: Any) -> None:
    """In English the place page says whether the stop fits and names a broken limit."""
    auth.login_as("dispatcher", language="en")
    url = f"/routes/unserved/{day['unserved']}/place?trip={day['trip']}"
    html = client.get(url).get_data(as_text=True)
    assert "Fits" in html and "Place and lock" in html
    trip = session.get(Trip, day["trip"])
    assert trip is not None
    trip.ready_min = 560
    session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Does not fit" in html and "Hold limit: 老人C2 would arrive" in html
    data = client.get(f"/routes/unserved/{day['unserved']}/check?trip={day['trip']}").get_json()
    assert data["ok"] is False and data["breaches"][0].startswith("Hold limit:")


def test_replan_warns_when_a_lock_cannot_be_kept(
    session: Session,
    settings: Settings,
    world: Any,
    make_home_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stop locked to a vehicle that is no longer active is planned freely and the plan
    warns that the lock was not kept (by codes only)."""
    make_home_client("C1")
    _vehicle(session, "V1")
    v2 = _vehicle(session, "V2")
    c1 = session.scalar(select(Client).where(Client.code == "C1"))
    assert c1 is not None
    route = Route(date=DAY, service="lunch", vehicle_id=v2.id, kitchen_id=v2.kitchen_id)
    trip = Trip(seq=1, ready_min=620, depart_min=630, return_min=700)
    trip.stops.append(RouteStop(seq=1, kind="home", client_id=c1.id, arrive_min=660,
                                window_start_min=660, window_end_min=720, meals={"regular": 1},
                                locked=True, locked_by="disp"))  # fmt: skip
    route.trips.append(trip)
    session.add(route)
    v2.active = False
    session.commit()
    monkeypatch.setattr(
        planning_routes.rs, "RoutingParams",
        functools.partial(planning_routes.rs.RoutingParams, solution_limit=5, own_search_iterations=30),
    )  # fmt: skip
    one = replace(settings, planning=replace(settings.planning, workers=1))
    plan = planning_routes.plan_routes(session, DAY, "lunch", one, time_limit_s=60)
    assert plan.dropped_meals == 0
    assert any(w.startswith("lock of C1 on vehicle V2 not kept") for w in plan.warnings)
    assert planning_routes.stored_locks(session, DAY, "lunch") == {}
