"""The fleet lower bound (valid, and a proof when the fleet is short) and the what-if."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from solvers.routing import (
    Kitchen,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Stop,
    TravelMatrix,
    Vehicle,
    fleet_bound,
    one_meal_trips,
    solve_routes,
    what_if,
)
from solvers.routing.bounds import candidates, vehicles_for

# deterministic: solution and iteration limits; the time limit is only a safety net
PARAMS = RoutingParams(time_limit_s=120, solution_limit=5, own_search_iterations=100)


def _line(n: int, trikes: int, capacity: int = 6, trips: int = 1, gap: int = 4) -> RoutingProblem:
    """n homes on a line ``gap`` minutes apart from the kitchen, one box each, 60-minute
    hold limits, windows 11:00-12:00; ``trikes`` tricycles (1 km a minute)."""
    pos = [0] + [gap * (i + 1) for i in range(n)]
    mins = tuple(tuple(abs(a - b) for b in pos) for a in pos)
    metres = tuple(tuple(1000 * m for m in row) for row in mins)
    stops = tuple(
        Stop(f"H{i}", i + 1, 1, window=(660, 720), service_minutes=2, hold_limit=60)
        for i in range(n)
    )
    fleet = tuple(
        Vehicle(
            f"T{k}",
            "trike",
            "K",
            hot_capacity=capacity,
            shift=(600, 800),
            fixed_cost=50_000,
            max_trips=trips,
        )
        for k in range(trikes)
    )
    return RoutingProblem((Kitchen("K", 0),), stops, fleet, {"trike": TravelMatrix(metres, mins)})


def _check(p: RoutingProblem, r: object) -> None:
    """An independent check: loads, windows, hold limits and every meal accounted for."""
    from solvers.routing import RoutingResult

    assert isinstance(r, RoutingResult)
    stops = {s.id: s for s in p.stops}
    vehicles = {v.id: v for v in p.vehicles}
    seen: dict[str, int] = {}
    for route in r.routes:
        v = vehicles[route.vehicle_id]
        for trip in route.trips:
            assert trip.hot <= v.hot_capacity
            for visit in trip.visits:
                s = stops[visit.stop_id]
                assert s.window[0] <= visit.arrival <= s.window[1]
                assert s.hold_limit is None or visit.arrival - trip.ready_at <= s.hold_limit
                seen[s.id] = seen.get(s.id, 0) + visit.hot
    for u in r.unserved:
        seen[u.stop_id] = seen.get(u.stop_id, 0) + u.hot
    assert seen == {s.id: s.hot for s in p.stops}


def test_bound_is_below_what_a_plan_uses() -> None:
    """fleet_bound: on a problem the solver serves completely, the bound's trips are at
    most the plan's trips and it proves nothing (no false proof)."""
    p = _line(12, 4)
    r = solve_routes(p, PARAMS)
    _check(p, r)
    assert r.objective.dropped_meals == 0
    assert r.bound is not None and not r.bound.short
    assert r.bound.trips_needed <= sum(len(vr.trips) for vr in r.routes)
    assert r.bound == fleet_bound(p)


def test_bound_proves_a_short_fleet_by_capacity() -> None:
    """fleet_bound: 20 boxes and one 6-box tricycle of one trip: at least 4 trips of 1."""
    b = fleet_bound(_line(20, 1))
    assert b.short and b.trips_needed >= 4 and b.trips_available == 1


def test_bound_proves_a_short_fleet_by_hold_limit_reach() -> None:
    """fleet_bound: 10 homes 20 minutes apart, big tricycles: each trip reaches at most
    3 homes within the 60-minute hold limit (10 min loading), so 2 trips cannot."""
    p = _line(10, 2, capacity=40, gap=20)
    b = fleet_bound(p)
    assert b.short and b.binding == "hold limit 60 min" and b.trips_needed >= 4
    r = solve_routes(p, PARAMS)
    _check(p, r)
    assert r.objective.dropped_meals > 0  # the solver agrees: the proof is not vacuous


def test_what_if_finds_the_change_that_serves_everyone() -> None:
    """what_if: 16 boxes, two 6-box tricycles of one trip: the smallest change found (one
    more trip each) serves every meal, checked by solving the changed problem again."""
    p = _line(16, 2, gap=2)
    r = solve_routes(p, PARAMS)
    assert r.objective.dropped_meals > 0
    found = what_if(p, PARAMS, r, solve_routes, max_runs=3)
    assert found is not None and found.found and found.unserved_meals == 0
    assert found.change == "extra_trip" and found.runs == 1
    assert "every meal delivered" in found.describe()
    assert found.as_json()["found"] is True


def test_what_if_adds_vehicles_when_trips_are_fixed() -> None:
    """what_if: with the extra trip already proven useless by the bound (one trip of 16
    boxes), it adds tricycles at the kitchen, as many as the unserved meals fill."""
    p = _line(16, 1, capacity=6, trips=1, gap=2)
    r = solve_routes(p, PARAMS)
    found = what_if(p, PARAMS, r, solve_routes, max_runs=3)
    assert found is not None and found.found
    assert found.change == "add_vehicles" and found.kitchen == "K" and found.count >= 1


def test_what_if_is_none_when_everyone_is_served() -> None:
    """what_if: nothing to fix when every meal is delivered (no solver run)."""
    p = _line(4, 2)
    r = solve_routes(p, PARAMS)
    assert what_if(p, PARAMS, r, solve_routes) is None


def test_same_inputs_same_routes() -> None:
    """solve_routes with iteration and solution limits: two runs give identical routes."""
    p = _line(14, 3, trips=2, gap=3)
    a, b = solve_routes(p, PARAMS), solve_routes(p, PARAMS)
    assert a.routes == b.routes and a.unserved == b.unserved


def test_one_meal_trip_says_why() -> None:
    """one_meal_trips: a home 60 minutes out that no trip with the near home can reach
    within the 60-minute hold limit rides alone, and the reason says no other trip can
    take it; the near home's trip is not listed when it carries more than one meal."""
    pos = [0, 4, 60]
    mins = tuple(tuple(abs(a - b) for b in pos) for a in pos)
    metres = tuple(tuple(1000 * m for m in row) for row in mins)
    stops = (
        Stop("NEAR", 1, 2, window=(660, 665), service_minutes=2, hold_limit=60),
        Stop("FAR", 2, 1, window=(700, 720), service_minutes=2, hold_limit=60),
    )
    fleet = tuple(
        Vehicle(f"T{k}", "trike", "K", hot_capacity=6, shift=(600, 800), fixed_cost=50_000)
        for k in range(2)
    )
    p = RoutingProblem((Kitchen("K", 0),), stops, fleet, {"trike": TravelMatrix(metres, mins)})
    r = solve_routes(p, PARAMS)
    _check(p, r)
    assert r.objective.dropped_meals == 0
    (lone,) = one_meal_trips(p, r)
    assert lone["stop"] == "FAR" and lone["reason"] == "no_other_trip"


def _two_homes(first: tuple[int, int], second: tuple[int, int], trips: int) -> RoutingProblem:
    """Two homes 10 minutes from the kitchen and 1 minute apart, hold limit 30, no loading,
    one tricycle of 10 boxes with ``trips`` trips; windows ``first`` and ``second``."""
    mins = ((0, 10, 10), (10, 0, 1), (10, 1, 0))
    metres = tuple(tuple(1000 * m for m in row) for row in mins)
    stops = (
        Stop("A", 1, 1, window=first, hold_limit=30),
        Stop("B", 2, 1, window=second, hold_limit=30),
    )
    fleet = (Vehicle("T", "trike", "K", hot_capacity=10, shift=(500, 900), max_trips=trips),)
    return RoutingProblem((Kitchen("K", 0),), stops, fleet, {"trike": TravelMatrix(metres, mins)})


def test_bound_counts_trips_the_windows_force() -> None:
    """fleet_bound: A (10:00-10:10) and B (11:40-11:50) cannot share a 30-minute hold, so 2
    trips (ready in [9:30, 9:50] and [11:10, 11:30], disjoint), proven short with one trip."""
    one = fleet_bound(_two_homes((600, 610), (700, 710), trips=1))
    assert one.trips_needed == 2 and one.short
    assert fleet_bound(_two_homes((600, 610), (700, 710), trips=2)).trips_needed == 2
    # windows 10:00-10:10 and 10:20-10:30: ready 9:50 reaches A at 10:00 and B by 10:20
    assert fleet_bound(_two_homes((600, 610), (620, 630), trips=1)).trips_needed == 1


def test_bound_counts_the_return_leg() -> None:
    """fleet_bound: one stop 10 min out with 2 min of service and 10 min back needs 22
    vehicle-minutes (10 + 2 + 10), not 12."""
    mins = ((0, 10), (10, 0))
    p = RoutingProblem(
        (Kitchen("K", 0),),
        (Stop("A", 1, 1, service_minutes=2),),
        (Vehicle("T", "trike", "K", hot_capacity=5, shift=(600, 700)),),
        {"trike": TravelMatrix(tuple(tuple(1000 * m for m in r) for r in mins), mins)},
    )
    b = fleet_bound(p)
    assert (b.trips_needed, b.minutes_needed) == (1, 22)
    short = replace(p, vehicles=(replace(p.vehicles[0], shift=(600, 621)),))
    assert fleet_bound(short).short  # 21 minutes of shift < 22 of work


def _tiny(seed: int) -> RoutingProblem:
    """A random tiny instance: 3-4 stops on a 12 x 12 grid (Manhattan minutes), windows,
    hold limits, service, 1-2 vehicles with 1-2 trips, loading and reload minutes."""
    rng = random.Random(seed)
    n = rng.randint(3, 4)
    pts = [(6, 6)] + [(rng.randint(0, 12), rng.randint(0, 12)) for _ in range(n)]
    mins = tuple(tuple(abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in pts) for a in pts)
    metres = tuple(tuple(1000 * m for m in row) for row in mins)
    stops = []
    for i in range(n):
        start = rng.randint(600, 660)
        stops.append(
            Stop(
                f"S{i}",
                i + 1,
                rng.randint(1, 2),
                window=(start, start + rng.choice((5, 15, 40))),
                service_minutes=rng.randint(0, 3),
                hold_limit=rng.choice((None, 15, 25, 40)),
            )
        )
    fleet = tuple(
        Vehicle(
            f"V{k}",
            "trike",
            "K",
            hot_capacity=rng.randint(2, 5),
            shift=(560, rng.choice((680, 720))),
            max_trips=rng.randint(1, 2),
            loading_minutes=rng.randint(0, 4),
            reload_minutes=rng.randint(0, 8),
        )
        for k in range(rng.randint(1, 2))
    )
    return RoutingProblem(
        (Kitchen("K", 0),), tuple(stops), fleet, {"trike": TravelMatrix(metres, mins)}
    )


def _trip_return(p: RoutingProblem, v: Vehicle, seq: tuple[Stop, ...], earliest: int) -> int | None:
    """The earliest return of a trip visiting ``seq`` in order, leaving at or after
    ``earliest`` (ready = departure - loading), or None if no departure works."""
    m = p.matrices[v.kind].minutes
    best = None
    for depart in range(max(earliest, v.shift[0]), v.shift[1] + 1):
        t, loc, svc, ok = depart, 0, 0, True
        for s in seq:
            t = max(t + svc + m[loc][s.location], s.window[0])
            hold_ok = s.hold_limit is None or t - (depart - v.loading_minutes) <= s.hold_limit
            if t > s.window[1] or not hold_ok:
                ok = False
                break
            loc, svc = s.location, s.service_minutes
        ret = t + svc + m[loc][0]
        if ok and ret <= v.shift[1] and (best is None or ret < best):
            best = ret
    return best


def _optimum(p: RoutingProblem) -> tuple[int, int] | None:
    """Brute force over every plan serving every stop: (fewest trips, least drive plus
    service minutes); None when no plan serves everyone."""
    slots = [(v, k) for v in p.vehicles for k in range(v.max_trips)]
    best_trips: int | None = None
    best_minutes: int | None = None
    for assign in itertools.product(range(len(slots)), repeat=len(p.stops)):
        groups: dict[int, list[Stop]] = {}
        for s, j in zip(p.stops, assign, strict=True):
            groups.setdefault(j, []).append(s)
        if any(sum(s.hot for s in g) > slots[j][0].hot_capacity for j, g in groups.items()):
            continue
        feasible, minutes = True, 0
        for v in p.vehicles:
            m = p.matrices[v.kind].minutes
            mine = [groups[j] for j in sorted(groups) if slots[j][0] is v]
            earliest = v.shift[0]
            for g in mine:  # trips in slot order; each in its best feasible order
                options = []
                for seq in itertools.permutations(g):
                    ret = _trip_return(p, v, seq, earliest)
                    if ret is not None:
                        path = [0, *(s.location for s in seq), 0]
                        work = sum(m[a][b] for a, b in itertools.pairwise(path))
                        options.append((ret, work + sum(s.service_minutes for s in seq)))
                if not options:
                    feasible = False
                    break
                ret, work = min(options)
                minutes += min(w for _, w in options)
                earliest = ret + v.reload_minutes
            if not feasible:
                break
        if feasible:
            trips = len(groups)
            best_trips = trips if best_trips is None else min(best_trips, trips)
            best_minutes = minutes if best_minutes is None else min(best_minutes, minutes)
    return None if best_trips is None or best_minutes is None else (best_trips, best_minutes)


def test_bound_never_exceeds_the_brute_force_optimum() -> None:
    """fleet_bound: on 80 random tiny instances solved exactly, the trips and minutes
    needed are at most the fewest trips and least drive-plus-service minutes of any plan
    serving everyone, and it never calls a fleet short that serves everyone."""
    solved = 0
    for seed in range(80):
        p = _tiny(seed)
        opt = _optimum(p)
        if opt is None:
            continue
        solved += 1
        b = fleet_bound(p)
        assert b.trips_needed <= opt[0], (seed, b, opt)
        assert b.minutes_needed <= opt[1], (seed, b, opt)
        assert not b.short, (seed, b)
    assert solved >= 20


def test_what_if_starts_from_the_plan_and_added_vehicles_are_free() -> None:
    """what_if: every candidate is solved from the plan's routes (``start``), and a
    vehicle it adds does not inherit its model's fixed ready times."""
    p = _line(16, 1, capacity=6, trips=1, gap=2)
    r = solve_routes(p, PARAMS)
    seen: list[tuple[RoutingProblem, object]] = []

    def solve(q: RoutingProblem, params: RoutingParams, start: object = None) -> RoutingResult:
        seen.append((q, start))
        return solve_routes(q, params, start=start)  # type: ignore[arg-type]

    found = what_if(p, PARAMS, r, solve, max_runs=3)
    assert found is not None and found.found
    assert seen and all(start == r.routes for _, start in seen)
    fixed = replace(p.vehicles[0], ready_times=(600,))
    q = next(c for w, c in candidates(replace(p, vehicles=(fixed, *p.vehicles[1:])), 16)
             if w.change == "add_vehicles")  # fmt: skip
    assert [v.ready_times for v in q.vehicles[len(p.vehicles) :]] == [()] * (
        len(q.vehicles) - len(p.vehicles)
    )


def test_what_if_sizes_added_vehicles_by_vehicle_time() -> None:
    """candidates: 10 one-box homes 4 minutes apart on a line (4..40 min out), 60-minute
    hold, 2 min service, 40-box tricycles of one trip. Boxes say 1 tricycle (10 <= 40);
    vehicle time says 2: work 10 x (4 + 2) = 60 min, one trip has 60 - 24 (median drive
    out) = 36 min, so 2 trips, 2 tricycles. The smallest vehicle candidate adds 2."""
    p = _line(10, trikes=1, capacity=40)
    ids = [s.id for s in p.stops]
    assert vehicles_for(p, p.vehicles[0], ids) == 2
    added = [w for w, _ in candidates(p, 10, ids) if w.change == "add_vehicles"]
    assert [w.count for w in added] == [2, 4]
    # without the stops (sized by boxes only), as before
    assert [w.count for w, _ in candidates(p, 10) if w.change == "add_vehicles"] == [1, 2]
