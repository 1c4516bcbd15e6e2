"""Routing benchmark: standard instances (gap to best-known), a synthetic hot-meal city, and
meal-delivery problems with hold limits (saved fixtures, demo presets) against PyVRP.

    python benchmarks/routing.py [DATA_DIR] [--time-limit 10] [--large-time-limit 60]
        [--sets solomon,gh,cvrp] [--only NAME ...] [--no-pyvrp] [--synthetic 1000]
        [--synthetic-only] [--meal-only] [--meal-files F.json ...]
        [--meal-presets district city] [--meal-time-limit 30] [--json out.json]
    python benchmarks/routing.py --routing-only --meal-presets district --demo-seeds 0 1 2

DATA_DIR defaults to ``../shared/data/vrp`` relative to the repository root. Every solution
(ours and PyVRP's) is checked by :func:`solvers.routing.instances.check_routes`; costs are
recomputed from the routes. BKS: the ``.sol`` files (DIMACS for VRPTW, rounded for CVRP);
for R1_2_1 / R1_4_1 only the hierarchical (vehicles first) BKS of vroom-scripts exists, so
their gaps are indicative only. PyVRP runs side by side when installed.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import vrplib  # noqa: E402

from solvers.routing import (  # noqa: E402
    Kitchen,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Stop,
    StopKind,
    TravelMatrix,
    Vehicle,
    solve_routes,
)
from solvers.routing.instances import (  # noqa: E402
    Rounding,
    VrpInstance,
    check_routes,
    fleet_size,
    read_instance,
    route_cost,
    scaled_matrices,
    solve_instance,
)
from solvers.travel import HaversineProvider, VehicleProfile  # noqa: E402

SETS = {
    "solomon": [
        "solomon/C101.txt",
        "solomon/C201.txt",
        "solomon/R101.txt",
        "solomon/R201.txt",
        "solomon/RC101.txt",
        "solomon/RC201.txt",
    ],
    "gh": ["gh/C1_2_1.txt", "gh/R1_2_1.txt", "gh/R1_4_1.txt", "gh/C1_10_1.vrp", "gh/R1_10_1.vrp"],
    "cvrp": ["cvrp/X-n101-k25.vrp", "cvrp/X-n200-k36.vrp", "cvrp/X-n502-k39.vrp"],
}


def bks_for(data: Path, rel: str) -> tuple[float | None, str]:
    """(best-known cost, convention) for an instance file."""
    path = data / rel
    sol = path.with_suffix(".sol")
    if sol.exists():
        conv = "round" if rel.startswith("cvrp/") else "dimacs"
        return float(vrplib.read_solution(str(sol))["cost"]), conv
    bks = json.loads((data / "bks" / "vroom-scripts_VRPTW_BKS.json").read_text())
    entry = bks.get(path.stem.lower()) or bks.get(path.stem)
    if entry:
        return float(entry["best_known_cost"]), "hierarchical_double"
    return None, "-"


def run_pyvrp(
    inst: VrpInstance, rounding: Rounding, time_limit: float, seed: int
) -> tuple[float, int, bool, float]:
    """PyVRP on the same scaled integer data; returns (cost, vehicles, feasible, wall)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    cost, tim = scaled_matrices(inst, rounding)
    scale = {Rounding.DIMACS: 10, Rounding.EXACT: 1000, Rounding.ROUND: 1}[rounding]
    m = pyvrp.Model()
    coords = inst.coords or [(0.0, 0.0)] * len(inst.demand)
    locs = [m.add_location(x=x, y=y) for x, y in coords]
    big = 2**40
    if inst.windows is not None:
        tw = [(math.ceil(a * scale), math.floor(b * scale)) for a, b in inst.windows]
    else:
        tw = [(0, big)] * len(inst.demand)
    depot = m.add_depot(locs[0], tw_early=tw[0][0], tw_late=tw[0][1])
    m.add_vehicle_type(
        num_available=fleet_size(inst),
        capacity=inst.capacity,
        start_depot=depot,
        end_depot=depot,
        tw_early=tw[0][0],
        tw_late=tw[0][1],
    )
    for i in range(1, len(inst.demand)):
        m.add_client(
            locs[i],
            delivery=inst.demand[i],
            service_duration=round(inst.service[i] * scale),
            tw_early=tw[i][0],
            tw_late=tw[i][1],
        )
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            m.add_edge(a, b, distance=cost[i][j], duration=tim[i][j])
    t0 = time.monotonic()
    res = m.solve(stop=MaxRuntime(time_limit), seed=seed, display=False)
    wall = time.monotonic() - t0
    # client activities carry 0-based client indices; customer ids start at 1
    routes = [[a.idx + 1 for a in r if a.is_client()] for r in res.best.routes()]
    feasible = res.is_feasible() and not check_routes(inst, routes, rounding)
    return route_cost(inst, routes, rounding), len(routes), feasible, wall


def gap(cost: float, bks: float | None) -> float | None:
    return None if bks is None or not bks else 100.0 * (cost - bks) / bks


def fmt_gap(g: float | None) -> str:
    return "-" if g is None else f"{g:6.2f}%"


def standard(args: argparse.Namespace) -> list[dict[str, Any]]:
    data = Path(args.data)
    rows: list[dict[str, Any]] = []
    use_pyvrp = not args.no_pyvrp
    if use_pyvrp:
        try:
            import pyvrp  # noqa: F401
        except ImportError:
            use_pyvrp = False
    print(
        f"{'instance':<12} {'n':>5} {'conv':<8} {'BKS':>10} | {'ours':>10} {'veh':>4} "
        f"{'gap':>8} {'ok':>3} {'s':>5}" + (" | pyvrp       veh      gap  ok" if use_pyvrp else "")
    )
    for set_name in args.sets.split(","):
        for rel in SETS[set_name]:
            if args.only and Path(rel).stem not in args.only:
                continue
            inst = read_instance(data / rel)
            bks, conv = bks_for(data, rel)
            rounding = Rounding.ROUND if conv == "round" else Rounding.DIMACS
            if conv == "hierarchical_double":
                rounding = Rounding.EXACT
            limit = args.large_time_limit if inst.n_customers >= 1000 else args.time_limit
            params = RoutingParams(
                time_limit_s=limit,
                seed=args.seed,
                max_stops_per_model=max(10, inst.n_customers),
                allow_drops=False,
            )
            sol = solve_instance(inst, rounding, params)
            row: dict[str, Any] = {
                "instance": inst.name,
                "set": set_name,
                "n": inst.n_customers,
                "convention": conv,
                "bks": bks,
                "time_limit": limit,
                "cost": sol.cost,
                "vehicles": sol.vehicles,
                "feasible": sol.feasible,
                "gap": gap(sol.cost, bks) if sol.feasible else None,
                "wall_s": sol.wall_s,
            }
            line = (
                f"{inst.name:<12} {inst.n_customers:>5} {conv[:8]:<8} {bks or 0:>10.1f} | "
                f"{sol.cost:>10.1f} {sol.vehicles:>4} {fmt_gap(row['gap']):>8} "
                f"{'y' if sol.feasible else 'N':>3} {sol.wall_s:>5.1f}"
            )
            if use_pyvrp:
                pc, pv, pf, pw = run_pyvrp(inst, rounding, limit, args.seed)
                row.update(
                    pyvrp_cost=pc,
                    pyvrp_vehicles=pv,
                    pyvrp_feasible=pf,
                    pyvrp_gap=gap(pc, bks) if pf else None,
                    pyvrp_wall_s=pw,
                )
                line += (
                    f" | {pc:>10.1f} {pv:>4} {fmt_gap(row['pyvrp_gap']):>8} {'y' if pf else 'N':>3}"
                )
            print(line, flush=True)
            rows.append(row)
    for set_name in args.sets.split(","):
        sel = [r for r in rows if r["set"] == set_name and r["gap"] is not None]
        if not sel:
            continue
        msg = f"mean gap {set_name}: ours {statistics.mean(r['gap'] for r in sel):.2f}%"
        psel = [r for r in sel if r.get("pyvrp_gap") is not None]
        if psel:
            msg += f", pyvrp {statistics.mean(r['pyvrp_gap'] for r in psel):.2f}%"
        print(msg)
    return rows


# ------------------------------------------------------------------ synthetic hot meals


def synthetic_problem(homes: int, seed: int, trips: int = 1) -> RoutingProblem:
    """A 30 x 30 km city, one central kitchen, ``homes`` one-box home deliveries.

    Lunch window 10:30-12:30, 2 min service, vans of 40 boxes at 30 km/h with circuity 1.3,
    60 min from departure to each delivery (hold limit, loading 0), fixed cost 100 km per
    van, fleet of homes / 8 vehicle-trips.
    """
    rng = random.Random(seed)
    lat0, lon0 = 31.23, 121.47
    dlat = 15.0 / 111.195
    dlon = 15.0 / (111.195 * math.cos(math.radians(lat0)))
    pts = [(lat0, lon0)] + [
        (lat0 + rng.uniform(-dlat, dlat), lon0 + rng.uniform(-dlon, dlon)) for _ in range(homes)
    ]
    prov = HaversineProvider(profiles={"van": VehicleProfile(circuity=1.3, speed_kmh=30)})
    metres, minutes = prov.matrices(pts, "van")
    stops = tuple(
        Stop(
            f"h{i}",
            i,
            1,
            window=(630, 750),
            service_minutes=2,
            kind=StopKind.HOME,
            hold_limit=60,
            lat=pts[i][0],
            lon=pts[i][1],
        )
        for i in range(1, homes + 1)
    )
    vans = tuple(
        Vehicle(
            f"van{k}",
            "van",
            "K",
            hot_capacity=40,
            shift=(570, 840),
            fixed_cost=100_000,
            max_trips=trips,
            reload_minutes=15,
        )
        for k in range(max(1, homes // 8 // trips))
    )
    return RoutingProblem(
        (Kitchen("K", 0, lat=lat0, lon=lon0),), stops, vans, {"van": TravelMatrix(metres, minutes)}
    )


def hold_ok(p: RoutingProblem, r: RoutingResult) -> bool:
    """Independent hold-limit / window check from the matrices and reported times."""
    stops = {s.id: s for s in p.stops}
    mat = p.matrices["van"].minutes
    for route in r.routes:
        for trip in route.trips:
            t, loc, svc = trip.depart, 0, 0
            for v in trip.visits:
                s = stops[v.stop_id]
                t = max(t + svc + mat[loc][s.location], s.window[0])
                if v.arrival < t or not s.window[0] <= v.arrival <= s.window[1]:
                    return False
                assert s.hold_limit is not None
                if v.arrival - trip.ready_at > s.hold_limit or v.ride_minutes != (
                    v.arrival - trip.ready_at
                ):
                    return False
                t, loc, svc = v.arrival, s.location, s.service_minutes
    return True


def synthetic(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    for trips in (1, 2):
        p = synthetic_problem(args.synthetic, args.seed, trips)
        for max_stops in (800, 400):
            params = RoutingParams(
                time_limit_s=args.synthetic_time_limit,
                seed=args.seed,
                max_stops_per_model=max_stops,
            )
            r = solve_routes(p, params)
            o = r.objective
            row = {
                "homes": args.synthetic,
                "max_trips": trips,
                "max_stops": max_stops,
                "status": r.status.value,
                "models": r.models,
                "vehicles": o.vehicles_used,
                "trips": sum(len(x.trips) for x in r.routes),
                "km": round(o.distance_m / 1000, 1),
                "dropped": o.dropped_meals,
                "unserved_reasons": sorted({u.reason.value for u in r.unserved}),
                "hold_ok": hold_ok(p, r),
                "wall_s": round(r.wall_s, 1),
            }
            print(
                f"synthetic {args.synthetic} homes, max_trips={trips}, "
                f"max_stops_per_model={max_stops}: {o.vehicles_used} vans, {row['trips']} "
                f"trips, {row['km']} km, {o.dropped_meals} undelivered "
                f"{row['unserved_reasons']}, hold limit ok: {row['hold_ok']}, "
                f"{r.models} model(s), {r.wall_s:.1f} s",
                flush=True,
            )
            rows.append(row)
    return rows


# ------------------------------------------------------------------ meal delivery (hold limits)


def demo_problems(preset: str, seed: int = 1) -> list[tuple[str, RoutingProblem]]:
    """The demo preset's lunch problems, one per kitchen (built in a temporary instance)."""
    import datetime as dt
    import os
    import tempfile

    tmp = tempfile.mkdtemp(prefix=f"routing_bench_{preset}_")
    os.environ["MEALPLAN_INSTANCE_PATH"] = tmp
    from mealplan.config import load_settings
    from mealplan.db import migrate
    from mealplan.db.session import unit_of_work
    from mealplan.demo import load_demo
    from mealplan.planning.demand import day_demand
    from mealplan.planning.routes import build_kitchen_problems

    day = dt.date(2026, 11, 25)
    settings = load_settings()
    migrate.upgrade(settings)
    with unit_of_work(settings) as ses:
        load_demo(ses, preset, date=day, seed=seed)
    with unit_of_work(settings) as ses:
        kps = build_kitchen_problems(ses, day_demand(ses, day, "lunch"), settings)
        return [(f"{preset}/{kp.kitchen.code}", kp.problem) for kp in kps]


def plan_ok(p: RoutingProblem, r: RoutingResult) -> bool:
    """Independent check: loads, shifts, chaining, windows, travel, hold limits, meals."""
    stops = {s.id: s for s in p.stops}
    vehicles = {v.id: v for v in p.vehicles}
    delivered: dict[str, int] = {}
    for route in r.routes:
        v = vehicles[route.vehicle_id]
        mat = p.matrices[v.kind].minutes
        prev_return: int | None = None
        for trip in route.trips:
            if trip.hot > v.hot_capacity or trip.cold > v.cold_capacity:
                return False
            if not (v.shift[0] <= trip.depart and trip.return_at <= v.shift[1]):
                return False
            if prev_return is not None and trip.depart < prev_return + v.reload_minutes:
                return False
            prev_return = trip.return_at
            t, loc, svc = trip.depart, p.kitchen(trip.kitchen).location, 0
            for visit in trip.visits:
                s = stops[visit.stop_id]
                t = max(t + svc + mat[loc][s.location], s.window[0])
                if visit.arrival < t or not s.window[0] <= visit.arrival <= s.window[1]:
                    return False
                if s.hold_limit is not None and visit.arrival - trip.ready_at > s.hold_limit:
                    return False
                t, loc, svc = visit.arrival, s.location, s.service_minutes
                delivered[s.id] = delivered.get(s.id, 0) + visit.hot + visit.cold
            if trip.return_at < t + svc + mat[loc][p.kitchen(trip.end_kitchen).location]:
                return False
    for u in r.unserved:
        delivered[u.stop_id] = delivered.get(u.stop_id, 0) + u.hot + u.cold
    return all(delivered.get(s.id, 0) == s.hot + s.cold for s in p.stops)


def pyvrp_meal(p: RoutingProblem, time_limit: float, seed: int) -> dict[str, Any]:
    """PyVRP on a one-kitchen meal problem WITHOUT the hold limit (it cannot express a
    per-stop ride limit): windows, service, capacities, shifts, profiles per vehicle kind,
    a second trip as one reload at the kitchen (reload minutes as the depot's service
    time), every stop optional with a large prize. Each of its trips is then re-timed at
    its most favourable departure (latest the windows allow, ignoring the previous trip)
    and the stops whose ride still exceeds the hold limit are counted."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    from solvers.routing.prechecks import split_stops

    chunks, _ = split_stops(p)
    m = pyvrp.Model()
    kinds = sorted(p.matrices)
    profiles = {k: m.add_profile(name=k) for k in kinds}
    kitchen = p.kitchens[0]
    locs = [m.add_location(x=0, y=0) for _ in range(len(chunks) + 1)]
    loc_index = [kitchen.location] + [c.stop.location for c in chunks]
    v0 = p.vehicles[0]
    depot = m.add_depot(locs[0], service_duration=v0.reload_minutes)
    for c, loc in zip(chunks, locs[1:], strict=True):
        m.add_client(
            loc,
            delivery=[c.hot],
            service_duration=c.stop.service_minutes,
            tw_early=c.stop.window[0],
            tw_late=c.stop.window[1],
            prize=10**7,
            required=False,
        )
    groups: dict[tuple[str, int, tuple[int, int], int, int], int] = {}
    for v in p.vehicles:
        key = (v.kind, v.hot_capacity, v.shift, v.max_trips, v.fixed_cost)
        groups[key] = groups.get(key, 0) + 1
    for (kind, cap, shift, trips, fixed), count in sorted(groups.items()):
        m.add_vehicle_type(
            num_available=count,
            capacity=[cap],
            start_depot=depot,
            end_depot=depot,
            fixed_cost=fixed,
            tw_early=shift[0],
            tw_late=shift[1],
            profile=profiles[kind],
            reload_depots=[depot],
            max_reloads=trips - 1,
            name=kind,
        )
    for k in kinds:
        mat = p.matrices[k]
        for i, a in enumerate(locs):
            for j, b in enumerate(locs):
                if i != j:
                    m.add_edge(
                        a,
                        b,
                        distance=mat.metres[loc_index[i]][loc_index[j]],
                        duration=mat.minutes[loc_index[i]][loc_index[j]],
                        profile=profiles[k],
                    )
    t0 = time.perf_counter()
    res = m.solve(stop=MaxRuntime(time_limit), seed=seed, display=False)
    wall = time.perf_counter() - t0
    sol = res.best
    broken = visits = 0
    for route in sol.routes():
        kind = m.vehicle_types[route.vehicle_type()].name
        mins = p.matrices[kind].minutes
        trips: dict[int, list[int]] = {}
        for act in route.schedule():
            if act.is_client():
                trips.setdefault(act.trip, []).append(act.idx)
        for seq in trips.values():
            cs = [chunks[i] for i in seq]
            ls = [c.stop.location for c in cs]
            latest = [0] * len(cs)
            for i in range(len(cs) - 1, -1, -1):
                latest[i] = (
                    cs[i].stop.window[1]
                    if i == len(cs) - 1
                    else min(
                        cs[i].stop.window[1],
                        latest[i + 1] - cs[i].stop.service_minutes - mins[ls[i]][ls[i + 1]],
                    )
                )
            depart = latest[0] - mins[kitchen.location][ls[0]]
            t, loc, svc = depart, kitchen.location, 0
            for c, cl in zip(cs, ls, strict=True):
                t = max(t + svc + mins[loc][cl], c.stop.window[0])
                visits += 1
                if (
                    c.stop.hold_limit is not None
                    and t - depart + v0.loading_minutes > c.stop.hold_limit
                ):
                    broken += 1
                loc, svc = cl, c.stop.service_minutes
    return {
        "pyvrp_feasible": sol.is_feasible(),
        "pyvrp_served": visits,
        "pyvrp_vehicles": sol.num_routes(),
        "pyvrp_km": round(sol.distance() / 1000, 1),
        "pyvrp_hold_broken": broken,
        "pyvrp_wall_s": round(wall, 1),
    }


def meal(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Our solver (and PyVRP without hold limits) on meal problems with hold limits."""
    from solvers.routing.io import load_problem

    cases: list[tuple[str, RoutingProblem]] = [
        (Path(f).stem, load_problem(f)) for f in args.meal_files
    ]
    for preset in args.meal_presets:
        cases += demo_problems(preset)
    rows = []
    for name, p in cases:
        params = RoutingParams(time_limit_s=args.meal_time_limit, seed=args.seed)
        r = solve_routes(p, params)
        o = r.objective
        row: dict[str, Any] = {
            "case": name,
            "stops": len(p.stops),
            "meals": sum(s.hot + s.cold for s in p.stops),
            "fleet": len(p.vehicles),
            "vehicles": o.vehicles_used,
            "trips": sum(len(x.trips) for x in r.routes),
            "km": round(o.distance_m / 1000, 1),
            "undelivered": o.dropped_meals,
            "stops_unserved": len(r.unserved),
            "first_plan_s": round(r.first_plan_s or 0.0, 2),
            "wall_s": round(r.wall_s, 1),
            "ok": plan_ok(p, r),
        }
        line = (
            f"{name:<14} {row['stops']:>4} stops {row['meals']:>5} meals | ours: "
            f"{o.vehicles_used}/{len(p.vehicles)} veh {row['trips']} trips {row['km']} km "
            f"{o.dropped_meals} undelivered, first plan {row['first_plan_s']} s, "
            f"{row['wall_s']} s, check {'ok' if row['ok'] else 'FAILED'}"
        )
        if not args.no_pyvrp and len(p.kitchens) == 1:
            row.update(pyvrp_meal(p, args.meal_time_limit, args.seed))
            line += (
                f" | PyVRP (no hold limit): {row['pyvrp_served']} served, "
                f"{row['pyvrp_vehicles']} veh, {row['pyvrp_km']} km, "
                f"{row['pyvrp_hold_broken']} break the hold limit"
            )
        print(line, flush=True)
        rows.append(row)
    return rows


def routing_only(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The planner's routing as ``mealplan plan`` runs it, without the database writes:
    per preset and demo seed, every kitchen with the [planning] budgets (iterations,
    seeds per kitchen, what-if runs) in the configured worker processes."""
    from mealplan.config import load_settings, resolve_workers
    from mealplan.planning.route_workers import solve_kitchens
    from mealplan.planning.routes import _with_what_if, routing_params

    rows = []
    for preset in args.meal_presets:
        for demo_seed in args.demo_seeds:
            cases = demo_problems(preset, demo_seed)
            planning = load_settings().planning
            params = routing_params(planning, planning.seed)
            limit = planning.routing_time_limit_s
            t0 = time.perf_counter()
            problems = [p for _, p in cases]
            results = solve_kitchens(
                problems,
                params,
                limit,
                resolve_workers(planning.workers),
                seeds=planning.routing_seeds,
            )
            routed = time.perf_counter() - t0
            results = [
                _with_what_if(p, r, params, limit, planning.routing_what_if_runs)
                for p, r in zip(problems, results, strict=True)
            ]
            wall = time.perf_counter() - t0
            trips = [t for r in results for vr in r.routes for t in vr.trips]
            row: dict[str, Any] = {
                "preset": preset,
                "demo_seed": demo_seed,
                "kitchens": len(cases),
                "meals": sum(s.hot + s.cold for p in problems for s in p.stops),
                "unserved": sum(r.objective.dropped_meals for r in results),
                "vehicles": sum(r.objective.vehicles_used for r in results),
                "fleet": sum(len(p.vehicles) for p in problems),
                "trips": len(trips),
                "one_meal_trips": sum(1 for t in trips if t.hot + t.cold == 1),
                "km": round(sum(r.objective.distance_m for r in results) / 1000, 1),
                "bound_trips": sum(r.bound.trips_needed for r in results if r.bound),
                "fleet_short": any(r.bound.short for r in results if r.bound),
                "what_if": [r.what_if.describe() for r in results if r.what_if],
                "routing_s": round(routed, 1),
                "wall_s": round(wall, 1),
                "ok": all(plan_ok(p, r) for p, r in zip(problems, results, strict=True)),
            }
            print(
                f"{preset} seed {demo_seed}: {row['meals']} meals, {row['unserved']} unserved, "
                f"{row['vehicles']}/{row['fleet']} vehicles, {row['trips']} trips "
                f"({row['one_meal_trips']} with one meal), {row['km']} km, bound >= "
                f"{row['bound_trips']} trips{' (fleet proven short)' if row['fleet_short'] else ''}"
                f", {row['routing_s']} s routing, {row['wall_s']} s wall, check "
                f"{'ok' if row['ok'] else 'FAILED'}" + "".join(f"; {w}" for w in row["what_if"]),
                flush=True,
            )
            rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("data", nargs="?", default=str(REPO / ".." / "shared" / "data" / "vrp"))
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument(
        "--large-time-limit", type=float, default=60.0, help="for instances with >= 1000 customers"
    )
    ap.add_argument("--sets", default="solomon,gh,cvrp")
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-pyvrp", action="store_true")
    ap.add_argument("--synthetic", type=int, default=1000, help="homes (0: skip)")
    ap.add_argument("--synthetic-time-limit", type=float, default=60.0)
    ap.add_argument("--synthetic-only", action="store_true")
    ap.add_argument(
        "--meal-files",
        nargs="*",
        default=[
            str(REPO / "tests" / "data" / "vrp" / "district_lunch.json"),
            str(REPO / "tests" / "data" / "vrp" / "district_lunch_tight.json"),
        ],
        help="saved meal problems (solvers.routing.io JSON)",
    )
    ap.add_argument(
        "--meal-presets",
        nargs="*",
        default=["district", "city"],
        help="demo presets to build and route per kitchen",
    )
    ap.add_argument("--meal-time-limit", type=float, default=30.0)
    ap.add_argument("--meal-only", action="store_true")
    ap.add_argument("--json", help="write all rows to this file")
    ap.add_argument(
        "--routing-only",
        action="store_true",
        help="the planner's routing per demo preset and seed at the [planning] budgets",
    )
    ap.add_argument("--demo-seeds", nargs="*", type=int, default=[1], help="with --routing-only")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    out: dict[str, Any] = {}
    if args.routing_only:
        out["routing"] = routing_only(args)
    elif args.meal_only:
        out["meal"] = meal(args)
    else:
        if not args.synthetic_only:
            out["standard"] = standard(args)
        if args.synthetic:
            out["synthetic"] = synthetic(args)
        if args.meal_files or args.meal_presets:
            out["meal"] = meal(args)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
