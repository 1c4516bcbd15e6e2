"""Standard instances: reading, cost conventions, the independent checker, solve-vrp."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import vrplib
from click.testing import CliRunner

from mealplan.cli.vrp import solve_vrp
from solvers.routing.instances import (
    Rounding,
    VrpInstance,
    check_routes,
    read_instance,
    route_cost,
    scaled_matrices,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "vrp"


@pytest.fixture(scope="session")
def c101() -> VrpInstance:
    return read_instance(DATA / "C101.txt")


@pytest.fixture(scope="session")
def c101_bks() -> list[list[int]]:
    routes: list[list[int]] = vrplib.read_solution(str(DATA / "C101.sol"))["routes"]
    return routes


def test_read_solomon(c101: VrpInstance) -> None:
    """reading: C101 has 100 customers, capacity 200, 25 vehicles, service 90, depot due 1236."""
    assert (c101.name, c101.kind, c101.n_customers) == ("C101", "VRPTW", 100)
    assert (c101.capacity, c101.vehicles) == (200, 25)
    assert c101.service[0] == 0 and c101.service[1] == 90
    assert c101.windows is not None and c101.windows[0] == (0, 1236)


def test_dimacs_truncates_to_one_decimal(c101: VrpInstance) -> None:
    """dimacs: depot (40,50) -> customer 1 (45,68) is sqrt(349) = 18.68 -> 18.6 = 186 tenths."""
    cost, tim = scaled_matrices(c101, Rounding.DIMACS)
    assert cost[0][1] == tim[0][1] == 186


def test_bks_routes_feasible_and_cost(c101: VrpInstance, c101_bks: list[list[int]]) -> None:
    """checker: the C101 best-known routes are feasible and cost 827.3 (dimacs)."""
    assert check_routes(c101, c101_bks, Rounding.DIMACS) == []
    assert route_cost(c101, c101_bks, Rounding.DIMACS) == 827.3


def test_cvrp_round_convention() -> None:
    """round: the X-n101-k25 best-known routes cost 27591 with nint distances."""
    inst = read_instance(DATA / "X-n101-k25.vrp")
    sol = vrplib.read_solution(str(DATA / "X-n101-k25.sol"))
    assert inst.kind == "CVRP" and inst.n_customers == 100 and inst.vehicles is None
    assert check_routes(inst, sol["routes"], Rounding.ROUND) == []
    assert route_cost(inst, sol["routes"], Rounding.ROUND) == sol["cost"] == 27591


def test_checker_finds_missing_customer(c101: VrpInstance, c101_bks: list[list[int]]) -> None:
    """checker: dropping customer 75 from route 1 is reported."""
    routes = [r[:] for r in c101_bks]
    routes[0].remove(75)
    assert check_routes(c101, routes, Rounding.DIMACS) == ["customer 75 visited 0 times"]


def test_checker_finds_capacity(c101: VrpInstance, c101_bks: list[list[int]]) -> None:
    """checker: merging routes 1 and 2 (demand > 200) breaks capacity."""
    routes = [c101_bks[0] + c101_bks[1]] + c101_bks[2:]
    assert any("capacity" in e for e in check_routes(c101, routes, Rounding.DIMACS))


def test_checker_finds_window(c101: VrpInstance, c101_bks: list[list[int]]) -> None:
    """checker: reversing route 1 serves customers after their due times."""
    routes = [list(reversed(c101_bks[0]))] + c101_bks[1:]
    assert any("> due" in e for e in check_routes(c101, routes, Rounding.DIMACS))


def test_solve_vrp_cli_on_c101() -> None:
    """solve-vrp: JSON shape, checker feasibility and cost recomputed from the routes."""
    result = CliRunner().invoke(
        solve_vrp,
        [str(DATA / "C101.txt"), "--time-limit", "60", "--solution-limit", "30", "--seed", "1"],
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert set(row) >= {"instance", "cost", "vehicles", "routes", "feasible", "wall_s"}
    assert row["instance"] == "C101" and row["feasible"] is True
    inst = read_instance(DATA / "C101.txt")
    assert check_routes(inst, row["routes"], Rounding.DIMACS) == []
    assert route_cost(inst, row["routes"], Rounding.DIMACS) == row["cost"]
    assert row["vehicles"] == len(row["routes"]) <= 25
    assert sorted(c for r in row["routes"] for c in r) == list(range(1, 101))


def test_solve_vrp_cli_pyvrp_share(monkeypatch: pytest.MonkeyPatch) -> None:
    """--pyvrp-share reaches the solver (below 1: OR-Tools polishes PyVRP's plan); out of
    (0, 1] it is a usage error."""
    import mealplan.cli.vrp as vrp

    seen: list[float] = []
    real = vrp.solve_instance

    def spy(inst: Any, rounding: Any, params: Any) -> Any:
        seen.append(params.hgs_share)
        return real(inst, rounding, params)

    monkeypatch.setattr(vrp, "solve_instance", spy)
    args = [str(DATA / "C101.txt"), "--time-limit", "60", "--solution-limit", "5"]
    assert CliRunner().invoke(solve_vrp, args).exit_code == 0
    assert CliRunner().invoke(solve_vrp, [*args, "--pyvrp-share", "0.8"]).exit_code == 0
    assert seen == [1.0, 0.8]
    assert CliRunner().invoke(solve_vrp, [*args, "--pyvrp-share", "0"]).exit_code == 2


def test_solve_vrp_cli_table_and_round() -> None:
    """solve-vrp: the table format on a CVRP file with --round round lists a feasible row."""
    result = CliRunner().invoke(
        solve_vrp,
        [
            str(DATA / "X-n101-k25.vrp"),
            "--time-limit",
            "60",
            "--solution-limit",
            "5",
            "--round",
            "round",
            "--format",
            "table",
        ],
    )
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("X-n101-k25"))
    assert line.split()[3] == "yes"


def test_solve_vrp_hybrid_reaches_c101_optimum_and_ortools_alone_is_feasible() -> None:
    """solve-vrp: the hybrid engine (PyVRP then OR-Tools) finds C101's optimum 827.3 under
    iteration limits; --engine ortools still gives a checked, feasible plan."""
    args = [str(DATA / "C101.txt"), "--time-limit", "60", "--solution-limit", "10"]
    hybrid = CliRunner().invoke(solve_vrp, args)
    assert hybrid.exit_code == 0, hybrid.output
    (row,) = json.loads(hybrid.output)
    assert row["feasible"] is True and row["cost"] == 827.3 and row["vehicles"] == 10
    alone = CliRunner().invoke(solve_vrp, [*args, "--engine", "ortools"])
    assert alone.exit_code == 0, alone.output
    (row,) = json.loads(alone.output)
    assert row["feasible"] is True and row["cost"] >= 827.3
