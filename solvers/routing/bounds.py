"""When the fleet is too small: a lower bound that proves it, and a what-if that fixes it.

:func:`fleet_bound` is a pure, quick bound on the vehicle-trips and vehicle-minutes any
plan needs to serve every stop of a :class:`RoutingProblem`:

- capacity: the fewest trips whose capacities (each vehicle's, once per allowed trip,
  largest first) hold every hot box and every cold item;
- hold-limit reach, per hold limit ``h`` over the stops whose limit is at most ``h``: a
  stop costs at least ``inc + service`` minutes of a vehicle (``inc``: the fastest travel
  to it from any other stop or kitchen), and on one trip the stops of limit <= ``h`` are
  all reached within ``h`` of the trip's ready time, after at least the loading minutes,
  so one trip does at most ``h - loading + service`` minutes of such work (the last
  stop's service is after its arrival). Trips needed >= work / that;
- vehicle-minutes: each vehicle gives that work at most ``trips x per-trip`` minutes and
  at most the minutes between its earliest departure and the end of its shift or of the
  latest window (plus service), less a reload between trips.

- windows: the stops of a hold-limit class whose feasible ready-time ranges are pairwise
  disjoint need one trip each (interval piercing, :func:`_window_trips`);
- return legs: every trip ends with at least the fastest drive back from any stop, so the
  vehicle-minutes are also compared with the return legs counted (per trip the class needs).

The bound is valid for every plan (tested against brute-force optima of tiny instances), so ``needed > available`` proves that no plan can
serve everyone (``FleetBound.short``). It does not prove the converse.

:func:`what_if` looks for the smallest change that serves everyone, by re-running the
(deterministic, budgeted) solver on the modified problem: one more trip per vehicle,
N more vehicles of a kind at a kitchen, or the first departures T minutes earlier.
Candidates the bound proves short are skipped without a solver run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from solvers.routing.types import (
    DropReason,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Stop,
    Trip,
    Vehicle,
)


@dataclass(frozen=True)
class FleetBound:
    """A lower bound on what serving every stop needs, against what the fleet has.

    ``trips_needed`` / ``minutes_needed``: no plan that serves every stop uses fewer
    vehicle-trips / vehicle-minutes of stop work; ``trips_available`` /
    ``minutes_available``: the most the fleet can give. ``binding``: what the larger
    shortfall ratio comes from (``capacity`` or ``hold limit H min``).
    """

    trips_needed: int
    trips_available: int
    minutes_needed: int
    minutes_available: int
    binding: str

    @property
    def short(self) -> bool:
        """True when the bound proves that no plan serves every stop."""
        return (
            self.trips_needed > self.trips_available or self.minutes_needed > self.minutes_available
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "trips_needed": self.trips_needed,
            "trips_available": self.trips_available,
            "minutes_needed": self.minutes_needed,
            "minutes_available": self.minutes_available,
            "binding": self.binding,
            "fleet_short": self.short,
        }

    def describe(self) -> str:
        verdict = "the fleet is proven short" if self.short else "no proof of a short fleet"
        return (
            f"bound: >= {self.trips_needed} of {self.trips_available} trips, "
            f">= {self.minutes_needed} of {self.minutes_available} vehicle-min "
            f"({self.binding}; {verdict})"
        )


def _incoming(problem: RoutingProblem) -> dict[str, int]:
    """Per stop: the fastest travel minutes to it from any other stop or kitchen."""
    locs = sorted({s.location for s in problem.stops} | {k.location for k in problem.kitchens})
    mats = [m.minutes for m in problem.matrices.values()]
    out: dict[str, int] = {}
    cache: dict[int, int] = {}
    for s in problem.stops:
        loc = s.location
        if loc not in cache:
            others = [j for j in locs if j != loc]
            cache[loc] = min((m[j][loc] for m in mats for j in others), default=0)
        out[s.id] = cache[loc]
    return out


def _capacity_trips(amount: int, caps: list[int], available: int) -> int:
    """Fewest trips of the given capacities (largest first) that carry ``amount``."""
    if amount <= 0:
        return 0
    if not caps or max(caps) <= 0:
        return available + 1
    total = 0
    for n, cap in enumerate(sorted(caps, reverse=True), start=1):
        total += cap
        if total >= amount:
            return n
    return len(caps) + math.ceil((amount - total) / max(caps))  # more trips of the largest


def _earliest_depart(v: Vehicle) -> int:
    first = v.ready_times[0] if v.ready_times else None
    if first is not None:
        return max(v.shift[0], first + v.loading_minutes)
    return v.shift[0]


def _return_minutes(problem: RoutingProblem) -> tuple[int, int]:
    """The fastest and the slowest return leg any trip can end with: over the stops, the
    fastest travel from a stop to a vehicle's end kitchen (min over stops, max over stops)."""
    ends = {problem.kitchen(v.end_kitchen or v.start_kitchen).location for v in problem.vehicles}
    back = [
        min(problem.matrices[v.kind].minutes[s.location][k] for v in problem.vehicles for k in ends)
        for s in problem.stops
    ]
    slow = max(
        problem.matrices[v.kind].minutes[s.location][k]
        for v in problem.vehicles
        for k in ends
        for s in problem.stops
    )
    return (min(back, default=0), slow)


def fleet_bound(problem: RoutingProblem) -> FleetBound:
    """The lower bound of the module docstring for ``problem``.

    Return legs: every trip ends with a drive back to a kitchen of at least the fastest
    return from any stop (``back``), so the vehicle-minutes of a group of stops are their
    work plus ``back`` per trip the group needs (by hold-limit reach and by capacity), and
    a vehicle's minutes end at the end of its shift or ``back_max`` after the latest
    window. Windows: a stop is served between its window's start and end, so the stops of
    a hold-limit class need at least as many trips as disjoint ``h``-minute spans cover
    their windows' earliest-service points (see :func:`_window_trips`)."""
    vehicles = problem.vehicles
    available = sum(v.max_trips for v in vehicles)
    caps_hot = [v.hot_capacity for v in vehicles for _ in range(v.max_trips)]
    caps_cold = [v.cold_capacity for v in vehicles for _ in range(v.max_trips)]
    trips = max(
        _capacity_trips(sum(s.hot for s in problem.stops), caps_hot, available),
        _capacity_trips(sum(s.cold for s in problem.stops), caps_cold, available),
    )
    binding = "capacity"
    minutes_needed = minutes_available = 0
    if not vehicles or not problem.stops:
        return FleetBound(trips, available, 0, 0, binding)
    inc = _incoming(problem)
    back, back_max = _return_minutes(problem)
    loading = min(v.loading_minutes for v in vehicles)
    holds = sorted({s.hold_limit for s in problem.stops if s.hold_limit is not None})
    classes: list[int | None] = [*holds, None]  # None: every stop, no hold limit reach
    for h in classes:
        group = [s for s in problem.stops if h is None or (s.hold_limit or 0) <= h]
        group = [s for s in group if h is None or s.hold_limit is not None]
        if not group:
            continue
        work = sum(inc[s.id] + s.service_minutes for s in group)
        max_svc = max(s.service_minutes for s in group)
        per_trip = (h - loading + max_svc) if h is not None else None
        group_trips = max(
            _capacity_trips(sum(s.hot for s in group), caps_hot, available),
            _capacity_trips(sum(s.cold for s in group), caps_cold, available),
        )
        if per_trip is not None and h is not None:
            need = math.ceil(work / per_trip) if per_trip > 0 else available + 1
            need = max(need, _window_trips(group, h - loading, inc))
            if need > trips:
                trips, binding = need, f"hold limit {h} min"
            group_trips = max(group_trips, need)
        ends = max(s.window[1] for s in group) + max_svc
        returns = back * min(group_trips, available)
        # without and with the return legs (the latter: until back_max after the windows)
        for extra, tail in ((0, 0), (returns, back_max)):
            avail = 0
            for v in vehicles:
                span = min(v.shift[1], ends + tail) - _earliest_depart(v)
                best = 0
                for t in range(1, v.max_trips + 1):
                    cap = span - (t - 1) * v.reload_minutes
                    if per_trip is not None:
                        cap = min(cap, t * (per_trip + tail))
                    best = max(best, cap)
                avail += max(0, best)
            need_min = work + extra
            if minutes_available == 0 or need_min / max(1, avail) > minutes_needed / max(
                1, minutes_available
            ):
                minutes_needed, minutes_available = need_min, avail
                if need_min > avail and trips <= available:
                    binding = "vehicle-minutes" + (f" within hold limit {h} min" if h else "")
    return FleetBound(trips, available, minutes_needed, minutes_available, binding)


def _window_trips(group: list[Stop], reach: int, inc: dict[str, int]) -> int:
    """Trips needed by the windows alone: on one trip, every stop of a hold-limit class is
    served within ``reach`` (hold limit less loading) minutes of the trip's ready time and
    after the fastest drive to it, so its service starts in ``[ready + inc, ready + reach]``
    and within its window. Greedily (earliest window end first) one trip's ready time is
    placed as late as the first uncovered stop allows, which covers every stop whose
    window meets that trip's span; the count of such trips is a lower bound (the classic
    interval-piercing argument: the chosen stops have pairwise disjoint feasible ready
    ranges)."""
    if reach < 0:
        return 0
    # ready range of a stop s on any trip: ready in [window0 - reach, window1 - inc]
    ranges = sorted(
        ((s.window[1] - inc[s.id], s.window[0] - reach) for s in group), key=lambda r: r
    )
    count, point = 0, None
    for hi, lo in ranges:
        if point is None or lo > point:
            count, point = count + 1, hi
    return count


@dataclass(frozen=True)
class WhatIf:
    """The smallest change found that serves every meal (``found``), or the last tried.

    ``change``: ``extra_trip`` (one more trip per vehicle), ``add_vehicles`` (``count``
    vehicles like ``vehicle_kind`` at ``kitchen``), ``earlier_start`` (first departures
    ``minutes`` earlier). ``unserved_meals``: what the solver left with the change;
    ``runs``: solver runs spent (candidates the bound proved short cost none).
    """

    found: bool
    change: str
    count: int = 0
    vehicle_kind: str = ""
    kitchen: str = ""
    minutes: int = 0
    unserved_meals: int = 0
    runs: int = 0

    def describe(self) -> str:
        if self.change == "none":
            return "what-if: no change tried"
        if self.change == "extra_trip":
            what = "allow one more trip per vehicle"
        elif self.change == "add_vehicles":
            what = f"add {self.count} {self.vehicle_kind} at kitchen {self.kitchen}"
        else:
            what = f"start the first departures {self.minutes} min earlier"
        if self.found:
            return f"what-if: {what} -> every meal delivered ({self.runs} solver runs)"
        return (
            f"what-if: not found in {self.runs} solver runs; the last tried ({what}) "
            f"leaves {self.unserved_meals} meals"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "change": self.change,
            "count": self.count,
            "vehicle_kind": self.vehicle_kind,
            "kitchen": self.kitchen,
            "minutes": self.minutes,
            "unserved_meals": self.unserved_meals,
            "runs": self.runs,
            "text": self.describe(),
        }


def _add_vehicles(problem: RoutingProblem, model: Vehicle, count: int) -> RoutingProblem:
    # a new vehicle's ready times are the router's to decide (the model's may be fixed)
    extra = tuple(replace(model, id=f"{model.id}+{i}", ready_times=()) for i in range(1, count + 1))
    return replace(problem, vehicles=problem.vehicles + extra)


def _earlier(problem: RoutingProblem, minutes: int) -> RoutingProblem:
    def shift(v: Vehicle) -> Vehicle:
        return replace(
            v,
            shift=(v.shift[0] - minutes, v.shift[1]),
            ready_times=tuple(None if r is None else r - minutes for r in v.ready_times[:1])
            + v.ready_times[1:],
        )

    return replace(problem, vehicles=tuple(shift(v) for v in problem.vehicles))


def vehicles_for(problem: RoutingProblem, model: Vehicle, stop_ids: Sequence[str]) -> int:
    """How many vehicles like ``model`` the stops ``stop_ids`` need by vehicle time within
    their hold limit (an estimate for sizing the what-if, not a bound): each stop costs
    the fastest drive to it from another of these stops (or the kitchen) plus its
    service; one trip has the hold limit less the loading minutes, less the median drive
    out from the kitchen to these stops, for that work. 0 without stops."""
    wanted = set(stop_ids)
    stops = [s for s in problem.stops if s.id in wanted]
    if not stops:
        return 0
    mins = problem.matrices[model.kind].minutes
    home = problem.kitchen(model.start_kitchen).location
    locs = [s.location for s in stops]
    work = 0
    for s in stops:
        others = [mins[j][s.location] for j in locs if j != s.location]
        work += min(others, default=mins[home][s.location]) + s.service_minutes
    outs = sorted(mins[home][loc] for loc in locs)
    out = outs[len(outs) // 2]
    holds = [s.hold_limit for s in stops if s.hold_limit is not None]
    reach = (min(holds) - model.loading_minutes) if holds else model.shift[1] - model.shift[0]
    per_trip = max(1, reach - out)
    trips = math.ceil(work / per_trip)
    return max(1, math.ceil(trips / max(1, model.max_trips)))


def candidates(
    problem: RoutingProblem, unserved_meals: int, unserved_stops: Sequence[str] = ()
) -> list[tuple[WhatIf, RoutingProblem]]:
    """The changes :func:`what_if` tries, smallest first: one more trip per vehicle; per
    kitchen with a fleet and per vehicle kind (the largest vehicle of that kind as the
    model), N vehicles, then twice as many, N the larger of what the unserved meals fill
    and what the unserved stops need by vehicle time within their hold limit
    (:func:`vehicles_for`; issue 12: in the city the boxes said 2 vehicles where the
    hold limits made it several more); first departures 15 and 30 minutes earlier."""
    out: list[tuple[WhatIf, RoutingProblem]] = []
    if not any(v.ready_times for v in problem.vehicles):  # fixed ready times: per trip
        more = tuple(replace(v, max_trips=v.max_trips + 1) for v in problem.vehicles)
        out.append((WhatIf(False, "extra_trip", count=1), replace(problem, vehicles=more)))
    models: dict[tuple[str, str], Vehicle] = {}
    for v in sorted(problem.vehicles, key=lambda v: (v.id,)):
        key = (v.start_kitchen, v.kind)
        cur = models.get(key)
        if cur is None or (v.hot_capacity, v.shift[1] - v.shift[0]) > (
            cur.hot_capacity,
            cur.shift[1] - cur.shift[0],
        ):
            models[key] = v
    sized: list[tuple[int, int, WhatIf, RoutingProblem]] = []
    for (kitchen, kind), model in sorted(models.items()):
        per_vehicle = max(1, model.hot_capacity * model.max_trips)
        n = max(1, math.ceil(unserved_meals / per_vehicle))
        n = max(n, vehicles_for(problem, model, unserved_stops))
        for count in (n, 2 * n):
            label = WhatIf(False, "add_vehicles", count, kind.split("@")[0], kitchen)
            sized.append((count, -model.hot_capacity, label, _add_vehicles(problem, model, count)))
    sized.sort(key=lambda x: (x[0], x[1], x[2].kitchen, x[2].vehicle_kind))
    out.extend((w, p) for _, _, w, p in sized)
    for minutes in (15, 30):
        out.append((WhatIf(False, "earlier_start", minutes=minutes), _earlier(problem, minutes)))
    return out


def what_if(
    problem: RoutingProblem,
    params: RoutingParams,
    result: RoutingResult,
    solve: Callable[..., RoutingResult],
    max_runs: int = 3,
) -> WhatIf | None:
    """The first change of :func:`candidates` with which ``solve`` (the deterministic,
    budgeted solver, :func:`~solvers.routing.solve.solve_routes`) delivers every meal, in
    at most ``max_runs`` solver runs; ``None`` when ``result`` already delivers every
    meal. Each run starts from ``result``'s routes (``solve(changed, params,
    start=routes)``: what still fits stays and the unserved stops are placed first, e.g.
    on the added vehicles); a fresh search at the what-if's small budget found worse
    plans than ``result`` itself (demo district seed 0: 2 more vans "left 3 meals" where
    the plan left 1)."""
    dropped = result.objective.dropped_meals
    if dropped == 0:
        return None
    runs = 0
    last = WhatIf(False, "none", unserved_meals=dropped)
    # sized by the stops the fleet had no time for (not those no vehicle can ever reach)
    short_of_time = [
        u.stop_id
        for u in result.unserved
        if u.reason in (DropReason.NO_CAPACITY, DropReason.NOT_ROUTED)
    ]
    for label, changed in candidates(problem, dropped, short_of_time):
        if runs >= max_runs:
            break
        if fleet_bound(changed).short:
            continue
        runs += 1
        r = solve(changed, params, start=result.routes)
        left = r.objective.dropped_meals if r.status.has_solution else dropped
        last = replace(label, unserved_meals=left, runs=runs)
        if r.status.has_solution and left == 0:
            return replace(last, found=True)
    return replace(last, runs=runs)


def _fits(
    stops: dict[str, Stop],
    problem: RoutingProblem,
    stop_id: str,
    route_trips: tuple[Trip, ...],
    k: int,
    v: Vehicle,
) -> bool:
    """Can ``stop_id`` join trip ``k`` of a route, its departure and ready time kept?"""
    trip = route_trips[k]
    stop = stops[stop_id]
    if stop.vehicles and v.id not in stop.vehicles:
        return False
    if trip.hot + stop.hot > v.hot_capacity or trip.cold + stop.cold > v.cold_capacity:
        return False
    mat = problem.matrices[v.kind].minutes
    start = problem.kitchen(trip.kitchen).location
    end = problem.kitchen(trip.end_kitchen).location
    latest = (
        route_trips[k + 1].depart - v.reload_minutes if k + 1 < len(route_trips) else v.shift[1]
    )
    ids = [x.stop_id for x in trip.visits]
    for pos in range(len(ids) + 1):
        seq = [stops[i] for i in [*ids[:pos], stop_id, *ids[pos:]]]
        t, loc, svc, ok = trip.depart, start, 0, True
        for s in seq:
            t = max(t + svc + mat[loc][s.location], s.window[0])
            if t > s.window[1] or (s.hold_limit is not None and t - trip.ready_at > s.hold_limit):
                ok = False
                break
            loc, svc = s.location, s.service_minutes
        if ok and t + svc + mat[loc][end] <= latest:
            return True
    return False
