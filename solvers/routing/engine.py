"""The one module that imports OR-Tools: builds and solves one :class:`ModelSpec`.

Built in named steps (each a function below): index manager, routing model, transit
callbacks, dimensions (time, ride, load), windows, trip chaining, disjunctions, search
parameters, extraction.

Node numbering: nodes ``0 .. D-1`` are the distinct kitchen locations used by the trips,
node ``D + i`` is chunk ``i``. Each trip is one OR-Tools vehicle.

Hold limit: a "ride" dimension with the same transits as "time" whose cumul at a trip's
start is ``depart - ready`` (``loading_minutes`` when the ready time is decided with the
routes) and whose slack equals the time dimension's slack at every node, so its cumul at a
stop is exactly ``service start - ready``; the stop's hold limit is an upper bound on that
cumul (a per-stop bound, much faster than a span bound on the vehicle).

Multi-trip: consecutive trips of one physical vehicle are chained with plain constraints
``start(next) >= end(prev) + reload * used(prev)`` and ``used(next) <= used(prev)``
(OR-Tools' own precedence call segfaults in 9.15).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solvers.routing.specs import ModelOutput, ModelSpec, RoutedTrip
from solvers.routing.types import RoutingParams
from solvers.status import SolveStatus

logger = logging.getLogger(__name__)

_STATUS = {
    0: SolveStatus.NO_SOLUTION,  # ROUTING_NOT_SOLVED
    1: SolveStatus.FEASIBLE,  # ROUTING_SUCCESS
    2: SolveStatus.FEASIBLE,  # ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED (usable)
    3: SolveStatus.NO_SOLUTION,  # ROUTING_FAIL
    4: SolveStatus.NO_SOLUTION,  # ROUTING_FAIL_TIMEOUT
    5: SolveStatus.ERROR,  # ROUTING_INVALID
    6: SolveStatus.INFEASIBLE,  # ROUTING_INFEASIBLE
    7: SolveStatus.OPTIMAL,  # ROUTING_OPTIMAL
}


def map_status(code: int) -> SolveStatus:
    """OR-Tools routing status code -> :class:`SolveStatus`."""
    return _STATUS.get(code, SolveStatus.ERROR)


class _Built:
    """Handles of a built model (kept together for extraction)."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        depot_locs: list[int] = []
        for t in spec.trips:
            for loc in (t.start_loc, t.end_loc):
                if loc not in depot_locs:
                    depot_locs.append(loc)
        self.depot_locs = depot_locs
        self.n_depots = len(depot_locs)
        self.node_loc = depot_locs + [c.stop.location for c in spec.chunks]
        self.node_service = [0] * self.n_depots + [c.stop.service_minutes for c in spec.chunks]
        self.manager: Any = None
        self.routing: Any = None
        self.time_dim: Any = None
        self.ride_dim: Any = None
        self.has_hold = any(c.stop.hold_limit is not None for c in spec.chunks)


# ----------------------------------------------------------------------------- steps


def _step_manager(b: _Built) -> None:
    spec = b.spec
    starts = [b.depot_locs.index(t.start_loc) for t in spec.trips]
    ends = [b.depot_locs.index(t.end_loc) for t in spec.trips]
    b.manager = pywrapcp.RoutingIndexManager(len(b.node_loc), len(spec.trips), starts, ends)


def _step_model(b: _Built) -> None:
    b.routing = pywrapcp.RoutingModel(b.manager)


def _step_transit_callbacks(b: _Built) -> tuple[list[int], list[int]]:
    """Register time transits (service at origin + travel) and arc costs per vehicle.

    OR-Tools' transit matrices are indexed by node (not by routing index).

    Returns (time callback per trip, cost callback per trip).
    """
    spec = b.spec
    locs = b.node_loc
    time_cb: dict[str, int] = {}
    cost_cb: dict[tuple[str, int, int], int] = {}
    trip_time: list[int] = []
    trip_cost: list[int] = []
    for t in spec.trips:
        kind = t.vehicle.kind
        mat = spec.matrices[kind]
        if kind not in time_cb:
            node_m = [
                [
                    b.node_service[a] + mat.minutes[locs[a]][locs[c]] if a != c else 0
                    for c in range(len(locs))
                ]
                for a in range(len(locs))
            ]
            time_cb[kind] = b.routing.RegisterTransitMatrix(node_m)
        key = (kind, t.vehicle.cost_per_metre, t.vehicle.cost_per_minute)
        if key not in cost_cb:
            pm, pt = key[1], key[2]
            node_m = [
                [
                    pm * mat.metres[locs[a]][locs[c]] + pt * mat.minutes[locs[a]][locs[c]]
                    for c in range(len(locs))
                ]
                for a in range(len(locs))
            ]
            cost_cb[key] = b.routing.RegisterTransitMatrix(node_m)
        trip_time.append(time_cb[kind])
        trip_cost.append(cost_cb[key])
    return trip_time, trip_cost


def _step_costs(b: _Built, trip_cost: list[int]) -> None:
    for v, t in enumerate(b.spec.trips):
        b.routing.SetArcCostEvaluatorOfVehicle(trip_cost[v], v)
        if t.fixed_cost:
            b.routing.SetFixedCostOfVehicle(t.fixed_cost, v)


def _step_dimensions(b: _Built, trip_time: list[int]) -> None:
    h = b.spec.horizon
    b.routing.AddDimensionWithVehicleTransits(trip_time, h, h, False, "time")
    b.time_dim = b.routing.GetDimensionOrDie("time")
    if b.has_hold:
        b.routing.AddDimensionWithVehicleTransits(trip_time, h, 2 * h, False, "ride")
        b.ride_dim = b.routing.GetDimensionOrDie("ride")


def _step_capacity(b: _Built) -> None:
    spec = b.spec
    zeros = [0] * b.n_depots
    hot = b.routing.RegisterUnaryTransitVector(zeros + [c.hot for c in spec.chunks])
    b.routing.AddDimensionWithVehicleCapacity(
        hot, 0, [t.vehicle.hot_capacity for t in spec.trips], True, "hot"
    )
    if any(c.cold for c in spec.chunks):
        cold = b.routing.RegisterUnaryTransitVector(zeros + [c.cold for c in spec.chunks])
        b.routing.AddDimensionWithVehicleCapacity(
            cold, 0, [t.vehicle.cold_capacity for t in spec.trips], True, "cold"
        )


def _step_windows(b: _Built) -> None:
    """Stop windows, trip departure/return bounds, hold limits via the ride dimension."""
    spec, routing, td = b.spec, b.routing, b.time_dim
    solver = routing.solver()
    for i, c in enumerate(spec.chunks):
        idx = b.manager.NodeToIndex(b.n_depots + i)
        td.CumulVar(idx).SetRange(c.stop.window[0], c.stop.window[1])
    for v, t in enumerate(spec.trips):
        s, e = routing.Start(v), routing.End(v)
        td.CumulVar(s).SetRange(t.earliest_depart, t.latest_return)
        td.CumulVar(e).SetRange(t.earliest_depart, t.latest_return)
        routing.AddVariableMaximizedByFinalizer(td.CumulVar(s))
        routing.AddVariableMinimizedByFinalizer(td.CumulVar(e))
    if b.ride_dim is None:
        return
    rd = b.ride_dim
    for v, t in enumerate(spec.trips):
        s = routing.Start(v)
        if t.ready is None:
            rd.CumulVar(s).SetValue(t.vehicle.loading_minutes)
        else:
            solver.Add(rd.CumulVar(s) == td.CumulVar(s) - t.ready)
    for index in range(routing.Size()):
        if not routing.IsEnd(index):
            solver.Add(rd.SlackVar(index) == td.SlackVar(index))
    for i, c in enumerate(spec.chunks):
        if c.stop.hold_limit is not None:
            rd.CumulVar(b.manager.NodeToIndex(b.n_depots + i)).SetMax(c.stop.hold_limit)


def _step_trip_chaining(b: _Built) -> None:
    routing, td = b.routing, b.time_dim
    solver = routing.solver()
    for v, t in enumerate(b.spec.trips):
        if t.prev is None:
            continue
        prev_used = routing.ActiveVehicleVar(t.prev)
        solver.Add(
            td.CumulVar(routing.Start(v))
            >= td.CumulVar(routing.End(t.prev)) + prev_used * t.vehicle.reload_minutes
        )
        solver.Add(routing.ActiveVehicleVar(v) <= prev_used)


def _step_allowed_vehicles(b: _Built) -> None:
    """A stop with ``Stop.vehicles`` rides only their trips (none in this model: unserved).

    Through the node's vehicle variable (-1: not performed): 9.15's Python binding of
    ``SetAllowedVehiclesForIndex`` rejects a list."""
    for i, c in enumerate(b.spec.chunks):
        if not c.stop.vehicles:
            continue
        idx = b.manager.NodeToIndex(b.n_depots + i)
        trips = [
            v
            for v, t in enumerate(b.spec.trips)
            if t.vehicle.id in c.stop.vehicles and c.stop.trip in (None, t.trip_index)
        ]
        b.routing.VehicleVar(idx).SetValues([-1, *trips])


def _step_disjunctions(b: _Built, penalty_per_meal: int) -> None:
    for i, c in enumerate(b.spec.chunks):
        idx = b.manager.NodeToIndex(b.n_depots + i)
        b.routing.AddDisjunction([idx], penalty_per_meal * max(1, c.meals))


LARGE_MODEL = 300
"""From this many chunks on, the insertion-based LNS operators are switched off: on
1,000-customer instances they stalled the search for a minute without an improvement and
without OR-Tools checking its time limit (C1_10_1: 60 s limit, 88 s wall); without them the
limit holds and the result is as good (42,644 both)."""

_SLOW_LNS = (
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
)


def search_parameters(params: RoutingParams, time_limit_s: float, n_chunks: int = 0) -> Any:
    """OR-Tools search parameters from :class:`RoutingParams` (and a per-model budget)."""
    sp = pywrapcp.DefaultRoutingSearchParameters()
    if n_chunks >= LARGE_MODEL:
        for name in _SLOW_LNS:
            setattr(sp.local_search_operators, name, 2)  # OptionalBoolean.BOOL_FALSE
    sp.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, params.first_solution.value
    )
    sp.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic.value
    )
    sp.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if params.solution_limit is not None:
        sp.solution_limit = params.solution_limit
    if params.neighbors_ratio < 1.0:
        sp.ls_operator_neighbors_ratio = params.neighbors_ratio
        sp.ls_operator_min_neighbors = 10
    sp.log_search = params.log_search
    return sp


def _step_extract(b: _Built, solution: Any) -> tuple[list[RoutedTrip], list[int]]:
    routing, td = b.routing, b.time_dim
    trips: list[RoutedTrip] = []
    served: set[int] = set()
    for v, t in enumerate(b.spec.trips):
        index = routing.Start(v)
        depart = solution.Min(td.CumulVar(index))
        ready = t.ready if t.ready is not None else depart - t.vehicle.loading_minutes
        visits: list[tuple[int, int, int]] = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            chunk = b.manager.IndexToNode(index) - b.n_depots
            arrival = solution.Min(td.CumulVar(index))
            ride = arrival - ready  # equals the ride cumul by construction
            visits.append((chunk, arrival, ride))
            served.add(chunk)
            index = solution.Value(routing.NextVar(index))
        return_at = solution.Min(td.CumulVar(index))
        trips.append(
            RoutedTrip(depart=depart, return_at=return_at, ready=ready, visits=tuple(visits))
        )
    dropped = [i for i in range(len(b.spec.chunks)) if i not in served]
    return trips, dropped


# ----------------------------------------------------------------------------- entry


def solve_model(
    spec: ModelSpec,
    params: RoutingParams,
    deadline: float,
    initial_routes: Sequence[Sequence[int]] | None = None,
) -> ModelOutput:
    """Solve one model, stopping by ``deadline`` (a ``time.monotonic()`` value).

    OR-Tools gets the time left after building the model; a custom search limit checks our
    own clock as well (OR-Tools has been seen overrunning its limit).
    ``initial_routes``: optional warm start, chunk indices per trip.
    """
    if not spec.trips:
        return ModelOutput(
            SolveStatus.FEASIBLE, (), tuple(range(len(spec.chunks))), 0, "no vehicles"
        )
    b = _Built(spec)
    _step_manager(b)
    _step_model(b)
    trip_time, trip_cost = _step_transit_callbacks(b)
    _step_costs(b, trip_cost)
    _step_dimensions(b, trip_time)
    _step_capacity(b)
    _step_windows(b)
    _step_trip_chaining(b)
    _step_allowed_vehicles(b)
    if params.allow_drops:
        _step_disjunctions(b, params.drop_penalty_per_meal)
    left = deadline - time.monotonic()
    sp = search_parameters(params, max(0.05, 0.97 * left), len(spec.chunks))
    if len(spec.chunks) <= 1:
        # nothing for a metaheuristic to do (GLS would idle until the time limit)
        sp.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    limit = b.routing.solver().CustomLimit(lambda: time.monotonic() > deadline)
    b.routing.AddSearchMonitor(limit)

    logger.debug("routing model: %d chunks, %d trips", len(spec.chunks), len(spec.trips))
    solution = None
    if initial_routes is not None:
        b.routing.CloseModelWithParameters(sp)
        routes = [[b.manager.NodeToIndex(b.n_depots + i) for i in r] for r in initial_routes]
        start = b.routing.ReadAssignmentFromRoutes(routes, True)
        if start is None:
            # the caller keeps its own plan; solving from scratch would rarely do better
            logger.warning("warm start rejected by OR-Tools")
            return ModelOutput(
                SolveStatus.NO_SOLUTION,
                (),
                tuple(range(len(spec.chunks))),
                0,
                "OR-Tools rejected the initial plan",
            )
        solution = b.routing.SolveFromAssignmentWithParameters(start, sp)
    else:
        solution = b.routing.SolveWithParameters(sp)
    status = map_status(b.routing.status())
    if solution is None:
        if status.value in ("feasible", "optimal"):
            status = SolveStatus.NO_SOLUTION
        return ModelOutput(
            status, (), tuple(range(len(spec.chunks))), 0, f"OR-Tools status {b.routing.status()}"
        )
    trips, dropped = _step_extract(b, solution)
    if status not in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL):
        if len(dropped) == len(spec.chunks) and spec.chunks:
            # only OR-Tools' "all unperformed" fallback: no plan was found in time
            return ModelOutput(
                SolveStatus.NO_SOLUTION,
                (),
                tuple(dropped),
                0,
                f"no plan found in time (OR-Tools status {b.routing.status()})",
            )
        status = SolveStatus.FEASIBLE  # a real plan cut short by our own limit: usable
    return ModelOutput(status, tuple(trips), tuple(dropped), int(solution.ObjectiveValue()))
