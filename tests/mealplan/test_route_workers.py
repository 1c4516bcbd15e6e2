"""Routing kitchens side by side in worker processes: schedule, results, settings."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mealplan.config import load_settings, resolve_workers
from mealplan.errors import ConfigError
from mealplan.planning.route_workers import schedule, solve_kitchens
from solvers.routing import (
    Kitchen,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Stop,
    TravelMatrix,
    Vehicle,
)

# deterministic: solution and iteration limits; the time limit is only a safety net
PARAMS = RoutingParams(solution_limit=5, own_search_iterations=50)


def _kitchen(n: int, offset: int) -> RoutingProblem:
    """n homes on a line 3, 5, 7, ... minutes out with 60-minute hold limits, two 6-box
    tricycles of one trip (1 km a minute)."""
    pos = [0] + [3 + 2 * i + offset for i in range(n)]
    mins = tuple(tuple(abs(a - b) for b in pos) for a in pos)
    metres = tuple(tuple(1000 * m for m in row) for row in mins)
    stops = tuple(
        Stop(f"H{i}", i + 1, 1, window=(630, 720), service_minutes=2, hold_limit=60)
        for i in range(n)
    )
    trikes = tuple(
        Vehicle(f"T{k}", "trike", "K", hot_capacity=6, shift=(600, 800), fixed_cost=50_000)
        for k in range(2)
    )
    return RoutingProblem((Kitchen("K", 0),), stops, trikes, {"trike": TravelMatrix(metres, mins)})


def _routes(r: RoutingResult) -> list[tuple[str, list[list[str]]]]:
    return [(v.vehicle_id, [[x.stop_id for x in t.visits] for t in v.trips]) for v in r.routes]


def test_schedule_lanes_share_the_whole_limit() -> None:
    """schedule: 4 kitchens on 2 lanes by size (823+94 | 648+493 stops), each lane's
    kitchens sharing 30 s by stops: 26.9 + 3.1 and 17.0 + 13.0."""
    tasks = schedule([823, 94, 493, 648], 30.0, 2, seed=1)
    assert sorted(t.kitchen for t in tasks) == [0, 1, 2, 3]
    lane = {t.kitchen: t.lane for t in tasks}
    assert lane[0] == lane[1] != lane[2] == lane[3]
    for ln in {t.lane for t in tasks}:
        assert math.isclose(sum(t.time_limit_s for t in tasks if t.lane == ln), 30.0)
    by_k = {t.kitchen: round(t.time_limit_s, 1) for t in tasks}
    assert by_k == {0: 26.9, 1: 3.1, 2: 13.0, 3: 17.0}
    assert {t.seed for t in tasks} == {1}


def test_schedule_one_lane_is_the_serial_split_and_spare_lanes_get_seeds() -> None:
    """schedule: one worker -> one lane, shares by stops (at least 1 s); one kitchen and
    two workers -> the kitchen twice, seeds s and s + 1, each with the whole limit."""
    serial = schedule([90, 10, 0], 20.0, 1, seed=3)
    assert {t.lane for t in serial} == {0}
    assert [round(t.time_limit_s, 2) for t in serial] == [17.82, 1.98, 1.0]
    portfolio = schedule([300], 30.0, 2, seed=3)
    assert [(t.kitchen, t.seed, t.time_limit_s) for t in portfolio] == [(0, 3, 30.0), (0, 4, 30.0)]
    assert schedule([], 30.0, 2, seed=0) == []


def test_worker_processes_give_the_serial_results() -> None:
    """solve_kitchens: two kitchens in two processes return what one process returns (the
    runs are deterministic), in kitchen order, with progress per kitchen."""
    problems = [_kitchen(8, 0), _kitchen(5, 4)]
    seen: list[tuple[int, int]] = []
    parallel = solve_kitchens(problems, PARAMS, 20.0, 2, on_done=lambda d, n: seen.append((d, n)))
    serial = solve_kitchens(problems, PARAMS, 20.0, 1)
    assert [_routes(r) for r in parallel] == [_routes(r) for r in serial]
    assert [r.objective for r in parallel] == [r.objective for r in serial]
    assert all(r.complete for r in parallel)
    assert seen == [(1, 2), (2, 2)]


def test_spare_workers_keep_the_best_seed() -> None:
    """solve_kitchens: one kitchen, two workers -> the better of seeds 0 and 1 (fewest
    undelivered meals, then objective, then seed)."""
    problem = _kitchen(10, 0)
    both = solve_kitchens([problem], PARAMS, 20.0, 2)[0]
    one = [solve_kitchens([problem], RoutingParams(**{**PARAMS.__dict__, "seed": s}), 20.0, 1)[0]
           for s in (0, 1)]  # fmt: skip
    best = min(one, key=lambda r: (r.objective.dropped_meals, r.objective.cost))
    assert both.objective == best.objective


def test_workers_setting(tmp_path: Path) -> None:
    """workers: 0 -> one per core (1..4); MEALPLAN_WORKERS overrides the file; a bad
    value, in the environment or the file, is a ConfigError naming it."""
    assert 1 <= resolve_workers(0) <= 4
    assert resolve_workers(3) == 3
    assert load_settings({"MEALPLAN_WORKERS": "2"}).planning.workers == 2
    with pytest.raises(ConfigError, match="MEALPLAN_WORKERS"):
        load_settings({"MEALPLAN_WORKERS": "-1"})
    cfg = tmp_path / "mealplan.toml"
    cfg.write_text("[planning]\nworkers = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[planning\] workers must be >= 0, got -1"):
        load_settings({"MEALPLAN_CONFIG": str(cfg)})
    with pytest.raises(ValueError, match="workers"):
        resolve_workers(-2)


def test_fixed_seeds_do_not_depend_on_the_workers() -> None:
    """schedule/solve_kitchens with ``seeds``: every kitchen runs seeds s .. s + n - 1
    whatever the number of workers, so one and two workers give the same routes."""
    tasks = schedule([300, 100], 600.0, 1, seed=3, seeds=2)
    assert sorted((t.kitchen, t.seed) for t in tasks) == [(0, 3), (0, 4), (1, 3), (1, 4)]
    assert math.isclose(sum(t.time_limit_s for t in tasks), 600.0)
    two = schedule([300, 100], 600.0, 2, seed=3, seeds=2)
    assert sorted((t.kitchen, t.seed) for t in two) == [(0, 3), (0, 4), (1, 3), (1, 4)]
    assert len({t.lane for t in two}) == 2
    problems = [_kitchen(8, 0), _kitchen(6, 2)]
    one_worker = solve_kitchens(problems, PARAMS, 60.0, 1, seeds=2)
    two_workers = solve_kitchens(problems, PARAMS, 60.0, 2, seeds=2)
    assert [_routes(r) for r in one_worker] == [_routes(r) for r in two_workers]


def test_routing_budget_settings(tmp_path: Path) -> None:
    """[planning] routing budgets: defaults in work units (iterations, seeds, no polish,
    what-if runs) reach the solver's parameters; out-of-range values are a ConfigError
    naming the key."""
    from mealplan.planning.routes import routing_params

    planning = load_settings({}).planning
    params = routing_params(planning, 7)
    assert params.seed == 7 and params.own_search_iterations == planning.routing_iterations
    assert not params.improve_with_ortools and params.solution_limit is None
    cfg = tmp_path / "mealplan.toml"
    cfg.write_text("[planning]\nrouting_polish_solutions = 50\n", encoding="utf-8")
    polished = routing_params(load_settings({"MEALPLAN_CONFIG": str(cfg)}).planning, 1)
    assert polished.improve_with_ortools and polished.solution_limit == 50
    for key, value in (("routing_iterations", "-1"), ("routing_seeds", "0"),
                       ("routing_what_if_runs", "99"), ("routing_polish_solutions", "-3")):  # fmt: skip
        cfg.write_text(f"[planning]\n{key} = {value}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=rf"\[planning\] {key}"):
            load_settings({"MEALPLAN_CONFIG": str(cfg)})
