"""Warm start from PyVRP's hybrid genetic search (HGS); the one module that imports PyVRP.

PyVRP (https://pyvrp.org) is a well-kept, state-of-the-art solver for the classic VRPs:
capacities per compartment, time windows, shifts, several depots, fixed vehicle costs,
optional stops with a prize. It cannot express a per-stop hold limit counted from a
trip's departure, nor our chained trips (a later trip that may leave only after the
previous one is back and reloaded), nor a load's fixed ready time. For a model without
those (every standard VRPTW/CVRP instance, and a product problem configured without hold
limits and with one trip per vehicle) it finds far better plans than OR-Tools' own
search in the same time (Solomon: 0.15 % vs 1.6 % over the best-known cost at 10 s), so
:func:`solvers.routing.solve.solve_routes` asks it first and hands its plan to OR-Tools,
which checks it against the full model and improves on it with the time left.

``solve_spec`` works on a :class:`~solvers.routing.specs.ModelSpec` with the exact
integer data OR-Tools gets: arc cost ``cost_per_metre * metres + cost_per_minute *
minutes`` (one PyVRP profile per vehicle kind and cost pair), travel minutes as durations,
service minutes, stop windows, trip departure/return bounds, capacities ``[hot, cold]``,
fixed costs; with drops allowed a stop is optional with a prize of
``penalty_per_meal * meals`` (so the two objectives are the same function).
"""

from __future__ import annotations

import logging
import time
import warnings
from importlib import metadata
from typing import Any

from solvers.routing.specs import ModelSpec
from solvers.routing.types import RoutingProblem

logger = logging.getLogger(__name__)

try:  # PyVRP is a dependency; the product still routes (OR-Tools only) without it
    import numpy as np
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    _IMPORT_ERROR: str | None = None
except ImportError as exc:  # pragma: no cover - exercised only where PyVRP is missing
    _IMPORT_ERROR = str(exc)


def available() -> bool:
    """Is PyVRP importable here?"""
    return _IMPORT_ERROR is None


def version() -> str | None:
    """Installed PyVRP version, or ``None``."""
    if not available():
        return None
    try:
        return metadata.version("pyvrp")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return None


def _reason(hold_limits: bool, chained: bool, ready_times: bool, empty: bool) -> str | None:
    """The one rule: what PyVRP cannot express, from facts about a problem or a model."""
    if not available():
        return f"PyVRP is not installed ({_IMPORT_ERROR})"
    if hold_limits:
        return "stops have hold limits"
    if chained:
        return "vehicles drive several trips"
    if ready_times:
        return "loads have fixed ready times"
    if empty:
        return "nothing to route"
    return None


def unsupported(spec: ModelSpec) -> str | None:
    """Why PyVRP cannot express ``spec`` exactly (``None``: it can)."""
    return _reason(
        any(c.stop.hold_limit is not None for c in spec.chunks),
        any(t.prev is not None for t in spec.trips),
        any(t.ready is not None for t in spec.trips),
        not spec.trips or not spec.chunks,
    )


def unsupported_problem(problem: RoutingProblem) -> str | None:
    """Why PyVRP cannot express ``problem`` exactly (``None``: it can); the same rule as
    :func:`unsupported`, before the problem is cut into models."""
    return _reason(
        any(s.hold_limit is not None for s in problem.stops),
        any(v.max_trips > 1 for v in problem.vehicles),
        any(v.ready_times for v in problem.vehicles),
        not problem.vehicles or not problem.stops,
    )


def _type_key(spec: ModelSpec, t: int) -> tuple[object, ...]:
    ts = spec.trips[t]
    v = ts.vehicle
    return (
        v.kind,
        v.cost_per_metre,
        v.cost_per_minute,
        v.hot_capacity,
        v.cold_capacity,
        ts.start_loc,
        ts.end_loc,
        ts.earliest_depart,
        ts.latest_return,
        ts.fixed_cost,
    )


def solve_spec(
    spec: ModelSpec,
    deadline: float,
    seed: int = 0,
    *,
    allow_drops: bool = True,
    penalty_per_meal: int = 100_000_000,
    max_iterations: int | None = None,
) -> list[list[int]] | None:
    """Plan ``spec`` with PyVRP until ``deadline`` (a ``time.monotonic()`` value) or
    ``max_iterations`` genetic-search iterations (deterministic for a seed).

    Returns chunk indices per trip of ``spec`` (empty lists for unused trips), or ``None``
    when PyVRP cannot express the model (see :func:`unsupported`), fails, or finds no
    feasible plan in time. Chunks in no list are undelivered (only with ``allow_drops``).
    """
    why = unsupported(spec)
    if why is not None:
        logger.info("HGS warm start skipped: %s", why)
        return None
    left = deadline - time.monotonic()
    if left <= 0.05 and max_iterations is None:
        return None
    try:
        data, trips_of_type = _problem_data(spec, allow_drops, penalty_per_meal)
        stops: list[Any] = [MaxRuntime(max(0.05, left))]
        if max_iterations is not None:
            stops.append(MaxIterations(max_iterations))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = pyvrp.solve(data, MultipleCriteria(stops), seed=seed, display=False)
        for w in caught:  # e.g. PenaltyBoundWarning on a fleet too small: a result, logged
            logger.info("PyVRP: %s", " ".join(str(w.message).split()))
    except (ValueError, IndexError, OverflowError, RuntimeError) as exc:
        logger.warning("HGS warm start failed: %s", exc)
        return None
    best = result.best
    if not best.is_feasible():
        logger.info("HGS found no feasible plan in %.1f s", result.runtime)
        return None
    routes: list[list[int]] = [[] for _ in spec.trips]
    free = {k: list(ts) for k, ts in enumerate(trips_of_type)}
    for route in best.routes():
        t = free[route.vehicle_type()].pop(0)
        routes[t] = [a.idx for a in route if a.is_client()]
    logger.info(
        "HGS: %d routes, cost %d, %d iterations in %.1f s",
        best.num_routes(),
        result.cost(),
        result.num_iterations,
        result.runtime,
    )
    return routes


def _problem_data(
    spec: ModelSpec, allow_drops: bool, penalty_per_meal: int
) -> tuple[pyvrp.ProblemData, list[list[int]]]:
    """PyVRP's data for ``spec``: locations are the depots (distinct trip start/end
    locations) then one per chunk, so client ``i`` is chunk ``i``; and the spec's trip
    indices per PyVRP vehicle type."""
    depot_locs: list[int] = []
    for ts in spec.trips:
        for loc in (ts.start_loc, ts.end_loc):
            if loc not in depot_locs:
                depot_locs.append(loc)
    locs = depot_locs + [c.stop.location for c in spec.chunks]
    two = any(c.cold for c in spec.chunks)

    profiles: dict[tuple[str, int, int], int] = {}
    types: dict[tuple[object, ...], list[int]] = {}
    for t, ts in enumerate(spec.trips):
        v = ts.vehicle
        profiles.setdefault((v.kind, v.cost_per_metre, v.cost_per_minute), len(profiles))
        types.setdefault(_type_key(spec, t), []).append(t)
    idx = np.asarray(locs, dtype=np.int64)
    sub = np.ix_(idx, idx)
    distance: list[Any] = []
    duration: list[Any] = []
    cache: dict[str, tuple[Any, Any]] = {}
    for kind, pm, pt in profiles:
        if kind not in cache:
            m = spec.matrices[kind]
            cache[kind] = (
                np.asarray(m.metres, dtype=np.int64)[sub],
                np.asarray(m.minutes, dtype=np.int64)[sub],
            )
        metres, minutes = cache[kind]
        cost = pm * metres + pt * minutes
        np.fill_diagonal(cost, 0)
        mins = minutes.copy()
        np.fill_diagonal(mins, 0)
        distance.append(cost)
        duration.append(mins)

    open_at = min(ts.earliest_depart for ts in spec.trips)
    close_at = max(ts.latest_return for ts in spec.trips)
    depots = [
        pyvrp.Depot(location=i, tw_early=open_at, tw_late=close_at) for i in range(len(depot_locs))
    ]
    clients: list[pyvrp.Client] = []
    for c in spec.chunks:
        load = [c.hot, c.cold] if two else [c.hot]
        clients.append(
            pyvrp.Client(
                location=len(clients) + len(depot_locs),
                delivery=load,
                service_duration=c.stop.service_minutes,
                tw_early=c.stop.window[0],
                tw_late=c.stop.window[1],
                required=not allow_drops,
                prize=penalty_per_meal * max(1, c.meals) if allow_drops else 0,
                name=c.stop.id,
            )
        )
    vehicle_types: list[pyvrp.VehicleType] = []
    trips_of_type: list[list[int]] = []
    for trips in types.values():
        ts = spec.trips[trips[0]]
        v = ts.vehicle
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(trips),
                capacity=[v.hot_capacity, v.cold_capacity] if two else [v.hot_capacity],
                start_depot=depot_locs.index(ts.start_loc),
                end_depot=depot_locs.index(ts.end_loc),
                fixed_cost=ts.fixed_cost,
                tw_early=ts.earliest_depart,
                tw_late=ts.latest_return,
                unit_distance_cost=1,
                unit_duration_cost=0,
                profile=profiles[(v.kind, v.cost_per_metre, v.cost_per_minute)],
                name=v.id,
            )
        )
        trips_of_type.append(trips)
    locations = [pyvrp.Location(x=0.0, y=0.0) for _ in locs]
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=distance,
        duration_matrices=duration,
    )
    return data, trips_of_type
