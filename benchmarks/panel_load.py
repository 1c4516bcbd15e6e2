"""Load test of the web panel: the ``city`` demo (or ``--preset province``) plus a year of
delivery history, served by waitress, hit by concurrent logged-in users; prints count, p50,
p95 and errors per page.

    python benchmarks/panel_load.py                                  # SQLite in a temp dir
    python benchmarks/panel_load.py --database-url postgresql+psycopg://u@127.0.0.1:5432/db
    python benchmarks/panel_load.py --users 20 --duration 60 --think 1.0 --history-days 365
    python benchmarks/panel_load.py --database-url URL --setup-only   # load once, then
    python benchmarks/panel_load.py --database-url URL --reuse        # measure, repeatedly
    python benchmarks/panel_load.py --preset province --history-days 35 --users 10 \
        --instance /tmp/prov --setup-only                             # the province, once
    python benchmarks/panel_load.py --instance /tmp/prov --reuse --users 10

The database must be empty (the script migrates it), or filled by ``--setup-only`` and
measured again with ``--reuse``. Users are threads with their own
cookie jar (stdlib ``http.client``), each logging in once and then requesting the pages in
random order with ``--think`` seconds (uniform 0.5x..1.5x) between requests; ``--think 0``
hammers the server back to back (a saturation test, not a day in a kitchen). PDF downloads
are left out (WeasyPrint takes seconds by design); every HTML page and JSON endpoint is in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from mealplan.config import load_settings
from mealplan.db import migrate
from mealplan.db.models import (
    Client,
    Delivery,
    DietProfile,
    Dish,
    Driver,
    Kitchen,
    Menu,
    MenuItem,
    PlanRun,
    Route,
    RouteStop,
    Site,
    Trip,
    User,
    Vehicle,
)
from mealplan.db.session import session_factory
from mealplan.demo import load_demo
from mealplan.services import users

PASSWORD = "bench password 1"

#: Indexes the panel needed before the schema had them (the migrations now add
#: ix_trip_route_id, ix_route_stop_trip_id and ix_delivery_welfare_alert_open; the flag
#: is kept for databases made before that migration).
PROPOSED_INDEXES = (
    "CREATE INDEX IF NOT EXISTS bench_ix_trip_route_id ON trip (route_id)",
    "CREATE INDEX IF NOT EXISTS bench_ix_route_stop_trip_id ON route_stop (trip_id)",
    "CREATE INDEX IF NOT EXISTS bench_ix_delivery_open_alert ON delivery (id) "
    "WHERE welfare_alert_open",
)
ROLES = ("manager",) * 12 + ("dispatcher",) * 5 + ("viewer",) * 3
#: Pages a role may not open (web.access.PERMISSIONS): not requested by that role's users.
NOT_FOR = {"dispatcher": {"monthly report"}}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------- data


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> Any:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def synth_history(session: Any, day: dt.date, days: int, seed: int) -> dict[str, int]:
    """Routes, trips, stops and deliveries for ``days`` days up to ``day`` (inclusive), a
    plan run per day and menus for ``day``'s week, with core bulk inserts."""
    rng = random.Random(seed)
    kitchens = [k for (k,) in session.execute(select(Kitchen.id))]
    vehicles: dict[int, list[int]] = defaultdict(list)
    for vid, kid in session.execute(select(Vehicle.id, Vehicle.kitchen_id)):
        vehicles[kid].append(vid)
    drivers: dict[int, list[int]] = defaultdict(list)
    for did, kid in session.execute(select(Driver.id, Driver.kitchen_id)):
        drivers[kid].append(did)
    profiles = [c for (c,) in session.execute(select(DietProfile.code))]
    profile_ids = {c: i for c, i in session.execute(select(DietProfile.code, DietProfile.id))}
    sites: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for sid, kid, kind in session.execute(select(Site.id, Site.kitchen_id, Site.kind)):
        sites[kid].append((sid, kind))
    clients: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for cid, kid, days_text, pcode in session.execute(
        select(Client.id, Client.kitchen_id, Client.lunch_days, DietProfile.code).join(
            DietProfile, Client.diet_profile_id == DietProfile.id
        )
    ):
        clients[kid].append((cid, days_text or "", pcode))
    ids = {
        "route": (session.scalar(select(func.max(Route.id))) or 0) + 1,
        "trip": (session.scalar(select(func.max(Trip.id))) or 0) + 1,
        "stop": (session.scalar(select(func.max(RouteStop.id))) or 0) + 1,
        "run": (session.scalar(select(func.max(PlanRun.id))) or 0) + 1,
    }
    counts: dict[str, int] = defaultdict(int)
    routes: list[dict[str, Any]] = []
    trips: list[dict[str, Any]] = []
    stops: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []

    def flush() -> None:
        for table, rows in (
            (PlanRun.__table__, runs),
            (Route.__table__, routes),
            (Trip.__table__, trips),
            (RouteStop.__table__, stops),
            (Delivery.__table__, deliveries),
        ):
            for chunk in _chunks(rows):
                session.execute(insert(table), chunk)
            counts[table.name] += len(rows)
            rows.clear()
        session.commit()

    for offset in range(days - 1, -1, -1):
        date = day - dt.timedelta(days=offset)
        weekday = str(date.isoweekday())
        run_id = ids["run"]
        ids["run"] += 1
        runs.append(
            {
                "id": run_id,
                "kind": "daily",
                "date": date,
                "service": "lunch",
                "status": "done",
                "started_at": dt.datetime.combine(date, dt.time(7, 0)),
                "finished_at": dt.datetime.combine(date, dt.time(7, 2)),
                "progress": 1.0,
                "stage": "",
                "inputs": {},
                "figures": {"meals": 0},
                "warnings": [],
                "timings": {"demand": 0.1, "routes": 30.0},
                "error": "",
                "output": {},
            }
        )
        for kid in kitchens:
            places: list[tuple[str, int, str]] = [(kind, sid, "") for sid, kind in sites[kid]]
            places += [("home", cid, p) for cid, d, p in clients[kid] if weekday in d]
            rng.shuffle(places)
            fleet = vehicles[kid] or []
            if not fleet:
                continue
            per_trip = max(1, -(-len(places) // (2 * len(fleet))))
            for v_index, vid in enumerate(fleet):
                route_id = ids["route"]
                ids["route"] += 1
                mine = places[v_index * 2 * per_trip : (v_index + 1) * 2 * per_trip]
                if not mine:
                    continue
                driver_pool = drivers[kid]
                routes.append(
                    {
                        "id": route_id,
                        "date": date,
                        "service": "lunch",
                        "plan_run_id": run_id,
                        "vehicle_id": vid,
                        "driver_id": driver_pool[v_index % len(driver_pool)]
                        if driver_pool
                        else None,
                        "kitchen_id": kid,
                        "distance_m": rng.randint(8000, 40000),
                        "drive_minutes": rng.randint(40, 150),
                    }
                )
                for seq in (1, 2):
                    part = mine[(seq - 1) * per_trip : seq * per_trip]
                    if not part:
                        continue
                    trip_id = ids["trip"]
                    ids["trip"] += 1
                    ready = 600 + (seq - 1) * 75
                    trips.append(
                        {
                            "id": trip_id,
                            "route_id": route_id,
                            "seq": seq,
                            "ready_min": ready,
                            "depart_min": ready + 10,
                            "return_min": ready + 70,
                        }
                    )
                    for n, (kind, pid, pcode) in enumerate(part, start=1):
                        stop_id = ids["stop"]
                        ids["stop"] += 1
                        if kind == "home":
                            meals = {pcode: 1}
                        else:
                            meals = {
                                p: rng.randint(1, 12)
                                for p in rng.sample(profiles, k=min(3, len(profiles)))
                            }
                        stops.append(
                            {
                                "id": stop_id,
                                "trip_id": trip_id,
                                "seq": n,
                                "kind": kind,
                                "site_id": pid if kind != "home" else None,
                                "client_id": pid if kind == "home" else None,
                                "arrive_min": ready + 10 + 3 * n,
                                "window_start_min": 660,
                                "window_end_min": 720,
                                "meals": meals,
                                "distance_m_from_prev": rng.randint(200, 3000),
                                "minutes_from_prev": rng.randint(1, 8),
                            }
                        )
                        if date < day:
                            roll = rng.random()
                            status = (
                                "delivered"
                                if roll < 0.985
                                else ("no_answer" if roll < 0.993 else "refused")
                            )
                            deliveries.append(
                                {
                                    "route_stop_id": stop_id,
                                    "status": status,
                                    "reason": "" if status == "delivered" else "bench",
                                    "recorded_at": dt.datetime.combine(date, dt.time(12, 0)),
                                    "recorded_by": "bench",
                                    "welfare_alert_open": status == "no_answer" and offset <= 2,
                                    "resolved_by": "",
                                    "resolution": "",
                                }
                            )
        if len(stops) > 20000:
            flush()
    flush()
    # menus for the week of ``day``: every profile, four or five dishes each day
    dish_ids = [d for (d,) in session.execute(select(Dish.id).where(Dish.active.is_(True)))]
    start = day - dt.timedelta(days=day.weekday())
    menu_id = (session.scalar(select(func.max(Menu.id))) or 0) + 1
    menus, items = [], []
    for i in range(7):
        for _code, pid in profile_ids.items():
            menus.append(
                {
                    "id": menu_id,
                    "date": start + dt.timedelta(days=i),
                    "service": "lunch",
                    "diet_profile_id": pid,
                    "cost_fen": rng.randint(500, 760),
                    "nutrients": {
                        "energy_kcal": rng.uniform(520, 760),
                        "protein_g": rng.uniform(18, 35),
                        "fat_g": rng.uniform(12, 26),
                        "carbohydrate_g": rng.uniform(70, 110),
                        "sodium_mg": rng.uniform(350, 900),
                        "fibre_g": rng.uniform(5, 10),
                        "calcium_mg": rng.uniform(150, 300),
                    },
                    "shortfalls": [],
                }
            )
            for pos, did in enumerate(rng.sample(dish_ids, k=rng.choice((4, 5)))):
                items.append({"menu_id": menu_id, "position": pos, "dish_id": did})
            menu_id += 1
    session.execute(text("DELETE FROM menu_item"))
    session.execute(text("DELETE FROM menu"))
    session.execute(insert(Menu.__table__), menus)
    session.execute(insert(MenuItem.__table__), items)
    session.commit()
    counts["menu"] = len(menus)
    if session.bind.dialect.name == "postgresql":
        with session.bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return dict(counts)


# --------------------------------------------------------------------------- clients


class Browser:
    """A user's cookie jar over one keep-alive connection (stdlib only)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        headers = {"Accept-Language": "zh-CN"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, payload

    def login(self, username: str) -> None:
        _, page = self.request("GET", "/login")
        match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            rb'name="csrf_token" value="([^"]+)"', page
        )
        assert match, "no CSRF token on the login page"
        status, _ = self.request(
            "POST",
            "/login",
            {"csrf_token": match.group(1).decode(), "username": username, "password": PASSWORD},
        )
        assert status == 302, f"login of {username} failed: {status}"


def pages(session: Any, day: dt.date) -> dict[str, str]:
    """Every HTML page and JSON endpoint of the panel, with real ids and codes."""
    site = session.scalar(select(Site.code).order_by(Site.code).limit(1))
    client = session.scalar(select(Client.code).order_by(Client.code).limit(1))
    dish = session.scalar(select(Dish.code).order_by(Dish.code).limit(1))
    run = session.scalar(select(func.max(PlanRun.id)))
    trip = session.scalar(
        select(Trip.id).join(Route).where(Route.date == day).order_by(Trip.id).limit(1)
    )
    d = day.isoformat()
    return {
        "dashboard": f"/?date={d}",
        "headcounts": f"/headcounts/?date={d}",
        "headcounts site": f"/headcounts/{site}?date={d}",
        "menus week": f"/menus/?week={d}",
        "menu print (html)": f"/menus/print?week={d}&site={site}",
        "nutrient report (html)": f"/menus/nutrients?week={d}",
        "data sites": "/data/sites/",
        "data clients": "/data/clients/",
        "data client edit": f"/data/clients/{client}/edit",
        "data dishes": "/data/dishes/",
        "data dish edit": f"/data/dishes/{dish}/edit",
        "plans": f"/plans/?date={d}",
        "plan status page": f"/plans/{run}",
        "plan status json": f"/plans/{run}/status",
        "deliveries": f"/deliveries/?date={d}",
        "routes": f"/routes/?date={d}",
        "route trip (phone)": f"/routes/trips/{trip}",
        "route sheet (html)": f"/routes/trips/{trip}/sheet",
        "alerts": "/alerts/",
        "ratings": f"/ratings/?date={d}",
        "ratings site": f"/ratings/{site}?date={d}",
        "monthly report": f"/reports/monthly?month={d[:7]}",
    }


def pages_in_process(settings: Any, urls: dict[str, str], repeat: int, username: str) -> None:
    """Each page ``repeat`` times through the Flask test client in this process, as a
    manager (Chinese), with the report cache off: the best milliseconds, the SQL statements
    of the last request and the page's size (no server, no other users)."""
    from sqlalchemy import event

    from mealplan.db.session import engine_for
    from web import create_app

    app = create_app({"MEALPLAN_SETTINGS": settings, "CACHE_SECONDS": 0, "WTF_CSRF_ENABLED": False})
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(engine_for(settings.database_url), "before_cursor_execute", count)
    client = app.test_client()
    assert (
        client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    )
    headers = {"Accept-Language": "zh-CN"}
    print(
        f"\n{'page (in-process, best of ' + str(repeat) + ')':<34} {'ms':>7} {'SQL':>6} {'KiB':>6}"
    )
    for key, url in urls.items():
        client.get(url, headers=headers)  # compile the template, fill the pools
        best = float("inf")
        for _ in range(repeat):
            statements[0] = 0
            t0 = time.perf_counter()
            response = client.get(url, headers=headers)
            best = min(best, time.perf_counter() - t0)
        print(f"{key:<34} {1000 * best:>7.0f} {statements[0]:>6} "
              f"{len(response.data) // 1024:>6}  {response.status_code}")  # fmt: skip
    print(f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the panel did not start")


def run_load(
    port: int, names: list[str], urls: dict[str, str], duration: float, think: float, seed: int
) -> dict[str, list[tuple[float, int]]]:
    results: dict[str, list[tuple[float, int]]] = defaultdict(list)
    lock = threading.Lock()
    browsers = []
    for name in names:
        b = Browser("127.0.0.1", port)
        b.login(name)
        browsers.append(b)
    start_gate = threading.Barrier(len(browsers))
    stop_at = [0.0]

    def user(index: int, b: Browser) -> None:
        rng = random.Random(seed + index)
        skip = NOT_FOR.get(ROLES[index % len(ROLES)], set())
        keys = [k for k in urls if k not in skip]
        start_gate.wait()
        while time.monotonic() < stop_at[0]:
            key = rng.choice(keys)
            t0 = time.perf_counter()
            try:
                status, _ = b.request("GET", urls[key])
            except Exception:  # noqa: BLE001 - counted as an error (599: no answer)
                status = 599
            elapsed = time.perf_counter() - t0
            with lock:
                results[key].append((elapsed, status))
            if think > 0:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))

    stop_at[0] = time.monotonic() + duration + 1
    threads = [threading.Thread(target=user, args=(i, b)) for i, b in enumerate(browsers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="", help="an empty database (default: SQLite in a temp dir)"
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between requests")
    parser.add_argument("--history-days", type=int, default=365)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--date", default=dt.date.today().isoformat())
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--preset", choices=("city", "province"), default="city", help="the demo network loaded"
    )
    parser.add_argument(
        "--instance",
        default="",
        help="the instance folder (default: a new temporary one); with --reuse, one an "
        "earlier --setup-only filled",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a database an earlier run (or --setup-only) filled instead of loading it",
    )
    parser.add_argument(
        "--setup-only", action="store_true", help="load the data and the users, then stop"
    )
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="N",
        help="time each page N times in this process (Flask test client; best ms, SQL "
        "statements, size) instead of loading a server",
    )
    parser.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="add the indexes proposed for the schema (PROPOSED_INDEXES) before measuring",
    )
    args = parser.parse_args()
    day = dt.date.fromisoformat(args.date)
    instance = Path(args.instance or tempfile.mkdtemp(prefix="mealplan-bench-"))
    instance.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{instance / 'mealplan.sqlite3'}"
    settings = replace(load_settings({"MEALPLAN_INSTANCE_PATH": str(instance)}), database_url=url)
    log(f"instance {instance}; database {url.split('@')[-1]}")
    migrate.upgrade(settings)
    factory = session_factory(settings)
    with factory() as session:
        filled = args.reuse and session.scalar(select(func.count(PlanRun.id))) > 0
        if not filled:
            t0 = time.perf_counter()
            summary = load_demo(session, args.preset, date=day, seed=1)
            session.commit()
            log(f"{args.preset} demo loaded in {time.perf_counter() - t0:.1f} s: {summary}")
            t0 = time.perf_counter()
            counts = synth_history(session, day, args.history_days, args.seed)
            log(f"history written in {time.perf_counter() - t0:.1f} s: {counts}")
        else:
            day = session.scalar(select(func.max(Route.date))) or day
            log(f"reusing the data already there (last route day {day})")
        if args.proposed_indexes:
            for statement in PROPOSED_INDEXES:
                session.execute(text(statement))
            session.commit()
            log("proposed indexes added")
        users.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # logins are not what we measure
        names = []
        for i in range(args.users):
            name = f"bench{i:02d}"
            if not filled or not session.scalar(select(User.id).where(User.username == name)):
                users.create_user(session, name, PASSWORD, ROLES[i % len(ROLES)], actor="bench")
            names.append(name)
        session.commit()
        urls = pages(session, day)
    if args.setup_only:
        log(f"data ready; run again with --reuse --instance {instance} --database-url {url}")
        return
    if args.in_process:
        pages_in_process(settings, urls, args.in_process, names[0])
        return
    port = free_port()
    env = {
        **os.environ,
        "MEALPLAN_DATABASE_URL": url,
        "MEALPLAN_INSTANCE_PATH": str(instance),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mealplan",
            "serve",
            "--port",
            str(port),
            "--threads",
            str(args.threads),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(instance / "server.log").open("wb"),
    )
    try:
        wait_up(port)
        log(f"panel on 127.0.0.1:{port} (waitress, {args.threads} threads); warming up")
        run_load(port, names[:2], urls, 5, 0, args.seed)  # compile templates, fill pools
        log(f"{args.users} users for {args.duration:.0f} s, think {args.think} s")
        results = run_load(port, names, urls, args.duration, args.think, args.seed)
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in results.values())
    errors = sum(1 for v in results.values() for _, s in v if s >= 400)
    print()
    print(f"{'page':<26} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>6}")
    for key in urls:
        rows = results.get(key, [])
        if not rows:
            print(f"{key:<26} {0:>6}")
            continue
        times = sorted(t * 1000 for t, _ in rows)
        errs = sum(1 for _, s in rows if s >= 400)
        print(
            f"{key:<26} {len(rows):>6} {pct(times, 50):>8.0f} {pct(times, 95):>8.0f} "
            f"{times[-1]:>8.0f} {errs:>6}"
        )
    everything = sorted(t * 1000 for v in results.values() for t, _ in v)
    print(
        f"{'all pages':<26} {total:>6} {pct(everything, 50):>8.0f} {pct(everything, 95):>8.0f} "
        f"{everything[-1]:>8.0f} {errors:>6}"
    )
    codes = sorted({s for v in results.values() for _, s in v if s >= 400})
    for code in codes:
        where = sorted(k for k, v in results.items() if any(s == code for _, s in v))
        print(f"HTTP {code}: {', '.join(where)}")
    print(
        f"\n{total / args.duration:.1f} requests/s; instance folder (delete when done): {instance}"
    )


if __name__ == "__main__":
    main()
