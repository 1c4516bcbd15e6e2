"""Undelivered stops placed by a deeper ejection (issue 12, demo district seed 0): when
no single stop of a trip can make room, two stops leave it together."""

from __future__ import annotations

import pytest

from solvers.routing import Stop, TravelMatrix, Vehicle, construct
from solvers.routing.construct import plan_from_routes, warm_plan
from solvers.routing.specs import Chunk, ModelSpec, TripSpec

# locations: 0 kitchen, 1 A, 2 B, 3 D (5 minutes out, 2 apart), 4 C (20 minutes out by
# van, 18 from A, B and D); a tricycle takes twice as long
VAN = (
    (0, 5, 5, 5, 20),
    (5, 0, 2, 2, 18),
    (5, 2, 0, 2, 18),
    (5, 2, 2, 0, 18),
    (20, 18, 18, 18, 0),
)
TRIKE = tuple(tuple(2 * m for m in row) for row in VAN)


def _matrix(mins: tuple[tuple[int, ...], ...]) -> TravelMatrix:
    return TravelMatrix(tuple(tuple(1000 * m for m in row) for row in mins), mins)


def _spec() -> ModelSpec:
    """A 3-box van T and a 2-box tricycle U (fixed cost 1,000,000), one trip each, no
    loading. A, B, D: one box each, 60-minute hold; D rides only on T (a lock). C: two
    boxes, 30-minute hold, 20 minutes out by van and 40 by tricycle: only T reaches it."""
    van = Vehicle("T", "van", "K", hot_capacity=3, shift=(600, 800))
    trike = Vehicle("U", "trike", "K", hot_capacity=2, shift=(600, 800), fixed_cost=1_000_000)
    stops = (
        Stop("A", 1, 1, window=(600, 720), hold_limit=60),
        Stop("B", 2, 1, window=(600, 720), hold_limit=60),
        Stop("D", 3, 1, window=(600, 720), hold_limit=60, vehicles=("T",)),
        Stop("C", 4, 2, window=(600, 720), hold_limit=30),
    )
    trips = tuple(
        TripSpec(v, 0, "K", "K", 0, 0, 600, 800, None, v.fixed_cost, None) for v in (van, trike)
    )
    chunks = tuple(Chunk(s, s.hot, 0) for s in stops)
    return ModelSpec(chunks, trips, {"van": _matrix(VAN), "trike": _matrix(TRIKE)}, 1441)


def test_two_stops_leave_a_trip_for_an_undelivered_stop() -> None:
    """T carries A, B and D (full); C (2 boxes) fits T only. One stop leaving T frees one
    box (not enough); the whole trip leaving puts C in T, then A back in T (cheaper than
    opening U), B on U, and D (locked to T) has no room. A and B leaving together: T
    delivers D and C (3 boxes, C at 5 + 18 = 23 min <= 30), U delivers A and B. Before
    this ejection the warm start's repair left C undelivered."""
    spec = _spec()
    plan = warm_plan(spec, [[0, 1, 2], []])
    assert plan.dropped == ()
    assert sorted(plan.routes[0]) == [2, 3] and sorted(plan.routes[1]) == [0, 1]
    again = plan_from_routes(spec, plan.routes)  # an independent re-timing of the routes
    assert again is not None and again.dropped == ()


def test_pair_ejection_stops_at_its_work_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pair search is a work budget (``EJECT_PAIR_TRIALS`` pairs per repair): with no
    pair trial allowed, the case above keeps C undelivered (the repair is deterministic
    and bounded, however many stops a short fleet leaves)."""
    monkeypatch.setattr(construct, "EJECT_PAIR_TRIALS", 0)
    plan = warm_plan(_spec(), [[0, 1, 2], []])
    assert len(plan.dropped) == 1
