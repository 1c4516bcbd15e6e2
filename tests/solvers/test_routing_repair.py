"""No stop is left undelivered while a feasible insertion for it exists (issue 12)."""

from __future__ import annotations

from pathlib import Path

from test_routing import check_plan

from solvers.routing import RoutingParams, RoutingProblem, RoutingResult, solve_routes
from solvers.routing.bounds import _fits
from solvers.routing.io import load_problem

DATA = Path(__file__).resolve().parents[1] / "data" / "vrp"
# deterministic: iterations, not the clock (the time limit is only a safety net)
SHORT = RoutingParams(
    time_limit_s=600, own_search_iterations=30, own_search_share=1.0, improve_with_ortools=False
)


def _new_trip_fits(p: RoutingProblem, r: RoutingResult, stop_id: str) -> str | None:
    """An independent check: a vehicle with a trip to spare (unused, or after its last
    trip and a reload) that can drive ``stop_id`` alone within window, hold limit and
    shift; its id, or None."""
    stop = next(s for s in p.stops if s.id == stop_id)
    used = {route.vehicle_id: route.trips for route in r.routes}
    for v in p.vehicles:
        trips = used.get(v.id, ())
        if len(trips) >= v.max_trips or (stop.vehicles and v.id not in stop.vehicles):
            continue
        if stop.hot > v.hot_capacity or stop.cold > v.cold_capacity:
            continue
        m = p.matrices[v.kind].minutes
        k = p.kitchen(v.start_kitchen).location
        end = p.kitchen(v.end_kitchen or v.start_kitchen).location
        earliest = trips[-1].return_at + v.reload_minutes if trips else v.shift[0]
        for depart in range(earliest, v.shift[1] + 1):
            arrive = max(depart + m[k][stop.location], stop.window[0])
            ready = depart - v.loading_minutes
            if (
                arrive <= stop.window[1]
                and (stop.hold_limit is None or arrive - ready <= stop.hold_limit)
                and arrive + stop.service_minutes + m[stop.location][end] <= v.shift[1]
            ):
                return v.id
    return None


def _insertable(p: RoutingProblem, r: RoutingResult, stop_id: str) -> str | None:
    """Where ``stop_id`` could still go in plan ``r`` (a trip that takes it with its
    departure kept, or a spare trip), or None."""
    stops = {s.id: s for s in p.stops}
    vehicles = {v.id: v for v in p.vehicles}
    for route in r.routes:
        for k in range(len(route.trips)):
            if _fits(stops, p, stop_id, route.trips, k, vehicles[route.vehicle_id]):
                return f"{route.vehicle_id} trip {k + 1}"
    return _new_trip_fits(p, r, stop_id)


def test_no_stop_dropped_while_an_insertion_exists() -> None:
    """solve_routes: on the tight demo district (22 vehicles, 30 search steps, seeded),
    every undelivered stop has no feasible place left in the plan (an existing trip with
    its departure kept, or a spare trip), by an independent check."""
    p = load_problem(DATA / "district_lunch_tight.json")
    r = solve_routes(p, SHORT)
    check_plan(p, r)
    assert r.unserved  # the tight fleet leaves some homes: the check has work
    where = {u.stop_id: _insertable(p, r, u.stop_id) for u in r.unserved}
    assert all(w is None for w in where.values()), where


def test_repair_is_deterministic() -> None:
    """solve_routes: the same seed and iterations give the same routes and the same
    undelivered stops (the repair phase uses no clock)."""
    p = load_problem(DATA / "district_lunch_tight.json")
    a, b = solve_routes(p, SHORT), solve_routes(p, SHORT)
    assert a.routes == b.routes and a.unserved == b.unserved
