"""Hot-meal delivery routing (OR-Tools), pure: standard library + ortools only.

Entry point: :func:`solve_routes` (``RoutingProblem`` + ``RoutingParams`` ->
``RoutingResult``). Travel matrices come from :mod:`solvers.travel`.
"""

from solvers.routing.bounds import FleetBound, WhatIf, fleet_bound, what_if
from solvers.routing.one_meal import ONE_MEAL_REASONS, one_meal_trips
from solvers.routing.solve import solve_routes
from solvers.routing.types import (
    DAY_MINUTES,
    DEFAULT_HOLD_LIMITS,
    DropReason,
    FirstSolution,
    Kitchen,
    Metaheuristic,
    Objective,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Stop,
    StopKind,
    TravelMatrix,
    Trip,
    Unserved,
    Vehicle,
    VehicleRoute,
    Visit,
    default_hold_limit,
)
from solvers.status import SolveStatus

__all__ = [
    "DAY_MINUTES",
    "DEFAULT_HOLD_LIMITS",
    "DropReason",
    "FleetBound",
    "FirstSolution",
    "Kitchen",
    "Metaheuristic",
    "ONE_MEAL_REASONS",
    "Objective",
    "RoutingParams",
    "RoutingProblem",
    "RoutingResult",
    "SolveStatus",
    "Stop",
    "StopKind",
    "TravelMatrix",
    "Trip",
    "Unserved",
    "Vehicle",
    "VehicleRoute",
    "Visit",
    "WhatIf",
    "default_hold_limit",
    "fleet_bound",
    "one_meal_trips",
    "solve_routes",
    "what_if",
]
