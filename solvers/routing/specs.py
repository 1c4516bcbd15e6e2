"""Internal, engine-neutral description of one routing model (chunks and trips).

:func:`solvers.routing.solve.solve_routes` turns a :class:`RoutingProblem` into one or more
:class:`ModelSpec` (after splitting oversize stops, pre-checks and decomposition); the
OR-Tools engine (:mod:`solvers.routing.engine`) solves one :class:`ModelSpec` at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from solvers.routing.types import Stop, TravelMatrix, Vehicle
from solvers.status import SolveStatus


@dataclass(frozen=True)
class Chunk:
    """A stop, or one part of a stop split because it exceeds the largest vehicle.

    Attributes:
        stop: the stop.
        hot, cold: what this chunk delivers.
        part: 0-based part number (0 when not split).
    """

    stop: Stop
    hot: int
    cold: int
    part: int = 0

    @property
    def meals(self) -> int:
        """Hot boxes + cold items (the unit of the drop penalty)."""
        return self.hot + self.cold


@dataclass(frozen=True)
class TripSpec:
    """One trip of one physical vehicle, i.e. one routing vehicle in OR-Tools.

    Attributes:
        vehicle: the physical vehicle.
        trip_index: the trip's number for this vehicle over the whole plan.
        start_kitchen, end_kitchen: kitchen ids.
        start_loc, end_loc: their matrix locations.
        earliest_depart: lower bound of the departure minute.
        latest_return: upper bound of the return minute.
        ready: fixed ready time of the load, or ``None`` (then ``depart - loading``).
        fixed_cost: cost charged if this trip is used (only the first trip of a vehicle that
            has not been paid for yet carries it).
        prev: index in the model's trip list of the same vehicle's previous trip, or ``None``.
    """

    vehicle: Vehicle
    trip_index: int
    start_kitchen: str
    end_kitchen: str
    start_loc: int
    end_loc: int
    earliest_depart: int
    latest_return: int
    ready: int | None
    fixed_cost: int
    prev: int | None


@dataclass(frozen=True)
class ModelSpec:
    """One OR-Tools model: chunks to route with trips, over the problem's matrices.

    ``kitchen_coords``: (lat, lon) of the first trip's kitchen when known (the
    constructive heuristic sweeps homes by angle around it).
    """

    chunks: tuple[Chunk, ...]
    trips: tuple[TripSpec, ...]
    matrices: dict[str, TravelMatrix]
    horizon: int
    kitchen_coords: tuple[float, float] | None = None


@dataclass(frozen=True)
class RoutedTrip:
    """Engine output for one trip: visits as (chunk index, arrival, ride minutes)."""

    depart: int
    return_at: int
    ready: int
    visits: tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class ModelOutput:
    """Engine output for one model."""

    status: SolveStatus
    trips: tuple[RoutedTrip, ...]
    dropped: tuple[int, ...]
    cost: int
    message: str = ""
