"""The daily batch: plan a small kitchen's day end to end through the CLI and the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mealplan.catalogue import load_catalogue
from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.models import (
    Client,
    DietProfile,
    Driver,
    Headcount,
    Kitchen,
    NutritionGroup,
    PlanRun,
    Route,
    Site,
    Trip,
    Vehicle,
)
from mealplan.db.session import session_factory, unit_of_work
from mealplan.documents import RouteSheet
from mealplan.errors import PlanLockedError
from mealplan.planning import daily
from mealplan.planning.daily import run_daily_plan
from mealplan.planning.runs import plan_lock
from mealplan.services import routes

pytestmark = [pytest.mark.db, pytest.mark.slow]

DAY = dt.date(2026, 12, 2)  # a Wednesday
ALLOWANCE = 0.05


@pytest.fixture
def kitchen_world(settings: Settings) -> Iterator[Settings]:
    """A kitchen, two canteens (one never reports today), three homes, a van, a tricycle."""
    with unit_of_work(settings) as s:
        load_catalogue(s)
        groups = {g.code: g.id for g in s.scalars(select(NutritionGroup))}
        s.add_all(
            [
                DietProfile(code="regular", name_zh="普通", name_en="Regular",
                            group_id=groups["regular"], budget_fen=800, no_repeat_days=3),
                DietProfile(code="low_sodium", name_zh="低盐", name_en="Low sodium",
                            group_id=groups["low_sodium"], budget_fen=800, no_repeat_days=3),
            ]
        )  # fmt: skip
        k = Kitchen(code="K1", name="拱墅区中央厨房", address="莫干山路 1 号", lat=30.3200,
                    lon=120.1400, cooking_lead_minutes=60, packing_minutes=15)  # fmt: skip
        s.add(k)
        s.flush()
        a = Site(code="C1", kind="canteen", name="米市巷长者食堂", address="米市巷 8 号",
                 lat=30.3050, lon=120.1550, kitchen_id=k.id, seats=80,
                 lunch_window_start_min=630, lunch_window_end_min=690)  # fmt: skip
        b = Site(code="P1", kind="dining_point", name="和睦社区助餐点", address="和睦路 3 号",
                 lat=30.3300, lon=120.1300, kitchen_id=k.id, seats=30,
                 lunch_window_start_min=640, lunch_window_end_min=700)  # fmt: skip
        s.add_all([a, b])
        s.flush()
        p = {x.code: x.id for x in s.scalars(select(DietProfile))}
        for i in range(1, 22):  # three weeks of history, and today's report from C1 only
            day = DAY - dt.timedelta(days=i)
            s.add(Headcount(date=day, service="lunch", site_id=b.id,
                            diet_profile_id=p["regular"], count=12))  # fmt: skip
        s.add(Headcount(date=DAY, service="lunch", site_id=a.id,
                        diet_profile_id=p["regular"], count=30))  # fmt: skip
        s.add(Headcount(date=DAY, service="lunch", site_id=a.id,
                        diet_profile_id=p["low_sodium"], count=8))  # fmt: skip
        for i, (lat, lon) in enumerate(((30.315, 120.150), (30.325, 120.145), (30.318, 120.132))):
            s.add(Client(code=f"H{i + 1}", name=f"王阿姨{i + 1}", address=f"文晖路 {i + 1} 号",
                         lat=lat, lon=lon, phone="13800000000", diet_profile_id=p["low_sodium"],
                         lunch_days="1234567", window_start_min=660, window_end_min=720,
                         category="age_80", kitchen_id=k.id,
                         driver_notes="敲门大声" if i == 0 else ""))  # fmt: skip
        van = Vehicle(code="V1", name="送餐车1号", kind="van", capacity_boxes=120, speed_kmh=30,
                      shift_start_min=570, shift_end_min=840, kitchen_id=k.id)  # fmt: skip
        trike = Vehicle(code="T1", name="电动三轮车1号", kind="e_tricycle", capacity_boxes=30,
                        speed_kmh=15, shift_start_min=600, shift_end_min=800, kitchen_id=k.id)  # fmt: skip
        s.add_all([van, trike])
        s.flush()
        s.add(Driver(code="D1", name="张师傅", phone="13800000001", kitchen_id=k.id,
                     vehicle_id=van.id))  # fmt: skip
    cfg = settings.instance_path / "mealplan.toml"
    cfg.write_text(
        "[planning]\nrouting_time_limit_s = 10.0\nmenu_time_limit_s = 600.0\n"
        f"purchase_waste_allowance = {ALLOWANCE}\n",
        encoding="utf-8",
    )
    import os

    os.environ["MEALPLAN_CONFIG"] = str(cfg)
    yield settings
    os.environ.pop("MEALPLAN_CONFIG", None)


def _pdftotext(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip


def test_plan_writes_documents_that_match_plan_json(
    kitchen_world: Settings, tmp_path: Path
) -> None:
    """`plan --out` writes route sheets listing every stop of plan.json in order with its
    meals, and a purchase list equal to recipe grams x portions x (1 + allowance)."""
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", "--date", DAY.isoformat(), "--out", str(out),
                                       "--seed", "3"])  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    check_routes(plan)
    for name in ("route_sheets.pdf", "production.pdf", "purchase.pdf", "purchase.xlsx",
                 "labels.pdf"):  # fmt: skip
        assert (out / name).stat().st_size > 1000
    # every ordered meal delivered exactly once or listed as unserved
    delivered: dict[str, int] = {}
    for route in plan["routes"]:
        for trip in route["trips"]:
            for stop in trip["stops"]:
                delivered[stop["stop"]] = delivered.get(stop["stop"], 0) + sum(
                    stop["meals"].values()
                )
    for u in plan["unserved"]:
        delivered[u["stop"]] = delivered.get(u["stop"], 0) + sum(u["meals"].values())
    ordered = {d["stop"]: sum(d["meals"].values()) for d in plan["demand"]}
    assert delivered == {k: v for k, v in ordered.items() if v}
    # a site with no report is forecast from its history (12 a day)
    p1 = next(d for d in plan["demand"] if d["stop"] == "P1")
    assert p1["source"] == "forecast" and p1["meals"] == {"regular": 12}
    # route sheets: every stop in order with its meal count
    text = _pdftotext(out / "route_sheets.pdf")
    names = {"C1": "米市巷长者食堂", "P1": "和睦社区助餐点", "H1": "王阿姨1", "H2": "王阿姨2",
             "H3": "王阿姨3"}  # fmt: skip
    position = 0
    for route in plan["routes"]:
        for trip in route["trips"]:
            for stop in trip["stops"]:
                found = text.find(names[stop["stop"]], position)
                assert found >= 0, f"{stop['stop']} missing or out of order"
                position = found
    # purchase list = recipe grams x portions x (1 + allowance), within rounding
    dishes = {d["code"]: d for d in json.loads(CliRunner().invoke(
        main, ["export", "dishes", "--format", "json"]).output)}  # fmt: skip
    grams: dict[str, float] = {}
    for line in plan["production"]:
        for item in dishes[line["dish"]]["recipe"]:
            grams[item["ingredient"]] = grams.get(item["ingredient"], 0.0) + (
                item["grams"] * line["portions"]
            )
    bought = {p["ingredient"]: p["kg"] for p in plan["purchase"]}
    assert set(bought) == set(grams)
    for code, g in grams.items():
        assert bought[code] == pytest.approx(g * (1 + ALLOWANCE) / 1000, abs=0.0011)


def test_rerun_gives_the_same_plan_and_one_plan_per_date(kitchen_world: Settings,
                                                         tmp_path: Path) -> None:  # fmt: skip
    """Rerunning with the same seed gives the same routes and leaves one plan for the date."""
    first = run_daily_plan(kitchen_world, DAY, out_dir=tmp_path / "a", seed=5)
    second = run_daily_plan(kitchen_world, DAY, out_dir=tmp_path / "b", seed=5)
    a = json.loads((tmp_path / "a" / "plan.json").read_text("utf-8"))
    b = json.loads((tmp_path / "b" / "plan.json").read_text("utf-8"))
    assert a["routes"] == b["routes"] and a["production"] == b["production"]
    assert first.ok and second.ok
    with unit_of_work(kitchen_world) as s:
        routes = s.scalar(select(func.count()).select_from(Route).where(Route.date == DAY))
        assert routes == len(b["routes"])
        runs = s.scalars(select(PlanRun.status).where(PlanRun.kind == "daily")).all()
        assert runs == ["done", "done"]


def test_failed_run_leaves_the_previous_plan_intact(kitchen_world: Settings, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A run that dies half-way changes neither the stored routes nor the documents."""
    out = tmp_path / "out"
    run_daily_plan(kitchen_world, DAY, out_dir=out, seed=5)
    before = (out / "plan.json").read_text("utf-8")
    with unit_of_work(kitchen_world) as s:
        routes_before = s.scalar(select(func.count()).select_from(Route))

    def boom(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(daily.stages, "html_to_pdf_many", boom)
    with pytest.raises(RuntimeError):
        run_daily_plan(kitchen_world, DAY, out_dir=out, seed=6)
    assert (out / "plan.json").read_text("utf-8") == before
    with unit_of_work(kitchen_world) as s:
        assert s.scalar(select(func.count()).select_from(Route)) == routes_before
        statuses = s.scalars(select(PlanRun.status).order_by(PlanRun.id)).all()
        assert statuses[-1] == "failed"


def test_two_runs_for_one_date_cannot_both_write(kitchen_world: Settings, tmp_path: Path) -> None:
    """While a run holds the date's lock, a second run is refused with a clear message."""
    with plan_lock(session_factory(kitchen_world), "daily", DAY, "lunch"):
        with pytest.raises(PlanLockedError):
            run_daily_plan(kitchen_world, DAY, out_dir=tmp_path / "x")
        result = CliRunner().invoke(main, ["plan", "--date", DAY.isoformat()])
        assert result.exit_code == 2 and "in progress" in result.output


def check_routes(plan: dict[str, object]) -> None:
    """An independent check of a routes JSON (the acceptance rules of the routing issue)."""
    import math

    def minutes(iso: str) -> int:
        t = dt.datetime.fromisoformat(iso)
        return t.hour * 60 + t.minute

    def straight_m(a: tuple[float, float], b: tuple[float, float]) -> float:
        la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
        h = (
            math.sin((la2 - la1) / 2) ** 2
            + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
        )
        return 2 * 6_371_000 * math.asin(math.sqrt(h))

    limits = plan["hold_limits"]
    assert isinstance(limits, dict)
    for route in plan["routes"]:  # type: ignore[attr-defined]
        shift = [minutes(x) for x in route["shift"]]
        for trip in route["trips"]:
            load = sum(sum(s["meals"].values()) for s in trip["stops"])
            assert load <= route["capacity"], "vehicle_capacity"
            ready, depart, back = (minutes(trip[k]) for k in ("ready_at", "depart", "return"))
            assert shift[0] <= depart and back <= shift[1], "shift"
            assert ready <= depart
            prev = None
            for stop in trip["stops"]:
                arrive = minutes(stop["arrive"])
                lo, hi = (minutes(x) for x in stop["window"])
                assert lo <= arrive <= hi, f"time_window {stop['stop']}"
                assert arrive - ready <= limits[stop["kind"]], f"hold_limit {stop['stop']}"
                here = (stop["lat"], stop["lon"])
                if prev is not None:
                    fastest = straight_m(prev, here) / (route["speed_kmh"] * 1000 / 60)
                    assert stop["minutes_from_prev"] >= math.floor(fastest), "too fast"
                prev = here


def test_routes_keep_capacity_windows_shift_and_hold_limits(kitchen_world: Settings,
                                                            tmp_path: Path) -> None:  # fmt: skip
    """Every trip keeps its capacity, every arrival its window, shift and hold limit, and
    no leg is faster than the straight line at the vehicle's speed."""
    result = CliRunner().invoke(main, ["routes", "--date", DAY.isoformat(), "--format", "json",
                                       "--seed", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["routes"] and not plan["unserved"]
    check_routes(plan)


@pytest.fixture
def two_kitchens(kitchen_world: Settings) -> Settings:
    """The kitchen world plus a second kitchen K2 (西湖区) with a dining point reporting 10
    regular meals and a van of its own."""
    with unit_of_work(kitchen_world) as s:
        k2 = Kitchen(code="K2", name="西湖区中央厨房", address="文三路 9 号", lat=30.2800,
                     lon=120.1200, cooking_lead_minutes=45, packing_minutes=10)  # fmt: skip
        s.add(k2)
        s.flush()
        site = Site(code="P2", kind="dining_point", name="古荡社区助餐点", address="古荡路 2 号",
                    lat=30.2850, lon=120.1150, kitchen_id=k2.id, seats=20,
                    lunch_window_start_min=630, lunch_window_end_min=700)  # fmt: skip
        s.add(site)
        s.add(Vehicle(code="V9", name="送餐车9号", kind="van", capacity_boxes=60, speed_kmh=30,
                      shift_start_min=570, shift_end_min=840, kitchen_id=k2.id))  # fmt: skip
        s.flush()
        regular = s.scalar(select(DietProfile.id).where(DietProfile.code == "regular"))
        assert regular is not None
        s.add(Headcount(date=DAY, service="lunch", site_id=site.id, diet_profile_id=regular,
                        count=10))  # fmt: skip
    return kitchen_world


def test_two_kitchens_get_their_own_documents(
    two_kitchens: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two kitchens each gets its own production sheet, waves, purchase list, labels
    and route sheets, headed with its own name; their portions and purchases add up to the
    day's; the panel's sheet of each trip is the one the daily plan printed."""
    printed: list[RouteSheet] = []
    documents = daily.stages.kitchen_documents

    def spy(*args: Any) -> Any:
        # the sheets as printed, with the schedule's times, trip labels and one-meal reasons
        printed.extend(daily.stages.timed_sheets(args[-1], args[2]))
        return documents(*args)

    monkeypatch.setattr(daily.stages, "kitchen_documents", spy)
    out = tmp_path / "out"
    result = run_daily_plan(two_kitchens, DAY, out_dir=out, seed=5, routing_time_limit_s=4)
    assert result.ok and result.figures["kitchens"] == 2
    for key in ("route_sheets", "labels", "production", "purchase_pdf", "purchase_xlsx"):
        for code in ("K1", "K2"):
            assert (out / result.files[f"{key}@{code}"]).stat().st_size > 1000
        assert key not in result.files
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    check_routes(plan)
    k1, k2 = plan["kitchens"]
    assert (k1["kitchen"], k2["kitchen"], k2["meals"]) == ("K1", "K2", 10)
    assert k1["meals"] + k2["meals"] == result.figures["meals"]
    assert k1["portions"] + k2["portions"] == result.figures["portions"]
    assert k1["purchase_cost_fen"] + k2["purchase_cost_fen"] == sum(
        p["cost_fen"] for p in plan["purchase"]
    )
    assert (
        round((k1["purchase_cost_fen"] + k2["purchase_cost_fen"]) / 100, 2)
        == (result.figures["purchase_cost_yuan"])
    )
    assert {w["kitchen"] for w in plan["waves"]} == {"K1", "K2"}
    assert min(w["wave"] for w in plan["waves"] if w["kitchen"] == "K2") == 1
    k2_trips = {t for w in plan["waves"] if w["kitchen"] == "K2" for t in w["trips"]}
    assert k2_trips and all(t.startswith("V9-") for t in k2_trips)
    assert {(e["kitchen"], e["dish"]) for e in plan["production"] if e["kitchen"] == "K2"}
    # each kitchen's sheets name it and not the other
    for code, own, other in (("K1", "拱墅区中央厨房", "西湖区中央厨房"),
                             ("K2", "西湖区中央厨房", "拱墅区中央厨房")):  # fmt: skip
        for key in ("production", "purchase_pdf", "route_sheets", "labels"):
            text = _pdftotext(out / result.files[f"{key}@{code}"])
            assert own in text and other not in text, (key, code)
    assert "古荡社区助餐点" in _pdftotext(out / result.files["route_sheets@K2"])
    # one builder: the panel's sheet of every stored trip is the sheet the plan printed
    with unit_of_work(two_kitchens) as s:
        trip_ids = s.scalars(select(Trip.id).join(Route).order_by(Trip.id)).all()
        panel = [routes.trip_sheet(s, i, two_kitchens.planning) for i in trip_ids]
    assert len(panel) == len(printed) > 1
    assert sorted(panel, key=repr) == sorted(printed, key=repr)


# --------------------------------------------------------------------------- the schedule


def _minute(text: str) -> int:
    """``HH:MM``, ``MM-DD HH:MM`` or an ISO time -> minutes of the plan day."""
    hh, mm = text[-5:].split(":")
    return int(hh) * 60 + int(mm)


def check_schedule(plan: dict[str, Any], cutoff_min: int) -> dict[tuple[str, str], Any]:
    """An independent check of plan.json's schedule (it recomputes nothing with the
    planner's code): every trip is packed in full within its kitchen's capacity per
    15-minute slot, after its wave's cook finish + the cook-to-pack lead and by the ready
    time it was routed with; every stop is reached within its hold limit of its trip's
    packed time (home) or its wave's cook finish (sites); a wave starting before the
    cut-off is marked as cooked from the forecast. Returns (kitchen, trip) -> (wave, pack)."""
    capacity = {k["kitchen"]: k["capacity"] for k in plan["kitchens"]}
    packed: dict[tuple[str, str], Any] = {}
    load: dict[tuple[str, int], int] = {}
    for w in plan["waves"]:
        assert _minute(w["cook_start"]) <= _minute(w["cook_finish"])
        if _minute(w["cook_start"]) < cutoff_min:
            assert w["forecast"], w
        for p in w["packs"]:
            packed[(w["kitchen"], p["trip"])] = (w, p)
            assert sum(n for _, n in p["slots"]) == p["portions"]
            for start, n in p["slots"]:
                assert _minute(start) % 15 == 0
                key = (w["kitchen"], _minute(start))
                load[key] = load.get(key, 0) + n
            assert (
                _minute(p["pack_start"])
                >= _minute(w["cook_finish"]) + capacity[w["kitchen"]]["cook_to_pack_minutes"]
            )
    for (kitchen, _), n in load.items():
        assert n <= capacity[kitchen]["slot_portions"]
    dishes = {p: len(set(d)) for p, d in plan["menus"].items()}
    limits = plan["hold_limits"]
    for route in plan["routes"]:
        for seq, trip in enumerate(route["trips"], start=1):
            wave, pack = packed[(route["kitchen"], f"{route['vehicle']}-{seq}")]
            portions = sum(
                n * dishes.get(p, 0) for s in trip["stops"] for p, n in s["meals"].items()
            )
            assert pack["portions"] == portions
            assert _minute(pack["pack_finish"]) <= _minute(trip["ready_at"])
            assert _minute(trip["depart"]) >= _minute(pack["pack_finish"])
            for stop in trip["stops"]:
                since = pack["pack_finish"] if stop["kind"] == "home" else wave["cook_finish"]
                held = _minute(stop["arrive"]) - _minute(since)
                assert held <= limits[stop["kind"]], (stop["stop"], held)
    return packed


def test_schedule_packing_cooking_and_printed_times_agree(
    kitchen_world: Settings, tmp_path: Path
) -> None:
    """With one packing line of 150 portions per 15 minutes (the day's load needs more than a slot),
    plan.json's waves pass the independent schedule check, and the labels' 制作时间 and
    eat-by times, the route sheets' ready times and the production sheet's pack windows are
    plan.json's packed times and eat-by times."""
    with unit_of_work(kitchen_world) as s:
        k = s.scalars(select(Kitchen)).one()
        k.packing_lines, k.packing_portions_per_slot = 1, 150
        k.cook_minutes_staple, k.cook_minutes_main = 40, 60
    out = tmp_path / "out"
    result = run_daily_plan(kitchen_world, DAY, out_dir=out, seed=3)
    assert result.ok
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    assert plan["kitchens"][0]["capacity"]["slot_portions"] == 150
    slots: dict[str, int] = {}
    for w in plan["waves"]:
        for p in w["packs"]:
            for start, n in p["slots"]:
                slots[start] = slots.get(start, 0) + n
    assert sum(slots.values()) > 150 and len(slots) > 1  # more than a slot: capacity binds
    packed = check_schedule(plan, _minute(kitchen_world.planning.headcount_cutoff))
    limits = plan["hold_limits"]
    cooked: list[int] = []
    eat_by: list[int] = []
    ready: list[int] = []
    for route in plan["routes"]:
        for seq, trip in enumerate(route["trips"], start=1):
            wave, pack = packed[(route["kitchen"], f"{route['vehicle']}-{seq}")]
            assert trip["packed"] == pack["pack_finish"]
            ready.append(_minute(pack["pack_finish"]))
            for stop in trip["stops"]:
                since = pack["pack_finish"] if stop["kind"] == "home" else wave["cook_finish"]
                for n in stop["meals"].values():
                    if n:
                        cooked.append(_minute(pack["pack_finish"]))
                        eat_by.append(_minute(since) + limits[stop["kind"]])
    labels = _pdftotext(out / "labels.pdf")
    assert sorted(
        _minute(t) for t in re.findall(r"制作时间: (\d\d-\d\d \d\d:\d\d)", labels)
    ) == sorted(cooked)
    assert sorted(
        _minute(t) for t in re.findall(r"食用截止: (\d\d-\d\d \d\d:\d\d)", labels)
    ) == sorted(eat_by)
    sheets = _pdftotext(out / "route_sheets.pdf")
    assert sorted(_minute(t) for t in re.findall(r"备餐完成\s+(\d\d:\d\d)", sheets)) == sorted(
        ready
    )
    production = _pdftotext(out / "production.pdf")
    for w in plan["waves"]:
        for p in w["packs"]:
            assert f"{p['pack_start']}-{p['pack_finish']}" in production
    # the panel's trip page (the stored trip) prints the same packed and eat-by times
    with unit_of_work(kitchen_world) as s:
        stored = s.scalars(select(Trip).join(Route).order_by(Trip.id)).all()
        panel = {
            (t.route.vehicle.code, t.seq): routes.trip_sheet(s, t.id, kitchen_world.planning)
            for t in stored
        }
    assert len(panel) == len(packed)
    for route in plan["routes"]:
        for seq, trip in enumerate(route["trips"], start=1):
            wave, pack = packed[(route["kitchen"], f"{route['vehicle']}-{seq}")]
            sheet = panel[(route["vehicle"], seq)]
            assert sheet.ready_min == _minute(trip["packed"]) == _minute(pack["pack_finish"])
            assert sheet.cook_finish_min == _minute(wave["cook_finish"])
            for stop, view in zip(trip["stops"], sheet.stops, strict=True):
                since = pack["pack_finish"] if stop["kind"] == "home" else wave["cook_finish"]
                assert view.eat_by_min == _minute(since) + limits[stop["kind"]]


def _with_planning(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, planning=dataclasses.replace(settings.planning, **changes))


def test_sites_are_held_from_their_cook_finish_and_homes_from_packing(
    kitchen_world: Settings, tmp_path: Path
) -> None:
    """With a 40-minute cook-to-pack lead and a 60-minute bulk hold, every site of plan.json
    is reached within the bulk hold of its wave's cook finish and every home within the home
    hold of its trip's packed time (recomputed from plan.json alone by check_schedule)."""
    with unit_of_work(kitchen_world) as s:
        k = s.scalars(select(Kitchen)).one()
        k.cook_to_pack_minutes = 40
    settings = _with_planning(kitchen_world, hold_limit_bulk_minutes=60)
    out = tmp_path / "out"
    result = run_daily_plan(settings, DAY, out_dir=out, seed=3)
    assert result.ok
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    assert plan["hold_limits"]["canteen"] == 60
    sites = [
        s for r in plan["routes"] for t in r["trips"] for s in t["stops"] if s["kind"] != "home"
    ]
    assert sites, "the sites are served"
    check_schedule(plan, _minute(settings.planning.headcount_cutoff))
