"""Time the daily batch on a demo preset and print the figures.

    python benchmarks/daily_plan.py --preset district
    python benchmarks/daily_plan.py --preset district --demo-seed 7 --repeat 2
    python benchmarks/daily_plan.py --preset city --routing-time-limit 120 [--workers 1]

A fresh SQLite database (or --database-url) in a temporary instance folder is loaded with
the preset; the week's menus are planned first (the Sunday-evening job), then the day's
plan runs as `mealplan plan` would and its stage timings, solver figures and the checks
of the routes (capacity, windows, hold limits) are printed. ``--repeat N`` plans the day
N times and says whether the routes (plan.json's ``routes``) are identical.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def load() -> str:
    """The 1-minute load average (other jobs share the machine)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", choices=["district", "city"], default="district")
    parser.add_argument("--date", default="2026-12-02", help="The day to plan (YYYY-MM-DD).")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--routing-time-limit", type=float, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--demo-seed", type=int, default=None, help="the demo data's seed (default: --seed)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="plan the day this many times")
    parser.add_argument(
        "--workers", type=int, default=None, help="processes (default: the setting)"
    )
    args = parser.parse_args()
    if args.workers is not None:
        os.environ["MEALPLAN_WORKERS"] = str(args.workers)

    folder = Path(tempfile.mkdtemp(prefix="mealplan-bench-"))
    os.environ["MEALPLAN_INSTANCE_PATH"] = str(folder)
    if args.database_url:
        os.environ["MEALPLAN_DATABASE_URL"] = args.database_url

    from mealplan.config import load_settings, resolve_workers
    from mealplan.db import migrate
    from mealplan.db.session import unit_of_work
    from mealplan.demo import load_demo
    from mealplan.planning.daily import run_daily_plan
    from mealplan.planning.menus import plan_menus

    day = dt.date.fromisoformat(args.date)
    settings = load_settings()
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"database: {settings.database_url.split('@')[-1]}")
    print(f"workers: {resolve_workers(settings.planning.workers)}")
    t0 = time.perf_counter()
    migrate.upgrade(settings)
    with unit_of_work(settings) as session:
        summary = load_demo(
            session, args.preset, date=day,
            seed=args.seed if args.demo_seed is None else args.demo_seed,
        )  # fmt: skip
    counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items())
    print(f"load {args.preset}: {time.perf_counter() - t0:.1f} s ({counts})")

    week = day - dt.timedelta(days=day.weekday())
    t0 = time.perf_counter()
    with unit_of_work(settings) as session:
        menu = plan_menus(session, week, 7, ["lunch"], settings.planning)
    print(f"menu week {week}: {time.perf_counter() - t0:.1f} s, {menu.stored} menus, "
          f"status {menu.result.status}, gap {menu.result.gap}")  # fmt: skip

    hashes = []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        result = run_daily_plan(
            settings, day, "lunch", seed=args.seed, routing_time_limit_s=args.routing_time_limit
        )
        wall = time.perf_counter() - t0
        routes = json.dumps(result.plan.get("routes"), sort_keys=True, ensure_ascii=False)
        hashes.append(hashlib.sha256(routes.encode()).hexdigest()[:16])
        print(f"run {len(hashes)}: {wall:.1f} s wall, routes {hashes[-1]}, load {load()}")
    if len(hashes) > 1:
        print(f"routes identical on {len(hashes)} runs: {len(set(hashes)) == 1}")
    print(result.summary())
    print(f"daily plan {args.preset} {day}: {wall:.1f} s wall")
    for key in ("meals", "sites_forecast", "homes", "vehicles", "trips", "distance_km",
                "meals_delivered", "meals_unserved", "purchase_cost_yuan"):  # fmt: skip
        print(f"  {key:18} {result.figures.get(key)}")
    for line in schedule_figures(result.plan, settings.planning.headcount_cutoff):
        print(f"  {line}")
    for line in fleet_figures(result.plan):
        print(f"  {line}")
    print("  stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items()))
    return 0 if result.ok else 1


def fleet_figures(plan: dict[str, Any]) -> list[str]:
    """Per kitchen: the lower bound on trips and vehicle-minutes (and whether it proves the
    fleet short), the what-if when meals were left, and the one-meal trips."""
    bounds = (plan.get("objective") or {}).get("bound") or {}
    what_if = plan.get("what_if") or {}
    one_meal = plan.get("one_meal_trips") or []
    out = []
    for code in sorted(set(bounds) | set(what_if)):
        b = bounds.get(code)
        line = f"kitchen {code}: "
        if b:
            line += (
                f"bound >= {b['trips_needed']} of {b['trips_available']} trips, >= "
                f"{b['minutes_needed']} of {b['minutes_available']} vehicle-min "
                f"({'fleet proven short' if b['fleet_short'] else 'no proof of a short fleet'})"
            )
        if what_if.get(code):
            line += f"; {what_if[code]['text']}"
        out.append(line)
    why = sorted({t["reason"] for t in one_meal})
    counts = ", ".join(f"{sum(t['reason'] == r for t in one_meal)} {r}" for r in why)
    out.append(f"one-meal trips: {len(one_meal)}" + (f" ({counts})" if counts else ""))
    return out


def schedule_figures(plan: dict[str, Any], cutoff: str) -> list[str]:
    """The kitchen schedule of plan.json in figures: waves, trips packed earlier than
    routed, waves cooked from the forecast, the fullest packing slot against capacity,
    and stops reached after their hold limit measured from the packing (homes) or the
    cook finish (sites)."""

    def minute(text: str) -> int:
        return int(text[-5:-3]) * 60 + int(text[-2:])

    capacity = {k["kitchen"]: k["capacity"]["slot_portions"] for k in plan["kitchens"]}
    packed = {(w["kitchen"], p["trip"]): (w, p) for w in plan["waves"] for p in w["packs"]}
    load: dict[tuple[str, str], int] = {}
    for w in plan["waves"]:
        for p in w["packs"]:
            for start, n in p["slots"]:
                load[(w["kitchen"], start)] = load.get((w["kitchen"], start), 0) + n
    fullest = max(((n / capacity[k], k, t) for (k, t), n in load.items()), default=(0, "", ""))
    stops = late = 0
    for route in plan["routes"]:
        for seq, trip in enumerate(route["trips"], start=1):
            wave, pack = packed[(route["kitchen"], f"{route['vehicle']}-{seq}")]
            for stop in trip["stops"]:
                since = pack["pack_finish"] if stop["kind"] == "home" else wave["cook_finish"]
                stops += 1
                late += minute(stop["arrive"]) - minute(since) > plan["hold_limits"][stop["kind"]]
    early = sum(minute(p["pack_finish"]) < minute(p["ready"]) for _, p in packed.values())
    forecast = sum(1 for w in plan["waves"] if w["forecast"])
    first = min((w["cook_start"] for w in plan["waves"]), default="-")
    return [
        f"waves {len(plan['waves'])}, first cooking {first} (cut-off {cutoff}), "
        f"{forecast} cooked from the forecast",
        f"fullest packing slot {fullest[1]} {fullest[2]}: {fullest[0]:.0%} of capacity; "
        f"{early} trip(s) packed before their routed ready time",
        f"stops beyond the hold limit from packing/cooking: {late} of {stops}",
    ]


if __name__ == "__main__":
    sys.exit(main())
