"""``solve_routes``: pre-checks, decomposition, one OR-Tools model per part, assembly.

Steps:

1. split oversize stops into chunks (:func:`prechecks.split_stops`);
2. drop what certainly cannot be served, with the reason (:func:`prechecks.precheck`);
3. if at most ``params.max_stops_per_model`` chunks remain: one model with the whole fleet;
   otherwise decompose (:func:`plan_parts`): each chunk to its nearest kitchen that can
   serve it, per kitchen bulk sites (canteens, dining points) first, then homes in angular
   sectors around the kitchen of at most ``max_stops_per_model`` chunks; vehicles carry
   over between parts (a vehicle used in one part may do later trips in the next, after
   its last return plus reload); chunks a part could not place get one more chance in a
   final model with whatever fleet is left;
4. assemble routes per physical vehicle, recompute the objective figures.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from solvers.routing import engine, hgs
from solvers.routing.bounds import fleet_bound
from solvers.routing.construct import (
    Plan,
    first_plan,
    improve,
    plan_cost,
    plan_from_routes,
    warm_plan,
)
from solvers.routing.prechecks import precheck, split_stops
from solvers.routing.specs import Chunk, ModelOutput, ModelSpec, TripSpec
from solvers.routing.types import (
    DropReason,
    Objective,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Trip,
    Unserved,
    Vehicle,
    VehicleRoute,
    Visit,
)
from solvers.status import SolveStatus

logger = logging.getLogger(__name__)


@dataclass
class _Fleet:
    """What is left of one physical vehicle between parts of a decomposed problem."""

    vehicle: Vehicle
    next_trip: int = 0
    available_from: int = 0
    paid: bool = False
    trips: list[Trip] = field(default_factory=list)

    @property
    def exhausted(self) -> bool:
        return self.next_trip >= self.vehicle.max_trips


def _trip_specs(problem: RoutingProblem, fleet: Sequence[_Fleet]) -> list[TripSpec]:
    specs: list[TripSpec] = []
    for f in fleet:
        v = f.vehicle
        prev: int | None = None
        for k in range(f.next_trip, v.max_trips):
            start_k = v.start_kitchen
            end_k = v.last_kitchen if k == v.max_trips - 1 else v.start_kitchen
            ready = v.ready_times[k] if v.ready_times else None
            earliest = max(v.shift[0], f.available_from)
            if ready is not None:
                earliest = max(earliest, ready + v.loading_minutes)
            specs.append(
                TripSpec(
                    vehicle=v,
                    trip_index=k,
                    start_kitchen=start_k,
                    end_kitchen=end_k,
                    start_loc=problem.kitchen(start_k).location,
                    end_loc=problem.kitchen(end_k).location,
                    earliest_depart=earliest,
                    latest_return=v.shift[1],
                    ready=ready,
                    fixed_cost=v.fixed_cost if (k == f.next_trip and not f.paid) else 0,
                    prev=prev,
                )
            )
            prev = len(specs) - 1
    return specs


def _horizon(problem: RoutingProblem) -> int:
    ends = [v.shift[1] for v in problem.vehicles] + [s.window[1] for s in problem.stops]
    return max(ends, default=0) + 1


def _sectors(
    problem: RoutingProblem, kitchen_id: str, chunks: list[Chunk], size: int, rng: random.Random
) -> list[list[Chunk]]:
    """Cut chunks into ceil(n / size) groups of similar size around a kitchen.

    With coordinates on the kitchen and every stop: angular sectors, starting at the widest
    empty angle. Otherwise: greedy clusters by travel minutes (seed = farthest unassigned
    stop, plus its nearest neighbours).
    """
    n = len(chunks)
    k = math.ceil(n / size)
    if k <= 1:
        return [chunks]
    kitchen = problem.kitchen(kitchen_id)
    per = math.ceil(n / k)
    if (
        kitchen.lat is not None
        and kitchen.lon is not None
        and all(c.stop.lat is not None and c.stop.lon is not None for c in chunks)
    ):
        klat, klon = kitchen.lat, kitchen.lon
        coslat = math.cos(math.radians(klat))

        def angle(c: Chunk) -> float:
            assert c.stop.lat is not None and c.stop.lon is not None
            return math.atan2(c.stop.lat - klat, (c.stop.lon - klon) * coslat) % (2 * math.pi)

        ordered = sorted(chunks, key=lambda c: (angle(c), c.stop.id, c.part))
        angles = [angle(c) for c in ordered]
        gaps = [(angles[(i + 1) % n] - angles[i]) % (2 * math.pi) for i in range(n)]
        cut = max(range(n), key=lambda i: gaps[i])
        ordered = ordered[cut + 1 :] + ordered[: cut + 1]
        return [ordered[i : i + per] for i in range(0, n, per)]
    mat = next(iter(problem.matrices.values())).minutes
    kloc = kitchen.location
    left = list(chunks)
    rng.shuffle(left)  # tie-break only
    groups: list[list[Chunk]] = []
    while left:
        seed = max(left, key=lambda c: mat[kloc][c.stop.location])
        left.sort(key=lambda c: mat[seed.stop.location][c.stop.location])
        groups.append(left[:per])
        left = left[per:]
    return groups


def plan_parts(
    problem: RoutingProblem,
    chunks: list[Chunk],
    able: dict[int, set[str]],
    params: RoutingParams,
    rng: random.Random,
) -> list[list[Chunk]]:
    """Decompose: by serving kitchen, bulk sites first, then homes by sector."""
    size = params.max_stops_per_model
    if len(chunks) <= size:
        return [chunks]
    kitchens_with_fleet = {v.start_kitchen for v in problem.vehicles}
    by_kitchen: dict[str, list[Chunk]] = {}
    for i, ch in enumerate(chunks):
        best: tuple[int, str] | None = None
        for v in problem.vehicles:
            if v.id not in able.get(i, set()):
                continue
            kl = problem.kitchen(v.start_kitchen).location
            d = problem.matrices[v.kind].minutes[kl][ch.stop.location]
            if best is None or (d, v.start_kitchen) < best:
                best = (d, v.start_kitchen)
        kid = best[1] if best else sorted(kitchens_with_fleet)[0]
        by_kitchen.setdefault(kid, []).append(ch)
    parts: list[list[Chunk]] = []
    for kid in sorted(by_kitchen):
        mine = by_kitchen[kid]
        bulk = [c for c in mine if c.stop.kind.is_bulk]
        homes = [c for c in mine if not c.stop.kind.is_bulk]
        for group in (bulk, homes):
            if group:
                parts.extend(_sectors(problem, kid, group, size, rng))
    return parts


def _route_metrics(problem: RoutingProblem, spec: TripSpec, locs: list[int]) -> tuple[int, int]:
    mat = problem.matrices[spec.vehicle.kind]
    path = [spec.start_loc, *locs, spec.end_loc]
    metres = sum(mat.metres[a][b] for a, b in zip(path, path[1:], strict=False))
    minutes = sum(mat.minutes[a][b] for a, b in zip(path, path[1:], strict=False))
    return metres, minutes


def _no_capacity(ch: Chunk, why: str = "") -> Unserved:
    return Unserved(
        ch.stop.id,
        DropReason.NO_CAPACITY,
        ch.hot,
        ch.cold,
        f"{ch.stop.label}: the fleet has no vehicle capacity or time left to "
        f"deliver these {ch.meals} meals{why}",
    )


def _fleet_exhausted(spec: ModelSpec, out: ModelOutput) -> str:
    """Why chunks were left over, when every trip of every vehicle is already driving."""
    if not spec.trips or any(not t.visits for t in out.trips):
        return ""
    hold = {c.stop.hold_limit for c in spec.chunks if c.stop.hold_limit is not None}
    vehicles = len({t.vehicle.id for t in spec.trips})
    msg = f" (all {vehicles} vehicles drive all their {len(spec.trips)} trips"
    if hold:
        msg += (
            f"; with hold limits of {'/'.join(str(h) for h in sorted(hold))} min each "
            "trip can only deliver shortly after it leaves"
        )
    return msg + ")"


def _not_routed(ch: Chunk, why: str) -> Unserved:
    return Unserved(
        ch.stop.id,
        DropReason.NOT_ROUTED,
        ch.hot,
        ch.cold,
        f"{ch.stop.label}: no plan was found for its area ({why})",
    )


def _apply(
    problem: RoutingProblem, fleet: dict[str, _Fleet], spec: ModelSpec, out: ModelOutput
) -> None:
    """Record the trips of one model's output on the fleet state."""
    for ts, rt in zip(spec.trips, out.trips, strict=True):
        if not rt.visits:
            continue
        f = fleet[ts.vehicle.id]
        chunks = [spec.chunks[i] for i, _, _ in rt.visits]
        metres, minutes = _route_metrics(problem, ts, [c.stop.location for c in chunks])
        visits = tuple(
            Visit(c.stop.id, arr, c.hot, c.cold, ride)
            for c, (_, arr, ride) in zip(chunks, rt.visits, strict=True)
        )
        f.trips.append(
            Trip(
                index=ts.trip_index,
                kitchen=ts.start_kitchen,
                end_kitchen=ts.end_kitchen,
                ready_at=rt.ready,
                depart=rt.depart,
                return_at=rt.return_at,
                visits=visits,
                metres=metres,
                drive_minutes=minutes,
            )
        )
        f.paid = True
        f.next_trip = max(f.next_trip, ts.trip_index + 1)
        f.available_from = max(f.available_from, rt.return_at + ts.vehicle.reload_minutes)


def _quota(
    problem: RoutingProblem, avail: list[_Fleet], part: list[Chunk], share: float
) -> list[_Fleet]:
    """Vehicles offered to one part of a decomposition: its share of the remaining fleet
    (by chunk count, plus 25%), vehicles already driving and those of the part's nearest
    kitchen first. Without a quota the first part takes every vehicle (serving every meal
    outweighs a vehicle's fixed cost) and later parts starve; the final round for unplaced
    chunks gets whatever is left."""
    want = max(1, math.ceil(len(avail) * share * 1.25))
    if want >= len(avail):
        return avail
    loc = part[0].stop.location

    def key(f: _Fleet) -> tuple[int, int, str]:
        k = problem.kitchen(f.vehicle.start_kitchen).location
        return (0 if f.paid else 1, problem.matrices[f.vehicle.kind].minutes[k][loc], f.vehicle.id)

    return sorted(avail, key=key)[:want]


def _run(
    problem: RoutingProblem, params: RoutingParams, parts: list[list[Chunk]], deadline: float
) -> tuple[dict[str, _Fleet], list[Unserved], list[SolveStatus], str]:
    fleet = {v.id: _Fleet(v, available_from=v.shift[0]) for v in problem.vehicles}
    horizon = _horizon(problem)
    unserved: list[Unserved] = []
    statuses: list[SolveStatus] = []
    messages: list[str] = []
    leftovers: list[Chunk] = []
    todo = sum(len(p) for p in parts)
    queue = list(parts)
    final_round = len(parts) == 1
    while queue:
        part = queue.pop(0)
        now = time.monotonic()
        share = len(part) / max(1, todo)
        budget_end = now + max(0.0, deadline - now) * min(1.0, share)
        todo -= len(part)
        avail = [f for f in fleet.values() if not f.exhausted]
        if not final_round and share < 1.0:
            avail = _quota(problem, avail, part, share)
        spec = ModelSpec(
            tuple(part), tuple(_trip_specs(problem, avail)), dict(problem.matrices), horizon
        )
        try:
            out = engine.solve_model(spec, params, budget_end)
        except Exception as exc:  # an error is a result, not a crash of the plan
            logger.exception("routing model failed")
            out = ModelOutput(SolveStatus.ERROR, (), tuple(range(len(part))), 0, repr(exc))
        statuses.append(out.status)
        if out.message:
            messages.append(out.message)
        if out.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL):
            _apply(problem, fleet, spec, out)
            dropped = [part[i] for i in out.dropped]
            if final_round:
                unserved.extend(_no_capacity(c) for c in dropped)
            else:
                leftovers.extend(dropped)
        else:
            unserved.extend(_not_routed(c, out.message or out.status.value) for c in part)
        if not queue and leftovers and not final_round:
            size = params.max_stops_per_model
            queue = [leftovers[i : i + size] for i in range(0, len(leftovers), size)]
            todo = len(leftovers)
            leftovers = []
            final_round = True
            logger.info("retrying %d unplaced chunks with the remaining fleet", todo)
    return fleet, unserved, statuses, "; ".join(messages)


def _kitchen_coords(
    problem: RoutingProblem, trips: Sequence[TripSpec]
) -> tuple[float, float] | None:
    if not trips:
        return None
    k = problem.kitchen(trips[0].start_kitchen)
    return (k.lat, k.lon) if k.lat is not None and k.lon is not None else None


def _chains(trips: Sequence[TripSpec]) -> list[list[int]]:
    """Trip indices per physical vehicle, in trip order."""
    nxt = {t.prev: i for i, t in enumerate(trips) if t.prev is not None}
    out: list[list[int]] = []
    for i, t in enumerate(trips):
        if t.prev is None:
            chain = [i]
            while chain[-1] in nxt:
                chain.append(nxt[chain[-1]])
            out.append(chain)
    return out


def improvement_groups(
    problem: RoutingProblem, spec: ModelSpec, plan: Plan, size: int
) -> list[tuple[list[int], list[int]]]:
    """Cut a constructed plan into OR-Tools models of about ``size`` chunks: whole physical
    vehicles (all their trips) with the chunks they serve, vehicles ordered by the angle
    of their stops around the kitchen (by first stop otherwise); unused vehicles are dealt
    round-robin, dropped chunks join the group of their nearest served chunk.

    Returns (chunk indices, trip indices) per group.
    """
    n = len(spec.chunks)
    chains = _chains(spec.trips)
    if n <= size:
        return [(list(range(n)), list(range(len(spec.trips))))]
    served = {c: ci for ci, ch in enumerate(chains) for t in ch for c in plan.routes[t]}
    coords = _kitchen_coords(problem, spec.trips)

    def key(ci: int) -> tuple[float, int]:
        stops = [spec.chunks[c].stop for t in chains[ci] for c in plan.routes[t]]
        if coords is not None and all(s.lat is not None and s.lon is not None for s in stops):
            lat = sum(s.lat or 0.0 for s in stops) / len(stops)
            lon = sum(s.lon or 0.0 for s in stops) / len(stops)
            cos = math.cos(math.radians(coords[0]))
            return (math.atan2(lat - coords[0], (lon - coords[1]) * cos) % (2 * math.pi), ci)
        return (float(min(plan.routes[chains[ci][0]], default=0)), ci)

    used = sorted(
        (ci for ci in range(len(chains)) if any(plan.routes[t] for t in chains[ci])), key=key
    )
    unused = [ci for ci in range(len(chains)) if ci not in set(used)]
    groups: list[list[int]] = [[]]
    count = 0
    for ci in used:
        if count >= size:
            groups.append([])
            count = 0
        groups[-1].append(ci)
        count += sum(len(plan.routes[t]) for t in chains[ci])
    for j, ci in enumerate(unused):
        groups[j % len(groups)].append(ci)
    group_of = {ci: g for g, cis in enumerate(groups) for ci in cis}
    chunk_groups: list[list[int]] = [[] for _ in groups]
    mins = next(iter(spec.matrices.values())).minutes
    for c in range(n):
        if c in served:
            chunk_groups[group_of[served[c]]].append(c)
            continue
        loc = spec.chunks[c].stop.location
        near = min(served, key=lambda d: (mins[loc][spec.chunks[d].stop.location], d), default=None)
        chunk_groups[group_of[served[near]] if near is not None else 0].append(c)
    return [
        (chunk_groups[g], sorted(t for ci in groups[g] for t in chains[ci]))
        for g in range(len(groups))
    ]


def _sub_spec(
    spec: ModelSpec, plan: Plan, chunk_idx: list[int], trip_idx: list[int]
) -> tuple[ModelSpec, Plan]:
    """The model and constructed plan restricted to some chunks and whole vehicles."""
    cmap = {c: i for i, c in enumerate(chunk_idx)}
    tmap = {t: i for i, t in enumerate(trip_idx)}

    def prev(t: int) -> int | None:
        p = spec.trips[t].prev
        return None if p is None else tmap[p]

    trips = tuple(replace(spec.trips[t], prev=prev(t)) for t in trip_idx)
    sub = ModelSpec(
        tuple(spec.chunks[c] for c in chunk_idx),
        trips,
        spec.matrices,
        spec.horizon,
        spec.kitchen_coords,
    )
    routes = tuple(tuple(cmap[c] for c in plan.routes[t]) for t in trip_idx)
    dropped = tuple(sorted(cmap[c] for c in plan.dropped if c in cmap))
    return sub, Plan(routes, tuple(plan.schedules[t] for t in trip_idx), dropped, 0)


def hgs_applies(problem: RoutingProblem, params: RoutingParams) -> bool:
    """Will :func:`solve_routes` ask PyVRP's genetic search for the first plan? (See
    ``RoutingParams.hgs_warm_start``: only when PyVRP expresses the problem exactly.)"""
    return (
        params.hgs_warm_start
        and params.own_first_solution is None
        and hgs.unsupported_problem(problem) is None
    )


def _hgs_plan(
    spec: ModelSpec, params: RoutingParams, deadline: float, t0: float
) -> tuple[Plan | None, list[str]]:
    """PyVRP's plan for the whole model, checked by our scheduler (``None`` if it finds
    nothing in time or its plan breaks a rule of ours)."""
    iterations = params.hgs_iterations
    if iterations is None and params.solution_limit is not None:
        iterations = 1000
    hgs_deadline = t0 + params.hgs_share * (deadline - t0)
    if not params.improve_with_ortools:
        hgs_deadline = deadline
    routes = hgs.solve_spec(
        spec,
        hgs_deadline,
        params.seed,
        allow_drops=params.allow_drops,
        penalty_per_meal=params.drop_penalty_per_meal,
        max_iterations=iterations,
    )
    if routes is None:
        return None, ["PyVRP found no plan in its share of the time"]
    plan = plan_from_routes(spec, routes, params.drop_penalty_per_meal)
    if plan is None:
        logger.warning("HGS plan rejected by our scheduler; constructing our own")
        return None, ["PyVRP's plan broke a rule of ours and was not used"]
    return plan, [f"warm start: PyVRP {hgs.version()} HGS, cost {plan.cost}"]


def _run_constructive(
    problem: RoutingProblem,
    params: RoutingParams,
    chunks: list[Chunk],
    able: dict[int, set[str]],
    deadline: float,
    t0: float,
    own_fallback: bool = True,
    use_hgs: bool = False,
    start: Sequence[VehicleRoute] | None = None,
) -> tuple[dict[str, _Fleet], list[Unserved], list[SolveStatus], str, float | None]:
    """A first plan over the whole fleet (PyVRP's with ``use_hgs``, else ours; without
    ``own_fallback``, OR-Tools' own per decomposed part instead of ours; with ``start``,
    the better of ours and what still fits of those routes), then OR-Tools from it per
    group of vehicles; the better of the two is kept per group."""
    fleet = {v.id: _Fleet(v, available_from=v.shift[0]) for v in problem.vehicles}
    if not chunks:
        return fleet, [], [], "", None
    trips = _trip_specs(problem, list(fleet.values()))
    spec = ModelSpec(
        tuple(chunks),
        tuple(trips),
        dict(problem.matrices),
        _horizon(problem),
        _kitchen_coords(problem, trips),
    )
    plan, messages = _hgs_plan(spec, params, deadline, t0) if use_hgs else (None, [])
    own_search = plan is None
    if plan is None and not own_fallback:
        logger.info("no HGS plan: OR-Tools' own first solution")
        parts = plan_parts(problem, chunks, able, params, random.Random(params.seed))
        run = _run(problem, params, parts, deadline)
        note = "; ".join([*messages, run[3]] if run[3] else messages)
        return run[0], run[1], run[2], note, None
    if plan is None:
        plan = first_plan(spec, params.seed, params.drop_penalty_per_meal)
        if start is not None:
            penalty = params.drop_penalty_per_meal
            warm = warm_plan(spec, start_routes(spec, start), penalty)
            if warm.cost <= plan_cost(spec, plan.routes, plan.dropped, penalty):
                plan = warm
                messages.append("warm start: the given routes, re-timed")
    first = time.monotonic() - t0
    logger.info(
        "%s plan: %d of %d chunks placed in %.2f s",
        "constructive" if own_search else "HGS",
        len(chunks) - len(plan.dropped),
        len(chunks),
        first,
    )
    iterations = params.own_search_iterations
    if iterations is None and params.solution_limit is not None:
        iterations = 300
    share = params.own_search_share if params.improve_with_ortools else 1.0
    if own_search and share > 0 and iterations != 0:
        now = time.monotonic()
        plan = improve(spec, plan, now + share * max(0.0, deadline - now), params.seed, iterations)
        logger.info(
            "own search: %d of %d chunks placed after %.2f s",
            len(chunks) - len(plan.dropped),
            len(chunks),
            time.monotonic() - t0,
        )
    if plan.dropped and not params.allow_drops:
        # every stop is mandatory and our plan misses some: OR-Tools' own first solution
        # (the plan cannot be a warm start without disjunctions)
        logger.info("constructive plan incomplete with allow_drops=False: OR-Tools alone")
        parts = plan_parts(problem, chunks, able, params, random.Random(params.seed))
        return (*_run(problem, params, parts, deadline), None)
    # PyVRP's plan is polished by OR-Tools only on request (hgs_share < 1)
    polish = params.improve_with_ortools and (own_search or params.hgs_share < 1.0)
    groups = improvement_groups(problem, spec, plan, params.max_stops_per_model)
    unserved: list[Unserved] = []
    statuses: list[SolveStatus] = []
    todo = len(chunks)
    for chunk_idx, trip_idx in groups:
        sub, sub_plan = _sub_spec(spec, plan, chunk_idx, trip_idx)
        own = plan_cost(sub, sub_plan.routes, sub_plan.dropped, params.drop_penalty_per_meal)
        best = sub_plan.output(sub)
        now = time.monotonic()
        share = len(chunk_idx) / max(1, todo)
        todo -= len(chunk_idx)
        budget_end = now + max(0.0, deadline - now) * min(1.0, share)
        if polish and budget_end - now > 0.2 and sub.chunks:
            try:
                out = engine.solve_model(
                    sub, params, budget_end, initial_routes=[list(r) for r in sub_plan.routes]
                )
            except Exception:  # the constructive plan stands
                logger.exception("routing model failed; keeping the constructive plan")
                out = None
            if out is not None and out.status.has_solution and out.cost < own:
                best = out
                logger.info("OR-Tools improved the plan: cost %d -> %d", own, out.cost)
                if not own_search:
                    messages.append(f"OR-Tools improved the HGS plan: cost {own} -> {out.cost}")
            elif out is not None and out.message:
                messages.append(out.message)
        statuses.append(best.status)
        _apply(problem, fleet, sub, best)
        why = _fleet_exhausted(sub, best) if best.dropped else ""
        unserved.extend(_no_capacity(sub.chunks[i], why) for i in best.dropped)
    return fleet, unserved, statuses, "; ".join(messages), first


def start_routes(spec: ModelSpec, routes: Sequence[VehicleRoute]) -> list[list[int]]:
    """Given routes as chunk indices per trip of ``spec`` (a vehicle's trip by its
    vehicle id and trip index; a stop's visits take its chunks in order; stops, vehicles
    or trips the spec does not have are left out)."""
    at = {(ts.vehicle.id, ts.trip_index): i for i, ts in enumerate(spec.trips)}
    free: dict[str, list[int]] = {}
    for i, ch in enumerate(spec.chunks):
        free.setdefault(ch.stop.id, []).append(i)
    out: list[list[int]] = [[] for _ in spec.trips]
    for vr in routes:
        for trip in vr.trips:
            t = at.get((vr.vehicle_id, trip.index))
            if t is None:
                continue
            for visit in trip.visits:
                left = free.get(visit.stop_id)
                if left:
                    out[t].append(left.pop(0))
    return out


def _merge_unserved(items: list[Unserved]) -> tuple[Unserved, ...]:
    """One entry per (stop, reason), quantities summed (chunks of a split stop)."""
    merged: dict[tuple[str, DropReason], Unserved] = {}
    for u in items:
        key = (u.stop_id, u.reason)
        if key in merged:
            m = merged[key]
            merged[key] = replace(m, hot=m.hot + u.hot, cold=m.cold + u.cold)
        else:
            merged[key] = u
    return tuple(merged.values())


def _overall_status(statuses: list[SolveStatus]) -> SolveStatus:
    if not statuses:
        return SolveStatus.OPTIMAL  # nothing to route
    ok = [s for s in statuses if s in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)]
    if len(ok) == len(statuses):
        return (
            SolveStatus.OPTIMAL
            if all(s is SolveStatus.OPTIMAL for s in statuses)
            else SolveStatus.FEASIBLE
        )
    if ok:
        return SolveStatus.FEASIBLE
    for s in (SolveStatus.ERROR, SolveStatus.INFEASIBLE):
        if s in statuses:
            return s
    return SolveStatus.NO_SOLUTION


def solve_routes(
    problem: RoutingProblem,
    params: RoutingParams | None = None,
    start: Sequence[VehicleRoute] | None = None,
) -> RoutingResult:
    """Plan the delivery routes of one meal service.

    Args:
        problem: kitchens, stops, vehicles and travel matrices (see :class:`RoutingProblem`).
        params: search parameters (defaults: :class:`RoutingParams()`).
        start: routes to start from (e.g. the same day's plan before some vehicles' ready
            times were fixed): what of them still fits this problem is kept, the stops
            that no longer fit are re-placed (:func:`construct.warm_plan`), and our search
            starts from that plan when it is at least as good as our own first plan. Used
            on our own path only (product problems); ignored by PyVRP and OR-Tools alone.

    Returns:
        A frozen :class:`RoutingResult`. Stops that cannot be served are listed in
        ``unserved`` with a reason; the plan is still returned (``status`` FEASIBLE).
        ``status`` is NO_SOLUTION when the solver found no plan in time, ERROR when the
        model failed.

    The objective, in order: deliver every meal (``params.drop_penalty_per_meal`` per
    undelivered meal), then use few vehicles (each vehicle's ``fixed_cost``), then drive
    little (``cost_per_metre`` and ``cost_per_minute``).
    """
    params = params or RoutingParams()
    t0 = time.monotonic()
    deadline = t0 + params.time_limit_s
    rng = random.Random(params.seed)

    chunks, unserved = split_stops(problem)
    ok, pre_unserved, able = precheck(problem, chunks)
    unserved.extend(pre_unserved)
    first: float | None = None
    own = params.own_first_solution
    if own is None:
        own = any(v.max_trips > 1 for v in problem.vehicles) or any(
            s.hold_limit is not None for s in problem.stops
        )
    use_hgs = hgs_applies(problem, params)
    if own or use_hgs:
        fleet, dropped, statuses, message, first = _run_constructive(
            problem,
            params,
            ok,
            able,
            deadline,
            t0,
            own_fallback=own,
            use_hgs=use_hgs,
            start=start,
        )
    else:
        parts = plan_parts(problem, ok, able, params, rng) if ok else []
        if len(parts) > 1:
            logger.info("decomposed %d chunks into %d models", len(ok), len(parts))
        fleet, dropped, statuses, message = _run(problem, params, parts, deadline)
    unserved.extend(dropped)

    routes: list[VehicleRoute] = []
    for v in problem.vehicles:
        trips = sorted(fleet[v.id].trips, key=lambda t: t.index)
        if trips:
            routes.append(VehicleRoute(v.id, tuple(trips)))
    status = _overall_status(statuses)
    merged = _merge_unserved(unserved)
    dropped_meals = sum(u.hot + u.cold for u in merged)
    by_id = {v.id: v for v in problem.vehicles}
    cost = params.drop_penalty_per_meal * dropped_meals
    for r in routes:
        v = by_id[r.vehicle_id]
        cost += v.fixed_cost + sum(
            v.cost_per_metre * t.metres + v.cost_per_minute * t.drive_minutes for t in r.trips
        )
    objective = Objective(
        dropped_meals=dropped_meals,
        vehicles_used=len(routes),
        distance_m=sum(r.metres for r in routes),
        drive_minutes=sum(t.drive_minutes for r in routes for t in r.trips),
        cost=cost,
    )
    wall = time.monotonic() - t0
    result = RoutingResult(
        status=status,
        objective=objective,
        routes=tuple(routes),
        unserved=merged,
        wall_s=wall,
        models=len(statuses),
        message=message,
        first_plan_s=first,
        bound=fleet_bound(problem),
    )
    logger.info("solve_routes: %s", result.summary().splitlines()[0])
    return result


def vehicle_trips_fit(
    problem: RoutingProblem, vehicle: Vehicle, loads: Sequence[Sequence[tuple[str, int, int]]]
) -> bool:
    """Can ``vehicle`` drive ``loads`` as its trips 1, 2, ... (each a sequence of
    ``(stop id, hot, cold)`` in visiting order), timed by our exact scheduler: load,
    locks (``Stop.vehicles``, ``Stop.trip``), windows, hold limits from each trip's ready
    time (``Vehicle.ready_times`` by trip index, else decided), shift and chaining? The
    check a plan change that empties one of a vehicle's trips needs: its later trips then
    move up one index (trips are driven in order)."""
    if len(loads) > vehicle.max_trips:
        return False
    stops = {s.id: s for s in problem.stops}
    chunks: list[Chunk] = []
    routes: list[list[int]] = []
    for load in loads:
        route: list[int] = []
        for stop_id, hot, cold in load:
            stop = stops.get(stop_id)
            if stop is None:
                return False
            route.append(len(chunks))
            chunks.append(Chunk(stop, hot, cold, part=len(chunks)))
        routes.append(route)
    trips = _trip_specs(problem, [_Fleet(vehicle, available_from=vehicle.shift[0])])
    routes += [[] for _ in range(len(trips) - len(routes))]
    spec = ModelSpec(tuple(chunks), tuple(trips), dict(problem.matrices), _horizon(problem))
    return plan_from_routes(spec, routes) is not None
