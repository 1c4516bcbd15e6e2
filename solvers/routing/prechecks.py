"""Splitting oversize stops, and the certain reasons a stop cannot be served.

Each check is a named rule whose id is the :class:`DropReason` value:

- ``too_large``: no vehicle can carry the stop (or a chunk of it);
- ``time_window``: no vehicle can start service before the window closes and still be back
  by the end of its shift, even driving straight there;
- ``hold_limit``: no vehicle reaches it within its hold limit of the food being ready, even
  driving straight there.

The checks are relaxations (a direct out-and-back trip from each vehicle's kitchen, ignoring
other stops), so a stop they reject is certainly impossible; the solver's own drops are
reported afterwards as ``no_capacity``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from solvers.clock import hhmm
from solvers.routing.specs import Chunk
from solvers.routing.types import DropReason, RoutingProblem, Stop, Unserved, Vehicle


def _even_parts(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _left(chunk: Chunk, reason: DropReason, message: str) -> Unserved:
    """``chunk`` (a whole stop or a part of one) unserved for ``reason``."""
    return Unserved(chunk.stop.id, reason, chunk.hot, chunk.cold, message)


def split_stops(problem: RoutingProblem) -> tuple[list[Chunk], list[Unserved]]:
    """Rule ``too_large`` and split delivery.

    A stop needing more than the largest vehicle carries is split into the fewest chunks of
    at most that capacity, as even as possible (e.g. 100 boxes, largest van 40 -> 34+33+33),
    when ``problem.split_oversize``; otherwise it is unserved with ``too_large``. Stops with
    nothing to deliver are skipped.
    """
    max_hot = max((v.hot_capacity for v in problem.vehicles), default=0)
    max_cold = max((v.cold_capacity for v in problem.vehicles), default=0)
    chunks: list[Chunk] = []
    unserved: list[Unserved] = []
    for s in problem.stops:
        if s.hot == 0 and s.cold == 0:
            continue
        whole = Chunk(s, s.hot, s.cold)
        if not problem.vehicles:
            unserved.append(
                _left(whole, DropReason.NO_CAPACITY, f"{s.label}: there are no vehicles")
            )
            continue
        hot, cold = s.hot, s.cold
        if (hot and max_hot == 0) or (cold and max_cold == 0):
            why = (
                f"{s.label} needs {hot} hot boxes and {cold} cold items, but no vehicle has a "
                f"{'hot' if hot and max_hot == 0 else 'cold'} compartment"
            )
            unserved.append(_left(whole, DropReason.TOO_LARGE, why))
            continue
        n_hot = math.ceil(hot / max_hot) if hot else 0
        n_cold = math.ceil(cold / max_cold) if cold else 0
        parts = max(1, n_hot, n_cold)
        if parts > 1 and not problem.split_oversize:
            why = (
                f"{s.label} needs {hot} hot boxes and {cold} cold items; the largest vehicle "
                f"carries {max_hot} hot and {max_cold} cold (splitting is off)"
            )
            unserved.append(_left(whole, DropReason.TOO_LARGE, why))
            continue
        for part, (h, c) in enumerate(
            zip(_even_parts(hot, parts), _even_parts(cold, parts), strict=True)
        ):
            chunks.append(Chunk(s, h, c, part if parts > 1 else 0))
    return chunks, unserved


@dataclass(frozen=True)
class DirectTrip:
    """Best case of serving a chunk alone from one vehicle trip."""

    vehicle: Vehicle
    trip: int
    arrival: int  # earliest service start
    hold: int  # minutes from ready to that arrival (least possible)
    fits_window: bool
    fits_hold: bool


def direct_trips(problem: RoutingProblem, chunk: Chunk) -> list[DirectTrip]:
    """Out-and-back trips of every vehicle (and trip) that can carry the chunk."""
    stop = chunk.stop
    out: list[DirectTrip] = []
    for v in problem.vehicles:
        if chunk.hot > v.hot_capacity or chunk.cold > v.cold_capacity:
            continue
        mat = problem.matrices[v.kind]
        k_loc = problem.kitchen(v.start_kitchen).location
        go = mat.minutes[k_loc][stop.location]
        for t in range(v.max_trips):
            end_loc = problem.kitchen(
                v.last_kitchen if t == v.max_trips - 1 else v.start_kitchen
            ).location
            back = mat.minutes[stop.location][end_loc]
            depart_min = v.shift[0]
            ready = v.ready_times[t] if v.ready_times else None
            if ready is not None:
                depart_min = max(depart_min, ready + v.loading_minutes)
            arrival = max(depart_min + go, stop.window[0])
            fits_window = (
                arrival <= stop.window[1] and arrival + stop.service_minutes + back <= v.shift[1]
            )
            # decided ready time: depart as late as the arrival allows -> loading + drive
            hold = arrival - ready if ready is not None else v.loading_minutes + go
            fits_hold = stop.hold_limit is None or hold <= stop.hold_limit
            out.append(DirectTrip(v, t, arrival, hold, fits_window, fits_hold))
            if ready is None and all(r is None for r in v.ready_times[t + 1 :]):
                break  # later trips are no better when ready times are decided
    return out


def _too_large_message(stop: Stop, chunk: Chunk, problem: RoutingProblem) -> str:
    max_hot = max(v.hot_capacity for v in problem.vehicles)
    max_cold = max(v.cold_capacity for v in problem.vehicles)
    return (
        f"{stop.label} needs {chunk.hot} hot boxes and {chunk.cold} cold items in one "
        f"delivery; no single vehicle carries both (largest: {max_hot} hot, "
        f"{max_cold} cold)"
    )


def precheck(
    problem: RoutingProblem, chunks: Sequence[Chunk]
) -> tuple[list[Chunk], list[Unserved], dict[int, set[str]]]:
    """Rules ``too_large``, ``time_window``, ``hold_limit`` on each chunk.

    Returns (chunks that may be served, unserved, chunk position in the returned list ->
    ids of vehicles that can serve it directly).
    """
    ok: list[Chunk] = []
    unserved: list[Unserved] = []
    able: dict[int, set[str]] = {}
    for ch in chunks:
        s = ch.stop
        trips = direct_trips(problem, ch)
        if not trips:
            unserved.append(_left(ch, DropReason.TOO_LARGE, _too_large_message(s, ch, problem)))
            continue
        good = [t for t in trips if t.fits_window and t.fits_hold]
        if good:
            able[len(ok)] = {t.vehicle.id for t in good}
            ok.append(ch)
            continue
        best_hold = min(trips, key=lambda t: t.hold)
        if not any(t.fits_hold for t in trips):
            v = best_hold.vehicle
            unserved.append(
                _left(
                    ch,
                    DropReason.HOLD_LIMIT,
                    f"{s.label} cannot be reached within {s.hold_limit} min of the food being "
                    f"ready: the quickest direct trip takes {best_hold.hold} min (vehicle {v.id} "
                    f"from kitchen {v.start_kitchen}, incl. {v.loading_minutes} min loading)",
                )
            )
            continue
        earliest = min(trips, key=lambda t: t.arrival)
        if not any(t.fits_window for t in trips):
            if earliest.arrival <= s.window[1]:
                why = (
                    f"no vehicle can serve it at {hhmm(earliest.arrival)} and be back "
                    "before its shift ends"
                )
            else:
                why = (
                    f"the earliest possible arrival is {hhmm(earliest.arrival)} "
                    f"(vehicle {earliest.vehicle.id})"
                )
            unserved.append(
                _left(
                    ch,
                    DropReason.TIME_WINDOW,
                    f"{s.label} must be served between {hhmm(s.window[0])} and "
                    f"{hhmm(s.window[1])}, but {why}",
                )
            )
            continue
        unserved.append(
            _left(
                ch,
                DropReason.HOLD_LIMIT,
                f"{s.label}: no vehicle both arrives within its window "
                f"{hhmm(s.window[0])}-{hhmm(s.window[1])} and within {s.hold_limit} min of the "
                "food being ready",
            )
        )
    return ok, unserved, able
