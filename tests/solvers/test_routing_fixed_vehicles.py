"""``Stop.vehicles``: a stop restricted to some vehicles (a dispatcher's lock) rides only
those, in our own search and in OR-Tools alike."""

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

# stops a, b, c close together east of the kitchen: one vehicle would take all three
MINUTES = (
    (0, 10, 11, 12),
    (10, 0, 1, 2),
    (11, 1, 0, 1),
    (12, 2, 1, 0),
)


def _problem(lock: tuple[str, ...] = ("v2",)) -> RoutingProblem:
    metres = tuple(tuple(1000 * m for m in row) for row in MINUTES)
    stops = tuple(
        Stop(sid, i + 1, 1, window=(600, 800), kind=StopKind.HOME, hold_limit=60,
             vehicles=lock if sid == "b" else ())
        for i, sid in enumerate("abc")
    )  # fmt: skip
    vehicles = tuple(
        Vehicle(vid, "van", "K", hot_capacity=10, shift=(540, 900), fixed_cost=10_000)
        for vid in ("v1", "v2")
    )
    return RoutingProblem(
        (Kitchen("K", 0),), stops, vehicles, {"van": TravelMatrix(metres, MINUTES)}
    )


@pytest.mark.parametrize("own", [True, False])
def test_locked_stop_rides_its_vehicle(own: bool) -> None:
    """Stop b allowed only on v2 is served by v2 (without the lock one vehicle takes all)."""
    params = RoutingParams(time_limit_s=30, solution_limit=20, own_first_solution=own,
                           own_search_iterations=50)  # fmt: skip
    free = solve_routes(_problem(()), params)
    assert free.complete and free.objective.vehicles_used == 1
    r = solve_routes(_problem(), params)
    assert r.complete
    assert [vid for vid, _, _ in r.visits("b")] == ["v2"]


def test_stop_vehicles_validated() -> None:
    """An unknown vehicle id or a bare string in Stop.vehicles is a ValueError naming it."""
    with pytest.raises(ValueError, match="not in the fleet"):
        _problem(("v9",))
    with pytest.raises(ValueError, match="vehicles"):
        Stop("x", 1, 1, vehicles="v1")  # type: ignore[arg-type]
