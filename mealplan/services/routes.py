"""The day's stored routes as the panel shows them: a map of every route drawn from the
coordinates (inline SVG, no tiles), a table per route and trip, the stops the plan could
not serve as a call list (phone, emergency contact, reason, what was done), each trip's
printed route sheet built from the stored rows, and the dispatcher's verbs: check and
place an unserved stop onto a trip (:mod:`mealplan.planning.dispatch`), lock a planned
stop to its vehicle, record what was done about an unserved stop.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import (
    Client,
    DietProfile,
    Kitchen,
    Route,
    RouteStop,
    Site,
    Trip,
    UnservedStop,
)
from mealplan.documents.svg import PALETTE, MapPoint, MapRoute, MapTrip, routes_svg
from mealplan.domain.clock import hhmm
from mealplan.domain.values import N_
from mealplan.domain.vocab import StopKind
from mealplan.errors import NotFoundError
from mealplan.planning import dispatch
from mealplan.planning.adapters import meals_of, stop_place
from mealplan.planning.dispatch import Breach, TripCheck
from mealplan.planning.route_sheets import day_sheets, trip_sheet
from mealplan.planning.routes import stored_routes
from mealplan.services import audit
from solvers.routing import DropReason
from solvers.travel import TravelProvider

__all__ = [
    "BREACH_MESSAGES",
    "DROP_REASONS",
    "DROP_REASON_LABELS",
    "PALETTE",
    "Breach",
    "TripCheck",
    "TripChoice",
    "breach_params",
    "call_list",
    "call_row",
    "check_placement",
    "place_unserved",
    "record_action",
    "set_stop_lock",
    "trip_choices",
    "DayRoutes",
    "KitchenChoice",
    "RouteRow",
    "StopRow",
    "TripRow",
    "UnservedRow",
    "day_routes",
    "day_sheets",
    "route_kitchens",
    "routes_map_svg",
    "trip_sheet",
]


@dataclass(frozen=True)
class StopRow:
    id: int
    seq: int
    kind: str
    code: str
    name: str
    address: str
    lat: float
    lon: float
    arrive_min: int
    window_start_min: int
    window_end_min: int
    meals: dict[str, int]
    distance_m_from_prev: int
    locked: bool = False
    locked_by: str = ""

    @property
    def total(self) -> int:
        return sum(self.meals.values())

    @property
    def late(self) -> bool:
        return self.arrive_min > self.window_end_min


@dataclass(frozen=True)
class TripRow:
    id: int
    seq: int
    ready_min: int
    depart_min: int
    return_min: int
    stops: tuple[StopRow, ...]

    @property
    def meals(self) -> int:
        return sum(s.total for s in self.stops)

    @property
    def distance_m(self) -> int:
        return sum(s.distance_m_from_prev for s in self.stops)

    def meals_by_profile(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.stops:
            for p, n in s.meals.items():
                out[p] = out.get(p, 0) + n
        return dict(sorted(out.items()))


@dataclass(frozen=True)
class RouteRow:
    id: int
    colour: str
    vehicle_code: str
    vehicle_name: str
    vehicle_kind: str
    plate: str
    capacity_boxes: int
    driver: str
    driver_phone: str
    kitchen_code: str
    kitchen_name: str
    kitchen_lat: float
    kitchen_lon: float
    distance_m: int
    drive_minutes: int
    trips: tuple[TripRow, ...]

    @property
    def meals(self) -> int:
        return sum(t.meals for t in self.trips)


#: The panel's words for the router's drop reasons (``solvers.routing.DropReason``), the
#: one place they are mapped: what happened and what would fix it. English templates,
#: translated by the panel's catalogue; the solver's own English ``message`` with its
#: figures is shown as the detail.
DROP_REASONS: dict[str, str] = {
    DropReason.HOLD_LIMIT.value: N_(
        "Too far to arrive within the food-holding limit, even on a direct trip: "
        "deliver from a nearer kitchen or arrange a pick-up"
    ),
    DropReason.TIME_WINDOW.value: N_(
        "No vehicle can arrive within the delivery window (or be back before its shift "
        "ends): widen the window or start earlier"
    ),
    DropReason.TOO_LARGE.value: N_(
        "More meals than any vehicle carries: add a larger vehicle or allow splitting"
    ),
    DropReason.NO_CAPACITY.value: N_(
        "The fleet had no room or time left: place it on a trip by hand, or add a vehicle or a trip"
    ),
    DropReason.NOT_ROUTED.value: N_(
        "No plan was found for its area in time: re-plan with more time, "
        "or place it on a trip by hand"
    ),
}
UNKNOWN_REASON = N_("Not served (reason %(reason)s)")

#: Short names of the drop reasons (tables, reports); same keys as :data:`DROP_REASONS`.
DROP_REASON_LABELS: dict[str, str] = {
    DropReason.HOLD_LIMIT.value: N_("Hold limit"),
    DropReason.TIME_WINDOW.value: N_("Delivery window"),
    DropReason.TOO_LARGE.value: N_("Too large for any vehicle"),
    DropReason.NO_CAPACITY.value: N_("Fleet full"),
    DropReason.NOT_ROUTED.value: N_("Not routed in time"),
}


@dataclass(frozen=True)
class UnservedRow:
    """One line of the call list: an unserved stop and whom to call."""

    kind: str
    code: str
    name: str
    meals: dict[str, int]
    reason: str
    message: str
    id: int = 0
    phone: str = ""
    contact_name: str = ""  # a site's contact; a home client's emergency contact
    contact_phone: str = ""
    address: str = ""
    diet: str = ""  # a home client's diet profile code
    action: str = ""
    date: dt.date | None = None
    service: str = ""

    @property
    def total(self) -> int:
        return sum(int(n) for n in self.meals.values())

    @property
    def reason_text(self) -> str:
        """The panel's template for the reason (see :data:`DROP_REASONS`)."""
        return DROP_REASONS.get(self.reason, UNKNOWN_REASON)


@dataclass(frozen=True)
class KitchenChoice:
    id: int
    code: str
    name: str
    routes: int


@dataclass(frozen=True)
class KitchenTotals:
    """One kitchen's routes of the day in figures (the all-kitchens overview of a large
    day): vehicles, trips, stops, meals, kilometres and the meals left unserved."""

    code: str
    name: str
    routes: int
    trips: int
    stops: int
    meals: int
    distance_m: int
    unserved_meals: int


@dataclass
class DayRoutes:
    date: dt.date
    service: str
    routes: list[RouteRow] = field(default_factory=list)
    unserved: list[UnservedRow] = field(default_factory=list)
    kitchens: list[KitchenChoice] = field(default_factory=list)  # kitchens with routes
    kitchen: str | None = None  # the kitchen shown (None: all)
    #: every kitchen in figures instead of every route and stop (a day too large to list
    #: on one page: :data:`MAX_STOPS_ALL_KITCHENS`); ``routes`` and ``unserved`` are empty
    overview: list[KitchenTotals] = field(default_factory=list)

    @property
    def vehicles(self) -> int:
        return sum(k.routes for k in self.overview) if self.overview else len(self.routes)

    @property
    def trips(self) -> int:
        if self.overview:
            return sum(k.trips for k in self.overview)
        return sum(len(r.trips) for r in self.routes)

    @property
    def stops(self) -> int:
        if self.overview:
            return sum(k.stops for k in self.overview)
        return sum(len(t.stops) for r in self.routes for t in r.trips)

    @property
    def meals(self) -> int:
        if self.overview:
            return sum(k.meals for k in self.overview)
        return sum(r.meals for r in self.routes)

    @property
    def distance_m(self) -> int:
        if self.overview:
            return sum(k.distance_m for k in self.overview)
        return sum(r.distance_m for r in self.routes)

    @property
    def unserved_meals(self) -> int:
        if self.overview:
            return sum(k.unserved_meals for k in self.overview)
        return sum(u.total for u in self.unserved)


#: Above this many stops in a day, the page shows one kitchen at a time, and "all
#: kitchens" shows each kitchen in figures (a province's day has thousands of stops:
#: listing them all made a page of 9 MB that took two seconds to build).
MAX_STOPS_ALL_KITCHENS = 400


def route_kitchens(session: Session, date: dt.date, service: str) -> list[KitchenChoice]:
    """Kitchens with routes on the date and service (with their route counts)."""
    rows = session.execute(
        select(Kitchen.id, Kitchen.code, Kitchen.name, func.count(Route.id))
        .join(Route, Route.kitchen_id == Kitchen.id)
        .where(Route.date == date, Route.service == service)
        .group_by(Kitchen.id, Kitchen.code, Kitchen.name)
        .order_by(Kitchen.code)
    )
    return [KitchenChoice(i, c, n, int(k)) for i, c, n, k in rows]


def kitchen_totals(session: Session, date: dt.date, service: str) -> list[KitchenTotals]:
    """Each kitchen with routes on the date and service, in figures (in code order)."""
    on_day = (Route.date == date, Route.service == service)
    trips = {
        kitchen_id: int(n)
        for kitchen_id, n in session.execute(
            select(Route.kitchen_id, func.count(Trip.id))
            .join(Trip, Trip.route_id == Route.id)
            .where(*on_day)
            .group_by(Route.kitchen_id)
        )
    }
    distance = {
        kitchen_id: int(m or 0)
        for kitchen_id, m in session.execute(
            select(Route.kitchen_id, func.sum(Route.distance_m))
            .where(*on_day)
            .group_by(Route.kitchen_id)
        )
    }
    stops: dict[int, int] = {}
    meals: dict[int, int] = {}
    for kitchen_id, stop_meals in session.execute(
        select(Route.kitchen_id, RouteStop.meals)
        .join(Trip, RouteStop.trip_id == Trip.id)
        .join(Route, Trip.route_id == Route.id)
        .where(*on_day)
    ):
        stops[kitchen_id] = stops.get(kitchen_id, 0) + 1
        meals[kitchen_id] = meals.get(kitchen_id, 0) + sum(meals_of(stop_meals).values())
    unserved: dict[int | None, int] = {}
    for kitchen_id, lost in session.execute(
        select(func.coalesce(Site.kitchen_id, Client.kitchen_id), UnservedStop.meals)
        .outerjoin(Site, UnservedStop.site_id == Site.id)
        .outerjoin(Client, UnservedStop.client_id == Client.id)
        .where(UnservedStop.date == date, UnservedStop.service == service)
    ):
        unserved[kitchen_id] = unserved.get(kitchen_id, 0) + sum(meals_of(lost).values())
    return [
        KitchenTotals(
            k.code,
            k.name,
            k.routes,
            trips.get(k.id, 0),
            stops.get(k.id, 0),
            meals.get(k.id, 0),
            distance.get(k.id, 0),
            unserved.get(k.id, 0),
        )
        for k in route_kitchens(session, date, service)
    ]


def _stop_count(session: Session, date: dt.date, service: str) -> int:
    return int(
        session.scalar(
            select(func.count(RouteStop.id))
            .join(Trip, RouteStop.trip_id == Trip.id)
            .join(Route, Trip.route_id == Route.id)
            .where(Route.date == date, Route.service == service)
        )
        or 0
    )


def day_routes(
    session: Session, date: dt.date, service: str, kitchen: str | None = None
) -> DayRoutes:
    """The stored routes, trips and stops of the date and service, and the unserved.

    ``kitchen`` (a code) limits the routes and unserved stops to one kitchen; ``"all"``
    shows every kitchen; ``None`` shows every kitchen on a small day and the first
    kitchen when the day has more than :data:`MAX_STOPS_ALL_KITCHENS` stops. On such a
    day ``"all"`` shows each kitchen in figures (``overview``), not every stop."""
    day = DayRoutes(date, service, kitchens=route_kitchens(session, date, service))
    codes = {k.code: k.id for k in day.kitchens}
    large = len(day.kitchens) > 1 and _stop_count(session, date, service) > MAX_STOPS_ALL_KITCHENS
    if kitchen is None and large:
        kitchen = day.kitchens[0].code
    if large and kitchen not in codes:
        day.overview = kitchen_totals(session, date, service)
        return day
    kitchen_id = codes.get(kitchen) if kitchen else None
    day.kitchen = kitchen if kitchen_id is not None else None
    for i, route in enumerate(stored_routes(session, date, service, kitchen_id)):
        trips = []
        for trip in route.trips:
            stops = []
            for stop in trip.stops:
                place = stop_place(stop)
                stops.append(
                    StopRow(
                        stop.id,
                        stop.seq,
                        stop.kind,
                        place.code,
                        place.name,
                        place.address,
                        place.lat,
                        place.lon,
                        stop.arrive_min,
                        stop.window_start_min,
                        stop.window_end_min,
                        meals_of(stop.meals),
                        stop.distance_m_from_prev,
                        stop.locked,
                        stop.locked_by,
                    )
                )
            trips.append(
                TripRow(
                    trip.id,
                    trip.seq,
                    trip.ready_min,
                    trip.depart_min,
                    trip.return_min,
                    tuple(stops),
                )
            )
        v, d, k = route.vehicle, route.driver, route.kitchen
        day.routes.append(
            RouteRow(
                id=route.id,
                colour=PALETTE[i % len(PALETTE)],
                vehicle_code=v.code,
                vehicle_name=v.name or v.code,
                vehicle_kind=v.kind,
                plate=v.plate,
                capacity_boxes=v.capacity_boxes,
                driver=d.name if d else "",
                driver_phone=d.phone if d else "",
                kitchen_code=k.code,
                kitchen_name=k.name,
                kitchen_lat=k.lat,
                kitchen_lon=k.lon,
                distance_m=route.distance_m,
                drive_minutes=route.drive_minutes,
                trips=tuple(trips),
            )
        )
    day.unserved = call_list(session, date, service, kitchen_id)
    return day


def call_row(session: Session, unserved_id: int) -> UnservedRow:
    """One line of the call list (``NotFoundError`` if there is no such unserved stop)."""
    u = _unserved(session, unserved_id)
    for row in call_list(session, u.date, u.service, unserved_id=unserved_id):
        return row
    raise NotFoundError(f"no unserved stop {unserved_id}")


def call_list(
    session: Session,
    date: dt.date,
    service: str,
    kitchen_id: int | None = None,
    *,
    unserved_id: int | None = None,
) -> list[UnservedRow]:
    """The unserved stops of a date and service (of one kitchen) as a call list: name,
    phone, emergency contact (a site's contact person), address, diet, meals, reason and
    what the dispatcher has done, in the order they were stored."""
    stmt = (
        select(UnservedStop, Site, Client, DietProfile.code)
        .outerjoin(Site, UnservedStop.site_id == Site.id)
        .outerjoin(Client, UnservedStop.client_id == Client.id)
        .outerjoin(DietProfile, Client.diet_profile_id == DietProfile.id)
        .where(UnservedStop.date == date, UnservedStop.service == service)
        .order_by(UnservedStop.id)
    )
    if kitchen_id is not None:
        stmt = stmt.where(func.coalesce(Site.kitchen_id, Client.kitchen_id) == kitchen_id)
    if unserved_id is not None:
        stmt = stmt.where(UnservedStop.id == unserved_id)
    out: list[UnservedRow] = []
    for u, site, client, diet in session.execute(stmt):
        if site is not None:
            who = (
                site.kind,
                site.code,
                site.name,
                site.contact_phone,
                site.contact_name,
                site.contact_phone,
                site.address,
                "",
            )
        elif client is not None:
            who = (
                StopKind.HOME.value,
                client.code,
                client.name,
                client.phone,
                client.emergency_contact_name,
                client.emergency_contact_phone,
                client.address,
                diet or "",
            )
        else:
            who = ("", "", "", "", "", "", "", "")
        kind, code, name, phone, contact, contact_phone, address, diet_code = who
        out.append(
            UnservedRow(
                kind,
                code,
                name,
                meals_of(u.meals),
                u.reason,
                u.message,
                id=u.id,
                phone=phone,
                contact_name=contact,
                contact_phone=contact_phone,
                address=address,
                diet=diet_code,
                action=u.action,
                date=u.date,
                service=u.service,
            )
        )
    return out


# --------------------------------------------------------------------------- dispatching

#: What each broken limit says (English templates for the panel's catalogue); the
#: parameters are those of :func:`breach_params`.
BREACH_MESSAGES: dict[str, str] = {
    "capacity": N_(
        "Capacity: %(value)s boxes on a vehicle that carries %(limit)s (%(over)s too many)"
    ),
    "time_window": N_(
        "Window: %(stop)s would be served at %(value)s, after its window closes at %(limit)s "
        "(%(over)s min late)"
    ),
    "hold_limit": N_(
        "Hold limit: %(stop)s would arrive %(value)s min after the food is ready, limit "
        "%(limit)s min (%(over)s min over)"
    ),
    "shift": N_(
        "Shift: the vehicle would be back at %(value)s, after its shift ends at %(limit)s "
        "(%(over)s min over)"
    ),
    "next_trip": N_(
        "Next trip: the vehicle would be ready again at %(value)s, after its next trip "
        "departs at %(limit)s (%(over)s min over)"
    ),
}


def breach_params(breach: Breach, names: dict[str, str] | None = None) -> dict[str, object]:
    """The parameters of a breach's message: times of day as HH:MM, minutes and boxes as
    numbers, the stop by name (``names``: code -> name) or code."""
    clock = breach.rule in ("time_window", "shift", "next_trip")
    return {
        "stop": (names or {}).get(breach.stop, breach.stop),
        "value": hhmm(breach.value) if clock else breach.value,
        "limit": hhmm(breach.limit) if clock else breach.limit,
        "over": breach.over,
    }


@dataclass(frozen=True)
class TripChoice:
    """A trip a stop may be placed on (the form's choices)."""

    id: int
    vehicle_code: str
    vehicle_name: str
    seq: int
    depart_min: int
    return_min: int
    stops: int
    load: int
    capacity: int


def trip_choices(session: Session, unserved_id: int) -> list[TripChoice]:
    """The trips of the unserved stop's date, service and kitchen, by vehicle and trip."""
    u = _unserved(session, unserved_id)
    kitchen_id = session.scalar(
        select(func.coalesce(Site.kitchen_id, Client.kitchen_id))
        .select_from(UnservedStop)
        .outerjoin(Site, UnservedStop.site_id == Site.id)
        .outerjoin(Client, UnservedStop.client_id == Client.id)
        .where(UnservedStop.id == u.id)
    )
    out = []
    for route in stored_routes(session, u.date, u.service, kitchen_id):
        v = route.vehicle
        for t in route.trips:
            load = sum(sum(meals_of(st.meals).values()) for st in t.stops)
            out.append(
                TripChoice(
                    t.id,
                    v.code,
                    v.name or v.code,
                    t.seq,
                    t.depart_min,
                    t.return_min,
                    len(t.stops),
                    load,
                    v.capacity_boxes,
                )
            )
    return out


def _unserved(session: Session, unserved_id: int) -> UnservedStop:
    u = session.get(UnservedStop, unserved_id)
    if u is None:
        raise NotFoundError(f"no unserved stop {unserved_id}")
    return u


def _place_of(session: Session, u: UnservedStop) -> Site | Client:
    place: Site | Client | None = (
        session.get(Site, u.site_id)
        if u.site_id is not None
        else session.get(Client, u.client_id)
        if u.client_id is not None
        else None
    )
    if place is None:
        raise NotFoundError(f"unserved stop {u.id} names no site or client")
    return place


def _same_day(session: Session, u: UnservedStop, trip_id: int) -> None:
    trip = dispatch.load_trip(session, trip_id)
    route = trip.route
    if (route.date, route.service) != (u.date, u.service):
        raise NotFoundError(f"trip {trip_id} is not on {u.date} {u.service}")


def check_placement(
    session: Session,
    unserved_id: int,
    trip_id: int,
    position: int | None,
    settings: Settings,
    *,
    provider: TravelProvider | None = None,
) -> TripCheck:
    """The trip with the unserved stop inserted at ``position`` (1-based; ``None``: the
    best place), timed and checked by :func:`mealplan.planning.dispatch.time_trip`;
    nothing is changed. ``NotFoundError`` for an unknown stop or trip, or a trip of
    another day; ``ValueError`` for a position outside the trip."""
    u = _unserved(session, unserved_id)
    _same_day(session, u, trip_id)
    place = _place_of(session, u)
    leg = dispatch.unserved_leg(session, u, settings)
    return dispatch.check_insertion(
        session,
        trip_id,
        leg,
        position,
        settings,
        lat=place.lat,
        lon=place.lon,
        provider=provider,
    )


def place_unserved(
    session: Session,
    unserved_id: int,
    trip_id: int,
    position: int | None,
    settings: Settings,
    *,
    actor: str,
    provider: TravelProvider | None = None,
) -> TripCheck:
    """Place an unserved stop onto a trip when :func:`check_placement` finds nothing
    broken: the trip's stops, times and return are updated, the new stop is locked to
    the vehicle, the unserved row goes and an audit entry records it (flushed, not
    committed). When a limit breaks nothing changes; the check says which."""
    check = check_placement(session, unserved_id, trip_id, position, settings, provider=provider)
    if not check.ok:
        return check
    u = _unserved(session, unserved_id)
    place = _place_of(session, u)
    stop = dispatch.apply_check(
        session, check, site_id=u.site_id, client_id=u.client_id, actor=actor
    )
    details = {
        "date": u.date.isoformat(),
        "service": u.service,
        "vehicle": check.vehicle_code,
        "trip": check.trip_seq,
        "position": check.position,
        "meals": dict(u.meals),
        "reason": u.reason,
        "arrive": hhmm(stop.arrive_min),
        "return": hhmm(check.return_min),
    }
    session.delete(u)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="place",
        entity="route_stop",
        entity_code=place.code,
        details=details,
    )
    return check


def set_stop_lock(session: Session, stop_id: int, locked: bool, *, actor: str) -> RouteStop:
    """Lock a planned stop to its vehicle (a re-plan keeps it there), or unlock it; audited."""
    stop = session.get(RouteStop, stop_id)
    if stop is None:
        raise NotFoundError(f"no route stop {stop_id}")
    stop.locked = locked
    stop.locked_by = actor if locked else ""
    place = stop_place(stop)
    trip = stop.trip
    audit.record(
        session,
        actor=actor,
        action="lock" if locked else "unlock",
        entity="route_stop",
        entity_code=place.code,
        details={
            "date": trip.route.date.isoformat(),
            "service": trip.route.service,
            "vehicle": trip.route.vehicle.code,
            "trip": trip.seq,
        },
    )
    return stop


MAX_ACTION_CHARS = 500


def record_action(session: Session, unserved_id: int, text: str, *, actor: str) -> UnservedStop:
    """Record what was done about an unserved stop (called the elder, family collects...);
    audited. Longer than :data:`MAX_ACTION_CHARS` is a ``ValueError``."""
    u = _unserved(session, unserved_id)
    text = text.strip()
    if len(text) > MAX_ACTION_CHARS:
        raise ValueError(f"action: at most {MAX_ACTION_CHARS} characters, got {len(text)}")
    u.action = text
    place = _place_of(session, u)
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="unserved_stop",
        entity_code=place.code,
        details={"date": u.date.isoformat(), "service": u.service, "action": text},
    )
    return u


# --------------------------------------------------------------------------- the map


def routes_map_svg(day: DayRoutes, width: int = 720, height: int = 480, padding: int = 20) -> str:
    """Every route of the day on one drawing (:func:`mealplan.documents.svg.routes_svg`):
    kitchens as black squares, each trip as a line in its route's colour from the kitchen
    through its numbered stops (later trips dashed), the way back dotted; the unserved are
    not drawn (they have no trip)."""
    return routes_svg(
        [
            MapRoute(
                kitchen=MapPoint(r.kitchen_lat, r.kitchen_lon,
                                 title=f"{r.kitchen_name} ({r.kitchen_code})"),
                trips=tuple(
                    MapTrip(
                        tuple(
                            MapPoint(s.lat, s.lon, str(s.seq),
                                     f"{r.vehicle_name} #{t.seq}.{s.seq} {s.name}")
                            for s in t.stops
                        ),
                        dashed=t.seq > 1,
                        key=str(t.id),
                    )
                    for t in r.trips
                ),
                colour=r.colour,
                key=str(r.id),
            )
            for r in day.routes
        ],
        width,
        height,
        padding=padding,
        css_class="routes-map",
        fluid=True,
    )  # fmt: skip


# --------------------------------------------------------------------------- fleet bound


@dataclass(frozen=True)
class KitchenFleet:
    """A kitchen's fleet figures from a daily plan's plan.json: the lower bound on the
    trips and vehicle-minutes serving everyone needs (``fleet_short``: a proof that no plan
    with this fleet serves everyone) and the what-if that serves everyone (None: no meal
    was left, nothing was tried)."""

    kitchen: str
    bound: dict[str, Any] | None
    what_if: dict[str, Any] | None


def plan_fleet(path: Path | None) -> list[KitchenFleet]:
    """Every kitchen's bound and what-if from the plan.json at ``path`` (empty: no file,
    or not a plan.json with a bound)."""
    if path is None:
        return []
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(plan, dict):
        return []
    bounds = (plan.get("objective") or {}).get("bound") or {}
    what_if = plan.get("what_if") or {}
    if not isinstance(bounds, dict) or not isinstance(what_if, dict):
        return []
    return [
        KitchenFleet(str(code), bounds.get(code), what_if.get(code))
        for code in sorted(set(bounds) | set(what_if))
    ]
