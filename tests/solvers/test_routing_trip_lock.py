"""``Stop.trip``: a stop locked to one trip of its vehicle (a dispatcher's lock on the
trip) rides that trip, in our own search and in OR-Tools alike."""

from __future__ import annotations

import pytest

from solvers.routing import (
    Kitchen,
    RoutingParams,
    RoutingProblem,
    Stop,
    StopKind,
    TravelMatrix,
    Vehicle,
    solve_routes,
)

MINUTES = (
    (0, 10, 11, 30),
    (10, 0, 1, 25),
    (11, 1, 0, 25),
    (30, 25, 25, 0),
)


def _problem(trip: int | None) -> RoutingProblem:
    metres = tuple(tuple(1000 * m for m in row) for row in MINUTES)
    stops = tuple(
        Stop(sid, i + 1, 1, window=(600, 900), kind=StopKind.HOME, hold_limit=60,
             vehicles=("v1",) if sid == "a" and trip is not None else (),
             trip=trip if sid == "a" else None)
        for i, sid in enumerate("abc")
    )  # fmt: skip
    vehicles = (
        Vehicle("v1", "van", "K", hot_capacity=2, shift=(540, 1000), max_trips=2,
                reload_minutes=5),
    )  # fmt: skip
    return RoutingProblem(
        (Kitchen("K", 0),), stops, vehicles, {"van": TravelMatrix(metres, MINUTES)}
    )


@pytest.mark.parametrize("own", [True, False])
def test_locked_stop_rides_its_trip(own: bool) -> None:
    """Stop a locked to the trip it did not take when free rides that trip."""
    params = RoutingParams(seed=1, time_limit_s=30, solution_limit=20, own_first_solution=own,
                           own_search_iterations=50)  # fmt: skip
    free = solve_routes(_problem(None), params)
    assert free.complete
    ((_, free_trip, _),) = free.visits("a")
    other = 1 - free_trip
    locked = solve_routes(_problem(other), params)
    assert locked.complete
    assert [(vid, trip) for vid, trip, _ in locked.visits("a")] == [("v1", other)]


def test_stop_trip_needs_vehicles() -> None:
    """A trip lock without vehicles, or a negative trip, is a ValueError naming it."""
    with pytest.raises(ValueError, match="trip needs vehicles"):
        Stop("x", 1, 1, trip=0)
    with pytest.raises(ValueError, match="trip"):
        Stop("x", 1, 1, vehicles=("v1",), trip=-1)
