"""The fleet lower bound (valid, and a proof when the fleet is short) and the what-if."""

from __future__ import annotations

from solvers.routing import (
    Kitchen,
    RoutingParams,
    RoutingProblem,
    Stop,
    TravelMatrix,
    Vehicle,
    fleet_bound,
    one_meal_trips,
    solve_routes,
    what_if,
)

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
