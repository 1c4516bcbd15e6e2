"""Our own first plan (constructive heuristic + ruin and recreate) and the demo fixtures."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from test_routing import check_plan, matrix, problem, van

from solvers.routing import (
    DropReason,
    Kitchen,
    RoutingParams,
    RoutingProblem,
    Stop,
    StopKind,
    Vehicle,
    solve_routes,
)
from solvers.routing.construct import construct, improve, plan_cost
from solvers.routing.io import load_problem, problem_from_dict, problem_to_dict
from solvers.routing.prechecks import precheck, split_stops
from solvers.routing.solve import _Fleet, _horizon, _trip_specs, improvement_groups
from solvers.routing.specs import ModelSpec

DATA = Path(__file__).resolve().parents[1] / "data" / "vrp"
# constructive plan only: no search, no OR-Tools
ONLY_CONSTRUCT = RoutingParams(
    time_limit_s=60, own_first_solution=True, own_search_iterations=0, improve_with_ortools=False
)
# deterministic full pipeline: fixed iteration and solution limits
FULL = RoutingParams(
    time_limit_s=120, solution_limit=20, own_first_solution=True, own_search_iterations=300
)


def _spec(p: RoutingProblem) -> ModelSpec:
    chunks, _ = split_stops(p)
    ok, _, _ = precheck(p, chunks)
    trips = _trip_specs(p, [_Fleet(v, available_from=v.shift[0]) for v in p.vehicles])
    return ModelSpec(tuple(ok), tuple(trips), dict(p.matrices), _horizon(p))


def _line(n: int, gap: int = 2, first: int = 5) -> list[list[int]]:
    """Minutes between the kitchen (0) and n stops on a line: first, first+gap, ..."""
    pos = [0] + [first + gap * i for i in range(n)]
    return [[abs(a - b) for b in pos] for a in pos]


def test_constructive_multi_trip_small_case() -> None:
    """construct: 8 homes, one 4-box tricycle with 2 trips -> two full, chained trips."""
    homes = [
        Stop(f"H{i}", i + 1, 1, window=(630, 760), service_minutes=3, hold_limit=60)
        for i in range(8)
    ]
    trike = van(
        "t1", hot_capacity=4, max_trips=2, reload_minutes=15, loading_minutes=10, shift=(600, 840)
    )
    p = problem(homes, [trike], _line(8))
    r = solve_routes(p, ONLY_CONSTRUCT)
    check_plan(p, r)
    assert r.complete and r.first_plan_s is not None
    (route,) = r.routes
    assert [t.hot for t in route.trips] == [4, 4]
    assert route.trips[1].depart >= route.trips[0].return_at + 15


def test_constructive_hold_limit_and_windows() -> None:
    """construct: a home 40 min out with a 45 min hold limit goes alone or first."""
    mins = [[0, 40, 5, 6], [40, 0, 38, 38], [5, 38, 0, 1], [6, 38, 1, 0]]
    stops = [
        Stop("far", 1, 1, window=(600, 800), hold_limit=45),
        Stop("a", 2, 1, window=(600, 800), hold_limit=60),
        Stop("b", 3, 1, window=(600, 800), hold_limit=60),
    ]
    p = problem(stops, [van("v1", loading_minutes=5, max_trips=2)], mins)
    r = solve_routes(p, ONLY_CONSTRUCT)
    check_plan(p, r)
    assert r.complete
    for route in r.routes:
        for t in route.trips:
            ids = [v.stop_id for v in t.visits]
            assert "far" not in ids or ids[0] == "far"


def test_bulk_sites_go_on_vans_first() -> None:
    """construct: a 30-box dining point goes on the van, the tricycle keeps the homes."""
    mins = _line(3)
    stops = [
        Stop("P1", 1, 30, kind=StopKind.DINING_POINT, window=(600, 800)),
        Stop("H1", 2, 1, window=(600, 800)),
        Stop("H2", 3, 1, window=(600, 800)),
    ]
    vehicles = [van("big", hot_capacity=100), van("trike", hot_capacity=35)]
    p = problem(stops, vehicles, mins)
    spec = _spec(p)
    plan = construct(spec)
    on = {
        spec.chunks[c].stop.id: spec.trips[t].vehicle.id
        for t, seq in enumerate(plan.routes)
        for c in seq
    }
    assert on["P1"] == "big" and not plan.dropped


def test_constructive_drops_what_does_not_fit_as_no_capacity() -> None:
    """construct: 6 boxes for one 4-box single-trip van -> 2 homes no_capacity."""
    homes = [Stop(f"H{i}", i + 1, 1, window=(600, 800)) for i in range(6)]
    p = problem(homes, [van("v1", hot_capacity=4)], _line(6))
    r = solve_routes(p, ONLY_CONSTRUCT)
    check_plan(p, r)
    assert r.objective.dropped_meals == 2
    assert {u.reason for u in r.unserved} == {DropReason.NO_CAPACITY}


def test_search_never_worse_than_constructive() -> None:
    """improve: ruin and recreate keeps the best plan, never worse than its start."""
    p = load_problem(DATA / "district_half.json")
    spec = _spec(p)
    start = construct(spec)
    better = improve(spec, start, float("inf"), seed=1, max_iterations=50)
    penalty = 10**8
    assert plan_cost(spec, better.routes, better.dropped, penalty) <= plan_cost(
        spec, start.routes, start.dropped, penalty
    )


def test_district_half_fixture_delivers_every_meal() -> None:
    """district_half.json (25 bulk sites, 145 homes, 22 vehicles): every meal delivered."""
    p = load_problem(DATA / "district_half.json")
    r = solve_routes(p, FULL)
    check_plan(p, r)
    assert r.complete and r.status.has_solution
    assert r.objective.dropped_meals == 0


@pytest.mark.parametrize("name", ["district_lunch.json", "district_lunch_tight.json"])
def test_district_fixture_constructive_is_feasible(name: str) -> None:
    """Demo district (314 stops; 31 or, tight, 22 vehicles x 2 trips): first plan feasible."""
    p = load_problem(DATA / name)
    r = solve_routes(p, ONLY_CONSTRUCT)
    check_plan(p, r)
    assert r.status.has_solution
    # canteens and dining points all delivered; what is left are homes, for lack of fleet
    kinds = {s.id: s.kind for s in p.stops}
    assert all(kinds[u.stop_id] is StopKind.HOME for u in r.unserved)
    assert {u.reason for u in r.unserved} <= {DropReason.NO_CAPACITY}
    assert r.objective.dropped_meals < 200


def test_fixture_prechecks_keep_their_reasons() -> None:
    """prechecks: in the district fixture, an unreachable hold limit and window are named."""
    p = load_problem(DATA / "district_half.json")
    stops = list(p.stops)
    homes = [i for i, s in enumerate(stops) if s.kind is StopKind.HOME]
    stops[homes[0]] = dataclasses.replace(stops[homes[0]], hold_limit=5)
    stops[homes[1]] = dataclasses.replace(stops[homes[1]], window=(300, 310))
    q = dataclasses.replace(p, stops=tuple(stops))
    r = solve_routes(q, FULL)
    check_plan(q, r)
    reasons = {u.stop_id: u.reason for u in r.unserved}
    assert reasons[stops[homes[0]].id] is DropReason.HOLD_LIMIT
    assert reasons[stops[homes[1]].id] is DropReason.TIME_WINDOW


def test_legacy_ortools_first_solution_still_available() -> None:
    """own_first_solution=False: OR-Tools' own first plan, as before."""
    homes = [Stop(f"H{i}", i + 1, 1, window=(600, 800)) for i in range(4)]
    p = problem(homes, [van("v1", hot_capacity=4)], _line(4))
    r = solve_routes(p, RoutingParams(time_limit_s=30, solution_limit=20, own_first_solution=False))
    check_plan(p, r)
    assert r.complete and r.first_plan_s is None


def test_own_first_solution_automatic_for_meal_problems() -> None:
    """own_first_solution=None: ours with hold limits or multi-trip, PyVRP's (or, with
    hgs_warm_start=False, OR-Tools') otherwise."""
    homes = [Stop(f"H{i}", i + 1, 1, window=(600, 800)) for i in range(4)]
    auto = RoutingParams(time_limit_s=30, solution_limit=20, own_search_iterations=20)
    classic = problem(homes, [van("v1", hot_capacity=4)], _line(4))
    r = solve_routes(classic, auto)
    assert r.first_plan_s is not None and "PyVRP" in r.message
    no_hgs = dataclasses.replace(auto, hgs_warm_start=False)
    assert solve_routes(classic, no_hgs).first_plan_s is None
    held = [dataclasses.replace(h, hold_limit=60) for h in homes]
    meal = problem(held, [van("v1", hot_capacity=4)], _line(4))
    r = solve_routes(meal, auto)
    check_plan(meal, r)
    assert r.complete and r.first_plan_s is not None


def test_improvement_groups_cover_every_chunk_once() -> None:
    """decomposition: groups of whole vehicles partition chunks and trips."""
    p = load_problem(DATA / "district_half.json")
    spec = _spec(p)
    plan = construct(spec)
    groups = improvement_groups(p, spec, plan, 40)
    assert len(groups) > 1
    chunks = sorted(c for g, _ in groups for c in g)
    trips = sorted(t for _, g in groups for t in g)
    assert chunks == list(range(len(spec.chunks)))
    assert trips == list(range(len(spec.trips)))


def test_decomposed_plan_is_feasible() -> None:
    """decomposition: the half district cut into models of 60 chunks stays feasible."""
    p = load_problem(DATA / "district_half.json")
    r = solve_routes(p, dataclasses.replace(FULL, max_stops_per_model=60))
    check_plan(p, r)
    assert r.status.has_solution and r.models > 1


def test_problem_json_round_trip(tmp_path: Path) -> None:
    """io: a problem survives JSON unchanged; a foreign document is refused."""
    p = RoutingProblem(
        (Kitchen("K", 0, 30.1, 120.2),),
        (
            Stop(
                "A",
                1,
                3,
                cold=1,
                window=(600, 700),
                service_minutes=2,
                kind=StopKind.CANTEEN,
                hold_limit=120,
                name="食堂",
                lat=30.2,
                lon=120.3,
            ),
        ),
        (Vehicle("v", "van", "K", 10, 2, max_trips=2, ready_times=(600, 660)),),
        {"van": matrix([[0, 5], [5, 0]])},
    )
    path = tmp_path / "p.json"
    path.write_text(json.dumps(problem_to_dict(p), ensure_ascii=False), encoding="utf-8")
    assert load_problem(path) == p
    with pytest.raises(ValueError, match="format"):
        problem_from_dict({"format": "other"})


def test_worse_ortools_result_keeps_the_constructive_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """keep best: when OR-Tools returns a worse plan (all dropped), ours is returned."""
    from solvers.routing import engine
    from solvers.routing.specs import ModelOutput
    from solvers.status import SolveStatus

    def worse(spec: ModelSpec, *args: object, **kwargs: object) -> ModelOutput:
        return ModelOutput(SolveStatus.FEASIBLE, (), tuple(range(len(spec.chunks))), 10**15)

    monkeypatch.setattr(engine, "solve_model", worse)
    homes = [Stop(f"H{i}", i + 1, 1, window=(600, 800)) for i in range(6)]
    p = problem(homes, [van("v1", hot_capacity=4, max_trips=2)], _line(6))
    r = solve_routes(p, dataclasses.replace(FULL, own_search_iterations=20))
    check_plan(p, r)
    assert r.complete and r.first_plan_s is not None


def test_vehicle_removal_phase_saves_a_vehicle(monkeypatch: pytest.MonkeyPatch) -> None:
    """vehicle removal: on half the demo district (3,000 steps, no OR-Tools) the search
    with removal attempts needs one vehicle fewer than without, every meal delivered."""
    from solvers.routing import construct as construct_module

    p = load_problem(DATA / "district_half.json")
    params = RoutingParams(
        time_limit_s=120,
        solution_limit=1,
        own_first_solution=True,
        own_search_iterations=3000,
        improve_with_ortools=False,
    )
    with_phase = solve_routes(p, params)
    check_plan(p, with_phase)
    monkeypatch.setattr(construct_module, "REMOVAL_EVERY", 10**9)
    without = solve_routes(p, params)
    assert with_phase.objective.dropped_meals == without.objective.dropped_meals == 0
    assert with_phase.objective.vehicles_used == without.objective.vehicles_used - 1
    assert with_phase.objective.cost < without.objective.cost
