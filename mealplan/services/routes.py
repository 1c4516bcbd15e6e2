"""The day's stored routes as the panel shows them: a map of every route drawn from the
coordinates (inline SVG, no tiles), a table per route and trip, the stops the plan could
not serve, and each trip's printed route sheet built from the stored rows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from mealplan.config import PlanningSettings
from mealplan.db.mappers import facts_of
from mealplan.db.models import (
    Client,
    DietProfile,
    Kitchen,
    Menu,
    MenuItem,
    RecipeLine,
    Route,
    RouteStop,
    Site,
    Trip,
    UnservedStop,
)
from mealplan.db.models import Dish as DishRow
from mealplan.documents.models import KitchenInfo, RouteSheet, RouteStopView, StopMeals
from mealplan.domain.vocab import StopKind
from mealplan.errors import NotFoundError
from mealplan.planning.routes import hold_limits

#: Route colours, distinct on screen and in grey print (cycled past ten routes).
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)


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


def _place(stop: RouteStop) -> tuple[str, str, str, float, float]:
    if stop.site is not None:
        s = stop.site
        return s.code, s.name, s.address, s.lat, s.lon
    if stop.client is not None:
        c = stop.client
        return c.code, c.name, c.address, c.lat, c.lon
    return "", "", "", 0.0, 0.0


def _routes(
    session: Session, date: dt.date, service: str, kitchen_id: int | None = None
) -> list[Route]:
    stmt = (
        select(Route)
        .where(Route.date == date, Route.service == service)
        .options(
            joinedload(Route.vehicle),
            joinedload(Route.driver),
            joinedload(Route.kitchen),
            selectinload(Route.trips)
            .selectinload(Trip.stops)
            .options(selectinload(RouteStop.site), selectinload(RouteStop.client)),
        )
        .order_by(Route.kitchen_id, Route.id)
    )
    if kitchen_id is not None:
        stmt = stmt.where(Route.kitchen_id == kitchen_id)
    return list(session.scalars(stmt).unique())


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
    for i, route in enumerate(_routes(session, date, service, kitchen_id)):
        trips = []
        for trip in route.trips:
            stops = []
            for stop in trip.stops:
                code, name, address, lat, lon = _place(stop)
                stops.append(
                    StopRow(
                        stop.id,
                        stop.seq,
                        stop.kind,
                        code,
                        name,
                        address,
                        lat,
                        lon,
                        stop.arrive_min,
                        stop.window_start_min,
                        stop.window_end_min,
                        {str(k): int(v) for k, v in (stop.meals or {}).items()},
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
                {str(p): int(n) for p, n in (u.meals or {}).items()},
                u.reason,
                u.message,
            )
        )
    return day


# --------------------------------------------------------------------------- the map


def routes_map_svg(day: DayRoutes, width: int = 720, height: int = 480, padding: int = 20) -> str:
    """Every route of the day on one drawing: kitchens as black squares, each trip as a
    line in its route's colour from the kitchen through its numbered stops (dashed way
    back), the unserved nowhere (they have no trip). Equirectangular projection, north up,
    one scale on both axes; no tiles, no network."""
    points = [(r.kitchen_lat, r.kitchen_lon) for r in day.routes]
    points += [(s.lat, s.lon) for r in day.routes for t in r.trips for s in t.stops]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="routes-map" viewBox="0 0 {width} '
        f'{height}" width="100%" role="img" preserveAspectRatio="xMidYMid meet">'
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="#fff" '
        'stroke="#ccc"/>'
    )
    if not points:
        return head + "</svg>"
    k = math.cos(math.radians(sum(p[0] for p in points) / len(points)))
    xs = [lon * k for _, lon in points]
    ys = [lat for lat, _ in points]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    fits = [(width - 2 * padding) / span_x] if span_x else []
    fits += [(height - 2 * padding) / span_y] if span_y else []
    scale = min(fits) if fits else 1.0
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def px(lat: float, lon: float) -> tuple[float, float]:
        return (
            round(width / 2 + (lon * k - mid_x) * scale, 1),
            round(height / 2 - (lat - mid_y) * scale, 1),
        )

    many = len(points) > 400
    radius = 3.5 if many else 7
    parts = [head]
    marks: list[str] = []
    for r in day.routes:
        kx, ky = px(r.kitchen_lat, r.kitchen_lon)
        for t in r.trips:
            if not t.stops:
                continue
            path = [(kx, ky), *(px(s.lat, s.lon) for s in t.stops)]
            dash = ' stroke-dasharray="6 3"' if t.seq > 1 else ""
            parts.append(
                f'<polyline class="trip" data-route="{r.id}" data-trip="{t.id}" points="'
                + " ".join(f"{x},{y}" for x, y in path)
                + f'" fill="none" stroke="{r.colour}" stroke-width="2"{dash} '
                'stroke-linejoin="round" opacity="0.85"/>'
            )
            (x1, y1) = path[-1]
            parts.append(
                f'<line x1="{x1}" y1="{y1}" x2="{kx}" y2="{ky}" stroke="{r.colour}" '
                'stroke-width="1" stroke-dasharray="2 4" opacity="0.6"/>'
            )
            for s in t.stops:
                x, y = px(s.lat, s.lon)
                title = escape(f"{r.vehicle_name} #{t.seq}.{s.seq} {s.name}")
                marks.append(
                    f'<g class="stop"><title>{title}</title><circle cx="{x}" cy="{y}" '
                    f'r="{radius}" fill="#fff" stroke="{r.colour}" stroke-width="2"/>'
                )
                if not many:
                    marks.append(
                        f'<text x="{x}" y="{round(y + 3.5, 1)}" font-size="9" '
                        f'text-anchor="middle" fill="#000">{s.seq}</text>'
                    )
                marks.append("</g>")
    kitchens = {(r.kitchen_code, r.kitchen_name, r.kitchen_lat, r.kitchen_lon) for r in day.routes}
    for code, name, lat, lon in sorted(kitchens):
        x, y = px(lat, lon)
        marks.append(
            f'<g class="kitchen"><title>{escape(name)} ({escape(code)})</title>'
            f'<rect x="{x - 7}" y="{y - 7}" width="14" height="14" fill="#000"/></g>'
        )
    parts += marks
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- sheets


@dataclass(frozen=True)
class _ProfileFacts:
    name_zh: str
    name_en: str
    iddsi: int
    halal: bool
    allergens: tuple[str, ...] = ()
    dishes: tuple[str, ...] = ()


def _profile_facts(
    session: Session, date: dt.date, service: str, codes: set[str] | None = None
) -> dict[str, _ProfileFacts]:
    """Per profile (``codes``, default all): names, texture, halal, and the allergens and
    dishes of its menu."""
    stmt = select(DietProfile)
    if codes is not None:
        stmt = stmt.where(DietProfile.code.in_(sorted(codes)))
    profiles = list(session.scalars(stmt))
    menus = {
        m.diet_profile_id: m
        for m in session.scalars(
            select(Menu)
            .where(
                Menu.date == date,
                Menu.service == service,
                Menu.diet_profile_id.in_([p.id for p in profiles]),
            )
            .options(
                selectinload(Menu.items)
                .selectinload(MenuItem.dish)
                .selectinload(DishRow.recipe)
                .selectinload(RecipeLine.ingredient)
            )
        )
    }
    out = {}
    for p in profiles:
        menu = menus.get(p.id)
        allergens: set[str] = set()
        dishes: tuple[str, ...] = ()
        if menu is not None:
            for item in menu.items:
                allergens.update(facts_of(item.dish).allergens)
            dishes = tuple(i.dish.name_zh for i in menu.items)
        out[p.code] = _ProfileFacts(
            p.name_zh, p.name_en, p.max_iddsi, p.halal, tuple(sorted(allergens)), dishes
        )
    return out


def _sheet(
    route: Route,
    trip: Trip,
    facts: dict[str, _ProfileFacts],
    planning: PlanningSettings,
) -> RouteSheet:
    k = route.kitchen
    limits = hold_limits(planning)
    stops = []
    for stop in trip.stops:
        code, name, address, lat, lon = _place(stop)
        if stop.site is not None:
            phone, contact, notes = stop.site.contact_phone, stop.site.contact_name, stop.site.notes
        elif stop.client is not None:
            phone, contact, notes = stop.client.phone, "", stop.client.driver_notes
        else:
            phone, contact, notes = "", "", ""
        meals = []
        for profile, count in sorted((stop.meals or {}).items()):
            f = facts.get(profile) or _ProfileFacts(profile, profile, 7, False)
            meals.append(
                StopMeals(
                    profile,
                    f.name_zh,
                    int(count),
                    f.iddsi,
                    f.allergens,
                    f.halal,
                    f.name_en,
                    f.dishes,
                )
            )
        stops.append(
            RouteStopView(
                seq=stop.seq,
                kind=stop.kind,
                name=name,
                address=address,
                phone=phone,
                window_start_min=stop.window_start_min,
                window_end_min=stop.window_end_min,
                eta_min=stop.arrive_min,
                meals=tuple(meals),
                lat=lat,
                lon=lon,
                contact_name=contact,
                eat_by_min=trip.ready_min + limits.get(stop.kind, planning.hold_limit_bulk_minutes),
                notes=notes,
                distance_m_from_prev=stop.distance_m_from_prev,
            )
        )
    return RouteSheet(
        date=route.date,
        service=route.service,
        kitchen=KitchenInfo(k.name, k.address, k.contact_phone, k.lat, k.lon, k.code),
        vehicle=route.vehicle.name or route.vehicle.code,
        driver=route.driver.name if route.driver else "",
        driver_phone=route.driver.phone if route.driver else "",
        ready_min=trip.ready_min,
        depart_min=trip.depart_min,
        return_min=trip.return_min,
        stops=tuple(stops),
        trip_seq=trip.seq,
        trip_count=len(route.trips),
        vehicle_plate=route.vehicle.plate,
        distance_m=sum(s.distance_m_from_prev for s in trip.stops),
        drive_minutes=sum(s.minutes_from_prev for s in trip.stops),
        hold_limit_minutes=planning.hold_limit_bulk_minutes,
    )


def trip_sheet(session: Session, trip_id: int, planning: PlanningSettings) -> RouteSheet:
    """The route sheet of one stored trip."""
    trip = session.scalar(
        select(Trip)
        .where(Trip.id == trip_id)
        .options(
            joinedload(Trip.route).options(
                joinedload(Route.vehicle),
                joinedload(Route.driver),
                joinedload(Route.kitchen),
                selectinload(Route.trips),
            ),
            selectinload(Trip.stops).options(
                selectinload(RouteStop.site), selectinload(RouteStop.client)
            ),
        )
    )
    if trip is None:
        raise NotFoundError(f"no trip {trip_id}")
    route = trip.route
    codes = {str(p) for stop in trip.stops for p in (stop.meals or {})}
    facts = _profile_facts(session, route.date, route.service, codes)
    return _sheet(route, trip, facts, planning)


def day_sheets(
    session: Session, date: dt.date, service: str, planning: PlanningSettings
) -> list[RouteSheet]:
    """Every trip's route sheet of the date and service, route by route."""
    facts = _profile_facts(session, date, service)
    return [_sheet(r, t, facts, planning) for r in _routes(session, date, service) for t in r.trips]
