"""PyVRP's genetic search as the warm start of classic models (no hold limits, one trip)."""

from __future__ import annotations

import dataclasses
import random

from test_routing import check_plan, matrix, problem, van

from solvers.routing import (
    DropReason,
    Kitchen,
    RoutingParams,
    RoutingProblem,
    Stop,
    Vehicle,
    hgs,
    solve_routes,
)
from solvers.routing.construct import plan_from_routes
from solvers.routing.prechecks import split_stops
from solvers.routing.solve import _Fleet, _horizon, _trip_specs, hgs_applies
from solvers.routing.specs import ModelSpec

# deterministic: iteration and solution limits; the time limit is only a safety net
HGS = RoutingParams(time_limit_s=60, solution_limit=5, hgs_iterations=300)


def _spec(p: RoutingProblem) -> ModelSpec:
    chunks, _ = split_stops(p)
    trips = _trip_specs(p, [_Fleet(v, available_from=v.shift[0]) for v in p.vehicles])
    return ModelSpec(tuple(chunks), tuple(trips), dict(p.matrices), _horizon(p))


def _grid(n: int, seed: int) -> tuple[list[Stop], list[list[int]]]:
    """n homes at random points of a 20 x 20 km square (1 km per minute), kitchen in the
    middle; windows of 40 minutes between 10:30 and 12:30."""
    rng = random.Random(seed)
    pts = [(10.0, 10.0)] + [(rng.uniform(0, 20), rng.uniform(0, 20)) for _ in range(n)]
    mins = [[round(abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in pts] for a in pts]
    stops = []
    for i in range(n):
        start = rng.randrange(630, 710, 10)
        stops.append(
            Stop(f"H{i}", i + 1, rng.randint(1, 4), window=(start, start + 40), service_minutes=2)
        )
    return stops, mins


def test_hgs_known_optimum_on_two_arms() -> None:
    """HGS: stops 5 and 7 min out on two opposite arms, 2 boxes a van -> one van per arm,
    each 5 + 2 + 7 = 14 min, so 2 x 14 km = 28,000 m (the optimum)."""
    # locations: K=0, A1=1 (+5), A2=2 (+7), B1=3 (-5), B2=4 (-7)
    pos = [0, 5, 7, -5, -7]
    mins = [[abs(a - b) for b in pos] for a in pos]
    stops = [Stop(f"S{i}", i, 1, window=(600, 800)) for i in range(1, 5)]
    p = problem(stops, [van("v1", hot_capacity=2), van("v2", hot_capacity=2)], mins)
    assert hgs_applies(p, HGS)
    r = solve_routes(p, HGS)
    check_plan(p, r)
    assert r.complete and r.objective.distance_m == 28_000
    assert "PyVRP" in r.message
    arms = sorted(sorted(v.stop_id for v in t.visits) for rt in r.routes for t in rt.trips)
    assert arms == [["S1", "S2"], ["S3", "S4"]]


def test_hgs_plan_is_feasible_and_deterministic() -> None:
    """HGS: 60 homes with windows and 4 vans -> a plan the independent checker accepts,
    the same routes on a rerun with the same seed and iteration limit."""
    stops, mins = _grid(60, seed=3)
    vans = [van(f"v{k}", hot_capacity=50, shift=(600, 840)) for k in range(6)]
    p = problem(stops, vans, mins)
    a, b = solve_routes(p, HGS), solve_routes(p, HGS)
    check_plan(p, a)
    assert a.complete

    def routes(r: object) -> list[list[str]]:
        return [[v.stop_id for t in rt.trips for v in t.visits] for rt in r.routes]  # type: ignore[attr-defined]

    assert routes(a) == routes(b)
    assert a.objective == b.objective


def test_hgs_beats_or_matches_ortools_alone() -> None:
    """HGS warm start: never a costlier plan than OR-Tools alone under the same limits
    (the better plan is kept)."""
    stops, mins = _grid(40, seed=7)
    p = problem(stops, [van(f"v{k}", hot_capacity=30) for k in range(5)], mins)
    with_hgs = solve_routes(p, HGS)
    alone = solve_routes(p, dataclasses.replace(HGS, hgs_warm_start=False))
    check_plan(p, with_hgs)
    assert with_hgs.complete and alone.complete
    assert with_hgs.objective.cost <= alone.objective.cost


def test_hgs_fleet_too_small_drops_with_reason() -> None:
    """HGS with drops allowed: 6 sites of 10 boxes, one 40-box van -> 4 delivered, 2 listed
    unserved as no_capacity (a result, not a failure; PyVRP's penalty warning is logged)."""
    mins = [[0 if i == j else 5 for j in range(7)] for i in range(7)]
    stops = [Stop(f"S{i}", i, 10, window=(600, 800)) for i in range(1, 7)]
    p = problem(stops, [van("v1", hot_capacity=40)], mins)
    r = solve_routes(p, HGS)
    check_plan(p, r)
    assert r.objective.dropped_meals == 20
    assert {u.reason for u in r.unserved} == {DropReason.NO_CAPACITY}
    assert sum(v.hot for rt in r.routes for t in rt.trips for v in t.visits) == 40


def test_hgs_cold_compartment_and_two_kitchens() -> None:
    """HGS: two kitchens 20 min apart each with a van; stops near each kitchen go to it,
    and cold items respect the cold compartment (3 per van: 2 + 2 cannot share)."""
    # K1=0, K2=1; stops 2,3 near K1 (2 min), 4,5 near K2 (2 min)
    side = [0, 1, 0, 0, 1, 1]
    mins = [
        [0 if i == j else (2 if side[i] == side[j] else 20) for j in range(6)] for i in range(6)
    ]
    stops = [
        Stop("A", 2, 1, cold=2, window=(600, 800)),
        Stop("B", 3, 1, cold=0, window=(600, 800)),
        Stop("C", 4, 1, cold=2, window=(600, 800)),
        Stop("D", 5, 1, cold=2, window=(600, 800)),
    ]
    vans = [
        van("v1", kitchen="K1", cold_capacity=3),
        van("v2", kitchen="K2", cold_capacity=3),
        van("v3", kitchen="K2", cold_capacity=3),
    ]
    p = problem(stops, vans, mins, kitchens=(Kitchen("K1", 0), Kitchen("K2", 1)))
    r = solve_routes(p, HGS)
    check_plan(p, r)
    assert r.complete and "PyVRP" in r.message
    by_vehicle = {rt.vehicle_id: {v.stop_id for t in rt.trips for v in t.visits} for rt in r.routes}
    assert by_vehicle["v1"] == {"A", "B"}
    assert {frozenset(by_vehicle["v2"]), frozenset(by_vehicle["v3"])} == {
        frozenset({"C"}),
        frozenset({"D"}),
    }


def test_hgs_vehicle_kinds_use_their_own_matrix() -> None:
    """HGS: a tricycle three times slower than the van -> the 30-minute window of a far stop
    is met only by the van (profiles per vehicle kind)."""
    van_m = [[0, 10], [10, 0]]
    trike_m = [[0, 30], [30, 0]]
    stops = [Stop("far", 1, 1, window=(600, 615))]
    vehicles = [
        Vehicle("t1", "trike", "K", hot_capacity=10, shift=(600, 840), fixed_cost=0),
        Vehicle("v1", "van", "K", hot_capacity=40, shift=(600, 840), fixed_cost=50_000),
    ]
    p = RoutingProblem(
        (Kitchen("K", 0),),
        tuple(stops),
        tuple(vehicles),
        {"van": matrix(van_m), "trike": matrix(trike_m)},
    )
    r = solve_routes(p, HGS)
    check_plan(p, r)
    assert r.complete and [rt.vehicle_id for rt in r.routes] == ["v1"]


def test_hgs_not_used_where_it_cannot_express_the_model() -> None:
    """hgs_applies: not with hold limits, several trips, fixed ready times, or when asked not
    to; unsupported() names the reason."""
    stops, mins = _grid(5, seed=1)
    base = problem(stops, [van("v1")], mins)
    assert hgs_applies(base, RoutingParams())
    held = problem([dataclasses.replace(s, hold_limit=60) for s in stops], [van("v1")], mins)
    assert not hgs_applies(held, RoutingParams())
    assert hgs.unsupported(_spec(held)) == "stops have hold limits"
    multi = problem(stops, [van("v1", max_trips=2)], mins)
    assert not hgs_applies(multi, RoutingParams())
    assert hgs.unsupported(_spec(multi)) == "vehicles drive several trips"
    ready = problem(stops, [van("v1", ready_times=(620,))], mins)
    assert not hgs_applies(ready, RoutingParams())
    assert hgs.unsupported_problem(ready) == "loads have fixed ready times"
    assert not hgs_applies(base, RoutingParams(hgs_warm_start=False))
    assert not hgs_applies(base, RoutingParams(own_first_solution=True))
    r = solve_routes(held, HGS)
    check_plan(held, r)
    assert "PyVRP" not in r.message


def test_plan_from_routes_rejects_broken_routes() -> None:
    """plan_from_routes (our check of another solver's plan): load, window, duplicate and
    unknown chunks are refused; a good plan is timed exactly."""
    # K=0, S1=1 (5 min), S2=2 (7 min); S1 opens at 10:20, S2 closes at 10:08
    mins = [[0, 5, 7], [5, 0, 2], [7, 2, 0]]
    stops = [Stop("S1", 1, 3, window=(620, 700)), Stop("S2", 2, 3, window=(600, 608))]
    p = problem(stops, [van("v1", hot_capacity=5), van("v2", hot_capacity=5)], mins)
    spec = _spec(p)
    assert plan_from_routes(spec, [[0, 1], []]) is None  # 6 boxes > 5
    assert plan_from_routes(spec, [[0], [0]]) is None  # S1 twice
    assert plan_from_routes(spec, [[7], []]) is None  # no chunk 7
    assert plan_from_routes(spec, [[0]]) is None  # one route for two trips
    one = _spec(problem(stops, [van("v1", hot_capacity=10)], mins))
    assert plan_from_routes(one, [[0, 1]]) is None  # S1 at 10:20, then S2 at 10:22 > 10:08
    good = plan_from_routes(one, [[1, 0]])
    # depart 10:00, S2 at 10:07, S1 at max(10:09, 10:20) = 10:20, back at 10:25
    assert good is not None and good.dropped == ()
    sch = good.schedules[0]
    assert sch is not None and sch.arrivals == (607, 620) and sch.return_at == 625
    partial = plan_from_routes(spec, [[1], []])
    assert partial is not None and partial.dropped == (0,)


def test_hgs_params_validated() -> None:
    """RoutingParams: hgs_share in (0, 1], hgs_iterations >= 1."""
    import pytest

    for kw, name in (
        ({"hgs_share": 0}, "hgs_share"),
        ({"hgs_share": 1.5}, "hgs_share"),
        ({"hgs_iterations": 0}, "hgs_iterations"),
    ):
        with pytest.raises(ValueError, match=name):
            RoutingParams(**kw)  # type: ignore[arg-type]


def test_classic_models_get_no_ortools_polish_unless_asked(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A classic model (PyVRP expresses it): by default PyVRP has the whole budget and
    OR-Tools does not polish its plan afterwards (it took 15 % of the time and gained
    nothing measurable); ``hgs_share`` below 1 asks for the polish with the rest."""
    from solvers.routing import solve as solve_mod

    stops, mins = _grid(25, 3)
    p = problem(stops, [van(f"v{i}", hot_capacity=12) for i in range(6)], mins)
    assert hgs_applies(p, HGS)
    calls: list[int] = []
    real = solve_mod.engine.solve_model

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(solve_mod.engine, "solve_model", counted)
    r = solve_routes(p, HGS)
    check_plan(p, r)
    assert calls == [] and r.objective.dropped_meals == 0
    asked = solve_routes(p, dataclasses.replace(HGS, hgs_share=0.5))
    check_plan(p, asked)
    assert calls and asked.objective.cost <= r.objective.cost
