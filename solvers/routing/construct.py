"""Our own first plan and search (pure Python, deterministic for a seed).

OR-Tools' first-solution strategies stall on meal models with many chained trips (the
demo district, 314 stops x 32 trip-vehicles: no first plan in 30 s, and its fallback
delivered nothing), so :func:`first_plan` builds a feasible plan itself,
:func:`improve` improves it by ruin and recreate, and :mod:`solvers.routing.solve` hands
the result to OR-Tools as its starting assignment. Both work on one :class:`ModelSpec`
(chunks + trips, consecutive trips of a physical vehicle chained) and respect everything
the OR-Tools model does: hot/cold capacity, stop windows with service minutes, hold
limits (ride = service start - ready; ready = departure - loading unless fixed), shifts,
trip chaining (next departure >= previous return + reload; trips used in order).

:func:`construct`:

1. **bulk sites** (canteens, dining points), largest first, each at its cheapest feasible
   place (a vehicle's next trip included), vehicles of at least half the largest capacity
   (vans) first;
2. **homes**, either by parallel regret-2 insertion over every open trip (granular: trips
   holding one of the home's nearest neighbours, and empty trips; small vehicles such as
   tricycles win ties) or by an angular sweep around the kitchen (trips opened wave by
   wave, small vehicles first, seeded by the most urgent home and grown by cheapest
   insertion among the nearest unrouted homes);
3. **leftovers**: a full best-insertion pass over every trip and position.

:func:`first_plan` keeps the best of both home strategies, without and with a latest
return for early trips (short first waves leave time for second ones).

Scheduling a trip is exact and greedy-optimal: for a fixed order, the departure is the
earliest minute that satisfies the hold limits (waiting before a window counts as ride
time, so departing later can only shorten rides), which also gives the earliest return
and so the most room for the vehicle's next trip.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from solvers.routing.specs import Chunk, ModelOutput, ModelSpec, RoutedTrip, TripSpec
from solvers.routing.types import DAY_MINUTES
from solvers.status import SolveStatus

logger = logging.getLogger(__name__)

_NEG = -(10**9)
WAVE_FRACTIONS = (0.4, 0.3, 0.5, 0.2, 0.65)
"""Where, within the span of the stops' windows, early trips must be back (tried in turn)."""
FIRST_PLAN_WORK = 200_000
"""Construction variants tried: about this many (chunks x trips) units of work in all
(the 314-stop district with 44 trips: all 12; 823 stops with 112 trips: 2)."""
NEIGHBOURS = 24
"""Nearest unrouted homes considered when growing a trip (granular insertion)."""


@dataclass(frozen=True)
class Schedule:
    """Timing of one non-empty trip: departure, return, service start per visit."""

    ready: int
    depart: int
    return_at: int
    arrivals: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """A constructed plan: chunk indices per trip (in the spec's trip order)."""

    routes: tuple[tuple[int, ...], ...]
    schedules: tuple[Schedule | None, ...]
    dropped: tuple[int, ...]
    cost: int

    def output(self, spec: ModelSpec) -> ModelOutput:
        """As the engine's :class:`ModelOutput` (status FEASIBLE)."""
        trips: list[RoutedTrip] = []
        for ts, seq, sch in zip(spec.trips, self.routes, self.schedules, strict=True):
            if sch is None:
                d = ts.earliest_depart
                ready = ts.ready if ts.ready is not None else d - ts.vehicle.loading_minutes
                trips.append(RoutedTrip(depart=d, return_at=d, ready=ready, visits=()))
                continue
            visits = tuple((c, a, a - sch.ready) for c, a in zip(seq, sch.arrivals, strict=True))
            trips.append(
                RoutedTrip(
                    depart=sch.depart, return_at=sch.return_at, ready=sch.ready, visits=visits
                )
            )
        return ModelOutput(
            SolveStatus.FEASIBLE, tuple(trips), self.dropped, self.cost, "constructive plan"
        )


_Snapshot = tuple[list[list[int]], list[Schedule | None], list[int], list[int]]
"""Trip sequences, schedules, hot and cold loads (see ``_State.snapshot``)."""


class _State:
    """Routes under construction with exact feasibility checks."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.chunks = spec.chunks
        self.trips = spec.trips
        self.minutes = {k: m.minutes for k, m in spec.matrices.items()}
        self.metres = {k: m.metres for k, m in spec.matrices.items()}
        self.loc = [c.stop.location for c in spec.chunks]
        self.early = [c.stop.window[0] for c in spec.chunks]
        self.late = [c.stop.window[1] for c in spec.chunks]
        self.service = [c.stop.service_minutes for c in spec.chunks]
        self.hold = [c.stop.hold_limit for c in spec.chunks]
        self.allowed = [frozenset(c.stop.vehicles) for c in spec.chunks]
        """Vehicle ids allowed per chunk (empty: any; ``Stop.vehicles``)."""
        self.allowed_trip = [c.stop.trip for c in spec.chunks]
        """The trip index allowed per chunk (None: any; ``Stop.trip``)."""
        self.dmax: dict[int, int] = {}
        self.return_cap: dict[int, int] = {}
        """Optional latest return per trip (construction only: short early waves)."""
        self.seqs: list[list[int]] = [[] for _ in spec.trips]
        self.sched: list[Schedule | None] = [None] * len(spec.trips)
        self.hot = [0] * len(spec.trips)
        self.cold = [0] * len(spec.trips)
        # trips of each physical vehicle, in order (a chain through TripSpec.prev)
        nxt: dict[int, int] = {}
        for i, t in enumerate(spec.trips):
            if t.prev is not None:
                nxt[t.prev] = i
        self.next_trip = nxt
        self.chains: list[list[int]] = []
        for i, t in enumerate(spec.trips):
            if t.prev is None:
                chain = [i]
                while chain[-1] in nxt:
                    chain.append(nxt[chain[-1]])
                self.chains.append(chain)
        self.chain_of = {i: ci for ci, ch in enumerate(self.chains) for i in ch}

    # ------------------------------------------------------------------ scheduling

    def schedule(self, t: int, seq: Sequence[int], earliest: int) -> Schedule | None:
        """Exact timing of trip ``t`` visiting ``seq``, departing no earlier than
        ``earliest``; ``None`` if some window, hold limit or the shift end is broken."""
        ts = self.trips[t]
        mins = self.minutes[ts.vehicle.kind]
        load = ts.vehicle.loading_minutes
        fixed = ts.ready
        early, late, service, hold, loc = self.early, self.late, self.service, self.hold, self.loc
        # pass 1: travel+service from departure (no waiting) and window-forced starts
        need = _NEG
        tt = 0
        forced = _NEG
        prev = ts.start_loc
        svc = 0
        for c in seq:
            step = svc + mins[prev][loc[c]]
            tt += step
            forced += step
            if forced < early[c]:
                forced = early[c]
            h = hold[c]
            if h is not None and fixed is None:
                if tt + load > h:
                    return None
                if forced + load - h > need:
                    need = forced + load - h
            prev, svc = loc[c], service[c]
        depart = max(earliest, ts.earliest_depart, need)
        if fixed is not None:
            depart = max(depart, fixed + load)
        ready = fixed if fixed is not None else depart - load
        # pass 2: the schedule at that departure
        now = depart
        prev = ts.start_loc
        svc = 0
        arr: list[int] = []
        for c in seq:
            now += svc + mins[prev][loc[c]]
            if now < early[c]:
                now = early[c]
            if now > late[c]:
                return None
            h = hold[c]
            if h is not None and now - ready > h:
                return None
            arr.append(now)
            prev, svc = loc[c], service[c]
        ret = now + svc + mins[prev][ts.end_loc]
        if ret > ts.latest_return or ret > self.return_cap.get(t, ret):
            return None
        return Schedule(ready, depart, ret, tuple(arr))

    def earliest(self, t: int) -> int:
        """Earliest departure of trip ``t`` given the vehicle's previous trip."""
        p = self.trips[t].prev
        if p is None:
            return self.trips[t].earliest_depart
        sp = self.sched[p]
        if sp is None:
            return self.trips[t].earliest_depart
        return sp.return_at + self.trips[p].vehicle.reload_minutes

    def open(self, t: int) -> bool:
        """May trip ``t`` receive stops (its previous trip, if any, is used)?"""
        p = self.trips[t].prev
        return p is None or bool(self.seqs[p])

    def fits_load(self, t: int, c: int) -> bool:
        """Chunk ``c`` fits trip ``t``'s load and may ride that vehicle (``Stop.vehicles``)."""
        ts, ch = self.trips[t], self.chunks[c]
        allowed = self.allowed[c]
        return (
            (not allowed or ts.vehicle.id in allowed)
            and self.allowed_trip[c] in (None, ts.trip_index)
            and self.hot[t] + ch.hot <= ts.vehicle.hot_capacity
            and self.cold[t] + ch.cold <= ts.vehicle.cold_capacity
        )

    def try_insert(self, t: int, c: int, pos: int) -> list[tuple[int, Schedule]] | None:
        """New schedules of trip ``t`` and the vehicle's later non-empty trips with chunk
        ``c`` inserted at ``pos`` (``None`` if infeasible). Load is checked by the caller."""
        seq = self.seqs[t]
        new_seq = seq[:pos] + [c] + seq[pos:]
        s = self.schedule(t, new_seq, self.earliest(t))
        if s is None:
            return None
        out = [(t, s)]
        ret, k = s.return_at, t
        while k in self.next_trip and self.seqs[self.next_trip[k]]:
            n = self.next_trip[k]
            e = ret + self.trips[k].vehicle.reload_minutes
            old = self.sched[n]
            assert old is not None
            if old.depart >= e:
                break  # unaffected
            sn = self.schedule(n, self.seqs[n], e)
            if sn is None:
                return None
            out.append((n, sn))
            ret, k = sn.return_at, n
        return out

    def latest_depart(self, t: int) -> int:
        """Latest departure of non-empty trip ``t`` that its stops' windows and its latest
        return allow (ignoring hold limits and later trips); cached."""
        d = self.dmax.get(t)
        if d is not None:
            return d
        ts = self.trips[t]
        mins = self.minutes[ts.vehicle.kind]
        seq = self.seqs[t]
        nxt_loc, nxt_latest = ts.end_loc, ts.latest_return
        latest = 0
        for c in reversed(seq):
            latest = min(self.late[c], nxt_latest - self.service[c] - mins[self.loc[c]][nxt_loc])
            nxt_loc, nxt_latest = self.loc[c], latest
        d = latest - mins[ts.start_loc][self.loc[seq[0]]]
        self.dmax[t] = d
        return d

    def insert(self, t: int, c: int, pos: int, scheds: list[tuple[int, Schedule]]) -> None:
        self.dmax.pop(t, None)
        self.seqs[t].insert(pos, c)
        self.hot[t] += self.chunks[c].hot
        self.cold[t] += self.chunks[c].cold
        for k, s in scheds:
            self.sched[k] = s

    def metres_delta(self, t: int, c: int, pos: int) -> int:
        ts = self.trips[t]
        m = self.metres[ts.vehicle.kind]
        seq = self.seqs[t]
        a = ts.start_loc if pos == 0 else self.loc[seq[pos - 1]]
        b = ts.end_loc if pos == len(seq) else self.loc[seq[pos]]
        x = self.loc[c]
        return m[a][x] + m[x][b] - m[a][b]

    def cost(self, t: int, c: int, pos: int, s: Schedule) -> int:
        """Insertion cost: added trip duration (minutes, incl. waiting) first, metres
        second; opening a vehicle's first trip carries its fixed cost."""
        old = self.sched[t]
        dur_old = 0 if old is None else old.return_at - old.depart
        dur = s.return_at - s.depart - dur_old
        extra = self.trips[t].fixed_cost if not self.seqs[t] else 0
        return dur * 1000 + self.metres_delta(t, c, pos) + extra

    def best_in_trip(self, t: int, c: int) -> tuple[int, int, list[tuple[int, Schedule]]] | None:
        """Cheapest feasible position of ``c`` in trip ``t``: (cost, pos, schedules)."""
        if not self.open(t) or not self.fits_load(t, c):
            return None
        best: tuple[int, int, list[tuple[int, Schedule]]] | None = None
        seq = self.seqs[t]
        sch = self.sched[t]
        ts = self.trips[t]
        mins = self.minutes[ts.vehicle.kind]
        lc, late_c, hold_c = self.loc[c], self.late[c], self.hold[c]
        # an insertion only moves the departure and every service start later, and the
        # load can be ready at most at the latest departure the windows allow
        limit = late_c
        if sch is not None:
            if hold_c is not None:
                ready_max = (
                    ts.ready
                    if ts.ready is not None
                    else self.latest_depart(t) - ts.vehicle.loading_minutes
                )
                limit = min(limit, ready_max + hold_c)
            if max(self.early[c], sch.depart + mins[ts.start_loc][lc]) > limit:
                return None
        for pos in range(len(seq) + 1):
            if sch is not None and pos > 0:
                # the stop before keeps its service start or moves later: prune early
                b = seq[pos - 1]
                if sch.arrivals[pos - 1] + self.service[b] + mins[self.loc[b]][lc] > limit:
                    break  # later positions are later still
            r = self.try_insert(t, c, pos)
            if r is None:
                continue
            cost = self.cost(t, c, pos, r[0][1])
            if best is None or cost < best[0]:
                best = (cost, pos, r)
        return best

    # ------------------------------------------------------------------ LNS helpers

    def snapshot(self) -> _Snapshot:
        return ([list(q) for q in self.seqs], list(self.sched), list(self.hot), list(self.cold))

    def restore(self, snap: _Snapshot) -> None:
        seqs, sched, hot, cold = snap
        self.dmax = {}
        self.seqs = [list(q) for q in seqs]
        self.sched, self.hot, self.cold = list(sched), list(hot), list(cold)

    def rebuild_chain(self, ci: int) -> bool:
        """Re-time every trip of physical vehicle ``ci`` after removals, moving later
        trips up into emptied ones (trips are used in order); False if infeasible."""
        chain = self.chains[ci]
        for t in chain:
            self.dmax.pop(t, None)
        loads = [q for q in (self.seqs[t] for t in chain) if q]
        for k, t in enumerate(chain):
            self.seqs[t] = list(loads[k]) if k < len(loads) else []
            self.hot[t] = sum(self.chunks[c].hot for c in self.seqs[t])
            self.cold[t] = sum(self.chunks[c].cold for c in self.seqs[t])
        for t in chain:
            if not self.seqs[t]:
                self.sched[t] = None
                continue
            if any(self.allowed_trip[c] not in (None, self.trips[t].trip_index)
                   for c in self.seqs[t]):  # fmt: skip
                return False  # a stop locked to its trip would move up
            sch = self.schedule(t, self.seqs[t], self.earliest(t))
            if sch is None:
                return False
            self.sched[t] = sch
        return True

    def total(self, dropped: set[int], penalty: int) -> tuple[int, int]:
        """(undelivered meals, cost without penalties) of the current plan."""
        meals = sum(self.chunks[c].meals for c in dropped)
        return meals, plan_cost(self.spec, self.seqs, (), 0)


def _removal_candidate(st: _State, tried: set[int]) -> int | None:
    """The used vehicle (chain index) with a fixed cost and the fewest meals, not yet
    tried; ``None`` if there is none or only one vehicle drives."""
    used = [ci for ci, chain in enumerate(st.chains) if any(st.seqs[t] for t in chain)]
    if len(used) < 2:
        return None
    best: tuple[int, int] | None = None
    for ci in used:
        chain = st.chains[ci]
        if ci in tried or st.trips[chain[0]].fixed_cost <= 0:
            continue
        meals = sum(st.chunks[c].meals for t in chain for c in st.seqs[t])
        if best is None or (meals, ci) < best:
            best = (meals, ci)
    return None if best is None else best[1]


def _angle_order(spec: ModelSpec, idx: list[int], rng: random.Random) -> list[int]:
    """Homes swept by angle around their trips' kitchen, starting after the widest empty
    angle; by decreasing distance from the kitchen when coordinates are missing."""
    if not idx:
        return []
    chunks = spec.chunks
    start_loc = spec.trips[0].start_loc
    kinds = list(spec.matrices)
    mins = spec.matrices[kinds[0]].minutes
    have = all(c.stop.lat is not None and c.stop.lon is not None for c in chunks)
    centre = _centre(spec) if have else None
    if centre is None:
        tie = {i: rng.random() for i in idx}
        return sorted(idx, key=lambda i: (-mins[start_loc][chunks[i].stop.location], tie[i], i))
    clat, clon = centre
    coslat = math.cos(math.radians(clat))

    def angle(i: int) -> float:
        s = chunks[i].stop
        assert s.lat is not None and s.lon is not None
        return math.atan2(s.lat - clat, (s.lon - clon) * coslat) % (2 * math.pi)

    ordered = sorted(idx, key=lambda i: (angle(i), chunks[i].stop.id, chunks[i].part))
    n = len(ordered)
    angles = [angle(i) for i in ordered]
    gaps = [(angles[(j + 1) % n] - angles[j]) % (2 * math.pi) for j in range(n)]
    cut = max(range(n), key=lambda j: gaps[j])
    return ordered[cut + 1 :] + ordered[: cut + 1]


def _centre(spec: ModelSpec) -> tuple[float, float] | None:
    """Kitchen coordinates if known, else the mean of the stops' (the sweep's centre)."""
    if spec.kitchen_coords is not None:
        return spec.kitchen_coords
    pts = [(c.stop.lat, c.stop.lon) for c in spec.chunks]
    lats = [p[0] for p in pts if p[0] is not None]
    lons = [p[1] for p in pts if p[1] is not None]
    if not lats or len(lats) != len(lons):
        return None
    return sum(lats) / len(lats), sum(lons) / len(lons)


def _grow(st: _State, t: int, pool: set[int], near: dict[int, list[int]] | None) -> None:
    """Cheapest insertion into trip ``t`` from ``pool`` (restricted to the nearest
    neighbours of the trip's stops when ``near`` is given) until nothing fits."""
    while True:
        if near is None:
            cands = sorted(pool)
        else:
            cs: set[int] = set()
            for c in st.seqs[t]:
                cs.update(x for x in near[c] if x in pool)
            cands = sorted(cs)
        best: tuple[int, int, int, list[tuple[int, Schedule]]] | None = None
        for c in cands:
            r = st.best_in_trip(t, c)
            if r is not None and (best is None or r[0] < best[0]):
                best = (r[0], c, r[1], r[2])
        if best is None:
            return
        _, c, pos, scheds = best
        st.insert(t, c, pos, scheds)
        pool.discard(c)


def _best_anywhere(
    st: _State, c: int, trips: Sequence[int]
) -> tuple[int, int, int, list[tuple[int, Schedule]]] | None:
    """Cheapest feasible (cost, trip, position, schedules) for ``c`` over ``trips``."""
    best: tuple[int, int, int, list[tuple[int, Schedule]]] | None = None
    for t in trips:
        r = st.best_in_trip(t, c)
        if r is not None and (best is None or r[0] < best[0]):
            best = (r[0], t, r[1], r[2])
    return best


def _regret_insert(
    st: _State, todo: list[int], near: dict[int, list[int]], vehicle_order: list[int]
) -> list[int]:
    """Parallel regret-2 insertion of ``todo`` over every open trip; returns what did not
    fit. Granular: a chunk is only evaluated in non-empty trips holding one of its
    nearest neighbours, and in one representative of each class of identical empty
    trips (same vehicle kind, capacities, kitchens, times, costs)."""
    n_order = len(vehicle_order)
    prio = {
        t: k2 * n_order + k
        for k, ci in enumerate(vehicle_order)
        for k2, t in enumerate(st.chains[ci])
    }
    pool = set(todo)
    near_set = {c: set(near[c]) for c in todo}
    entries: dict[int, dict[int, tuple[int, int, list[tuple[int, Schedule]]]]] = {
        c: {} for c in todo
    }
    summary: dict[int, tuple[int, int, int, int] | None] = {c: None for c in todo}

    def summarise(d: int) -> None:
        e = entries[d]
        if not e:
            summary[d] = None
            return
        ranked = sorted((v[0], prio[t], t) for t, v in e.items())
        second = ranked[1][0] if len(ranked) > 1 else ranked[0][0] + 10**12
        summary[d] = (ranked[0][0], ranked[0][1], ranked[0][2], second)

    def refresh(t: int, who: Sequence[int]) -> None:
        members = set(st.seqs[t])
        for d in who:
            e = entries[d]
            if (st.seqs[t] and not (near_set[d] & members)) or not st.open(t):
                r = None
            else:
                r = st.best_in_trip(t, d)
            if r is None:
                if e.pop(t, None) is not None:
                    summarise(d)
            else:
                e[t] = r
                summarise(d)

    def empty_class(t: int) -> tuple[object, ...]:
        ts = st.trips[t]
        v = ts.vehicle
        return (
            v.kind,
            v.hot_capacity,
            v.cold_capacity,
            v.loading_minutes,
            ts.start_loc,
            ts.end_loc,
            st.earliest(t),
            ts.latest_return,
            ts.ready,
            ts.fixed_cost,
            v.cost_per_metre,
            v.cost_per_minute,
            st.return_cap.get(t),
        )

    def representatives() -> set[int]:
        seen: set[tuple[object, ...]] = set()
        reps: set[int] = set()
        for t in sorted(range(len(st.trips)), key=lambda k: prio[k]):
            if st.seqs[t] or not st.open(t):
                continue
            key = empty_class(t)
            if key not in seen:
                seen.add(key)
                reps.add(t)
        return reps

    reps = representatives()
    for t in range(len(st.trips)):
        if st.seqs[t] or t in reps:
            refresh(t, todo)
    while pool:
        pick: tuple[int, int, int, int] | None = None  # (-regret, cost, prio, chunk)
        for c in sorted(pool):
            sm = summary[c]
            if sm is None:
                continue
            key = (-(sm[3] - sm[0]), sm[0], sm[1], c)
            if pick is None or key < pick:
                pick = key
        if pick is None:
            break
        c = pick[3]
        sm = summary[c]
        assert sm is not None
        t = sm[2]
        _, pos, scheds = entries[c][t]
        st.insert(t, c, pos, scheds)
        pool.discard(c)
        del entries[c], summary[c]
        rest = sorted(pool)
        # every trip of this vehicle (earlier trips now have a later trip to respect,
        # later ones a new earliest departure), and the empty trips that now represent
        # their class
        new_reps = representatives()
        touched = set(st.chains[st.chain_of[t]]) | (new_reps - reps) | (reps - new_reps)
        reps = new_reps
        for k in sorted(touched):
            if st.seqs[k] or k in reps:
                refresh(k, rest)
            else:
                for d in rest:
                    if entries[d].pop(k, None) is not None:
                        summarise(d)
    return sorted(pool)


def _neighbours(st: _State, targets: list[int], k: int) -> dict[int, list[int]]:
    """For every chunk, its ``k`` nearest chunks among ``targets``."""
    mins = next(iter(st.minutes.values()))
    loc = st.loc
    out: dict[int, list[int]] = {}
    for i in range(len(loc)):
        row = mins[loc[i]]
        out[i] = sorted((j for j in targets if j != i), key=lambda j: (row[loc[j]], j))[:k]
    return out


def _wave_slots(st: _State, order: list[int]) -> list[list[int]]:
    """Trip indices per wave (position in the vehicle's chain), vehicles in ``order``."""
    depth = max((len(ch) for ch in st.chains), default=0)
    return [[st.chains[ci][w] for ci in order if w < len(st.chains[ci])] for w in range(depth)]


def construct(
    spec: ModelSpec, seed: int = 0, homes_by: str = "regret", first_wave_return: int | None = None
) -> Plan:
    """Build a feasible plan for ``spec`` (deterministic for a seed); chunks it cannot
    place are returned in ``Plan.dropped``.

    ``homes_by``: ``"regret"`` (parallel regret insertion over every trip) or ``"sweep"``
    (trips opened wave by wave, seeded by the most urgent home along an angular sweep and
    grown by cheapest insertion).
    """
    if homes_by not in ("regret", "sweep"):
        raise ValueError(f"homes_by must be 'regret' or 'sweep', got {homes_by!r}")
    rng = random.Random(seed)
    st = _State(spec)
    if first_wave_return is not None:
        st.return_cap = {t: first_wave_return for t in st.next_trip}
    n = len(spec.chunks)
    bulk = [i for i in range(n) if spec.chunks[i].stop.kind.is_bulk]
    homes = [i for i in range(n) if not spec.chunks[i].stop.kind.is_bulk]

    def vcap(ci: int) -> int:
        return st.trips[st.chains[ci][0]].vehicle.hot_capacity

    def vid(ci: int) -> str:
        return st.trips[st.chains[ci][0]].vehicle.id

    chains = range(len(st.chains))
    small_first = sorted(chains, key=lambda ci: (vcap(ci), vid(ci)))

    # 1. bulk sites, largest first, each to its cheapest feasible trip (a vehicle's next
    #    trip included); vehicles of at least half the largest capacity (vans) first
    cap_max = max((vcap(ci) for ci in chains), default=0)
    big = {t for ci in chains if 2 * vcap(ci) >= cap_max for t in st.chains[ci]}
    leftovers: list[int] = []
    for c in sorted(bulk, key=lambda i: (-spec.chunks[i].meals, st.late[i], i)):
        placed = False
        for group in (sorted(big), [t for t in range(len(st.trips)) if t not in big]):
            best = _best_anywhere(st, c, group)
            if best is not None:
                st.insert(best[1], c, best[2], best[3])
                placed = True
                break
        if not placed:
            leftovers.append(c)

    # 2. homes (small vehicles, i.e. tricycles, first on ties)
    near = _neighbours(st, homes, NEIGHBOURS)
    if homes_by == "regret":
        leftovers += _regret_insert(st, homes, near, small_first)
    else:
        leftovers += _sweep_insert(st, homes, near, small_first, rng)

    # 3. leftovers: full best insertion anywhere (largest first)
    dropped: list[int] = []
    every = list(range(len(st.trips)))
    for c in sorted(leftovers, key=lambda i: (-spec.chunks[i].meals, st.late[i], i)):
        best = _best_anywhere(st, c, every)
        if best is None:
            dropped.append(c)
        else:
            st.insert(best[1], c, best[2], best[3])
    return Plan(
        tuple(tuple(s) for s in st.seqs),
        tuple(st.sched),
        tuple(sorted(dropped)),
        plan_cost(spec, st.seqs, dropped, 0),
    )


def _sweep_insert(
    st: _State,
    homes: list[int],
    near: dict[int, list[int]],
    vehicle_order: list[int],
    rng: random.Random,
) -> list[int]:
    """Trips opened wave by wave (all first trips, then all second trips ...), each seeded
    with the most urgent home (earliest window end; ties along an angular sweep around the
    kitchen) and grown by cheapest insertion among nearby homes; returns what is left."""
    sweep = _angle_order(st.spec, homes, rng)
    rank = {c: j for j, c in enumerate(sweep)}
    m = max(1, len(sweep))
    pool = set(homes)
    pos_in_sweep = 0
    for wave in _wave_slots(st, vehicle_order):
        for t in wave:
            if not pool:
                break
            if not st.open(t):
                continue
            if st.seqs[t]:
                _grow(st, t, pool, near)  # a bulk trip with room left
                continue
            order = sorted(pool, key=lambda i: (st.late[i], (rank[i] - pos_in_sweep) % m, i))
            for c in order:
                r = st.best_in_trip(t, c)
                if r is not None:
                    st.insert(t, c, r[1], r[2])
                    pool.discard(c)
                    _grow(st, t, pool, near)
                    pos_in_sweep = (rank[c] + 1) % m
                    break
    return sorted(pool)


def first_plan(spec: ModelSpec, seed: int = 0, penalty_per_meal: int = 10**8) -> Plan:
    """The best of a few constructions (fewest undelivered meals, then cost): regret and
    sweep insertion, without and with a latest return for every trip but a vehicle's last
    (short early waves leave time for later ones; tried at fractions of the span of the
    stops' windows). Fewer variants on large models (deterministic: by size)."""
    caps: list[int | None] = []
    if spec.chunks and any(t.prev is not None for t in spec.trips):
        lo = min(c.stop.window[0] for c in spec.chunks)
        hi = max(c.stop.window[1] for c in spec.chunks)
        if hi < DAY_MINUTES:
            caps = [lo + round(f * (hi - lo)) for f in WAVE_FRACTIONS]
    variants: list[tuple[str, int | None]] = [("regret", None), ("sweep", None)]
    for cap in caps:
        variants += [("sweep", cap), ("regret", cap)]
    work = len(spec.chunks) * max(1, len(spec.trips))
    keep = max(2, min(len(variants), FIRST_PLAN_WORK // max(1, work)))
    best: tuple[int, Plan] | None = None
    for how, cap in variants[:keep]:
        pl = construct(spec, seed, how, cap)
        cost = plan_cost(spec, pl.routes, pl.dropped, penalty_per_meal)
        if best is None or cost < best[0]:
            best = (cost, pl)
    assert best is not None
    return best[1]


def plan_from_routes(
    spec: ModelSpec, routes: Sequence[Sequence[int]], penalty_per_meal: int = 10**8
) -> Plan | None:
    """A plan from given routes (chunk indices per trip, e.g. another solver's), timed by
    our exact scheduler; ``None`` if a route breaks a load, window, hold limit or shift
    (or a chunk is routed twice or unknown). Chunks in no route are dropped."""
    if len(routes) != len(spec.trips):
        return None
    st = _State(spec)
    seen: set[int] = set()
    for chain in st.chains:
        for t in chain:
            seq = list(routes[t])
            if not seq:
                continue
            if any(c in seen or not 0 <= c < len(spec.chunks) for c in seq):
                return None
            seen.update(seq)
            hot = sum(spec.chunks[c].hot for c in seq)
            cold = sum(spec.chunks[c].cold for c in seq)
            v = spec.trips[t].vehicle
            if hot > v.hot_capacity or cold > v.cold_capacity or not st.open(t):
                return None
            if any(st.allowed[c] and v.id not in st.allowed[c] for c in seq):
                return None
            if any(st.allowed_trip[c] not in (None, spec.trips[t].trip_index) for c in seq):
                return None
            sch = st.schedule(t, seq, st.earliest(t))
            if sch is None:
                return None
            st.seqs[t], st.hot[t], st.cold[t], st.sched[t] = seq, hot, cold, sch
    dropped = tuple(c for c in range(len(spec.chunks)) if c not in seen)
    return Plan(
        tuple(tuple(s) for s in st.seqs),
        tuple(st.sched),
        dropped,
        plan_cost(spec, st.seqs, dropped, penalty_per_meal),
    )


def warm_plan(
    spec: ModelSpec, routes: Sequence[Sequence[int]], penalty_per_meal: int = 10**8
) -> Plan:
    """A plan that keeps as much of given routes (chunk indices per trip of ``spec``, e.g.
    the same day's plan before some vehicles' ready times were fixed) as still fits.

    Each vehicle's trips in order, each trip's stops in their order: a stop stays on its
    trip when the trip with it still fits (load, lock, window, hold limit counted from the
    trip's ready time, fixed or decided, shift, the vehicle's previous trip); otherwise
    it leaves the trip. The stops that left, and chunks in no route, are then placed by
    :func:`_eject_repair` (cheapest feasible place in any open trip, else by ejecting one
    stop or one trip near it); what still finds no place is undelivered; then, as after
    the search, :func:`_merge_one_meal_trips` gives a trip left with a single meal to
    another trip when the cost does not rise (routes that all still fit come back as
    they were: no repair, no merge). Deterministic,
    no randomness. ``routes`` of the wrong length count as no routes."""
    st = _State(spec)
    seen: set[int] = set()
    if len(routes) == len(spec.trips):
        for chain in st.chains:
            for t in chain:
                if not st.open(t):
                    continue
                ts = spec.trips[t]
                seq: list[int] = []
                sch: Schedule | None = None
                hot = cold = 0
                for c in routes[t]:
                    if c in seen or not 0 <= c < len(spec.chunks):
                        continue
                    ch = spec.chunks[c]
                    if (
                        hot + ch.hot > ts.vehicle.hot_capacity
                        or cold + ch.cold > ts.vehicle.cold_capacity
                        or (st.allowed[c] and ts.vehicle.id not in st.allowed[c])
                        or st.allowed_trip[c] not in (None, ts.trip_index)
                    ):
                        continue
                    trial = st.schedule(t, [*seq, c], st.earliest(t))
                    if trial is None:
                        continue
                    seq.append(c)
                    seen.add(c)
                    sch, hot, cold = trial, hot + ch.hot, cold + ch.cold
                st.seqs[t], st.hot[t], st.cold[t], st.sched[t] = seq, hot, cold, sch
    dropped = {c for c in range(len(spec.chunks)) if c not in seen}
    if dropped:
        near = _neighbours(st, list(range(len(spec.chunks))), NEIGHBOURS)
        placed = _eject_repair(st, dropped, near)
        # the repair may leave a trip with one meal that another trip can now take
        merged = _merge_one_meal_trips(st)
        logger.info(
            "warm start: %d meals re-placed, %d chunks left, %d one-meal trips merged",
            placed,
            len(dropped),
            merged,
        )
    out = tuple(sorted(dropped))
    return Plan(
        tuple(tuple(q) for q in st.seqs),
        tuple(st.sched),
        out,
        plan_cost(spec, st.seqs, out, penalty_per_meal),
    )


def plan_cost(
    spec: ModelSpec, seqs: Sequence[Sequence[int]], dropped: Sequence[int], penalty_per_meal: int
) -> int:
    """The OR-Tools objective of a plan: drop penalties + fixed costs + arc costs."""
    cost = sum(penalty_per_meal * max(1, spec.chunks[c].meals) for c in dropped)
    for ts, seq in zip(spec.trips, seqs, strict=True):
        if not seq:
            continue
        v = ts.vehicle
        m = spec.matrices[v.kind]
        path = [ts.start_loc, *(spec.chunks[c].stop.location for c in seq), ts.end_loc]
        cost += ts.fixed_cost
        cost += sum(
            v.cost_per_metre * m.metres[a][b] + v.cost_per_minute * m.minutes[a][b]
            for a, b in zip(path, path[1:], strict=False)
        )
    return cost


REMOVE_MIN, REMOVE_MAX = 3, 12
"""Related stops removed per ruin step (a stop and its nearest routed neighbours)."""
P_REMOVE_VEHICLE, P_REMOVE_TRIP = 0.10, 0.15
"""Chances that a ruin step removes every trip of one vehicle, or one whole trip."""
DROPPED_RETRIED = 3
"""Undelivered chunks (besides the removed stops' neighbours) retried per step."""
REMOVAL_STEPS = 400
"""Steps a vehicle-removal attempt gets to deliver everything without that vehicle."""
REMOVAL_EVERY = 150
"""Ordinary steps between the end of one vehicle-removal attempt and the next."""


def improve(
    spec: ModelSpec, plan: Plan, deadline: float, seed: int = 0, max_iterations: int | None = None
) -> Plan:
    """Ruin and recreate from ``plan`` until ``deadline`` (``time.monotonic()``) or
    ``max_iterations`` (deterministic for a seed when the iterations, not the clock, stop
    it).

    Ruin: a stop and its nearest routed neighbours (or the neighbours of an undelivered
    stop), a whole trip, or every trip of a vehicle. Recreate: the removed stops, the
    undelivered ones near them and a few others, each at its cheapest feasible position
    (trips holding one of its nearest neighbours, or empty trips), in random or
    largest-and-most-urgent-first order. Acceptance: fewer undelivered meals; as many and
    less busy trip time while meals are undelivered (time is what the hold limits make
    scarce), or less cost once all are delivered, with a small tolerance that shrinks to
    zero. The best plan seen is returned (never worse than ``plan``).

    Vehicle removal (fewest vehicles comes right after delivering every meal): while every
    meal is delivered, every ``REMOVAL_EVERY`` steps the used vehicle with a fixed cost and
    the fewest meals is closed and its stops set aside; the search then has
    ``REMOVAL_STEPS`` steps to deliver them with the vehicles already driving. If it does,
    the plan goes on without that vehicle (not reopened by this search); if not, the plan
    before the attempt comes back, that vehicle is not tried again and the wait before the
    next attempt doubles (at most 64 x ``REMOVAL_EVERY``).
    """
    rng = random.Random(seed)
    st = _State(spec)
    for t, seq in enumerate(plan.routes):
        st.seqs[t] = list(seq)
        st.hot[t] = sum(spec.chunks[c].hot for c in seq)
        st.cold[t] = sum(spec.chunks[c].cold for c in seq)
        st.sched[t] = plan.schedules[t]
    n = len(spec.chunks)
    if n == 0 or not spec.trips:
        return plan
    near = _neighbours(st, list(range(n)), NEIGHBOURS)
    dropped = set(plan.dropped)
    start_t = time.monotonic()
    span = max(1e-9, deadline - start_t)

    def score() -> tuple[int, int, int]:
        meals = sum(spec.chunks[c].meals for c in dropped)
        cost = plan_cost(spec, st.seqs, (), 0)
        if meals:
            busy = sum(sc.return_at - sc.depart for sc in st.sched if sc is not None)
            return meals, busy, cost
        return meals, cost, cost

    cur = score()
    best_snap, best_dropped, best = st.snapshot(), set(dropped), (cur[0], cur[2])
    it = 0
    closed: set[int] = set()  # trips of removed vehicles and of the one being tried
    attempt: tuple[int, int, _Snapshot, set[int], tuple[int, int, int]] | None = None
    tried: set[int] = set()
    next_attempt = REMOVAL_EVERY
    removed_vehicles = failures = 0
    while (max_iterations is None or it < max_iterations) and time.monotonic() < deadline:
        it += 1
        if attempt is None and not dropped and it >= next_attempt:
            ci = _removal_candidate(st, tried)
            if ci is not None:
                attempt = (ci, it, st.snapshot(), set(dropped), cur)
                closed.update(st.chains[ci])
                for t in st.chains[ci]:
                    dropped.update(st.seqs[t])
                    st.seqs[t] = []
                st.rebuild_chain(ci)
                cur = score()
        snap, snap_dropped = st.snapshot(), set(dropped)
        where = {c: t for t, q in enumerate(st.seqs) for c in q}
        routed = sorted(where)
        if not routed:
            break
        # ruin
        removed: set[int] = set()
        roll = rng.random()
        if roll < P_REMOVE_VEHICLE:
            t0 = where[rng.choice(routed)]
            for t in st.chains[st.chain_of[t0]]:
                removed.update(st.seqs[t])
        elif roll < P_REMOVE_VEHICLE + P_REMOVE_TRIP:
            removed.update(st.seqs[where[rng.choice(routed)]])
        else:
            if dropped and rng.random() < 0.5:
                d0 = rng.choice(sorted(dropped))
                cands = [c for c in near[d0] if c in where]
            else:
                c0 = rng.choice(routed)
                cands = [c0] + [c for c in near[c0] if c in where]
            removed.update(cands[: rng.randint(REMOVE_MIN, REMOVE_MAX)])
        chains = {st.chain_of[where[c]] for c in removed}
        for c in removed:
            st.seqs[where[c]].remove(c)
        if not all(st.rebuild_chain(ci) for ci in sorted(chains)):
            st.restore(snap)
            continue
        # recreate: removed + undelivered nearby (and a few at random)
        todo = set(removed)
        for c in removed:
            todo.update(d for d in near[c] if d in dropped)
        if dropped:
            todo.update(rng.sample(sorted(dropped), min(DROPPED_RETRIED, len(dropped))))
        dropped -= todo
        order = sorted(todo)
        rng.shuffle(order)
        if rng.random() < 0.5:
            order.sort(key=lambda c: (-spec.chunks[c].meals, st.late[c]))
        where = {c: t for t, q in enumerate(st.seqs) for c in q}
        for c in order:
            trips = {where[d] for d in near[c] if d in where}
            trips.update(
                t
                for t in range(len(st.trips))
                if not st.seqs[t]
                and st.open(t)
                and t not in closed
                # a removal attempt may not open another vehicle instead
                and (attempt is None or any(st.seqs[u] for u in st.chains[st.chain_of[t]]))
            )
            b = _best_anywhere(st, c, sorted(trips))
            if b is None:
                dropped.add(c)
            else:
                st.insert(b[1], c, b[2], b[3])
                where[c] = b[1]
        new = score()
        # deterministic when an iteration cap is given
        progress = it / max_iterations if max_iterations else (time.monotonic() - start_t) / span
        tolerance = 0.02 * max(0.0, 1.0 - progress)
        if new[0] < cur[0] or (
            new[0] == cur[0] and new[1] <= cur[1] * (1 + tolerance * rng.random())
        ):
            cur = new
            if (new[0], new[2]) < best:
                best, best_snap, best_dropped = (new[0], new[2]), st.snapshot(), set(dropped)
        else:
            st.restore(snap)
            dropped = snap_dropped
        if attempt is not None and (not dropped or it - attempt[1] >= REMOVAL_STEPS):
            if dropped:  # the other vehicles cannot take its stops: back to before
                st.restore(attempt[2])
                dropped, cur = attempt[3], attempt[4]
                closed.difference_update(st.chains[attempt[0]])
                failures += 1
            else:  # the vehicle stays closed for the rest of this search
                removed_vehicles += 1
                failures = 0
            tried.add(attempt[0])
            attempt = None
            # after failures, wait longer: each failed attempt costs REMOVAL_STEPS steps
            next_attempt = it + REMOVAL_EVERY * 2 ** min(failures, 6)
    logger.info(
        "own search: %d steps, vehicle removal %d of %d attempts", it, removed_vehicles, len(tried)
    )
    st.restore(best_snap)
    if best_dropped:
        placed = _eject_repair(st, best_dropped, near)
        logger.info("own search: %d undelivered meals placed by ejection", placed)
    merged = _merge_one_meal_trips(st)
    if merged:
        logger.info("own search: %d one-meal trips merged into others", merged)
    return Plan(
        tuple(tuple(q) for q in st.seqs),
        tuple(st.sched),
        tuple(sorted(best_dropped)),
        plan_cost(spec, st.seqs, sorted(best_dropped), 0),
    )


EJECT_TRIPS = 16
"""Trips (those of an undelivered stop's nearest routed neighbours) tried per ejection."""
EJECT_PAIR_TRIALS = 20_000
"""Pairs of stops tried by :func:`_eject_pair` per repair (:func:`_eject_repair` call), a
work budget: each trial re-times a vehicle's trips and searches every open trip, so with
many undelivered stops (a city kitchen short of vehicles) an unbounded pair search took
minutes per kitchen."""


def _eject_repair(st: _State, dropped: set[int], near: dict[int, list[int]]) -> int:
    """A deterministic repair of the best plan's undelivered chunks (``dropped``, updated):
    each, most meals first, at its cheapest feasible position in any open trip, else by
    ejection: a stop ``d`` of a trip near it leaves that trip, the undelivered chunk takes
    its place, and ``d`` goes to its cheapest position in any open trip (the move is kept
    only when both fit: capacity, windows, hold limits, shift, later trips re-timed); else
    two stops of one trip leave together (:func:`_eject_pair`); else a whole nearby trip.
    Repeated while it places something. Returns the meals placed."""
    placed = 0
    progress = True
    pair_budget = [EJECT_PAIR_TRIALS]
    while dropped and progress:
        progress = False
        for c in sorted(dropped, key=lambda c: (-st.chunks[c].meals, c)):
            if _place_or_eject(st, c, near, pair_budget):
                dropped.discard(c)
                placed += st.chunks[c].meals
                progress = True
    logger.debug(
        "repair: %d meals placed, %d chunks left, %d pair trials",
        placed,
        len(dropped),
        EJECT_PAIR_TRIALS - pair_budget[0],
    )
    return placed


def _place_or_eject(st: _State, c: int, near: dict[int, list[int]], pair_budget: list[int]) -> bool:
    """Place undelivered chunk ``c`` directly or by ejecting one stop (see
    :func:`_eject_repair`; ``pair_budget``: the pair trials left, spent here); True when
    placed (the state is unchanged otherwise)."""
    every = [t for t in range(len(st.seqs)) if st.open(t)]
    b = _best_anywhere(st, c, every)
    if b is not None:
        st.insert(b[1], c, b[2], b[3])
        return True
    where = {d: t for t, q in enumerate(st.seqs) for d in q}
    trips: list[int] = []
    for d in near[c]:
        t = where.get(d)
        if t is not None and t not in trips:
            trips.append(t)
    for t in trips[:EJECT_TRIPS]:
        for d in list(st.seqs[t]):
            if _eject_for(st, t, c, (d,)):
                return True
    if _eject_pair(st, c, trips[:EJECT_TRIPS], pair_budget):
        return True
    for t in trips[:EJECT_TRIPS]:  # a whole trip leaves; c goes first, its stops after
        ci = st.chain_of[t]
        snap = st.snapshot()
        out = sorted(st.seqs[t], key=lambda d: (st.late[d], -st.chunks[d].meals, d))
        st.seqs[t] = []
        if not st.rebuild_chain(ci):
            st.restore(snap)
            continue
        ok = True
        for x in [c, *out]:
            chain = [u for u in st.chains[ci] if st.open(u)] if x == c else every_open(st)
            b = _best_anywhere(st, x, chain)
            if b is None:
                ok = False
                break
            st.insert(b[1], x, b[2], b[3])
        if ok:
            return True
        st.restore(snap)
    return False


def _reaches(st: _State, t: int, c: int) -> bool:
    """Can trip ``t``'s vehicle reach chunk ``c`` directly within its hold limit?"""
    ts = st.trips[t]
    h = st.hold[c]
    d = st.minutes[ts.vehicle.kind][ts.start_loc][st.loc[c]]
    return h is None or d + ts.vehicle.loading_minutes <= h


def _eject_pair(
    st: _State, c: int, near_trips: Sequence[int], budget: list[int] | None = None
) -> bool:
    """Place undelivered chunk ``c`` by ejecting two stops of one trip: the trips near it
    (``near_trips``) and every other driven trip whose vehicle reaches ``c`` within its
    hold limit (e.g. a van's trip with time to spare); for each pair of stops of such a
    trip, ``c`` goes into the vehicle's trips without them and both go to their cheapest
    place anywhere. Deterministic; at most ``budget[0]`` pairs are tried (the count left
    is written back; None: no limit); True when placed (the state is unchanged
    otherwise)."""
    cands = list(near_trips)
    cands += [
        t
        for t in range(len(st.seqs))
        if len(st.seqs[t]) >= 2 and t not in near_trips and _reaches(st, t, c)
    ]
    for t in cands:
        seq = list(st.seqs[t])
        if len(seq) < 2 or not _reaches(st, t, c):
            continue
        for i in range(len(seq)):
            for j in range(i + 1, len(seq)):
                if budget is not None:
                    if budget[0] <= 0:
                        return False
                    budget[0] -= 1
                if _eject_for(st, t, c, (seq[i], seq[j])):
                    return True
    return False


def _eject_for(st: _State, t: int, c: int, ejected: Sequence[int]) -> bool:
    """One ejection move: the stops ``ejected`` leave trip ``t``, undelivered chunk ``c``
    takes its cheapest place in ``t``'s vehicle's trips, then each ejected stop (least
    slack first) its cheapest place in any open trip. True when all fit (capacity,
    windows, hold limits, shift, later trips re-timed); else the state is restored."""
    ci = st.chain_of[t]
    snap = st.snapshot()
    for d in ejected:
        st.seqs[t].remove(d)
        st.hot[t] -= st.chunks[d].hot
        st.cold[t] -= st.chunks[d].cold
    if not st.rebuild_chain(ci):
        st.restore(snap)
        return False
    b = _best_anywhere(st, c, [u for u in st.chains[ci] if st.open(u)])
    if b is None:
        st.restore(snap)
        return False
    st.insert(b[1], c, b[2], b[3])
    for d in sorted(ejected, key=lambda x: (st.late[x], x)):
        b2 = _best_anywhere(st, d, every_open(st))
        if b2 is None:
            st.restore(snap)
            return False
        st.insert(b2[1], d, b2[2], b2[3])
    return True


def every_open(st: _State) -> list[int]:
    """Every trip that may receive stops."""
    return [t for t in range(len(st.seqs)) if st.open(t)]


def _merge_one_meal_trips(st: _State) -> int:
    """A last, deterministic pass: every trip carrying a single meal gives it to the
    cheapest other trip that can take it (capacity, windows, hold limits, shift, later
    trips re-timed), when the plan's cost does not rise. Returns the trips merged."""
    merged = 0
    for t in range(len(st.seqs)):
        seq = st.seqs[t]
        if len(seq) != 1 or st.chunks[seq[0]].meals != 1:
            continue
        c = seq[0]
        snap = st.snapshot()
        before = plan_cost(st.spec, st.seqs, (), 0)
        st.seqs[t] = []
        if not st.rebuild_chain(st.chain_of[t]):
            st.restore(snap)
            continue
        b = _best_anywhere(st, c, [u for u in range(len(st.seqs)) if st.seqs[u]])
        if b is not None:
            st.insert(b[1], c, b[2], b[3])
        if b is None or plan_cost(st.spec, st.seqs, (), 0) > before:
            st.restore(snap)
            continue
        merged += 1
    return merged


__all__ = [
    "Chunk",
    "Plan",
    "Schedule",
    "TripSpec",
    "construct",
    "first_plan",
    "improve",
    "plan_cost",
]
