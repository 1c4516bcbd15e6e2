"""Standard VRP instance files: reading, conversion to the routing solver, costs, checking.

Formats (read with ``vrplib``): Solomon / Gehring-Homberger VRPTW text files (``.txt``) and
VRPLIB files (``.vrp``, CVRP and VRPTW). One depot, at index 0 of vrplib's arrays.

Customer numbering: as in the solution (``.sol``) files of both collections, i.e. vrplib's
0-based array index with the depot at 0 and customers ``1 .. n``. For Solomon files this is
the ``CUST NO.`` column; for VRPLIB files it is the node number minus one.

Rounding conventions (``Rounding``):

- ``dimacs``: distances (= travel times) truncated to one decimal (DIMACS 2021 VRPTW);
- ``exact``: double precision;
- ``round``: nearest integer (TSPLIB ``nint``, the CVRPLIB X convention).

The solver gets a scaled integer matrix (:data:`SCALE`): tenths for ``dimacs`` (exact),
units for ``round`` (exact), thousandths for ``exact`` (costs rounded, travel times rounded
*up*, so a plan the solver finds feasible is feasible in double precision too).

:func:`check_routes` is independent of the solver: it recomputes times and loads from the
instance data alone.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import vrplib

from solvers.routing import (
    Kitchen,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Stop,
    StopKind,
    TravelMatrix,
    Vehicle,
    solve_routes,
)


class Rounding(StrEnum):
    """How distances are rounded (see the module docstring)."""

    DIMACS = "dimacs"
    EXACT = "exact"
    ROUND = "round"


SCALE: dict[Rounding, int] = {Rounding.DIMACS: 10, Rounding.EXACT: 1000, Rounding.ROUND: 1}
"""Integer units per instance unit in the matrices given to the solver."""

_EPS = 1e-6


@dataclass(frozen=True)
class VrpInstance:
    """A single-depot CVRP / VRPTW instance.

    Attributes:
        name: instance name from the file.
        path: file it was read from.
        kind: ``"VRPTW"`` or ``"CVRP"``.
        coords: (x, y) per node, depot first (``None`` if the file gives explicit weights).
        distances: exact (double) distance matrix, depot first.
        demand: per node (depot 0).
        capacity: vehicle capacity.
        vehicles: fleet size from the file, or ``None`` when the file sets no limit.
        windows: (ready, due) per node for VRPTW, ``None`` for CVRP.
        service: service time per node (depot 0).
        integral_coords: every coordinate is an integer (distances then truncate exactly).
    """

    name: str
    path: str
    kind: str
    coords: tuple[tuple[float, float], ...] | None
    distances: tuple[tuple[float, ...], ...]
    demand: tuple[int, ...]
    capacity: int
    vehicles: int | None
    windows: tuple[tuple[float, float], ...] | None
    service: tuple[float, ...]
    integral_coords: bool

    @property
    def n_customers(self) -> int:
        """Customers (nodes minus the depot)."""
        return len(self.demand) - 1


def _is_solomon(path: Path) -> bool:
    if path.suffix.lower() == ".txt":
        return True
    with path.open(encoding="utf-8", errors="replace") as fh:
        head = fh.read(2000).upper()
    return "CUST NO." in head or "CUSTOMER" in head and "NODE_COORD_SECTION" not in head


def read_instance(path: str | os.PathLike[str]) -> VrpInstance:
    """Read a Solomon/Gehring-Homberger ``.txt`` or a VRPLIB ``.vrp`` file.

    Raises ``ValueError`` for files this module cannot handle (several depots, missing
    capacity, a depot not at the first node).
    """
    p = Path(path)
    fmt = "solomon" if _is_solomon(p) else "vrplib"
    raw: dict[str, Any] = vrplib.read_instance(str(p), instance_format=fmt)
    depot = raw.get("depot")
    if depot is not None and [int(d) for d in depot] != [0]:
        raise ValueError(f"{p.name}: only one depot at the first node is supported, got {depot}")
    if "capacity" not in raw:
        raise ValueError(f"{p.name}: no CAPACITY")
    demand = tuple(int(d) for d in raw["demand"])
    n = len(demand)
    coords: tuple[tuple[float, float], ...] | None = None
    integral = False
    if raw.get("node_coord") is not None:
        coords = tuple((float(x), float(y)) for x, y in raw["node_coord"])
        integral = all(x.is_integer() and y.is_integer() for x, y in coords)
    ew = raw.get("edge_weight")
    if ew is None:
        if coords is None:
            raise ValueError(f"{p.name}: neither coordinates nor edge weights")
        dist = tuple(tuple(math.dist(a, b) for b in coords) for a in coords)
    else:
        dist = tuple(tuple(float(v) for v in row) for row in ew)
    if len(dist) != n:
        raise ValueError(f"{p.name}: {len(dist)} distance rows for {n} nodes")
    tw = raw.get("time_window")
    windows = None if tw is None else tuple((float(a), float(b)) for a, b in tw)
    st = raw.get("service_time")
    if st is None:
        service = (0.0,) * n
    elif isinstance(st, int | float):
        service = (0.0,) + (float(st),) * (n - 1)  # VRPLIB scalar: customers only
    else:
        service = tuple(float(s) for s in st)
        service = (0.0,) + service[1:]
    kind = "VRPTW" if windows is not None else "CVRP"
    vehicles = raw.get("vehicles")
    return VrpInstance(
        name=str(raw.get("name", p.stem)).strip(),
        path=str(p),
        kind=kind,
        coords=coords,
        distances=dist,
        demand=demand,
        capacity=int(raw["capacity"]),
        vehicles=int(vehicles) if vehicles is not None else None,
        windows=windows,
        service=service,
        integral_coords=integral,
    )


# ------------------------------------------------------------------------ distances


def _scaled_floor(inst: VrpInstance, i: int, j: int, scale: int) -> int:
    """floor(distance * scale), exactly for integer coordinates."""
    if inst.coords is not None and inst.integral_coords:
        (x1, y1), (x2, y2) = inst.coords[i], inst.coords[j]
        sq = (int(x1) - int(x2)) ** 2 + (int(y1) - int(y2)) ** 2
        return math.isqrt(sq * scale * scale)
    return math.floor(inst.distances[i][j] * scale + 1e-9)


def scaled_matrices(
    inst: VrpInstance, rounding: Rounding
) -> tuple[list[list[int]], list[list[int]]]:
    """(cost, time) integer matrices in units of ``1 / SCALE[rounding]``."""
    n = len(inst.demand)
    scale = SCALE[rounding]
    cost = [[0] * n for _ in range(n)]
    tim = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            if rounding is Rounding.DIMACS:
                cost[i][j] = tim[i][j] = _scaled_floor(inst, i, j, scale)
            elif rounding is Rounding.ROUND:
                cost[i][j] = tim[i][j] = int(inst.distances[i][j] + 0.5)
            else:
                d = inst.distances[i][j] * scale
                cost[i][j] = round(d)
                tim[i][j] = math.ceil(d - 1e-9)
    return cost, tim


def _unit_distance(inst: VrpInstance, rounding: Rounding, i: int, j: int) -> int | float:
    """Distance in checker units: tenths (dimacs), integers (round), floats (exact)."""
    if i == j:
        return 0
    if rounding is Rounding.DIMACS:
        return _scaled_floor(inst, i, j, 10)
    if rounding is Rounding.ROUND:
        return int(inst.distances[i][j] + 0.5)
    return inst.distances[i][j]


def _unit_scale(rounding: Rounding) -> int:
    return 10 if rounding is Rounding.DIMACS else 1


def route_cost(inst: VrpInstance, routes: Sequence[Sequence[int]], rounding: Rounding) -> float:
    """Total distance of the routes (customer ids, depot implicit) in instance units."""
    total: int | float = 0
    for r in routes:
        if not r:
            continue
        path = [0, *r, 0]
        for a, b in zip(path, path[1:], strict=False):
            total += _unit_distance(inst, rounding, a, b)
    if rounding is Rounding.DIMACS:
        return round(total / 10, 1)
    if rounding is Rounding.ROUND:
        return float(total)
    return float(total)


def check_routes(
    inst: VrpInstance, routes: Sequence[Sequence[int]], rounding: Rounding
) -> list[str]:
    """Every violation of the routes against the instance (empty list: feasible).

    Checks: customer ids valid, each customer exactly once, load <= capacity, service
    starts within each window (waiting allowed), return to the depot by its due time, no
    more routes than the fleet. Times use the rounded distances, as the convention says.
    """
    errs: list[str] = []
    n = len(inst.demand)
    seen: dict[int, int] = {}
    used = [r for r in routes if r]
    if inst.vehicles is not None and len(used) > inst.vehicles:
        errs.append(f"{len(used)} routes > fleet of {inst.vehicles}")
    us = _unit_scale(rounding)
    for k, r in enumerate(used):
        load = 0
        for c in r:
            if not isinstance(c, int) or not 1 <= c < n:
                errs.append(f"route {k}: invalid customer id {c!r}")
                continue
            seen[c] = seen.get(c, 0) + 1
            load += inst.demand[c]
        if load > inst.capacity:
            errs.append(f"route {k}: load {load} > capacity {inst.capacity}")
        if inst.windows is None or any(not (isinstance(c, int) and 1 <= c < n) for c in r):
            continue
        t: int | float = inst.windows[0][0] * us
        prev = 0
        for c in r:
            t = t + inst.service[prev] * us + _unit_distance(inst, rounding, prev, c)
            ready, due = inst.windows[c][0] * us, inst.windows[c][1] * us
            t = max(t, ready)
            if t > due + _EPS:
                errs.append(f"route {k}: customer {c} served at {t / us:g} > due {due / us:g}")
            prev = c
        t = t + inst.service[prev] * us + _unit_distance(inst, rounding, prev, 0)
        if t > inst.windows[0][1] * us + _EPS:
            errs.append(f"route {k}: back at depot at {t / us:g} > {inst.windows[0][1]:g}")
    for c in range(1, n):
        if inst.demand[c] == 0 and c not in seen and inst.kind == "CVRP":
            continue
        cnt = seen.get(c, 0)
        if cnt != 1:
            errs.append(f"customer {c} visited {cnt} times")
    return errs


# ------------------------------------------------------------------------ conversion


def fleet_size(inst: VrpInstance) -> int:
    """Vehicles offered to the solver: the file's fleet, or (CVRP without a limit) a bound
    of 1.3 x the capacity lower bound + 2, at most one per customer."""
    if inst.vehicles is not None:
        return inst.vehicles
    lb = math.ceil(sum(inst.demand) / inst.capacity)
    return min(inst.n_customers, math.ceil(1.3 * lb) + 2)


def to_routing_problem(inst: VrpInstance, rounding: Rounding) -> RoutingProblem:
    """The instance as a :class:`RoutingProblem` in scaled integer units (no hold limits,
    no fixed costs: distance only, as in the DIMACS / CVRPLIB conventions)."""
    scale = SCALE[rounding]
    cost, tim = scaled_matrices(inst, rounding)
    if inst.windows is not None:

        def win(i: int) -> tuple[int, int]:
            assert inst.windows is not None
            a, b = inst.windows[i]
            return math.ceil(a * scale - 1e-9), math.floor(b * scale + 1e-9)
    else:
        big = sum(max(row) for row in tim) + int(sum(inst.service) * scale) + 1

        def win(i: int) -> tuple[int, int]:
            return 0, big

    stops = tuple(
        Stop(
            id=str(i),
            location=i,
            hot=inst.demand[i],
            window=win(i),
            service_minutes=math.ceil(inst.service[i] * scale - 1e-9),
            kind=StopKind.HOME,
        )
        for i in range(1, len(inst.demand))
    )
    vehicles = tuple(
        Vehicle(
            id=f"v{k}",
            kind="std",
            start_kitchen="depot",
            hot_capacity=inst.capacity,
            shift=win(0),
            fixed_cost=0,
            cost_per_metre=1,
        )
        for k in range(fleet_size(inst))
    )
    return RoutingProblem(
        kitchens=(Kitchen("depot", 0),),
        stops=stops,
        vehicles=vehicles,
        matrices={"std": TravelMatrix(tuple(map(tuple, cost)), tuple(map(tuple, tim)))},
    )


def routes_from_result(result: RoutingResult) -> list[list[int]]:
    """Customer ids per used route, in the result's vehicle order."""
    return [[int(v.stop_id) for v in t.visits] for r in result.routes for t in r.trips if t.visits]


@dataclass(frozen=True)
class StandardSolution:
    """A solved standard instance, with its independent check."""

    instance: str
    cost: float
    vehicles: int
    routes: list[list[int]]
    feasible: bool
    violations: list[str]
    wall_s: float
    status: str
    solver_cost: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (fields as printed by ``mealplan solve-vrp``)."""
        return {
            "instance": self.instance,
            "cost": self.cost,
            "vehicles": self.vehicles,
            "routes": self.routes,
            "feasible": self.feasible,
            "violations": self.violations,
            "wall_s": round(self.wall_s, 3),
            "status": self.status,
        }


def solve_instance(
    inst: VrpInstance, rounding: Rounding, params: RoutingParams
) -> StandardSolution:
    """Solve with :func:`solve_routes`; cost recomputed from the routes, routes checked."""
    problem = to_routing_problem(inst, rounding)
    result = solve_routes(problem, params)
    routes = routes_from_result(result)
    violations = (
        check_routes(inst, routes, rounding)
        if result.is_feasible()
        else [f"no plan: {result.status.value} {result.message}".strip()]
    )
    cost = route_cost(inst, routes, rounding)
    return StandardSolution(
        instance=inst.name,
        cost=cost,
        vehicles=len(routes),
        routes=routes,
        feasible=result.is_feasible() and not violations,
        violations=violations,
        wall_s=result.wall_s,
        status=result.status.value,
        solver_cost=result.objective.distance_m / SCALE[rounding],
    )
