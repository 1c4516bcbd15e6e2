"""Trips that carry a single meal, and why (the route sheet and plan.json print it).

A one-meal trip is a cost the plan carries only when nothing better fits. The search
merges such a trip into another when it can (``construct._merge_one_meal_trips``); this
module explains the ones left, each with a reason code (one of :data:`ONE_MEAL_REASONS`):

- ``no_other_trip``: no other trip of the plan can take the stop (capacity, window, hold
  limit, the next trip or shift end, with that trip's departure and ready time kept);
- ``next_trip_fixed``: another trip could take it, but the trip cannot be given up:
  trips are driven in order, so the vehicle's later trips would move up into this trip's
  place, and the ready time fixed there (the kitchen's packing) or a stop locked to its
  trip does not allow that (hold limits, windows). ``could_join`` names the trip that
  could have taken the meal;
- ``could_join``: a trip that could take it is named (the search left it alone).
"""

from __future__ import annotations

from typing import Any

from solvers.routing.bounds import _fits
from solvers.routing.solve import vehicle_trips_fit
from solvers.routing.types import RoutingProblem, RoutingResult, Trip, VehicleRoute

ONE_MEAL_REASONS = ("no_other_trip", "next_trip_fixed", "could_join")
"""The reason codes of :func:`one_meal_trips` (labels: ``mealplan.documents.i18n``,
keys ``one_meal_<code>``)."""


def _loads(trips: tuple[Trip, ...]) -> list[list[tuple[str, int, int]]]:
    return [[(v.stop_id, v.hot, v.cold) for v in t.visits] for t in trips]


def _own_other_trip(
    problem: RoutingProblem, route: VehicleRoute, k: int, stop_id: str, hot: int, cold: int
) -> int | None:
    """Another trip of the same vehicle that can take the meal of its trip ``k`` once
    trip ``k`` is given up (the later trips move up one index); its trip index in the
    plan, or ``None``."""
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    rest = _loads(route.trips[:k] + route.trips[k + 1 :])
    for j in range(len(rest)):
        for pos in range(len(rest[j]) + 1):
            trial = [list(x) for x in rest]
            trial[j].insert(pos, (stop_id, hot, cold))
            if vehicle_trips_fit(problem, vehicle, trial):
                return route.trips[j if j < k else j + 1].index
    return None


def one_meal_trips(problem: RoutingProblem, result: RoutingResult) -> list[dict[str, Any]]:
    """Every trip that carries a single meal, and why (see the module): a dict with
    ``vehicle``, ``trip`` (1-based), ``stop``, ``reason`` (:data:`ONE_MEAL_REASONS`) and
    ``could_join`` (``"V5 trip 2"``: the trip that could take the meal, for
    ``could_join`` and ``next_trip_fixed``; else ``None``)."""
    vehicles = {v.id: v for v in problem.vehicles}
    stops = {s.id: s for s in problem.stops}
    out: list[dict[str, Any]] = []
    for route in result.routes:
        for k, trip in enumerate(route.trips):
            if trip.hot + trip.cold != 1 or len(trip.visits) != 1:
                continue
            visit = trip.visits[0]
            stop_id = visit.stop_id
            # giving this trip up: the vehicle's later trips move up one index
            rest = _loads(route.trips[:k] + route.trips[k + 1 :])
            free = k == len(route.trips) - 1 or vehicle_trips_fit(
                problem, vehicles[route.vehicle_id], rest
            )
            other = next(
                (
                    (r.vehicle_id, r.trips[j].index)
                    for r in result.routes
                    if r.vehicle_id != route.vehicle_id
                    for j in range(len(r.trips))
                    if _fits(stops, problem, stop_id, r.trips, j, vehicles[r.vehicle_id])
                ),
                None,
            )
            if free and other is None and len(route.trips) > 1:
                own = _own_other_trip(problem, route, k, stop_id, visit.hot, visit.cold)
                other = None if own is None else (route.vehicle_id, own)
            if other is None:
                reason = "no_other_trip"
            else:
                reason = "could_join" if free else "next_trip_fixed"
            out.append(
                {
                    "vehicle": route.vehicle_id,
                    "trip": trip.index + 1,
                    "stop": stop_id,
                    "reason": reason,
                    "could_join": f"{other[0]} trip {other[1] + 1}" if other else None,
                }
            )
    return out


__all__ = ["ONE_MEAL_REASONS", "one_meal_trips"]
