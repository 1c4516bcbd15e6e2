"""Input, parameter and result types of the hot-meal routing solver.

Units at the boundary: integer **minutes** (times of day are minutes since midnight) and
integer **metres**; demands are integer counts (hot meal boxes, cold items). All types are
frozen dataclasses validated at construction: a bad value raises ``ValueError`` naming it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from solvers.clock import MINUTES_PER_DAY, hhmm
from solvers.status import SolveStatus

if TYPE_CHECKING:
    from solvers.routing.bounds import FleetBound, WhatIf

DAY_MINUTES = MINUTES_PER_DAY
"""Default horizon: one day in minutes."""


class StopKind(StrEnum):
    """What sort of place a stop is."""

    CANTEEN = "canteen"
    DINING_POINT = "dining_point"
    HOME = "home"

    @property
    def is_bulk(self) -> bool:
        """Bulk sites (canteens and dining points) get hot boxes in bulk."""
        return self is not StopKind.HOME


DEFAULT_HOLD_LIMITS: Mapping[StopKind, int] = {
    StopKind.CANTEEN: 120,
    StopKind.DINING_POINT: 120,
    StopKind.HOME: 60,
}
"""Strictest defaults from domain.md: 2 h cook->eat for bulk sites; 1 h pack->arrive at home.
The caller decides what "ready" means for its service and sets ``Stop.hold_limit``."""


def default_hold_limit(kind: StopKind) -> int:
    """Default hold limit (minutes) for a stop kind."""
    return DEFAULT_HOLD_LIMITS[kind]


class DropReason(StrEnum):
    """Why a stop (or part of it) is not served; the values are stable rule ids."""

    HOLD_LIMIT = "hold_limit"
    """Cannot be reached within its hold limit from any kitchen, even on a direct trip."""
    TIME_WINDOW = "time_window"
    """No vehicle can arrive before the window closes (or be back before its shift ends)."""
    TOO_LARGE = "too_large"
    """Needs more than any vehicle carries (and splitting is off or impossible)."""
    NO_CAPACITY = "no_capacity"
    """Feasible alone, but the fleet had no capacity or time left for it."""
    NOT_ROUTED = "not_routed"
    """The solver found no plan for its part of the problem within the time limit."""


class FirstSolution(StrEnum):
    """OR-Tools first-solution strategies offered (names as in ``routing_enums_pb2``)."""

    AUTOMATIC = "AUTOMATIC"
    PATH_CHEAPEST_ARC = "PATH_CHEAPEST_ARC"
    PARALLEL_CHEAPEST_INSERTION = "PARALLEL_CHEAPEST_INSERTION"
    SEQUENTIAL_CHEAPEST_INSERTION = "SEQUENTIAL_CHEAPEST_INSERTION"
    LOCAL_CHEAPEST_INSERTION = "LOCAL_CHEAPEST_INSERTION"
    LOCAL_CHEAPEST_COST_INSERTION = "LOCAL_CHEAPEST_COST_INSERTION"
    GLOBAL_CHEAPEST_ARC = "GLOBAL_CHEAPEST_ARC"
    SAVINGS = "SAVINGS"
    PARALLEL_SAVINGS = "PARALLEL_SAVINGS"
    SWEEP = "SWEEP"
    CHRISTOFIDES = "CHRISTOFIDES"
    BEST_INSERTION = "BEST_INSERTION"


class Metaheuristic(StrEnum):
    """OR-Tools local-search metaheuristics offered."""

    AUTOMATIC = "AUTOMATIC"
    GREEDY_DESCENT = "GREEDY_DESCENT"
    GUIDED_LOCAL_SEARCH = "GUIDED_LOCAL_SEARCH"
    SIMULATED_ANNEALING = "SIMULATED_ANNEALING"
    TABU_SEARCH = "TABU_SEARCH"
    GENERIC_TABU_SEARCH = "GENERIC_TABU_SEARCH"


def _nonneg_int(owner: str, name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{owner}: {name} must be an integer >= 0, got {value!r}")


def _window(owner: str, name: str, value: tuple[int, int]) -> None:
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or any(not isinstance(v, int) or isinstance(v, bool) for v in value)
        or value[0] < 0
        or value[0] > value[1]
    ):
        raise ValueError(
            f"{owner}: {name} must be (start, end) minutes with 0 <= start <= end, got {value!r}"
        )


def _ident(owner: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{owner}: id must be a non-empty string, got {value!r}")


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Kitchen:
    """A central kitchen where vehicles load.

    Attributes:
        id: unique name.
        location: row/column of this kitchen in the travel matrices.
        lat, lon: optional coordinates, used only to cut large problems into sectors.
    """

    id: str
    location: int
    lat: float | None = None
    lon: float | None = None

    def __post_init__(self) -> None:
        _ident("Kitchen", self.id)
        _nonneg_int(f"Kitchen {self.id}", "location", self.location)


@dataclass(frozen=True)
class Stop:
    """A place that receives meals.

    Attributes:
        id: unique name (a site code or an elder's client number).
        location: row/column in the travel matrices.
        hot: hot meal boxes to deliver (>= 0).
        cold: cold items (fruit, milk) to deliver, carried in the cold compartment (>= 0).
        window: (earliest, latest) minute of the day at which service may start.
        service_minutes: minutes spent at the stop (unloading, signature).
        kind: canteen, dining point or home.
        hold_limit: most minutes from the ready time of the vehicle's load to the start of
            service here (``None``: no limit). See :data:`DEFAULT_HOLD_LIMITS`.
        name: label for messages (e.g. the site's Chinese name); defaults to ``id``.
        lat, lon: optional coordinates, used only to cut large problems into sectors.
        vehicles: ids of the only vehicles allowed to serve this stop (empty: any), e.g. a
            dispatcher's lock of the stop to its vehicle; every id must be in the fleet.
        trip: with ``vehicles``, the only trip (0-based, as ``Trip.index``) of those
            vehicles allowed to serve it (``None``: any), a dispatcher's lock to a trip.
    """

    id: str
    location: int
    hot: int
    cold: int = 0
    window: tuple[int, int] = (0, DAY_MINUTES)
    service_minutes: int = 0
    kind: StopKind = StopKind.HOME
    hold_limit: int | None = None
    name: str = ""
    lat: float | None = None
    lon: float | None = None
    vehicles: tuple[str, ...] = ()
    trip: int | None = None

    def __post_init__(self) -> None:
        _ident("Stop", self.id)
        who = f"Stop {self.id}"
        _nonneg_int(who, "location", self.location)
        _nonneg_int(who, "hot", self.hot)
        _nonneg_int(who, "cold", self.cold)
        _window(who, "window", self.window)
        _nonneg_int(who, "service_minutes", self.service_minutes)
        if not isinstance(self.kind, StopKind):
            object.__setattr__(self, "kind", StopKind(self.kind))
        if self.hold_limit is not None:
            _nonneg_int(who, "hold_limit", self.hold_limit)
        if isinstance(self.vehicles, str) or not all(
            isinstance(v, str) and v for v in self.vehicles
        ):
            raise ValueError(
                f"{who}: vehicles must be vehicle ids (non-empty strings), got {self.vehicles!r}"
            )
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        if self.trip is not None:
            _nonneg_int(who, "trip", self.trip)
            if not self.vehicles:
                raise ValueError(f"{who}: trip needs vehicles (the vehicles the trip is of)")

    @property
    def label(self) -> str:
        """Name for messages."""
        return self.name or self.id


@dataclass(frozen=True)
class Vehicle:
    """A physical vehicle (van, electric tricycle) with a driver for one shift.

    Attributes:
        id: unique name (plate or driver).
        kind: key into ``RoutingProblem.matrices`` (travel depends on the kind).
        start_kitchen: kitchen id where it loads (every trip starts here).
        hot_capacity: hot boxes per trip.
        cold_capacity: cold items per trip.
        end_kitchen: kitchen id where the last trip ends (default: ``start_kitchen``);
            earlier trips return to ``start_kitchen`` to reload.
        shift: (start, end) minutes of the day: first departure >= start, last return <= end.
        fixed_cost: objective cost when the vehicle is used at all (makes "fewest vehicles"
            the second goal after serving every meal).
        cost_per_metre: objective cost per metre driven.
        cost_per_minute: objective cost per minute driven (travel only, not service).
        max_trips: waves it may drive (>= 1); each extra trip starts at ``start_kitchen``
            no earlier than the previous return plus ``reload_minutes``.
        reload_minutes: minutes at the kitchen between two trips.
        loading_minutes: minutes from "food ready" to departure; when ``ready_times`` is
            empty the ready time of each trip is decided with the routes as
            ``departure - loading_minutes``.
        ready_times: optional fixed ready time per trip (one per trip, ``max_trips`` values;
            ``None`` for a trip whose ready time is decided with the routes): the trip
            then departs no earlier than ``ready + loading_minutes`` and the hold limit is
            measured from this ready time.
    """

    id: str
    kind: str
    start_kitchen: str
    hot_capacity: int
    cold_capacity: int = 0
    end_kitchen: str | None = None
    shift: tuple[int, int] = (0, DAY_MINUTES)
    fixed_cost: int = 0
    cost_per_metre: int = 1
    cost_per_minute: int = 0
    max_trips: int = 1
    reload_minutes: int = 0
    loading_minutes: int = 0
    ready_times: tuple[int | None, ...] = ()

    def __post_init__(self) -> None:
        _ident("Vehicle", self.id)
        who = f"Vehicle {self.id}"
        if not isinstance(self.kind, str) or not self.kind:
            raise ValueError(f"{who}: kind must be a non-empty string, got {self.kind!r}")
        for name in (
            "hot_capacity",
            "cold_capacity",
            "fixed_cost",
            "cost_per_metre",
            "cost_per_minute",
            "reload_minutes",
            "loading_minutes",
        ):
            _nonneg_int(who, name, getattr(self, name))
        _window(who, "shift", self.shift)
        if not isinstance(self.max_trips, int) or self.max_trips < 1:
            raise ValueError(f"{who}: max_trips must be an integer >= 1, got {self.max_trips!r}")
        if self.ready_times:
            if len(self.ready_times) != self.max_trips:
                raise ValueError(
                    f"{who}: ready_times has {len(self.ready_times)} values, "
                    f"expected max_trips = {self.max_trips}"
                )
            fixed = [t for t in self.ready_times if t is not None]
            for t in fixed:
                _nonneg_int(who, "ready_times", t)
            if fixed != sorted(fixed):
                raise ValueError(f"{who}: ready_times must be ascending, got {self.ready_times}")

    @property
    def last_kitchen(self) -> str:
        """Where the last trip ends."""
        return self.end_kitchen or self.start_kitchen


@dataclass(frozen=True)
class TravelMatrix:
    """Travel between locations for one vehicle kind (see :mod:`solvers.travel`).

    Attributes:
        metres: square matrix of integer metres, ``metres[i][j]`` from location i to j.
        minutes: square matrix of integer minutes, same shape.
    """

    metres: tuple[tuple[int, ...], ...]
    minutes: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "metres", tuple(tuple(r) for r in self.metres))
        object.__setattr__(self, "minutes", tuple(tuple(r) for r in self.minutes))
        n = len(self.metres)
        if len(self.minutes) != n:
            raise ValueError(f"TravelMatrix: minutes has {len(self.minutes)} rows, metres {n}")
        for name, mat in (("metres", self.metres), ("minutes", self.minutes)):
            for i, row in enumerate(mat):
                if len(row) != n:
                    raise ValueError(
                        f"TravelMatrix: {name} row {i} has {len(row)} entries, expected {n}"
                    )
                for j, v in enumerate(row):
                    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                        raise ValueError(
                            f"TravelMatrix: {name}[{i}][{j}] = {v!r} is not an integer >= 0"
                        )

    @property
    def size(self) -> int:
        """Number of locations."""
        return len(self.metres)


@dataclass(frozen=True)
class RoutingProblem:
    """One day's (or one meal's) delivery problem.

    Attributes:
        kitchens: the kitchens (ids unique).
        stops: the stops to serve (ids unique).
        vehicles: the fleet (ids unique; each refers to existing kitchens and matrix kinds).
        matrices: vehicle kind -> :class:`TravelMatrix` over all locations.
        split_oversize: split a stop needing more than the largest vehicle carries into
            chunks of at most that capacity (served by several vehicles or trips); when
            ``False`` such a stop is reported unserved with reason ``too_large``.
    """

    kitchens: tuple[Kitchen, ...]
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    matrices: Mapping[str, TravelMatrix]
    split_oversize: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "kitchens", tuple(self.kitchens))
        object.__setattr__(self, "stops", tuple(self.stops))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        if not self.kitchens:
            raise ValueError("RoutingProblem: kitchens must not be empty")
        for label, items in (
            ("kitchen", self.kitchens),
            ("stop", self.stops),
            ("vehicle", self.vehicles),
        ):
            seen: set[str] = set()
            for it in items:
                if it.id in seen:
                    raise ValueError(f"RoutingProblem: duplicate {label} id {it.id!r}")
                seen.add(it.id)
        if not self.matrices:
            raise ValueError("RoutingProblem: matrices must not be empty")
        sizes = {m.size for m in self.matrices.values()}
        if len(sizes) != 1:
            raise ValueError(f"RoutingProblem: matrices differ in size: {sorted(sizes)}")
        n = sizes.pop()
        for k in self.kitchens:
            if k.location >= n:
                raise ValueError(
                    f"RoutingProblem: kitchen {k.id} location {k.location} >= matrix size {n}"
                )
        for s in self.stops:
            if s.location >= n:
                raise ValueError(
                    f"RoutingProblem: stop {s.id} location {s.location} >= matrix size {n}"
                )
        kitchen_ids = {k.id for k in self.kitchens}
        for v in self.vehicles:
            if v.start_kitchen not in kitchen_ids:
                raise ValueError(
                    f"RoutingProblem: vehicle {v.id} start_kitchen "
                    f"{v.start_kitchen!r} is not a kitchen"
                )
            if v.last_kitchen not in kitchen_ids:
                raise ValueError(
                    f"RoutingProblem: vehicle {v.id} end_kitchen {v.end_kitchen!r} is not a kitchen"
                )
            if v.kind not in self.matrices:
                raise ValueError(f"RoutingProblem: vehicle {v.id} kind {v.kind!r} has no matrix")
        vehicle_ids = {v.id for v in self.vehicles}
        for s in self.stops:
            unknown = [v for v in s.vehicles if v not in vehicle_ids]
            if unknown:
                raise ValueError(
                    f"RoutingProblem: stop {s.id} allows vehicles {unknown} that are not in the fleet"
                )

    def kitchen(self, kitchen_id: str) -> Kitchen:
        """The kitchen with this id."""
        for k in self.kitchens:
            if k.id == kitchen_id:
                return k
        raise KeyError(kitchen_id)


@dataclass(frozen=True)
class RoutingParams:
    """Search parameters (all validated).

    Attributes:
        first_solution: OR-Tools first-solution strategy.
        metaheuristic: OR-Tools metaheuristic for improving it.
        time_limit_s: wall-clock budget for the whole call (> 0), enforced by the solver's
            own clock too (between sub-models and through a search limit).
        solution_limit: stop after this many solutions per model (``None``: no limit);
            with it, runs are deterministic, which tests use.
        seed: seed for the solver's own randomised steps (sector cutting tie-breaks,
            restarts); OR-Tools' routing search itself is deterministic.
        log_search: let OR-Tools log its search (to stderr).
        drop_penalty_per_meal: objective cost per undelivered meal (box or cold item); keep it
            above any vehicle's fixed cost so that serving every meal comes first.
        max_stops_per_model: above this many stop chunks the problem is cut by kitchen and
            sector into models of at most this size (>= 10).
        neighbors_ratio: fraction of nearest neighbours OR-Tools' operators consider
            (0 < r <= 1; 1 = all); lower is faster on large models.
        allow_drops: let the solver leave stops unserved at ``drop_penalty_per_meal`` (the
            product default). ``False`` makes every stop that passes the pre-checks
            mandatory: the search is much stronger on benchmark instances (C1_2_1: 8.9% ->
            0.0% at 10 s), but a problem without a full plan then has no solution.
        own_first_solution: build the first plan with our own constructive heuristic
            (:mod:`solvers.routing.construct`: bulk sites first, then homes by regret
            insertion, exact hold-limit and multi-trip scheduling), improve it with our own
            ruin-and-recreate search and then OR-Tools; the best plan found is kept (ours
            if OR-Tools returns nothing better). ``False``: OR-Tools' own
            ``first_solution`` per decomposed part (the earlier behaviour). ``None``
            (default): ours when some vehicle drives several trips or some stop has a hold
            limit (every product problem), OR-Tools' own on classic VRPs (standard
            instances), where its strategies work and measured better on average.
        improve_with_ortools: after our own first plan, run OR-Tools from it (``False``:
            return the constructive plan, e.g. to measure it).
        own_search_share: fraction (0..1) of the time left after the first plan given to
            our own ruin-and-recreate search (:func:`solvers.routing.construct.improve`)
            before OR-Tools gets the rest (0: straight to OR-Tools).
        own_search_iterations: iteration cap of that search (``None``: time only; with
            ``solution_limit`` set and this ``None``, 300 iterations, so that tests are
            deterministic).
        hgs_warm_start: when PyVRP can express the model exactly (no hold limits, one trip
            per vehicle, no fixed ready times: every standard VRPTW/CVRP instance), plan
            it first with PyVRP's hybrid genetic search (:mod:`solvers.routing.hgs`), check
            that plan with our own scheduler; with ``hgs_share`` below 1 OR-Tools then
            improves on it with the time left (the better plan is kept). Only while
            ``own_first_solution`` is ``None`` (automatic); ``False`` here: OR-Tools and
            our own heuristics only.
        hgs_share: fraction (0..1] of the time limit given to that genetic search; 1 (the
            default): the whole budget and no OR-Tools polish after it (on the Solomon and
            1,000-customer benchmarks the polish took 15 % of the time and gained nothing
            measurable); below 1 asks for the polish with the rest.
        hgs_iterations: iteration cap of the genetic search (``None``: time only; with
            ``solution_limit`` set and this ``None``, 1,000 iterations, so that tests are
            deterministic).
    """

    first_solution: FirstSolution = FirstSolution.PARALLEL_CHEAPEST_INSERTION
    metaheuristic: Metaheuristic = Metaheuristic.GUIDED_LOCAL_SEARCH
    time_limit_s: float = 10.0
    solution_limit: int | None = None
    seed: int = 0
    log_search: bool = False
    drop_penalty_per_meal: int = 100_000_000
    max_stops_per_model: int = 800
    neighbors_ratio: float = 1.0
    allow_drops: bool = True
    own_first_solution: bool | None = None
    improve_with_ortools: bool = True
    own_search_share: float = 0.8
    own_search_iterations: int | None = None
    hgs_warm_start: bool = True
    hgs_share: float = 1.0
    hgs_iterations: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.first_solution, FirstSolution):
            try:
                object.__setattr__(self, "first_solution", FirstSolution(self.first_solution))
            except ValueError:
                raise ValueError(
                    f"RoutingParams: unknown first_solution {self.first_solution!r}"
                ) from None
        if not isinstance(self.metaheuristic, Metaheuristic):
            try:
                object.__setattr__(self, "metaheuristic", Metaheuristic(self.metaheuristic))
            except ValueError:
                raise ValueError(
                    f"RoutingParams: unknown metaheuristic {self.metaheuristic!r}"
                ) from None
        if not (
            isinstance(self.time_limit_s, int | float)
            and math.isfinite(self.time_limit_s)
            and self.time_limit_s > 0
        ):
            raise ValueError(f"RoutingParams: time_limit_s must be > 0, got {self.time_limit_s!r}")
        if self.solution_limit is not None and (
            not isinstance(self.solution_limit, int) or self.solution_limit < 1
        ):
            raise ValueError(
                f"RoutingParams: solution_limit must be >= 1 or None, got {self.solution_limit!r}"
            )
        _nonneg_int("RoutingParams", "seed", self.seed)
        _nonneg_int("RoutingParams", "drop_penalty_per_meal", self.drop_penalty_per_meal)
        if not isinstance(self.max_stops_per_model, int) or self.max_stops_per_model < 10:
            raise ValueError(
                f"RoutingParams: max_stops_per_model must be >= 10, "
                f"got {self.max_stops_per_model!r}"
            )
        if not (isinstance(self.own_search_share, int | float) and 0 <= self.own_search_share <= 1):
            raise ValueError(
                f"RoutingParams: own_search_share must be in [0, 1], got {self.own_search_share!r}"
            )
        if self.own_search_iterations is not None:
            _nonneg_int("RoutingParams", "own_search_iterations", self.own_search_iterations)
        if not (isinstance(self.hgs_share, int | float) and 0 < self.hgs_share <= 1):
            raise ValueError(f"RoutingParams: hgs_share must be in (0, 1], got {self.hgs_share!r}")
        if self.hgs_iterations is not None and (
            not isinstance(self.hgs_iterations, int)
            or isinstance(self.hgs_iterations, bool)
            or self.hgs_iterations < 1
        ):
            raise ValueError(
                f"RoutingParams: hgs_iterations must be >= 1 or None, got {self.hgs_iterations!r}"
            )
        if not (0 < self.neighbors_ratio <= 1):
            raise ValueError(
                f"RoutingParams: neighbors_ratio must be in (0, 1], got {self.neighbors_ratio!r}"
            )


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class Visit:
    """One delivery on a trip.

    Attributes:
        stop_id: the stop served.
        arrival: minute of the day service starts.
        hot, cold: what is unloaded here (a split stop has several visits).
        ride_minutes: minutes since the ready time of this trip's load (the hold-limit
            figure for this delivery).
    """

    stop_id: str
    arrival: int
    hot: int
    cold: int
    ride_minutes: int


@dataclass(frozen=True)
class Trip:
    """One wave of a vehicle: load at the kitchen, deliver, come back.

    Attributes:
        index: 0-based trip number of the vehicle.
        kitchen: where it loads and departs.
        end_kitchen: where it returns.
        ready_at: minute the load is ready (fixed input or ``depart - loading_minutes``).
        depart: minute it leaves the kitchen.
        return_at: minute it is back at ``end_kitchen``.
        visits: deliveries in order.
        metres: distance driven on this trip.
        drive_minutes: travel minutes on this trip (without service and waiting).
    """

    index: int
    kitchen: str
    end_kitchen: str
    ready_at: int
    depart: int
    return_at: int
    visits: tuple[Visit, ...]
    metres: int
    drive_minutes: int

    @property
    def hot(self) -> int:
        """Hot boxes loaded."""
        return sum(v.hot for v in self.visits)

    @property
    def cold(self) -> int:
        """Cold items loaded."""
        return sum(v.cold for v in self.visits)


@dataclass(frozen=True)
class VehicleRoute:
    """The trips of one physical vehicle (only vehicles that drive appear)."""

    vehicle_id: str
    trips: tuple[Trip, ...]

    @property
    def metres(self) -> int:
        """Distance over all trips."""
        return sum(t.metres for t in self.trips)


@dataclass(frozen=True)
class Unserved:
    """A stop, or the part of a split stop, that is not delivered.

    Attributes:
        stop_id: the stop.
        reason: rule id (see :class:`DropReason`).
        hot, cold: what is not delivered.
        message: an explanation a kitchen manager understands.
    """

    stop_id: str
    reason: DropReason
    hot: int
    cold: int
    message: str


@dataclass(frozen=True)
class Objective:
    """Objective figures of a plan, in the order of the hierarchy.

    Attributes:
        dropped_meals: hot boxes + cold items not delivered.
        vehicles_used: physical vehicles that drive at least one trip.
        distance_m: metres driven.
        drive_minutes: travel minutes (without service and waiting).
        cost: the weighted objective (drop penalties + fixed costs + arc costs).
    """

    dropped_meals: int
    vehicles_used: int
    distance_m: int
    drive_minutes: int
    cost: int


@dataclass(frozen=True)
class RoutingResult:
    """What :func:`solve_routes` returns; an incomplete plan is a result, not an exception.

    Attributes:
        status: :class:`SolveStatus`.
        objective: the plan's figures.
        routes: per physical vehicle, its trips.
        unserved: stops (or parts) not delivered, with reasons.
        wall_s: seconds spent.
        models: number of OR-Tools models solved (more than one when decomposed).
        message: extra information (e.g. why there is no solution).
        first_plan_s: seconds until the first complete plan (the constructive one) was
            ready, ``None`` when it was not built.
        bound: the lower bound on the trips and vehicle-minutes serving everyone needs
            (:func:`solvers.routing.bounds.fleet_bound`; ``short``: proof that no plan
            serves everyone).
        what_if: when meals are unserved and the caller asked for it, the smallest change
            found that serves everyone (:func:`solvers.routing.bounds.what_if`).
    """

    status: SolveStatus
    objective: Objective
    routes: tuple[VehicleRoute, ...]
    unserved: tuple[Unserved, ...]
    wall_s: float
    models: int = 1
    message: str = ""
    first_plan_s: float | None = None
    bound: FleetBound | None = None
    what_if: WhatIf | None = None

    def is_feasible(self) -> bool:
        """True when the routes are a usable plan (possibly with unserved stops)."""
        return self.status.has_solution

    @property
    def complete(self) -> bool:
        """Feasible and every meal delivered."""
        return self.is_feasible() and not self.unserved

    def visits(self, stop_id: str) -> list[tuple[str, int, Visit]]:
        """All (vehicle id, trip index, visit) serving ``stop_id``."""
        return [
            (r.vehicle_id, t.index, v)
            for r in self.routes
            for t in r.trips
            for v in t.visits
            if v.stop_id == stop_id
        ]

    def summary(self) -> str:
        """A few human lines."""
        o = self.objective
        lines = [
            f"status {self.status.value}: {o.vehicles_used} vehicles, "
            f"{sum(len(r.trips) for r in self.routes)} trips, {o.distance_m / 1000:.1f} km, "
            f"{o.drive_minutes} drive min, {o.dropped_meals} meals undelivered "
            f"({self.models} model(s), {self.wall_s:.1f} s)"
        ]
        if self.message:
            lines.append(self.message)
        for r in self.routes:
            for t in r.trips:
                stops = " ".join(f"{v.stop_id}@{hhmm(v.arrival)}" for v in t.visits)
                lines.append(
                    f"  {r.vehicle_id} trip {t.index + 1}: {t.kitchen} "
                    f"{hhmm(t.depart)} -> {stops} -> {hhmm(t.return_at)} "
                    f"({t.hot} hot, {t.metres / 1000:.1f} km)"
                )
        for u in self.unserved:
            lines.append(f"  unserved {u.stop_id} [{u.reason.value}]: {u.message}")
        return "\n".join(lines)
