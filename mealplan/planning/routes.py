"""Routing use case: from the day's demand, kitchens and fleet to stored routes, through
the pure model in :mod:`solvers.routing`.

Each kitchen is planned as its own model (its sites, its home clients, its vehicles);
the solver decomposes a large kitchen further by area. Meals that cannot be delivered
are stored and reported with the reason (hold limit, window, size, capacity).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from mealplan.config import PlanningSettings, Settings, resolve_workers
from mealplan.db.models import (
    Client,
    Delivery,
    Driver,
    Kitchen,
    Route,
    RouteStop,
    Site,
    Trip,
    UnservedStop,
    Vehicle,
)
from mealplan.domain.vocab import Service, StopKind
from mealplan.errors import MealplanError
from mealplan.planning.adapters import trip_label
from mealplan.planning.demand import DayDemand, day_demand
from mealplan.planning.route_workers import solve_kitchens
from solvers import routing as rs
from solvers.travel import HaversineProvider, OsrmProvider, TravelProvider, VehicleProfile

log = logging.getLogger(__name__)


def minutes_to_datetime(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=minutes)


def iso(day: dt.date, minutes: int) -> str:
    return minutes_to_datetime(day, minutes).isoformat(timespec="minutes")


def hold_limits(planning: PlanningSettings) -> dict[str, int]:
    """Hold limit in minutes per stop kind (from ready-to-leave to arrival)."""
    return {
        StopKind.CANTEEN.value: planning.hold_limit_bulk_minutes,
        StopKind.DINING_POINT.value: planning.hold_limit_bulk_minutes,
        StopKind.HOME.value: planning.hold_limit_home_minutes,
    }


def _parse_window(text: str) -> tuple[int, int]:
    a, _, b = text.partition("-")
    ha, ma = a.strip().split(":")
    hb, mb = b.strip().split(":")
    return int(ha) * 60 + int(ma), int(hb) * 60 + int(mb)


def stop_window(
    site: Site | None, client: Client | None, service: str, planning: PlanningSettings
) -> tuple[int, int]:
    """The delivery window (minutes) of a site or a home client for a service: the
    site's lunch or dinner window; the client's, or ``default_dinner_window`` for a
    client without a dinner window."""
    dinner = service == Service.DINNER
    if site is not None:
        if dinner:
            assert site.dinner_window_start_min is not None
            assert site.dinner_window_end_min is not None
            return (site.dinner_window_start_min, site.dinner_window_end_min)
        return (site.lunch_window_start_min, site.lunch_window_end_min)
    assert client is not None
    if not dinner:
        return (client.window_start_min, client.window_end_min)
    if client.dinner_window_start_min is None or client.dinner_window_end_min is None:
        return _parse_window(planning.default_dinner_window)
    return (client.dinner_window_start_min, client.dinner_window_end_min)


def stop_service_minutes(site: Site | None, planning: PlanningSettings) -> int:
    """Minutes spent at a stop: the site's unloading minutes, or the home service minutes."""
    return site.unloading_minutes if site is not None else planning.home_service_minutes


@dataclass(frozen=True)
class StopInfo:
    """What the planner knows about a stop besides the solver's view."""

    code: str
    kind: str
    name: str
    address: str
    phone: str
    lat: float
    lon: float
    window: tuple[int, int]
    meals: dict[str, int]
    notes: str = ""
    contact_name: str = ""
    site_id: int | None = None
    client_id: int | None = None


@dataclass
class KitchenProblem:
    kitchen: Kitchen
    problem: rs.RoutingProblem
    stops: dict[str, StopInfo]
    vehicles: dict[str, Vehicle]


def travel_provider(settings: Settings, vehicles: Sequence[Vehicle]) -> TravelProvider:
    """The travel times and distances the planner uses for ``vehicles`` (matrices keyed by
    :func:`matrix_kind`); the dispatcher's placement check uses the same."""
    return _provider(settings, vehicles)


def matrix_kind(vehicle: Vehicle) -> str:
    """The travel matrix key of a vehicle (kind and speed)."""
    return _matrix_kind(vehicle)


def _provider(settings: Settings, vehicles: Sequence[Vehicle]) -> TravelProvider:
    if settings.osrm_url:
        return OsrmProvider(settings.osrm_url)
    planning = settings.planning
    circuity = {"van": planning.circuity_van, "e_tricycle": planning.circuity_e_tricycle}
    profiles = {
        _matrix_kind(v): VehicleProfile(circuity=circuity.get(v.kind, 1.3), speed_kmh=v.speed_kmh)
        for v in vehicles
    }
    return HaversineProvider(profiles=profiles, default=None)


def _matrix_kind(vehicle: Vehicle) -> str:
    """Vehicles of one kind and speed share a travel matrix."""
    return f"{vehicle.kind}@{vehicle.speed_kmh:g}"


def build_kitchen_problems(
    session: Session,
    demand: DayDemand,
    settings: Settings,
    provider: TravelProvider | None = None,
    locks: dict[str, str] | None = None,
    ready_times: Mapping[str, Mapping[str, tuple[int | None, ...]]] | None = None,
    hold_offsets: Mapping[str, Mapping[str, int]] | None = None,
    lock_trips: Mapping[str, int] | None = None,
) -> list[KitchenProblem]:
    """One routing problem per kitchen with demand; ``locks`` (stop code -> vehicle code,
    see :func:`stored_locks`) keep a locked stop on its vehicle (``Stop.vehicles``) and,
    with ``lock_trips`` (stop code -> trip number from 1, :func:`locked_trips`), on that
    trip of it (``Stop.trip``);
    ``ready_times`` (kitchen code -> vehicle code -> one ready minute per trip, None for
    a trip left to the router) fix when the kitchen has those vehicles' loads packed
    (``Vehicle.ready_times``).

    The router counts a stop's hold limit from its trip's ready time (the load packed);
    a canteen's or dining point's counts from the cook finish (cook -> eat), which is at
    least the kitchen's cook-to-pack lead earlier. So a bulk stop's limit for the router
    is the bulk hold minus :func:`hold_offset` (the cook-to-pack lead, or ``hold_offsets``
    kitchen code -> stop code -> minutes when the kitchen's schedule measured more)."""
    planning = settings.planning
    limits = hold_limits(planning)
    sites = {s.id: s for s in session.scalars(select(Site))}
    clients = {
        c.id: c
        for c in session.scalars(
            select(Client).where(Client.id.in_([h.client_id for h in demand.homes]))
        )
    }
    stops_by_kitchen: dict[int, list[StopInfo]] = defaultdict(list)
    for sd in demand.sites:
        if sd.total <= 0:
            continue
        site = sites[sd.site_id]
        window = stop_window(site, None, demand.service, planning)
        stops_by_kitchen[site.kitchen_id].append(
            StopInfo(
                code=site.code,
                kind=site.kind,
                name=site.name,
                address=site.address,
                phone=site.contact_phone,
                lat=site.lat,
                lon=site.lon,
                window=window,
                meals=dict(sd.meals),
                contact_name=site.contact_name,
                notes=site.notes,
                site_id=site.id,
            )
        )
    for home in demand.homes:
        client = clients[home.client_id]
        window = stop_window(None, client, demand.service, planning)
        stops_by_kitchen[client.kitchen_id].append(
            StopInfo(
                code=client.code,
                kind=StopKind.HOME.value,
                name=client.name,
                address=client.address,
                phone=client.phone,
                lat=client.lat,
                lon=client.lon,
                window=window,
                meals={home.profile: 1},
                notes=client.driver_notes,
                client_id=client.id,
            )
        )
    out: list[KitchenProblem] = []
    kitchens = {k.id: k for k in session.scalars(select(Kitchen).order_by(Kitchen.code))}
    for kitchen_id in sorted(stops_by_kitchen, key=lambda k: kitchens[k].code):
        kitchen = kitchens[kitchen_id]
        infos = sorted(stops_by_kitchen[kitchen_id], key=lambda s: s.code)
        fleet = list(
            session.scalars(
                select(Vehicle)
                .where(Vehicle.kitchen_id == kitchen_id, Vehicle.active.is_(True))
                .order_by(Vehicle.code)
            )
        )
        measured = (hold_offsets or {}).get(kitchen.code, {})
        points = [(kitchen.lat, kitchen.lon)] + [(s.lat, s.lon) for s in infos]
        prov = provider or _provider(settings, fleet)
        matrices: dict[str, rs.TravelMatrix] = {}
        for v in fleet:
            kind = _matrix_kind(v)
            if kind not in matrices:
                metres, minutes = prov.matrices(points, kind)
                matrices[kind] = rs.TravelMatrix(
                    tuple(tuple(r) for r in metres), tuple(tuple(r) for r in minutes)
                )
        stops = tuple(
            rs.Stop(
                id=s.code,
                location=i + 1,
                hot=sum(s.meals.values()),
                window=s.window,
                service_minutes=stop_service_minutes(
                    sites[s.site_id] if s.site_id is not None else None, planning
                ),
                kind=rs.StopKind(s.kind),
                hold_limit=max(
                    0, limits[s.kind] - hold_offset(kitchen, s.kind, measured.get(s.code, 0))
                ),
                # an elder's name never goes into solver messages, warnings or logs: the
                # solver labels a home stop by its client code
                name="" if s.kind == StopKind.HOME else s.name,
                lat=s.lat,
                lon=s.lon,
                vehicles=_locked_to(locks, s.code, fleet),
                trip=_locked_trip(locks, lock_trips, s.code, fleet),
            )
            for i, s in enumerate(infos)
        )
        vehicles = tuple(
            rs.Vehicle(
                id=v.code,
                kind=_matrix_kind(v),
                start_kitchen=kitchen.code,
                hot_capacity=v.capacity_boxes,
                shift=(v.shift_start_min, v.shift_end_min),
                fixed_cost=planning.vehicle_fixed_cost,
                cost_per_metre=1,
                max_trips=planning.max_trips_per_vehicle,
                reload_minutes=planning.reload_minutes,
                loading_minutes=kitchen.loading_minutes,
                ready_times=(ready_times or {}).get(kitchen.code, {}).get(v.code, ()),
            )
            for v in fleet
        )
        problem = rs.RoutingProblem(
            kitchens=(rs.Kitchen(kitchen.code, 0, kitchen.lat, kitchen.lon),),
            stops=stops,
            vehicles=vehicles,
            matrices=matrices,
        )
        out.append(
            KitchenProblem(
                kitchen=kitchen,
                problem=problem,
                stops={s.code: s for s in infos},
                vehicles={v.code: v for v in fleet},
            )
        )
    return out


def hold_offset(kitchen: Kitchen, kind: str, measured: int = 0) -> int:
    """Minutes between the event a stop's hold limit counts from and its trip's ready
    time: 0 for a home (pack -> arrive; ready is the packed time); for a site (cook ->
    eat) the kitchen's cook-to-pack lead, or ``measured`` (the ready time minus its wave's
    cook finish in the kitchen's schedule) when that is more."""
    if kind == StopKind.HOME:
        return 0
    return max(kitchen.cook_to_pack_minutes, measured)


def _locked_to(
    locks: dict[str, str] | None, code: str, fleet: Sequence[Vehicle]
) -> tuple[str, ...]:
    """The vehicle a stop is locked to, when that vehicle is in the kitchen's fleet."""
    vehicle = (locks or {}).get(code)
    return (vehicle,) if vehicle is not None and any(v.code == vehicle for v in fleet) else ()


def _locked_trip(
    locks: dict[str, str] | None,
    lock_trips: Mapping[str, int] | None,
    code: str,
    fleet: Sequence[Vehicle],
) -> int | None:
    """The 0-based trip a stop is locked to, when it is locked to a vehicle of the fleet."""
    seq = (lock_trips or {}).get(code)
    return seq - 1 if seq is not None and _locked_to(locks, code, fleet) else None


def locked_trips(session: Session, date: dt.date, service: str) -> dict[str, int]:
    """The trip (number from 1 on its vehicle) of every stop :func:`stored_locks` finds:
    a re-plan keeps the stop on that trip of its vehicle, not only on the vehicle."""
    rows = session.execute(
        select(Site.code, Client.code, Trip.seq)
        .select_from(RouteStop)
        .join(Trip, RouteStop.trip_id == Trip.id)
        .join(Route, Trip.route_id == Route.id)
        .outerjoin(Site, RouteStop.site_id == Site.id)
        .outerjoin(Client, RouteStop.client_id == Client.id)
        .where(Route.date == date, Route.service == service, RouteStop.locked.is_(True))
        .order_by(RouteStop.id)
    )
    return {(site or client): seq for site, client, seq in rows if site or client}


def stored_locks(session: Session, date: dt.date, service: str) -> dict[str, tuple[str, str]]:
    """Stops locked to their vehicle by a dispatcher on the stored routes of a date and
    service: stop code (site or client) -> (vehicle code, who locked it)."""
    rows = session.execute(
        select(Site.code, Client.code, Vehicle.code, RouteStop.locked_by)
        .select_from(RouteStop)
        .join(Trip, RouteStop.trip_id == Trip.id)
        .join(Route, Trip.route_id == Route.id)
        .join(Vehicle, Route.vehicle_id == Vehicle.id)
        .outerjoin(Site, RouteStop.site_id == Site.id)
        .outerjoin(Client, RouteStop.client_id == Client.id)
        .where(Route.date == date, Route.service == service, RouteStop.locked.is_(True))
        .order_by(RouteStop.id)
    )
    return {(site or client): (vehicle, by) for site, client, vehicle, by in rows if site or client}


@dataclass
class RoutesPlan:
    date: dt.date
    service: str
    results: list[tuple[KitchenProblem, rs.RoutingResult]]
    hold_limits: dict[str, int]
    drivers: dict[str, Driver | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    locks: dict[str, tuple[str, str]] = field(default_factory=dict)  # see stored_locks
    # (kitchen code, trip label ``V1-2``) -> (packed, cook finish) from the kitchen's
    # schedule, stored on the trips (set by the daily plan once its waves are known)
    packed: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    @property
    def dropped_meals(self) -> int:
        return sum(r.objective.dropped_meals for _, r in self.results)

    @property
    def has_plan(self) -> bool:
        return all(r.status.has_solution for _, r in self.results)

    def summary(self) -> str:
        vehicles = sum(r.objective.vehicles_used for _, r in self.results)
        km = sum(r.objective.distance_m for _, r in self.results) / 1000
        trips = sum(len(vr.trips) for _, r in self.results for vr in r.routes)
        line = (
            f"routes {self.date} {self.service}: {vehicles} vehicles, {trips} trips, "
            f"{km:.1f} km, {self.dropped_meals} meals unserved ({self.wall_s:.1f} s)"
        )
        return "; ".join([line, *self.fleet_notes()])

    def fleet_notes(self) -> list[str]:
        """Per kitchen with unserved meals: the bound (a proof when the fleet is short)
        and the what-if that serves everyone."""
        notes: list[str] = []
        for kp, r in self.results:
            if r.objective.dropped_meals == 0:
                continue
            if r.bound is not None:
                notes.append(f"kitchen {kp.kitchen.code}: {r.bound.describe()}")
            if r.what_if is not None:
                notes.append(f"kitchen {kp.kitchen.code}: {r.what_if.describe()}")
        return notes

    def fleet_json(self) -> dict[str, Any]:
        """The bound, the what-if and the one-meal trips (with why) per kitchen, for
        plan.json."""
        return {
            kp.kitchen.code: {
                "bound": r.bound.as_json() if r.bound is not None else None,
                "what_if": r.what_if.as_json() if r.what_if is not None else None,
                "one_meal_trips": rs.one_meal_trips(kp.problem, r),
            }
            for kp, r in self.results
        }


def split_meals(meals: dict[str, int], chunks: Sequence[int]) -> list[dict[str, int]]:
    """Share a stop's meals per profile over the visits that deliver it (split delivery),
    filling each visit in profile order."""
    remaining = {p: n for p, n in sorted(meals.items()) if n > 0}
    out: list[dict[str, int]] = []
    for size in chunks:
        part: dict[str, int] = {}
        left = size
        for profile in remaining:
            take = min(remaining[profile], left)
            if take > 0:
                part[profile] = take
                remaining[profile] -= take
                left -= take
        out.append(part)
    return out


def plan_routes(
    session: Session,
    date: dt.date,
    service: str,
    settings: Settings,
    *,
    demand: DayDemand | None = None,
    time_limit_s: float | None = None,
    seed: int | None = None,
    provider: TravelProvider | None = None,
    replace_deliveries: bool = False,
    on_kitchen: Callable[[int, int], None] | None = None,
    ready_times: Mapping[str, Mapping[str, tuple[int | None, ...]]] | None = None,
    hold_offsets: Mapping[str, Mapping[str, int]] | None = None,
    start: Mapping[str, Sequence[rs.VehicleRoute]] | None = None,
) -> RoutesPlan:
    """Plan and store the routes for ``date`` and ``service`` (caller owns the transaction);
    ``ready_times``, ``hold_offsets``: see :func:`build_kitchen_problems`; ``start``
    (kitchen code -> routes, e.g. the previous plan of the day's re-timing): the router
    keeps what of them still fits and searches from there (``solve_routes(start=...)``)."""
    Service(service)
    started = time.perf_counter()
    planning = settings.planning
    if not replace_deliveries:
        recorded = session.scalar(
            select(func.count())
            .select_from(Delivery)
            .join(RouteStop, Delivery.route_stop_id == RouteStop.id)
            .join(Trip, RouteStop.trip_id == Trip.id)
            .join(Route, Trip.route_id == Route.id)
            .where(Route.date == date, Route.service == service)
        )
        if recorded:
            raise MealplanError(
                f"{recorded} deliveries are already recorded for {date} {service}: "
                "re-planning would discard them"
            )
    demand = demand or day_demand(session, date, service, forecast_weeks=planning.forecast_weeks)
    locks = stored_locks(session, date, service)
    problems = build_kitchen_problems(
        session,
        demand,
        settings,
        provider,
        {code: v for code, (v, _) in locks.items()},
        ready_times,
        hold_offsets,
        locked_trips(session, date, service),
    )
    total_limit = time_limit_s if time_limit_s is not None else planning.routing_time_limit_s
    workers = resolve_workers(planning.workers)
    for kp in problems:
        log.info(
            "routing kitchen %s: %d stops, %d vehicles",
            kp.kitchen.code,
            len(kp.problem.stops),
            len(kp.problem.vehicles),
        )
    params = routing_params(planning, planning.seed if seed is None else seed)
    solved = solve_kitchens(
        [kp.problem for kp in problems],
        params,
        total_limit,
        workers,
        on_done=on_kitchen,
        seeds=planning.routing_seeds,
        starts=[(start or {}).get(kp.kitchen.code) for kp in problems],
    )
    solved = [
        _with_what_if(kp.problem, r, params, total_limit, planning.routing_what_if_runs)
        for kp, r in zip(problems, solved, strict=True)
    ]
    results: list[tuple[KitchenProblem, rs.RoutingResult]] = list(
        zip(problems, solved, strict=True)
    )
    drivers: dict[str, Driver | None] = {}
    for driver in session.scalars(
        select(Driver).where(Driver.active.is_(True), Driver.vehicle_id.is_not(None))
    ):
        assert driver.vehicle is not None
        drivers.setdefault(driver.vehicle.code, driver)
    plan = RoutesPlan(date, service, results, hold_limits(planning), drivers, demand.warnings)
    plan.locks = locks
    kept = {s.id for kp in problems for s in kp.problem.stops if s.vehicles}
    for code, (vehicle, _) in sorted(locks.items()):
        if code not in kept:
            plan.warnings.append(
                f"lock of {code} on vehicle {vehicle} not kept: no meals for it today, or the "
                "vehicle is not in its kitchen's active fleet"
            )
    for kp, result in results:
        if not result.status.has_solution:
            plan.warnings.append(f"kitchen {kp.kitchen.code}: {result.message or result.status}")
        for u in result.unserved:
            plan.warnings.append(f"unserved {u.stop_id}: {u.reason.value}: {u.message}")
            if u.stop_id in kept:
                plan.warnings.append(
                    f"locked stop {u.stop_id} could not be served on its vehicle "
                    f"{locks[u.stop_id][0]}: the lock is dropped"
                )
    store_routes(session, plan)
    plan.wall_s = round(time.perf_counter() - started, 3)
    return plan


def routing_params(planning: PlanningSettings, seed: int) -> rs.RoutingParams:
    """The solver's parameters from [planning]: budgets in work units (search iterations,
    OR-Tools polish solutions), so that the same inputs give the same routes however busy
    the machine is; the time limit is set per run by the worker schedule (a safety net)."""
    polish = planning.routing_polish_solutions
    return rs.RoutingParams(
        seed=seed,
        own_search_iterations=planning.routing_iterations,
        own_search_share=1.0,
        improve_with_ortools=polish > 0,
        solution_limit=polish if polish > 0 else None,
        hgs_iterations=max(1, planning.routing_iterations),
    )


def add_what_ifs(
    plan: RoutesPlan,
    settings: Settings,
    *,
    seed: int | None = None,
    time_limit_s: float | None = None,
) -> RoutesPlan:
    """``plan`` with the what-if of every kitchen that leaves meals unserved and has none
    yet (the daily plan's re-timing routes with ``routing_what_if_runs = 0`` and asks
    here once, for the plan it keeps); the same runs as :func:`plan_routes` makes."""
    planning = settings.planning
    params = routing_params(planning, planning.seed if seed is None else seed)
    limit = time_limit_s if time_limit_s is not None else planning.routing_time_limit_s
    plan.results = [
        (
            kp,
            r
            if r.what_if is not None
            else _with_what_if(kp.problem, r, params, limit, planning.routing_what_if_runs),
        )
        for kp, r in plan.results
    ]
    return plan


def _with_what_if(
    problem: rs.RoutingProblem,
    result: rs.RoutingResult,
    params: rs.RoutingParams,
    limit_s: float,
    runs: int,
) -> rs.RoutingResult:
    """``result`` with the smallest change that serves everyone, when meals are unserved
    (at most ``runs`` solver runs with the planner's seed and an eighth of its search
    iterations each: a changed fleet that serves everyone is found quickly)."""
    if runs <= 0 or not result.status.has_solution or result.objective.dropped_meals == 0:
        return result
    iterations = params.own_search_iterations
    quick = replace(
        params,
        time_limit_s=limit_s,
        own_search_iterations=None if iterations is None else max(1, iterations // 8),
    )
    found = rs.what_if(problem, quick, result, rs.solve_routes, runs)
    return replace(result, what_if=found)


def store_routes(session: Session, plan: RoutesPlan) -> None:
    session.execute(
        delete(UnservedStop).where(
            UnservedStop.date == plan.date, UnservedStop.service == plan.service
        )
    )
    for route in session.scalars(
        select(Route).where(Route.date == plan.date, Route.service == plan.service)
    ):
        session.delete(route)
    session.flush()
    for kp, result in plan.results:
        for vr in result.routes:
            vehicle = kp.vehicles[vr.vehicle_id]
            driver = plan.drivers.get(vehicle.code)
            route = Route(
                date=plan.date,
                service=plan.service,
                vehicle_id=vehicle.id,
                driver_id=driver.id if driver else None,
                kitchen_id=kp.kitchen.id,
                distance_m=sum(t.metres for t in vr.trips),
                drive_minutes=sum(t.drive_minutes for t in vr.trips),
            )
            matrix = kp.problem.matrices[_matrix_kind(vehicle)]
            for seq, trip in enumerate(vr.trips, start=1):
                row = _trip_row(kp, trip, seq, matrix, plan.locks, vehicle.code)
                times = plan.packed.get((kp.kitchen.code, trip_label(vehicle.code, seq)))
                if times is not None:
                    row.packed_min, row.cook_finish_min = times
                route.trips.append(row)
            session.add(route)
        for u in result.unserved:
            info = kp.stops.get(u.stop_id)
            meals = split_meals(info.meals, [u.hot])[0] if info else {}
            session.add(
                UnservedStop(
                    date=plan.date,
                    service=plan.service,
                    site_id=info.site_id if info else None,
                    client_id=info.client_id if info else None,
                    meals=meals,
                    reason=u.reason.value,
                    message=u.message,
                )
            )
    session.flush()


def _trip_row(
    kp: KitchenProblem,
    trip: rs.Trip,
    seq: int,
    matrix: rs.TravelMatrix,
    locks: dict[str, tuple[str, str]],
    vehicle: str,
) -> Trip:
    row = Trip(seq=seq, ready_min=trip.ready_at, depart_min=trip.depart, return_min=trip.return_at)
    locations = {s.id: s.location for s in kp.problem.stops}
    delivered: dict[str, int] = defaultdict(int)  # boxes of a split stop already assigned
    prev = 0  # the kitchen
    for visit_seq, visit in enumerate(trip.visits, start=1):
        info = kp.stops[visit.stop_id]
        parts = split_meals(info.meals, [delivered[visit.stop_id], visit.hot])
        delivered[visit.stop_id] += visit.hot
        loc = locations[visit.stop_id]
        lock = locks.get(visit.stop_id)
        locked = lock is not None and lock[0] == vehicle
        row.stops.append(
            RouteStop(
                seq=visit_seq,
                kind=info.kind,
                site_id=info.site_id,
                client_id=info.client_id,
                arrive_min=visit.arrival,
                window_start_min=info.window[0],
                window_end_min=info.window[1],
                meals=parts[1],
                distance_m_from_prev=matrix.metres[prev][loc],
                minutes_from_prev=matrix.minutes[prev][loc],
                locked=locked,
                locked_by=lock[1] if lock is not None and locked else "",
            )
        )
        prev = loc
    return row


# --------------------------------------------------------------------------- reading


def stored_routes(
    session: Session, date: dt.date, service: str, kitchen_id: int | None = None
) -> list[Route]:
    """The stored routes of a date and service (of one kitchen, when ``kitchen_id`` is
    given) with everything a sheet needs, by kitchen code then vehicle code."""
    stmt = (
        select(Route)
        .where(Route.date == date, Route.service == service)
        .options(
            selectinload(Route.vehicle),
            selectinload(Route.driver),
            selectinload(Route.kitchen),
            selectinload(Route.trips).selectinload(Trip.stops).selectinload(RouteStop.site),
            selectinload(Route.trips).selectinload(Trip.stops).selectinload(RouteStop.client),
        )
    )
    if kitchen_id is not None:
        stmt = stmt.where(Route.kitchen_id == kitchen_id)
    routes = list(session.scalars(stmt))
    routes.sort(key=lambda r: (r.kitchen.code, r.vehicle.code))
    return routes


def stored_unserved(session: Session, date: dt.date, service: str) -> list[UnservedStop]:
    """The stored unserved stops of a date and service, in the order they were stored."""
    return list(
        session.scalars(
            select(UnservedStop)
            .where(UnservedStop.date == date, UnservedStop.service == service)
            .order_by(UnservedStop.id)
        )
    )


@dataclass(frozen=True)
class RoutesObjective:
    """The day's routes in figures (the ``objective`` of the routes JSON)."""

    meals_delivered: int
    meals_unserved: int
    vehicles: int
    trips: int
    distance_m: int
    drive_minutes: int

    def as_json(self) -> dict[str, int]:
        return asdict(self)


def routes_objective(routes: Sequence[Route], unserved: Sequence[UnservedStop]) -> RoutesObjective:
    """The figures of stored routes and unserved stops."""
    return RoutesObjective(
        meals_delivered=sum(
            sum(st.meals.values()) for r in routes for t in r.trips for st in t.stops
        ),
        meals_unserved=sum(sum(u.meals.values()) for u in unserved),
        vehicles=len(routes),
        trips=sum(len(r.trips) for r in routes),
        distance_m=sum(r.distance_m for r in routes),
        drive_minutes=sum(r.drive_minutes for r in routes),
    )


def routes_json(
    session: Session,
    date: dt.date,
    service: str,
    planning: PlanningSettings,
    *,
    routes: Sequence[Route] | None = None,
    unserved: Sequence[UnservedStop] | None = None,
    plan: RoutesPlan | None = None,
) -> dict[str, Any]:
    """The stored routes of a date and service in the stable JSON shape (``routes`` and
    ``unserved``: the rows already loaded by :func:`stored_routes` and
    :func:`stored_unserved`; ``plan``: the plan just made, whose bound per kitchen goes
    into ``objective.bound`` and whose what-if into ``what_if``)."""
    if routes is None:
        routes = stored_routes(session, date, service)
    if unserved is None:
        unserved = stored_unserved(session, date, service)
    out_routes = []
    for route in routes:
        trips = []
        for trip in route.trips:
            stops = []
            for st in trip.stops:
                place = st.site if st.site is not None else st.client
                assert place is not None
                stops.append(
                    {
                        "stop": place.code,
                        "kind": st.kind,
                        "name": place.name,
                        "lat": place.lat,
                        "lon": place.lon,
                        "arrive": iso(date, st.arrive_min),
                        "window": [iso(date, st.window_start_min), iso(date, st.window_end_min)],
                        "meals": dict(st.meals),
                        "distance_m_from_prev": st.distance_m_from_prev,
                        "minutes_from_prev": st.minutes_from_prev,
                        "locked": st.locked,
                    }
                )
            trips.append(
                {
                    "ready_at": iso(date, trip.ready_min),
                    "depart": iso(date, trip.depart_min),
                    "return": iso(date, trip.return_min),
                    "stops": stops,
                }
            )
        out_routes.append(
            {
                "vehicle": route.vehicle.code,
                "vehicle_kind": route.vehicle.kind,
                "capacity": route.vehicle.capacity_boxes,
                "speed_kmh": route.vehicle.speed_kmh,
                "shift": [
                    iso(date, route.vehicle.shift_start_min),
                    iso(date, route.vehicle.shift_end_min),
                ],
                "driver": route.driver.code if route.driver else None,
                "kitchen": route.kitchen.code,
                "distance_m": route.distance_m,
                "drive_minutes": route.drive_minutes,
                "trips": trips,
            }
        )
    site_codes = {i: c for i, c in session.execute(select(Site.id, Site.code))}
    client_ids = sorted({u.client_id for u in unserved if u.client_id is not None})
    client_codes = {
        i: c
        for i, c in session.execute(select(Client.id, Client.code).where(Client.id.in_(client_ids)))
    }
    out_unserved = [
        {
            "stop": (
                site_codes.get(u.site_id)
                if u.site_id is not None
                else client_codes.get(u.client_id or 0)
            ),
            "meals": dict(u.meals),
            "reason": u.reason,
            "message": u.message,
        }
        for u in unserved
    ]
    out: dict[str, Any] = {
        "date": date.isoformat(),
        "service": service,
        "routes": out_routes,
        "unserved": out_unserved,
        "hold_limits": hold_limits(planning),
        "objective": routes_objective(routes, unserved).as_json(),
    }
    if plan is not None:
        fleet = plan.fleet_json()
        out["objective"]["bound"] = {k: v["bound"] for k, v in fleet.items()}
        out["what_if"] = {k: v["what_if"] for k, v in fleet.items() if v["what_if"]}
        out["one_meal_trips"] = [
            {"kitchen": k, **trip} for k, v in fleet.items() for trip in v["one_meal_trips"]
        ]
    return out
