"""Menu model, issue 13: the same inputs give the same menus; work budgets, not the
wall clock, bound the solves (the clock is only a safety net)."""

from __future__ import annotations

import logging

import pytest

from solvers.menu import MenuParams, MenuResult, solve_menu
from solvers.menu.synthetic import synthetic_problem


def menus(result: MenuResult) -> list[tuple[object, ...]]:
    return [(m.date, m.service, m.profile, m.structure, m.dishes) for m in result.meals]


def small_case() -> MenuResult:
    problem = synthetic_problem(n_dishes=80, n_days=3, services=("lunch",), seed=3)
    params = MenuParams(
        seed=2, node_limit=300, pricing_node_limit=300, cg_rounds=2, mip_node_limit=200
    )
    return solve_menu(problem, params)


def test_two_runs_give_identical_menus(caplog: pytest.LogCaptureFixture) -> None:
    """Two runs of the same seeded problem give the same meals, objective and bound."""
    with caplog.at_level(logging.WARNING, logger="solvers.menu"):
        first = small_case()
        second = small_case()
    assert first.status.has_solution
    assert menus(first) == menus(second)
    assert first.objective == second.objective and first.bound == second.bound
    assert "safety net" not in caplog.text  # the budgets, not the clock, stopped the work


def test_time_limit_is_a_safety_net_not_a_share() -> None:
    """A different (unreached) wall-clock limit changes nothing: no time slices remain."""
    problem = synthetic_problem(n_dishes=80, n_days=3, services=("lunch",), seed=3)
    base = MenuParams(seed=2, node_limit=300, pricing_node_limit=300, cg_rounds=2)
    short = solve_menu(problem, base)
    long = solve_menu(problem, MenuParams(**{**base.__dict__, "time_limit_s": 900.0}))
    assert menus(short) == menus(long)


def test_mip_node_limit_is_validated() -> None:
    """A node budget below 1 is refused with the field named."""
    with pytest.raises(ValueError, match="mip_node_limit"):
        MenuParams(mip_node_limit=0)
