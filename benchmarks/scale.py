"""Scale of the daily plan (issue 15): the province preset routed on the local process pool
and through Celery with 1, 2 and 4 worker processes; the queue's overhead; the panel while
a plan runs; a wall-time model.

    python benchmarks/scale.py --routing-iterations 100 --routing-seeds 1 --panel-users 10
    python benchmarks/scale.py --reuse /tmp/mealplan-scale-XXXX --modes celery:2 --stage plan

A fresh SQLite database (or --database-url) in a temporary instance folder gets the province
preset (12 kitchens, 600 sites, 8,000 homes) and the week's menus (``--reuse`` a folder of
an earlier run skips that); then the day's lunch is routed once per mode, in this process:

- ``local``: the local process pool (``--local-workers``, default one per core up to 4);
- ``celery:N``: a throw-away ``redis-server`` on 127.0.0.1 (random port) and N ``mealplan
  worker --concurrency 1`` processes, started here and stopped after.

``--stage routes`` (default) times one routing pass, what ``mealplan routes`` runs: the
fan-out of the kitchens that the workers share. ``--stage plan`` times the whole daily
plan (``mealplan plan``: up to 1 + 4 re-timing routing passes, production, waves, the
documents): several times longer. Every routing run (and, with ``plan``, every PDF) is
timed where it runs (wall and CPU seconds, written by :func:`timed_solve_routes` to a file
per mode), so the per-kitchen distribution and the critical path are measured, not
guessed. The routes of every mode are compared with the first mode's. ``--tasks N``
trivial calls through each engine give the queue's overhead per task. ``--kill-after S``
SIGKILLs the first worker's pool process S seconds into each ``celery:N`` run (N >= 2), as
a crash mid-task: the task is re-delivered, and the run must still end with the same
routes, stored once (checked). With
``--panel-users`` the panel (``mealplan serve``) is loaded by that many users
(benchmarks/panel_load.py) with no plan running, then while a ``mealplan plan`` runs on 2
Celery workers started with each ``--panel-nice`` value; the p50/p95 per page are printed.
Last, the wall-time model fitted from the runs is printed for 12 to 100 kitchens and 1 to
64 worker processes (docs/deployment.md "Scale").

The routing budget is ``--routing-iterations`` per kitchen and seed (the default 10,000
takes far longer than 10 minutes a pass on a shared 2-core machine); the time limit is set
to its maximum (a safety net that never binds here), so that every mode must give the same
routes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import operator
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mealplan.documents.render import html_to_pdf as _html_to_pdf
from solvers.routing import solve_routes as _solve_routes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: Where :func:`timed_solve_routes` appends its lines (set per mode; workers inherit it).
TIMINGS_ENV = "MEALPLAN_SCALE_TIMINGS"
START_TIMEOUT_S = 180.0


# --------------------------------------------------------------------------- timed runs


def timed_solve_routes(*args: Any, **kwargs: Any) -> Any:
    """``solvers.routing.solve_routes`` that appends its wall and CPU seconds, the kitchen's
    stops and the process id to the file ``$MEALPLAN_SCALE_TIMINGS`` (one JSON line)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = _solve_routes(*args, **kwargs)
    path = os.environ.get(TIMINGS_ENV)
    if path:
        problem = args[0] if args else kwargs["problem"]
        params = args[1] if len(args) > 1 else kwargs.get("params")
        line = {
            "stops": len(problem.stops),
            "vehicles": len(problem.vehicles),
            "seed": getattr(params, "seed", None),
            "iterations": getattr(params, "own_search_iterations", None),
            "wall_s": round(time.perf_counter() - wall, 3),
            "cpu_s": round(time.process_time() - cpu, 3),
            "pid": os.getpid(),
        }
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
    return result


def timed_html_to_pdf(html: str) -> bytes:
    """``mealplan.documents.render.html_to_pdf``, timed like :func:`timed_solve_routes`."""
    wall, cpu = time.perf_counter(), time.process_time()
    pdf = _html_to_pdf(html)
    path = os.environ.get(TIMINGS_ENV)
    if path:
        line = {"pdf": len(html), "wall_s": round(time.perf_counter() - wall, 3),
                "cpu_s": round(time.process_time() - cpu, 3), "pid": os.getpid()}  # fmt: skip
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
    return pdf


def read_timings(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


# --------------------------------------------------------------------------- machine


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def load_avg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f} {five:.1f} {fifteen:.1f}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------- redis, workers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A throw-away redis-server on 127.0.0.1 (random port, no persistence)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with (folder / "redis.log").open("wb") as out:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while not _ping(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"redis-server did not start: {(folder / 'redis.log').read_text()}")
        time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def worker_env(url: str, timings: Path | None) -> dict[str, str]:
    env = dict(os.environ, MEALPLAN_BROKER_URL=url, C_FORCE_ROOT="1")
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT)])
    if timings is not None:
        env[TIMINGS_ENV] = str(timings)
    return env


@contextmanager
def celery_workers(
    url: str, n: int, folder: Path, timings: Path | None, nice: int = 0
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``n`` ``mealplan worker --concurrency 1 --nice NICE`` processes on the compute queue,
    ready (their main processes are yielded)."""
    from mealplan import distributed
    from mealplan.config import DistributedSettings

    folder.mkdir(parents=True, exist_ok=True)
    procs = []
    names = [f"w{i}-{n}@scale" for i in range(n)]
    for name in names:
        with (folder / f"{name.split('@')[0]}.log").open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "mealplan", "worker", "--queues", "compute",
                     "--concurrency", "1", "--name", name, "--loglevel", "warning",
                     "--nice", str(nice)],
                    env=worker_env(url, timings), cwd=str(ROOT), stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )
            )  # fmt: skip
    app = distributed.app_for(DistributedSettings(broker_url=url))
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            queues = app.control.inspect(timeout=1.0).active_queues() or {}
            if set(names) <= set(queues):
                break
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                raise SystemExit(f"workers did not start; see {folder}")
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        app.control.purge()


def kill_pool_process(worker: subprocess.Popen[bytes], after_s: float) -> dict[str, Any]:
    """In ``after_s`` seconds, SIGKILL the pool process of ``worker`` (a ``--concurrency 1``
    worker has one: the process running its task), as a crash mid-task would; the returned
    record gets the pid and the second it was killed."""
    record: dict[str, Any] = {"after_s": after_s}

    def kill() -> None:
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
        pids = children.read_text("ascii").split() if children.exists() else []
        if pids:
            os.kill(int(pids[0]), signal.SIGKILL)
            record["pid"] = int(pids[0])

    timer = threading.Timer(after_s, kill)
    timer.daemon = True
    timer.start()
    record["timer"] = timer
    return record


def stored_routes(settings: Any, day: dt.date) -> int:
    """Routes stored for the day's lunch (a committed pass stores each route once)."""
    from sqlalchemy import func, select

    from mealplan.db.models import Route
    from mealplan.db.session import unit_of_work

    with unit_of_work(settings) as session:
        count = session.scalar(
            select(func.count())
            .select_from(Route)
            .where(Route.date == day, Route.service == "lunch")
        )
    return int(count or 0)


def celery_engine(url: str) -> Any:
    from mealplan import distributed
    from mealplan.config import DistributedSettings

    return distributed.CeleryEngine(DistributedSettings(broker_url=url))


# --------------------------------------------------------------------------- measurements


def queue_overhead(url: str, folder: Path, tasks: int, local_workers: int) -> dict[str, float]:
    """Seconds for ``tasks`` trivial calls (operator.mul) through the local pool and through
    Celery with 2 workers (each from the fan-out's start to its last result)."""
    from mealplan import parallel

    calls = [(i, i) for i in range(tasks)]
    t0 = time.perf_counter()
    local = dict(parallel.run_each(operator.mul, calls, local_workers))
    local_s = time.perf_counter() - t0
    with celery_workers(url, 2, folder / "overhead", None), parallel.using(celery_engine(url)):
        t0 = time.perf_counter()
        remote = dict(parallel.run_each(operator.mul, calls, 2))
        celery_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        list(parallel.run_each(operator.mul, [(1, 1), (2, 2)], 2))
        pair_s = time.perf_counter() - t0
    assert remote == local, "the queue changed a result"
    return {"tasks": tasks, "local_s": local_s, "celery_s": celery_s, "pair_s": pair_s}


def plan_once(
    settings: Any, day: dt.date, out: Path, seed: int
) -> tuple[float, Any, dict[str, float]]:
    """Plan the day as `mealplan plan` does: wall seconds, the result, and this process's
    (the coordinator's) CPU seconds per stage."""
    from mealplan.planning.daily import run_daily_plan

    marks: list[tuple[str, float]] = []

    def progress(stage: str, _fraction: float) -> None:
        if not marks or marks[-1][0] != stage:
            marks.append((stage, time.process_time()))

    t0 = time.perf_counter()
    result = run_daily_plan(settings, day, "lunch", out_dir=out, seed=seed, on_progress=progress)
    wall = time.perf_counter() - t0
    marks.append(("end", time.process_time()))
    cpu: dict[str, float] = {}
    for (stage, start), (_, end) in zip(marks, marks[1:], strict=False):
        cpu[stage] = cpu.get(stage, 0.0) + end - start
    return wall, result, cpu


def route_once(
    settings: Any, day: dt.date, out: Path, seed: int
) -> tuple[float, Any, dict[str, float]]:
    """One routing pass of the day, as `mealplan routes` runs it (the fan-out the workers
    share): wall seconds, a result-like object and this process's CPU seconds."""
    from types import SimpleNamespace

    from mealplan.cli.plan import open_follow_ups
    from mealplan.db.session import unit_of_work
    from mealplan.planning.routes import plan_routes, routes_json

    t0, cpu0 = time.perf_counter(), time.process_time()
    with unit_of_work(settings) as session:
        plan = plan_routes(session, day, "lunch", settings, seed=seed)
        wall = time.perf_counter() - t0
        data = routes_json(session, day, "lunch", settings.planning, plan=plan)
    open_follow_ups(settings, day, "lunch")  # as `mealplan routes` does (not timed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "plan.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    trips = sum(len(r["trips"]) for r in data["routes"])
    figures = {"vehicles": len(data["routes"]), "trips": trips,
               "unserved stops": len(data.get("unserved", []))}  # fmt: skip
    result = SimpleNamespace(ok=True, timings={"routes": wall}, figures=figures)
    return wall, result, {"routes": time.process_time() - cpu0}


def routes_of(out: Path) -> Any:
    return json.loads((out / "plan.json").read_text("utf-8"))["routes"]


# --------------------------------------------------------------------------- panel


def panel_during_plan(
    args: argparse.Namespace, settings: Any, url: str, folder: Path, day: dt.date
) -> None:
    """The panel's p50/p95 per page with no plan running, then while `mealplan plan` runs
    on 2 Celery workers (once per ``--panel-nice`` value of the workers; ``none``: no
    plan)."""
    import panel_load
    from sqlalchemy import select

    from mealplan.db.models import User
    from mealplan.db.session import session_factory
    from mealplan.services import users

    factory = session_factory(settings)
    users.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # logins are not what we measure
    names = []
    with factory() as session:
        for i in range(args.panel_users):
            name = f"bench{i:02d}"
            names.append(name)
            if session.scalar(select(User.id).where(User.username == name)):
                continue
            users.create_user(
                session, name, panel_load.PASSWORD, panel_load.ROLES[i % len(panel_load.ROLES)],
                actor="bench",
            )  # fmt: skip
        session.commit()
        urls = panel_load.pages(session, day)
    # a database with routes but no plan run yet (routing passes only): no run to show;
    # with no routes yet, no trip
    urls = {k: u for k, u in urls.items() if "/None" not in u}
    port = free_port()
    env = dict(os.environ)
    env.pop("MEALPLAN_BROKER_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "mealplan", "serve", "--port", str(port), "--threads", "8"],
        env=env, stdout=subprocess.DEVNULL, stderr=(folder / "server.log").open("wb"),
    )  # fmt: skip
    plan_proc = None
    try:
        panel_load.wait_up(port)
        panel_load.run_load(port, names[:2], urls, 5, 0, args.seed)  # warm up
        quiet = panel_load.run_load(port, names, urls, args.panel_duration, args.think, args.seed)
        report_panel("panel, no plan running", quiet, urls, args.panel_duration)
        nices = [int(n) for n in args.panel_nice.split(",") if n.strip() not in ("", "none")]
        for nice in nices:
            with celery_workers(url, 2, folder / f"panel-workers-{nice}", None, nice):
                plan_env = dict(os.environ, MEALPLAN_BROKER_URL=url)
                plan_log = (folder / f"panel-plan-{nice}.log").open("wb")
                t0 = time.perf_counter()
                plan_proc = subprocess.Popen(
                    [sys.executable, "-m", "mealplan", "plan", "--date", day.isoformat(),
                     "--out", str(folder / f"out-panel-{nice}"), "--seed", str(args.seed)],
                    env=plan_env, stdout=plan_log, stderr=subprocess.STDOUT,
                )  # fmt: skip
                time.sleep(args.panel_delay)  # into the routing stage
                log(f"plan on 2 Celery workers (nice {nice}); {args.panel_users} users, "
                    f"{load_avg()}")  # fmt: skip
                busy = panel_load.run_load(
                    port, names, urls, args.panel_duration, args.think, args.seed + 1
                )
                still = plan_proc.poll() is None
                report_panel(
                    f"panel while the plan ran on 2 workers at nice {nice} (plan still "
                    f"running when the load ended: {still}; {load_avg()})",
                    busy, urls, args.panel_duration,
                )  # fmt: skip
                if still and not args.panel_plan_to_end:
                    plan_proc.terminate()  # measured what we came for; the run is `killed`
                code = plan_proc.wait()
                log(f"plan exit {code} after {time.perf_counter() - t0:.0f} s")
    finally:
        if plan_proc is not None and plan_proc.poll() is None:
            plan_proc.terminate()
            plan_proc.wait(timeout=60)
        server.terminate()
        server.wait(timeout=30)


def report_panel(
    title: str, results: dict[str, Any], urls: dict[str, str], duration: float
) -> None:
    import panel_load

    everything = sorted(t * 1000 for v in results.values() for t, _ in v)
    errors = sum(1 for v in results.values() for _, s in v if s >= 400)
    print(f"\n{title}: {len(everything)} requests in {duration:.0f} s, {load_avg()}")
    print(f"  {'page':<26} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for key in urls:
        times = sorted(t * 1000 for t, _ in results.get(key, []))
        if times:
            print(f"  {key:<26} {len(times):>6} {panel_load.pct(times, 50):>8.0f} "
                  f"{panel_load.pct(times, 95):>8.0f} {times[-1]:>8.0f}")  # fmt: skip
    if everything:
        print(f"  {'all pages':<26} {len(everything):>6} {panel_load.pct(everything, 50):>8.0f} "
              f"{panel_load.pct(everything, 95):>8.0f} {everything[-1]:>8.0f}  errors {errors}")  # fmt: skip


# --------------------------------------------------------------------------- model


def lpt_makespan(durations: list[float], slots: int) -> float:
    """Longest-first list scheduling of ``durations`` on ``slots`` (what the fan-out does:
    the longest runs are sent first and each free worker takes the next)."""
    heap = [0.0] * max(1, slots)
    for d in sorted(durations, reverse=True):
        heapq.heappush(heap, heapq.heappop(heap) + d)
    return max(heap)


# --------------------------------------------------------------------------- main


def write_config(folder: Path, args: argparse.Namespace) -> Path:
    config = folder / "mealplan.toml"
    config.write_text(
        "[planning]\n"
        f"routing_iterations = {args.routing_iterations}\n"
        f"routing_seeds = {args.routing_seeds}\n"
        f"routing_what_if_runs = {args.what_if_runs}\n"
        "routing_time_limit_s = 3600\n"
        f"workers = {args.local_workers}\n",
        encoding="utf-8",
    )
    return config


def main() -> int:  # noqa: PLR0915 - a script's sequence of measurements
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--date", default="2026-12-02", help="the day planned (YYYY-MM-DD)")
    parser.add_argument("--seed", type=int, default=1, help="demo and routing seed")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reuse", default=None, help="an instance folder of an earlier run")
    parser.add_argument("--routing-iterations", type=int, default=300)
    parser.add_argument("--routing-seeds", type=int, default=2)
    parser.add_argument("--what-if-runs", type=int, default=0,
                        help="[planning] routing_what_if_runs (serial, in the coordinator)")  # fmt: skip
    parser.add_argument("--local-workers", type=int, default=0, help="0: one per core, <= 4")
    parser.add_argument("--modes", default="local,celery:1,celery:2,celery:4")
    parser.add_argument("--stage", choices=("routes", "plan"), default="routes",
                        help="routes: one routing pass per mode (`mealplan routes`); plan: "
                        "the whole daily plan per mode (re-timing passes, documents)")  # fmt: skip
    parser.add_argument("--tasks", type=int, default=200, help="trivial calls for the overhead")
    parser.add_argument("--panel-users", type=int, default=0)
    parser.add_argument("--panel-duration", type=float, default=60.0)
    parser.add_argument("--panel-delay", type=float, default=60.0,
                        help="seconds after the plan starts before the load starts")  # fmt: skip
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--panel-plan-to-end", action="store_true",
                        help="let the plan finish after the panel's load (default: stop it)")  # fmt: skip
    parser.add_argument("--kill-after", type=float, default=0.0,
                        help="in celery:N modes with N >= 2, SIGKILL the first worker's pool "
                        "process this many seconds into the run (0: no kill); the run must "
                        "still end with the same routes, stored once")  # fmt: skip
    parser.add_argument("--panel-nice", default="0,10",
                        help="the workers' nice values to measure the panel under while a "
                        "plan runs (none: only with no plan running)")  # fmt: skip
    args = parser.parse_args()

    import scale  # this file as a module: its functions pickle by name for the workers

    folder = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="mealplan-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["MEALPLAN_INSTANCE_PATH"] = str(folder)
    os.environ["MEALPLAN_CONFIG"] = str(write_config(folder, args))
    os.environ.pop("MEALPLAN_BROKER_URL", None)
    os.environ.pop("MEALPLAN_WORKERS", None)
    if args.database_url:
        os.environ["MEALPLAN_DATABASE_URL"] = args.database_url
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT)])

    import mealplan.documents.render
    import solvers.routing
    from mealplan import parallel
    from mealplan.config import load_settings, resolve_workers
    from mealplan.db import migrate
    from mealplan.db.session import unit_of_work
    from mealplan.demo import load_demo
    from mealplan.planning.menus import plan_menus

    solvers.routing.solve_routes = scale.timed_solve_routes  # type: ignore[assignment]
    mealplan.documents.render.html_to_pdf = scale.timed_html_to_pdf  # type: ignore[assignment]
    day = dt.date.fromisoformat(args.date)
    settings = load_settings()
    local_workers = resolve_workers(settings.planning.workers)
    log(f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{load_avg()}")  # fmt: skip
    log(f"instance {folder}; database {settings.database_url.split('@')[-1]}")
    log(f"routing: {args.routing_iterations} iterations x {args.routing_seeds} seeds per "
        f"kitchen, what-if runs {args.what_if_runs}; local pool {local_workers} processes")  # fmt: skip
    if not (folder / "loaded").exists():
        migrate.upgrade(settings)
        t0 = time.perf_counter()
        with unit_of_work(settings) as session:
            summary = load_demo(session, "province", date=day, seed=args.seed)
        counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items())
        log(f"province loaded in {time.perf_counter() - t0:.0f} s ({counts})")
        week = day - dt.timedelta(days=day.weekday())
        t0 = time.perf_counter()
        with unit_of_work(settings) as session:
            menu = plan_menus(session, week, 7, ["lunch"], settings.planning)
        log(f"menus of the week {week}: {time.perf_counter() - t0:.0f} s, {menu.stored} stored")
        (folder / "loaded").write_text(day.isoformat(), encoding="ascii")

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    walls: dict[str, float] = {}
    stages: dict[str, dict[str, float]] = {}
    coord_cpu: dict[str, dict[str, float]] = {}
    o: dict[str, float] = {}
    timing_files: dict[str, Path] = {}
    ok = True
    with redis_server(folder / "redis") as url:
        log(f"redis on {url}")
        if args.tasks > 0:
            o = queue_overhead(url, folder, args.tasks, local_workers)
            log(f"overhead: {o['tasks']} trivial calls: local pool ({local_workers} processes, "
                f"start included) {o['local_s']:.2f} s, Celery (2 workers) {o['celery_s']:.2f} s "
                f"= {1000 * o['celery_s'] / o['tasks']:.1f} ms a call; a fan-out of 2 calls "
                f"{o['pair_s']:.2f} s; {load_avg()}")  # fmt: skip
        for mode in modes:
            timings = folder / f"timings-{mode.replace(':', '')}.jsonl"
            timings.unlink(missing_ok=True)
            timing_files[mode] = timings
            os.environ[TIMINGS_ENV] = str(timings)
            out = folder / f"out-{mode.replace(':', '')}"
            shutil.rmtree(out, ignore_errors=True)
            log(f"{mode}: planning, {load_avg()}")
            run = plan_once if args.stage == "plan" else route_once
            if mode == "local":
                wall, result, coord = run(settings, day, out, args.seed)
            else:
                n = int(mode.split(":", 1)[1])
                with (
                    celery_workers(url, n, folder / f"workers-{n}", timings) as procs,
                    parallel.using(celery_engine(url)),
                ):
                    kill = (
                        kill_pool_process(procs[0], args.kill_after)
                        if args.kill_after > 0 and n >= 2
                        else {}
                    )
                    wall, result, coord = run(settings, day, out, args.seed)
                    if kill:
                        kill["timer"].cancel()
                if "pid" in kill:
                    n_routes = len(routes_of(out))
                    stored = stored_routes(settings, day)
                    ok &= stored == n_routes
                    log(f"{mode}: worker w0's pool process {kill['pid']} killed after "
                        f"{args.kill_after:.0f} s; the run ended; routes stored {stored}, "
                        f"in its output {n_routes}")  # fmt: skip
            walls[mode] = wall
            stages[mode] = dict(result.timings)
            coord_cpu[mode] = coord
            runs = read_timings(timings)
            log(f"{mode}: {wall:.0f} s wall ({load_avg()}); plan ok {result.ok}; "
                f"{len(runs)} routing runs timed; stages (s): "
                + ", ".join(f"{k} {v:.0f}" for k, v in result.timings.items()))  # fmt: skip
            print("    coordinator CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in coord.items()))
            for key, value in result.figures.items():
                if key in ("meals", "vehicles", "trips", "meals_delivered", "meals_unserved",
                           "unserved stops"):  # fmt: skip
                    print(f"    {key:16} {value}")
        if args.panel_users > 0:
            panel_during_plan(args, settings, url, folder, day)

    if not modes:
        return 0
    print(f"\nsummary ({cpu_name()}, {os.cpu_count()} cores, {load_avg()} at the end)")
    base = walls.get("celery:1")
    first = modes[0]
    reference = routes_of(folder / f"out-{first.replace(':', '')}")
    print(f"  {'mode':<10} {'wall s':>8} {'routes s':>9} {'documents s':>12} {'x 1 worker':>11}  "
          "routes")  # fmt: skip
    for mode in modes:
        same = routes_of(folder / f"out-{mode.replace(':', '')}") == reference
        ok &= same
        st = stages[mode]
        speed = f"{base / walls[mode]:.2f}" if base else "-"
        print(f"  {mode:<10} {walls[mode]:>8.0f} {st.get('routes', 0):>9.0f} "
              f"{st.get('documents', 0):>12.0f} {speed:>11}  "
              f"{'same as ' + first if same else 'DIFFERENT from ' + first}")  # fmt: skip
    fit_mode = "local" if "local" in modes else modes[0]
    print_model(read_timings(timing_files[fit_mode]), coord_cpu[fit_mode], o, fit_mode, args)
    return 0 if ok else 1


def print_model(
    timed: list[dict[str, Any]], coord: dict[str, float], o: dict[str, float], mode: str,
    args: argparse.Namespace,
) -> None:  # fmt: skip
    """The wall-time model in CPU seconds (a dedicated core per process), fitted from the
    runs of ``mode``: the coordinator's stages grow with the kitchens and run alone; the
    routing runs and the PDFs are dealt to W worker processes longest first."""
    kitchens = 12
    routes = [r["cpu_s"] for r in timed if "stops" in r]
    pdfs = [r["cpu_s"] for r in timed if "pdf" in r]
    if not routes:
        return
    serial = sum(coord.values())
    per_task = o["celery_s"] / o["tasks"] if o else 0.0
    walls = [r["wall_s"] for r in timed]
    print(f"\nmodel inputs ({mode}; CPU s: what a dedicated core would take)")
    print(f"  routing runs {len(routes)}: min {min(routes):.1f}, median "
          f"{statistics.median(routes):.1f}, max {max(routes):.1f} (the critical path), "
          f"sum {sum(routes):.0f}")  # fmt: skip
    print("  stops -> CPU s: " + ", ".join(
        f"{r['stops']}:{r['cpu_s']:.0f}" for r in sorted(timed, key=lambda r: r.get("stops", 0))
        if "stops" in r))  # fmt: skip
    if pdfs:
        print(f"  PDFs {len(pdfs)}: median {statistics.median(pdfs):.2f}, max {max(pdfs):.1f}, "
              f"sum {sum(pdfs):.0f}")  # fmt: skip
    print(f"  coordinator (serial) {serial:.0f}: "
          + ", ".join(f"{k} {v:.0f}" for k, v in coord.items()))  # fmt: skip
    print(f"  queue overhead per task {1000 * per_task:.1f} ms; CPU/wall of the timed calls "
          f"{sum(r['cpu_s'] for r in timed) / max(sum(walls), 1e-9):.2f} (the machine's load)")  # fmt: skip
    rng = random.Random(args.seed)
    ws = (1, 2, 4, 8, 16, 32, 64)
    print("\nmodel: wall s = coordinator x K/12 + LPT(routing runs, W) + LPT(PDFs, W)"
          " + overhead x tasks / W")  # fmt: skip
    print("  kitchens " + "".join(f"{f'W={w}':>8}" for w in ws) + "   critical path")
    for k in (12, 25, 50, 100):
        r_draw = routes if k == kitchens else [rng.choice(routes) for _ in range(
            round(k * len(routes) / kitchens))]  # fmt: skip
        p_draw = pdfs if k == kitchens else [rng.choice(pdfs) for _ in range(
            round(k * len(pdfs) / kitchens))] if pdfs else []  # fmt: skip
        fixed = serial * k / kitchens
        cells = [fixed + lpt_makespan(r_draw, w) + lpt_makespan(p_draw, w)
                 + per_task * (len(r_draw) + len(p_draw)) / w for w in ws]  # fmt: skip
        print(f"  {k:>8} " + "".join(f"{c:>8.0f}" for c in cells)
              + f"   {fixed + max(r_draw) + (max(p_draw) if p_draw else 0):.0f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
