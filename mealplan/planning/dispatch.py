"""The dispatcher's hand on a stored trip: place an unserved stop onto it, and check first.

One check, :func:`time_trip`, times a trip's stops the way the router does: from the
trip's stored departure, each stop's service starts at ``max(previous service end +
minutes_from_prev, window start)``; the hold limit is counted from the trip's stored packed
time at a home and from its wave's cook finish at a site (the trip's ready time for both
when the trip was routed without the kitchen's schedule); the trip returns after the last stop's service plus the way back. Travel between
stops already on the trip comes from the stored rows (``minutes_from_prev``,
``distance_m_from_prev``; the way back is the stored return minus the last service end);
the legs to and from an inserted stop come from the planner's own travel provider
(:func:`mealplan.planning.routes.travel_provider`).

Rules (their ids name the limit that breaks): ``capacity`` (boxes on the trip >= the
vehicle's capacity), ``time_window`` (service starts after the window closes),
``hold_limit`` (packed or cooked -> arrival longer than the stop's hold limit), ``shift`` (back after
the vehicle's shift ends), ``next_trip`` (back, plus reload, after the vehicle's next trip
departs). A limit the trip already broke before the insertion is reported only if the
insertion makes it worse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.config import Settings
from mealplan.db.models import Client, Route, RouteStop, Site, Trip, UnservedStop
from mealplan.errors import NotFoundError
from mealplan.planning.adapters import meals_of
from mealplan.planning.route_sheets import trip_times
from mealplan.planning.routes import (
    hold_limits,
    matrix_kind,
    stop_service_minutes,
    stop_window,
    travel_provider,
)
from solvers.travel import TravelProvider

RULES = ("capacity", "time_window", "hold_limit", "shift", "next_trip")
"""The limits a placement is checked against, in the order they are reported."""


@dataclass(frozen=True)
class Leg:
    """One stop of a trip as the check sees it."""

    code: str
    name: str
    kind: str
    meals: dict[str, int]
    window: tuple[int, int]
    service_minutes: int
    hold_limit: int | None
    minutes_from_prev: int
    distance_m_from_prev: int
    new: bool = False

    @property
    def boxes(self) -> int:
        return sum(self.meals.values())


@dataclass(frozen=True)
class Breach:
    """A limit broken: ``value`` against ``limit`` (minutes of the day, minutes, boxes)."""

    rule: str
    stop: str  # the stop's code; "" for the trip as a whole
    value: int
    limit: int

    @property
    def over(self) -> int:
        return self.value - self.limit


@dataclass(frozen=True)
class Timing:
    """What :func:`time_trip` computes."""

    arrivals: tuple[int, ...]
    return_min: int
    load: int
    breaches: tuple[Breach, ...]


def time_trip(
    legs: Sequence[Leg],
    *,
    ready_min: int,
    depart_min: int,
    minutes_back: int,
    capacity: int,
    shift_end_min: int,
    next_depart_min: int | None = None,
    reload_minutes: int = 0,
    cook_finish_min: int | None = None,
) -> Timing:
    """The one timing of a trip (the module's rules): arrivals, return, load, breaches;
    ``ready_min`` is the packed time (a home's hold counts from it), ``cook_finish_min``
    the wave's cook finish (a site's hold counts from it; None: ``ready_min``)."""
    cooked = ready_min if cook_finish_min is None else cook_finish_min
    breaches: list[Breach] = []
    load = sum(leg.boxes for leg in legs)
    if load > capacity:
        breaches.append(Breach("capacity", "", load, capacity))
    now, service = depart_min, 0
    arrivals: list[int] = []
    for leg in legs:
        now = max(now + service + leg.minutes_from_prev, leg.window[0])
        if now > leg.window[1]:
            breaches.append(Breach("time_window", leg.code, now, leg.window[1]))
        since = ready_min if leg.kind == "home" else cooked
        if leg.hold_limit is not None and now - since > leg.hold_limit:
            breaches.append(Breach("hold_limit", leg.code, now - since, leg.hold_limit))
        arrivals.append(now)
        service = leg.service_minutes
    back = now + service + minutes_back
    if back > shift_end_min:
        breaches.append(Breach("shift", "", back, shift_end_min))
    if next_depart_min is not None and back + reload_minutes > next_depart_min:
        breaches.append(Breach("next_trip", "", back + reload_minutes, next_depart_min))
    breaches.sort(key=lambda b: RULES.index(b.rule))
    return Timing(tuple(arrivals), back, load, tuple(breaches))


@dataclass(frozen=True)
class TripCheck:
    """A trip with (or without) an inserted stop, timed by :func:`time_trip`.

    ``position`` is the 1-based place of the inserted stop (``None``: nothing inserted);
    ``breaches`` are the limits the insertion breaks (or makes worse)."""

    trip_id: int
    route_id: int
    vehicle_code: str
    trip_seq: int
    ready_min: int
    depart_min: int
    legs: tuple[Leg, ...]
    arrivals: tuple[int, ...]
    return_min: int
    old_return_min: int
    load: int
    capacity: int
    position: int | None
    minutes_back: int
    metres_back: int
    added_minutes: int = 0
    added_metres: int = 0
    breaches: tuple[Breach, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.breaches


@dataclass(frozen=True)
class _Loaded:
    trip: Trip
    legs: list[Leg]
    minutes_back: int
    next_depart: int | None


def load_trip(session: Session, trip_id: int) -> Trip:
    """A stored trip with its route, vehicle and stops (``NotFoundError`` if none)."""
    trip = session.scalar(
        select(Trip)
        .where(Trip.id == trip_id)
        .options(
            selectinload(Trip.route).selectinload(Route.vehicle),
            selectinload(Trip.route).selectinload(Route.kitchen),
            selectinload(Trip.route).selectinload(Route.trips),
            selectinload(Trip.stops).selectinload(RouteStop.site),
            selectinload(Trip.stops).selectinload(RouteStop.client),
        )
    )
    if trip is None:
        raise NotFoundError(f"no trip {trip_id}")
    return trip


def _place(site: Site | None, client: Client | None) -> Site | Client:
    place = site if site is not None else client
    if place is None:
        raise NotFoundError("the stop has neither a site nor a client")
    return place


def _stored(trip: Trip, settings: Settings) -> _Loaded:
    planning = settings.planning
    limits = hold_limits(planning)
    legs = [
        Leg(
            code=_place(st.site, st.client).code,
            name=_place(st.site, st.client).name,
            kind=st.kind,
            meals=meals_of(st.meals),
            window=(st.window_start_min, st.window_end_min),
            service_minutes=stop_service_minutes(st.site, planning),
            hold_limit=limits.get(st.kind),
            minutes_from_prev=st.minutes_from_prev,
            distance_m_from_prev=st.distance_m_from_prev,
        )
        for st in trip.stops
    ]
    if trip.stops:
        last = trip.stops[-1]
        back = trip.return_min - last.arrive_min - legs[-1].service_minutes
    else:
        back = trip.return_min - trip.depart_min
    later = [t for t in trip.route.trips if t.seq > trip.seq]
    next_depart = min((t.depart_min for t in later), default=None)
    return _Loaded(trip, legs, max(0, back), next_depart)


def _timing(loaded: _Loaded, legs: Sequence[Leg], back: int, settings: Settings) -> Timing:
    trip, vehicle = loaded.trip, loaded.trip.route.vehicle
    packed, cooked = trip_times(trip)
    return time_trip(
        legs,
        ready_min=packed,
        cook_finish_min=cooked,
        depart_min=trip.depart_min,
        minutes_back=back,
        capacity=vehicle.capacity_boxes,
        shift_end_min=vehicle.shift_end_min,
        next_depart_min=loaded.next_depart,
        reload_minutes=settings.planning.reload_minutes,
    )


def _new_breaches(before: Timing, after: Timing) -> tuple[Breach, ...]:
    """Breaches of ``after`` that ``before`` did not have, or had by less."""
    old = {(b.rule, b.stop): b.over for b in before.breaches}
    return tuple(b for b in after.breaches if b.over > old.get((b.rule, b.stop), 0))


def unserved_leg(session: Session, unserved: UnservedStop, settings: Settings) -> Leg:
    """The unserved stop as a leg (travel not yet known)."""
    site = session.get(Site, unserved.site_id) if unserved.site_id is not None else None
    client = session.get(Client, unserved.client_id) if unserved.client_id is not None else None
    place = _place(site, client)
    kind = site.kind if site is not None else "home"
    return Leg(
        code=place.code,
        name=place.name,
        kind=kind,
        meals=meals_of(unserved.meals),
        window=stop_window(site, client, unserved.service, settings.planning),
        service_minutes=stop_service_minutes(site, settings.planning),
        hold_limit=hold_limits(settings.planning).get(kind),
        minutes_from_prev=0,
        distance_m_from_prev=0,
        new=True,
    )


def check_trip(session: Session, trip_id: int, settings: Settings) -> TripCheck:
    """The stored trip re-timed by :func:`time_trip` without any change (its own
    breaches, e.g. a late arrival already stored)."""
    trip = load_trip(session, trip_id)
    loaded = _stored(trip, settings)
    timing = _timing(loaded, loaded.legs, loaded.minutes_back, settings)
    return _result(loaded, loaded.legs, timing, None, loaded.minutes_back, 0, 0, 0, ())


def _result(
    loaded: _Loaded,
    legs: Sequence[Leg],
    timing: Timing,
    position: int | None,
    minutes_back: int,
    metres_back: int,
    added_minutes: int,
    added_metres: int,
    breaches: tuple[Breach, ...],
) -> TripCheck:
    trip = loaded.trip
    return TripCheck(
        trip_id=trip.id,
        route_id=trip.route_id,
        vehicle_code=trip.route.vehicle.code,
        trip_seq=trip.seq,
        ready_min=trip_times(trip)[0],
        depart_min=trip.depart_min,
        legs=tuple(legs),
        arrivals=timing.arrivals,
        return_min=timing.return_min,
        old_return_min=trip.return_min,
        load=timing.load,
        capacity=trip.route.vehicle.capacity_boxes,
        position=position,
        minutes_back=minutes_back,
        metres_back=metres_back,
        added_minutes=added_minutes,
        added_metres=added_metres,
        breaches=breaches,
    )


def check_insertion(
    session: Session,
    trip_id: int,
    new: Leg,
    position: int | None,
    settings: Settings,
    *,
    lat: float,
    lon: float,
    provider: TravelProvider | None = None,
) -> TripCheck:
    """Insert ``new`` (at ``lat``, ``lon``) into the stored trip at ``position`` (1-based;
    ``None``: the best position: the first that breaks nothing with the fewest added
    minutes, then metres; if every position breaks something, the one that breaks least)
    and time the trip by :func:`time_trip`. Nothing is changed."""
    trip = load_trip(session, trip_id)
    loaded = _stored(trip, settings)
    n = len(loaded.legs)
    if position is not None and not 1 <= position <= n + 1:
        raise ValueError(f"position must be between 1 and {n + 1}, got {position}")
    vehicle, kitchen = trip.route.vehicle, trip.route.kitchen
    points = [(kitchen.lat, kitchen.lon)]
    points += [(_place(s.site, s.client).lat, _place(s.site, s.client).lon) for s in trip.stops]
    points.append((lat, lon))
    prov = provider or travel_provider(settings, [vehicle])
    metres, minutes = prov.matrices(points, matrix_kind(vehicle))
    me = n + 1  # the new stop's row in the matrices; 0 is the kitchen, i the i-th stop
    before = _timing(loaded, loaded.legs, loaded.minutes_back, settings)
    old_metres_back = metres[n][0] if n else 0
    candidates: list[tuple[tuple[int, ...], TripCheck]] = []
    for pos in [position] if position is not None else range(1, n + 2):
        prev_row = pos - 1  # the kitchen (0) or the stop before
        legs = list(loaded.legs)
        leg = replace(
            new, minutes_from_prev=minutes[prev_row][me], distance_m_from_prev=metres[prev_row][me]
        )
        if pos <= n:
            nxt = legs[pos - 1]
            old_min, old_m = nxt.minutes_from_prev, nxt.distance_m_from_prev
            legs[pos - 1] = replace(
                nxt, minutes_from_prev=minutes[me][pos], distance_m_from_prev=metres[me][pos]
            )
            back, metres_back = loaded.minutes_back, old_metres_back
            added_min = leg.minutes_from_prev + minutes[me][pos] - old_min
            added_m = leg.distance_m_from_prev + metres[me][pos] - old_m
        else:
            back, metres_back = minutes[me][0], metres[me][0]
            added_min = leg.minutes_from_prev + back - loaded.minutes_back
            added_m = leg.distance_m_from_prev + metres_back - old_metres_back
        legs.insert(pos - 1, leg)
        timing = _timing(loaded, legs, back, settings)
        breaches = _new_breaches(before, timing)
        check = _result(loaded, legs, timing, pos, back, metres_back, added_min, added_m, breaches)
        key = (len(breaches), sum(b.over for b in breaches), added_min, added_m, pos)
        candidates.append((key, check))
    return min(candidates, key=lambda kv: kv[0])[1]


def apply_check(
    session: Session, check: TripCheck, *, site_id: int | None, client_id: int | None, actor: str
) -> RouteStop:
    """Write a :class:`TripCheck` with an inserted stop onto the stored trip: the new stop
    (locked to the vehicle by ``actor``), the sequence, arrivals, the next stop's travel
    from the previous, the return, and the route's distance and drive minutes."""
    if check.position is None:
        raise ValueError("nothing to insert")
    trip = load_trip(session, check.trip_id)
    new = check.legs[check.position - 1]
    stop = RouteStop(
        seq=check.position,
        kind=new.kind,
        site_id=site_id,
        client_id=client_id,
        arrive_min=check.arrivals[check.position - 1],
        window_start_min=new.window[0],
        window_end_min=new.window[1],
        meals=dict(new.meals),
        distance_m_from_prev=new.distance_m_from_prev,
        minutes_from_prev=new.minutes_from_prev,
        locked=True,
        locked_by=actor,
    )
    old = list(trip.stops)
    for i, st in enumerate(old):
        j = i if i < check.position - 1 else i + 1  # index in the new sequence
        st.seq = j + 1
        st.arrive_min = check.arrivals[j]
        st.minutes_from_prev = check.legs[j].minutes_from_prev
        st.distance_m_from_prev = check.legs[j].distance_m_from_prev
    trip.stops.insert(check.position - 1, stop)
    trip.return_min = check.return_min
    trip.route.distance_m += check.added_metres
    trip.route.drive_minutes += check.added_minutes
    session.flush()
    return stop
