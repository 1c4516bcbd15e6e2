"""The day's stored routes as the panel shows them: a map of every route drawn from the
coordinates (inline SVG, no tiles), a table per route and trip, the stops the plan could
not serve, and each trip's printed route sheet built from the stored rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.db.models import Client, Kitchen, Route, RouteStop, Site, Trip, UnservedStop
from mealplan.documents.svg import PALETTE, MapPoint, MapRoute, MapTrip, routes_svg
from mealplan.domain.vocab import StopKind
from mealplan.planning.adapters import meals_of, stop_place
from mealplan.planning.route_sheets import day_sheets, trip_sheet
from mealplan.planning.routes import stored_routes

__all__ = [
    "PALETTE",
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


@dataclass(frozen=True)
class UnservedRow:
    kind: str
    code: str
    name: str
    meals: dict[str, int]
    reason: str
    message: str

    @property
    def total(self) -> int:
        return sum(int(n) for n in self.meals.values())


@dataclass(frozen=True)
class KitchenChoice:
    id: int
    code: str
    name: str
    routes: int


@dataclass
class DayRoutes:
    date: dt.date
    service: str
    routes: list[RouteRow] = field(default_factory=list)
    unserved: list[UnservedRow] = field(default_factory=list)
    kitchens: list[KitchenChoice] = field(default_factory=list)  # kitchens with routes
    kitchen: str | None = None  # the kitchen shown (None: all)

    @property
    def trips(self) -> int:
        return sum(len(r.trips) for r in self.routes)

    @property
    def stops(self) -> int:
        return sum(len(t.stops) for r in self.routes for t in r.trips)

    @property
    def meals(self) -> int:
        return sum(r.meals for r in self.routes)

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)


#: Above this many stops in a day, the page shows one kitchen at a time.
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
    kitchen when the day has more than :data:`MAX_STOPS_ALL_KITCHENS` stops."""
    day = DayRoutes(date, service, kitchens=route_kitchens(session, date, service))
    codes = {k.code: k.id for k in day.kitchens}
    if (
        kitchen is None
        and len(day.kitchens) > 1
        and _stop_count(session, date, service) > MAX_STOPS_ALL_KITCHENS
    ):
        kitchen = day.kitchens[0].code
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
    stmt = (
        select(UnservedStop, Site.code, Site.name, Site.kind, Client.code, Client.name)
        .outerjoin(Site, UnservedStop.site_id == Site.id)
        .outerjoin(Client, UnservedStop.client_id == Client.id)
        .where(UnservedStop.date == date, UnservedStop.service == service)
        .order_by(UnservedStop.id)
    )
    if kitchen_id is not None:
        stmt = stmt.where(func.coalesce(Site.kitchen_id, Client.kitchen_id) == kitchen_id)
    for u, s_code, s_name, s_kind, c_code, c_name in session.execute(stmt):
        kind = s_kind if s_code else StopKind.HOME.value
        day.unserved.append(
            UnservedRow(
                kind,
                s_code or c_code or "",
                s_name or c_name or "",
                meals_of(u.meals),
                u.reason,
                u.message,
            )
        )
    return day


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
