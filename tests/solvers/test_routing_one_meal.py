"""one_meal_trips: the reason a trip carries a single meal is the true one."""

from __future__ import annotations

from dataclasses import replace

from solvers.routing import (
    ONE_MEAL_REASONS,
    Kitchen,
    Objective,
    RoutingProblem,
    RoutingResult,
    SolveStatus,
    Stop,
    TravelMatrix,
    Trip,
    Vehicle,
    VehicleRoute,
    Visit,
    one_meal_trips,
)

# kitchen at 0; A and C at location 1 (5 minutes out), B at location 2 (5 minutes out,
# 2 minutes from A)
MINS = ((0, 5, 5), (5, 0, 2), (5, 2, 0))
METRES = tuple(tuple(1000 * m for m in row) for row in MINS)


def _problem(pinned: bool, second_vehicle: bool) -> RoutingProblem:
    """T0 drives A on its first trip (ready 10:00) and B on its second (ready 11:40);
    B's window opens at 11:40 and its hold limit is 30 minutes, so B cannot move up into
    a trip ready at 10:00. ``pinned``: both ready times fixed (the kitchen's packing).
    ``second_vehicle``: T1 drives C (next to A) at 10:00 and could take A too."""
    stops = [
        Stop("A", 1, 1, window=(600, 720), hold_limit=60),
        Stop("B", 2, 3, window=(700, 720), hold_limit=30),
    ]
    fleet = [
        Vehicle(
            "T0",
            "trike",
            "K",
            hot_capacity=10,
            shift=(500, 900),
            max_trips=2,
            ready_times=(600, 700) if pinned else (),
        )
    ]
    if second_vehicle:
        stops.append(Stop("C", 1, 2, window=(600, 720), hold_limit=60))
        fleet.append(Vehicle("T1", "trike", "K", hot_capacity=10, shift=(500, 900)))
    return RoutingProblem(
        (Kitchen("K", 0),), tuple(stops), tuple(fleet), {"trike": TravelMatrix(METRES, MINS)}
    )


def _trip(index: int, ready: int, stop: str, hot: int) -> Trip:
    # one stop 5 minutes out and back, no loading: depart at ready, arrive 5 minutes later
    return Trip(
        index,
        "K",
        "K",
        ready,
        ready,
        ready + 10,
        (Visit(stop, max(ready + 5, 700 if stop == "B" else 0), hot, 0, 5),),
        10_000,
        10,
    )


def _result(second_vehicle: bool) -> RoutingResult:
    routes = [VehicleRoute("T0", (_trip(0, 600, "A", 1), _trip(1, 695, "B", 3)))]
    if second_vehicle:
        routes.append(VehicleRoute("T1", (_trip(0, 600, "C", 2),)))
    return RoutingResult(
        status=SolveStatus.FEASIBLE,
        objective=Objective(0, len(routes), 30_000, 30, 0),
        routes=tuple(routes),
        unserved=(),
        wall_s=0.0,
    )


def test_a_trip_held_by_the_next_trips_fixed_ready_time_says_so() -> None:
    """T1 could take A, but giving T0's first trip up moves B into the 10:00 ready time
    (B's window opens 11:40, hold 30 min: 100 min > 30), so the reason is
    next_trip_fixed naming T1, not could_join (which the check said before: it looked at
    the receiving trip only)."""
    (lone,) = one_meal_trips(_problem(pinned=True, second_vehicle=True), _result(True))
    assert (lone["vehicle"], lone["trip"], lone["stop"]) == ("T0", 1, "A")
    assert lone["reason"] == "next_trip_fixed"
    assert lone["could_join"] == "T1 trip 1"
    assert lone["reason"] in ONE_MEAL_REASONS


def test_a_trip_whose_next_trip_may_move_up_could_join() -> None:
    """Without fixed ready times B's trip may move up (its ready time is decided), so T1
    taking A is a real option: could_join T1."""
    (lone,) = one_meal_trips(_problem(pinned=False, second_vehicle=True), _result(True))
    assert (lone["reason"], lone["could_join"]) == ("could_join", "T1 trip 1")


def test_the_vehicles_own_later_trip_counts_only_when_it_may_move_up() -> None:
    """With T0 alone: unpinned, its second trip can take A and move up (depart 10:40
    with A then B: A at 10:47 within 60 min, B at 11:40 within 30), so could_join names
    T0 trip 2; pinned, no trip can take A: no_other_trip (before, the pinned case said
    could_join T0 trip 2, which the merge cannot do)."""
    (free,) = one_meal_trips(_problem(pinned=False, second_vehicle=False), _result(False))
    assert (free["reason"], free["could_join"]) == ("could_join", "T0 trip 2")
    (held,) = one_meal_trips(_problem(pinned=True, second_vehicle=False), _result(False))
    assert (held["reason"], held["could_join"]) == ("no_other_trip", None)


def test_a_last_trip_is_always_free_to_give_up() -> None:
    """A one-meal last trip (nothing moves up) that T1 can take is could_join."""
    p = _problem(pinned=True, second_vehicle=True)
    r = _result(True)
    swapped = replace(r, routes=(VehicleRoute("T0", (_trip(0, 600, "A", 1),)), r.routes[1]))
    p = replace(p, stops=tuple(s for s in p.stops if s.id != "B"))
    p = replace(
        p, vehicles=(replace(p.vehicles[0], max_trips=1, ready_times=(600,)), p.vehicles[1])
    )
    (lone,) = one_meal_trips(p, swapped)
    assert (lone["reason"], lone["could_join"]) == ("could_join", "T1 trip 1")
