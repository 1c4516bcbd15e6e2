"""Rules of the hot-meal routing model, one tiny hand-computed case each."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import pytest

from solvers.routing import (
    DropReason,
    Kitchen,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    SolveStatus,
    Stop,
    StopKind,
    TravelMatrix,
    Vehicle,
    solve_routes,
)
from solvers.routing.engine import map_status

# Deterministic: a solution limit; the time limit is only a safety net.
PARAMS = RoutingParams(time_limit_s=30, solution_limit=50)


def matrix(
    minutes: Sequence[Sequence[int]], metres: Sequence[Sequence[int]] | None = None
) -> TravelMatrix:
    """Travel matrix; metres default to 1 km per minute."""
    mt = metres if metres is not None else [[1000 * m for m in row] for row in minutes]
    return TravelMatrix(tuple(map(tuple, mt)), tuple(map(tuple, minutes)))


def van(vid: str = "v1", kitchen: str = "K", **kw: object) -> Vehicle:
    args: dict[str, object] = {"hot_capacity": 40, "shift": (600, 840)}
    args.update(kw)
    return Vehicle(vid, "van", kitchen, **args)  # type: ignore[arg-type]


def problem(
    stops: Sequence[Stop],
    vehicles: Sequence[Vehicle],
    minutes: Sequence[Sequence[int]],
    metres: Sequence[Sequence[int]] | None = None,
    kitchens: Sequence[Kitchen] = (Kitchen("K", 0),),
    **kw: object,
) -> RoutingProblem:
    return RoutingProblem(
        tuple(kitchens), tuple(stops), tuple(vehicles), {"van": matrix(minutes, metres)}, **kw
    )  # type: ignore[arg-type]


def check_plan(p: RoutingProblem, r: RoutingResult) -> None:
    """Independent check of a plan: loads, windows, travel times, hold limits, chaining."""
    stops = {s.id: s for s in p.stops}
    vehicles = {v.id: v for v in p.vehicles}
    delivered: dict[str, int] = {}
    for route in r.routes:
        v = vehicles[route.vehicle_id]
        mat = p.matrices[v.kind]
        prev_return = None
        for trip in route.trips:
            assert trip.hot <= v.hot_capacity and trip.cold <= v.cold_capacity
            assert v.shift[0] <= trip.depart and trip.return_at <= v.shift[1]
            if prev_return is not None:
                assert trip.depart >= prev_return + v.reload_minutes
            prev_return = trip.return_at
            t = trip.depart
            loc = p.kitchen(trip.kitchen).location
            service = 0
            for visit in trip.visits:
                s = stops[visit.stop_id]
                t = max(t + service + mat.minutes[loc][s.location], s.window[0])
                assert visit.arrival >= t  # cannot arrive earlier than driving allows
                t = visit.arrival
                assert s.window[0] <= t <= s.window[1]
                assert visit.ride_minutes == t - trip.ready_at
                if s.hold_limit is not None:
                    assert visit.ride_minutes <= s.hold_limit
                loc, service = s.location, s.service_minutes
                delivered[s.id] = delivered.get(s.id, 0) + visit.hot + visit.cold
            end = p.kitchen(trip.end_kitchen).location
            assert trip.return_at >= t + service + mat.minutes[loc][end]
    for u in r.unserved:
        delivered[u.stop_id] = delivered.get(u.stop_id, 0) + u.hot + u.cold
    for s in p.stops:
        assert delivered.get(s.id, 0) == s.hot + s.cold, s.id


# ------------------------------------------------------------------------ rules


def test_vehicle_capacity() -> None:
    """vehicle_capacity: 30 + 30 boxes > 40 a van, so two vans each carry one site."""
    # K=0, A=1, B=2; A and B are 2 min apart, so one van would take both if it could.
    mins = [[0, 10, 10], [10, 0, 2], [10, 2, 0]]
    p = problem([Stop("A", 1, 30), Stop("B", 2, 30)], [van("v1"), van("v2")], mins)
    r = solve_routes(p, PARAMS)
    check_plan(p, r)
    assert r.complete and r.objective.vehicles_used == 2
    assert all(t.hot == 30 for route in r.routes for t in route.trips)


def test_time_window_orders_stops() -> None:
    """time_window: A must start by 620 and B not before 640, so A comes first, B waits."""
    # K->A 10, K->B 10, A<->B 5. Depart >= 600: A at 610..620, B at max(A+5, 640) = 640.
    mins = [[0, 10, 10], [10, 0, 5], [10, 5, 0]]
    p = problem(
        [Stop("A", 1, 5, window=(600, 620)), Stop("B", 2, 5, window=(640, 660))], [van()], mins
    )
    r = solve_routes(p, PARAMS)
    check_plan(p, r)
    (trip,) = r.routes[0].trips
    assert [v.stop_id for v in trip.visits] == ["A", "B"]
    assert 610 <= trip.visits[0].arrival <= 620 and 640 <= trip.visits[1].arrival <= 660


def test_hold_limit_forces_stop_first() -> None:
    """hold_limit: A (limit 30, 30 min away) is feasible only if served first."""
    # minutes: K->A 30, K->B 10, A<->B 25. K,A,B: A at +30 (ok), B at +55 (<= 60 ok).
    # K,B,A: A at +35 > 30. Metres make K,B,A cheaper (1+1+1 km vs 30+25+10 km), so only
    # the hold limit keeps A first.
    mins = [[0, 30, 10], [30, 0, 25], [10, 25, 0]]
    metres = [[0, 30000, 1000], [1000, 0, 25000], [10000, 1000, 0]]
    p = problem(
        [Stop("A", 1, 5, hold_limit=30), Stop("B", 2, 5, hold_limit=60)], [van()], mins, metres
    )
    r = solve_routes(p, PARAMS)
    check_plan(p, r)
    assert r.complete
    (trip,) = r.routes[0].trips
    assert [v.stop_id for v in trip.visits] == ["A", "B"]
    assert [v.ride_minutes for v in trip.visits] == [30, 55]


def test_hold_limit_counts_loading_minutes() -> None:
    """hold_limit: ready = departure - loading, so 10 loading + 25 drive = 35 <= 35 only."""
    mins = [[0, 25], [25, 0]]
    ok = problem([Stop("A", 1, 5, hold_limit=35)], [van(loading_minutes=10)], mins)
    r = solve_routes(ok, PARAMS)
    check_plan(ok, r)
    assert r.complete and r.routes[0].trips[0].visits[0].ride_minutes == 35
    tight = problem([Stop("A", 1, 5, hold_limit=34)], [van(loading_minutes=10)], mins)
    r2 = solve_routes(tight, PARAMS)
    assert [u.reason for u in r2.unserved] == [DropReason.HOLD_LIMIT]


def test_ride_limit_exceeded_dropped_with_reason() -> None:
    """hold_limit: a home 70 min from the only kitchen with a 60 min limit is unserved."""
    mins = [[0, 10, 70], [10, 0, 65], [70, 65, 0]]
    p = problem(
        [Stop("near", 1, 1, hold_limit=60), Stop("far", 2, 1, hold_limit=60, name="八一社区")],
        [van()],
        mins,
    )
    r = solve_routes(p, PARAMS)
    check_plan(p, r)
    assert r.is_feasible()
    (u,) = r.unserved
    assert u.stop_id == "far" and u.reason is DropReason.HOLD_LIMIT and u.hot == 1
    assert "八一社区" in u.message and "70 min" in u.message
    assert r.objective.dropped_meals == 1


def test_fixed_ready_time_hold_limit() -> None:
    """hold_limit: food ready at 600, loading 10, 25 min drive -> arrives 635, ride 35."""
    mins = [[0, 25], [25, 0]]
    v = van(ready_times=(600,), loading_minutes=10)
    r = solve_routes(problem([Stop("A", 1, 5, hold_limit=35)], [v], mins), PARAMS)
    assert r.complete and r.routes[0].trips[0].visits[0].ride_minutes == 35
    assert r.routes[0].trips[0].ready_at == 600
    r2 = solve_routes(problem([Stop("A", 1, 5, hold_limit=30)], [v], mins), PARAMS)
    assert [u.reason for u in r2.unserved] == [DropReason.HOLD_LIMIT]


def test_window_unreachable_dropped_with_reason() -> None:
    """time_window: shift starts 600, 30 min drive, window closes 620 -> unreachable."""
    mins = [[0, 30], [30, 0]]
    p = problem([Stop("A", 1, 5, window=(600, 620))], [van()], mins)
    r = solve_routes(p, PARAMS)
    (u,) = r.unserved
    assert u.reason is DropReason.TIME_WINDOW and "10:30" in u.message  # 600 + 30 = 10:30
    assert r.routes == ()


def test_oversize_site_split_across_vehicles() -> None:
    """split delivery: 100 boxes, 40 a van -> 3 chunks (34 + 33 + 33) on 3 vans."""
    mins = [[0, 10], [10, 0]]
    p = problem(
        [Stop("canteen", 1, 100, kind=StopKind.CANTEEN)], [van(f"v{i}") for i in range(3)], mins
    )
    r = solve_routes(p, PARAMS)
    check_plan(p, r)
    assert r.complete and r.objective.vehicles_used == 3
    assert sorted(v.hot for _, _, v in r.visits("canteen")) == [33, 33, 34]


def test_oversize_site_too_large_without_split() -> None:
    """too_large: with splitting off, 100 boxes never fit a 40-box van."""
    mins = [[0, 10], [10, 0]]
    p = problem([Stop("canteen", 1, 100)], [van()], mins, split_oversize=False)
    r = solve_routes(p, PARAMS)
    assert [u.reason for u in r.unserved] == [DropReason.TOO_LARGE]


def test_cold_items_need_cold_compartment() -> None:
    """too_large: cold items cannot go on a fleet without a cold compartment."""
    p = problem([Stop("A", 1, 5, cold=2)], [van()], [[0, 10], [10, 0]])
    assert [u.reason for u in solve_routes(p, PARAMS).unserved] == [DropReason.TOO_LARGE]


def test_multi_trip_chaining() -> None:
    """multi-trip: 10-box van, 2 sites of 10: trip 2 departs >= trip 1 return + 15 reload."""
    # K->A = K->B = 10 min, service 5: trip 1 depart 600, serve 610-615, back 625;
    # trip 2 departs >= 625 + 15 = 640.
    mins = [[0, 10, 10], [10, 0, 3], [10, 3, 0]]
    p = problem(
        [Stop("A", 1, 10, service_minutes=5), Stop("B", 2, 10, service_minutes=5)],
        [van(hot_capacity=10, max_trips=2, reload_minutes=15)],
        mins,
    )
    r = solve_routes(p, PARAMS)
    check_plan(p, r)
    assert r.complete and r.objective.vehicles_used == 1
    t1, t2 = r.routes[0].trips
    assert (t1.index, t2.index) == (0, 1)
    assert t2.depart >= t1.return_at + 15 and t1.return_at >= 625


def test_fleet_too_small_reports_no_capacity() -> None:
    """no_capacity: one 10-box van, one trip, two sites of 10 -> one site unserved."""
    mins = [[0, 10, 10], [10, 0, 3], [10, 3, 0]]
    p = problem([Stop("A", 1, 10), Stop("B", 2, 10)], [van(hot_capacity=10)], mins)
    r = solve_routes(p, PARAMS)
    check_plan(p, r)
    assert [u.reason for u in r.unserved] == [DropReason.NO_CAPACITY]
    assert r.objective.dropped_meals == 10 and r.is_feasible() and not r.complete


def test_several_kitchens_serve_their_area() -> None:
    """several kitchens: with 60 min limits each home is served from the kitchen 10 min away."""
    # K1=0, K2=1 are 100 min apart; H1=2 is 10 min from K1, H2=3 is 10 min from K2.
    mins = [[0, 100, 10, 100], [100, 0, 100, 10], [10, 100, 0, 100], [100, 10, 100, 0]]
    p = problem(
        [Stop("H1", 2, 1, hold_limit=60), Stop("H2", 3, 1, hold_limit=60)],
        [van("a", "K1"), van("b", "K2")],
        mins,
        kitchens=(Kitchen("K1", 0), Kitchen("K2", 1)),
    )
    r = solve_routes(p, PARAMS)
    check_plan(p, r)
    assert r.complete
    served = {rt.vehicle_id: [v.stop_id for t in rt.trips for v in t.visits] for rt in r.routes}
    assert served == {"a": ["H1"], "b": ["H2"]}


def test_fewest_vehicles_preferred() -> None:
    """objective: a fixed cost makes one van serve both (45 km) rather than two (40 km)."""
    # K->A = K->B = 10 km, A<->B = 25 km: one van 10+25+10 = 45 km, two vans 2x(10+10) = 40.
    mins = [[0, 10, 10], [10, 0, 25], [10, 25, 0]]
    stops = [Stop("A", 1, 5), Stop("B", 2, 5)]
    cheap = solve_routes(problem(stops, [van("v1"), van("v2")], mins), PARAMS)
    assert cheap.objective.vehicles_used == 2 and cheap.objective.distance_m == 40000
    fixed = solve_routes(
        problem(stops, [van("v1", fixed_cost=100_000), van("v2", fixed_cost=100_000)], mins), PARAMS
    )
    assert fixed.objective.vehicles_used == 1 and fixed.objective.distance_m == 45000


def test_decomposition_by_sector_stays_feasible() -> None:
    """decomposition: 60 homes cut into models of <= 20 give a checked, complete plan."""
    rng = random.Random(7)
    pts = [(0.0, 0.0)] + [(rng.uniform(-8, 8), rng.uniform(-8, 8)) for _ in range(60)]
    mins = [[math.ceil(math.dist(a, b) * 2) for b in pts] for a in pts]  # 2 min per km
    stops = [
        Stop(
            f"h{i}",
            i,
            1,
            window=(630, 750),
            service_minutes=2,
            hold_limit=60,
            lat=31.2 + pts[i][1] / 111,
            lon=121.4 + pts[i][0] / 95,
        )
        for i in range(1, 61)
    ]
    vans = [van(f"v{i}", hot_capacity=8, fixed_cost=10_000) for i in range(12)]
    p = problem(stops, vans, mins, kitchens=(Kitchen("K", 0, lat=31.2, lon=121.4),))
    r = solve_routes(p, RoutingParams(time_limit_s=60, solution_limit=30, max_stops_per_model=20))
    check_plan(p, r)
    assert r.models >= 3 and r.complete


# ------------------------------------------------------------------------ API


def test_status_mapping() -> None:
    """status: OR-Tools' partial success (local optimum not reached) is a feasible plan."""
    assert map_status(1) is SolveStatus.FEASIBLE
    assert map_status(2) is SolveStatus.FEASIBLE
    assert map_status(7) is SolveStatus.OPTIMAL
    assert map_status(3) is SolveStatus.NO_SOLUTION
    assert map_status(6) is SolveStatus.INFEASIBLE
    assert map_status(5) is SolveStatus.ERROR


def test_empty_problem_is_trivially_optimal() -> None:
    """result: nothing to deliver gives an empty optimal plan."""
    r = solve_routes(problem([], [van()], [[0]]), PARAMS)
    assert r.status is SolveStatus.OPTIMAL and r.routes == () and r.is_feasible()
    assert "optimal" in r.summary()


@pytest.mark.parametrize(
    ("make", "word"),
    [
        (lambda: Stop("A", 0, -1), "hot"),
        (lambda: Stop("A", 0, 1, window=(700, 600)), "window"),
        (lambda: Stop("A", 0, 1, hold_limit=-5), "hold_limit"),
        (lambda: Vehicle("v", "van", "K", hot_capacity=10, max_trips=0), "max_trips"),
        (lambda: Vehicle("v", "van", "K", 10, max_trips=2, ready_times=(600,)), "ready_times"),
        (lambda: RoutingParams(time_limit_s=0), "time_limit_s"),
        (lambda: RoutingParams(first_solution="NOPE"), "first_solution"),  # type: ignore[arg-type]
        (lambda: RoutingParams(solution_limit=0), "solution_limit"),
        (lambda: RoutingParams(own_search_share=1.5), "own_search_share"),
        (lambda: RoutingParams(own_search_iterations=-1), "own_search_iterations"),
        (lambda: TravelMatrix(((0, 1),), ((0,),)), "row"),
        (lambda: problem([Stop("A", 5, 1)], [van()], [[0]]), "location"),
        (lambda: problem([], [van(kitchen="X")], [[0]]), "start_kitchen"),
    ],
)
def test_validation_names_bad_value(make: object, word: str) -> None:
    """validation: bad input raises ValueError naming the field."""
    with pytest.raises(ValueError, match=word):
        make()  # type: ignore[operator]
