"""The daily plan's re-timing routes without what-ifs and asks once for the plan it keeps
(issue 12): routes.add_what_ifs fills the what-if where meals are unserved."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mealplan.config import PlanningSettings, Settings
from mealplan.planning import routes
from solvers import routing as rs


def _tiny() -> rs.RoutingProblem:
    """One 40-box van and two sites of 30 boxes: one site must stay unserved."""
    mins = ((0, 10, 10), (10, 0, 2), (10, 2, 0))
    matrix = rs.TravelMatrix(tuple(tuple(1000 * m for m in r) for r in mins), mins)
    return rs.RoutingProblem(
        (rs.Kitchen("K", 0),),
        (rs.Stop("A", 1, 30), rs.Stop("B", 2, 30)),
        (rs.Vehicle("v1", "van", "K", 40, shift=(600, 840), fixed_cost=1000),),
        {"van": matrix},
    )


def test_add_what_ifs_only_where_meals_are_unserved() -> None:
    """A kitchen with 30 unserved boxes gets the what-if (one more van serves everyone); a
    plan routed with routing_what_if_runs = 0 has none before."""
    planning = replace(PlanningSettings(), routing_iterations=30)
    settings = Settings(database_url="sqlite://", instance_path=Path("."), planning=planning)
    problem = _tiny()
    params = routes.routing_params(replace(planning, routing_what_if_runs=0), 0)
    result = rs.solve_routes(problem, replace(params, time_limit_s=60))
    assert result.objective.dropped_meals == 30 and result.what_if is None
    kp: Any = SimpleNamespace(problem=problem)
    plan = routes.RoutesPlan(dt.date(2026, 11, 30), "lunch", [(kp, result)], {})
    routes.add_what_ifs(plan, settings, time_limit_s=60)
    ((_, found),) = plan.results
    assert found.what_if is not None and found.what_if.found
    assert found.routes == result.routes  # the plan itself is unchanged
