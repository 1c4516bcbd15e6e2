"""The driver's route sheet of a stored trip: one builder for the daily plan's printed
sheets and the panel's trip pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from mealplan.config import PlanningSettings
from mealplan.db.models import PlanRun, Route, RouteStop, Trip
from mealplan.documents.models import RouteSheet, RouteStopView, StopMeals
from mealplan.domain.vocab import StopKind
from mealplan.errors import NotFoundError
from mealplan.planning.adapters import (
    ProfileFacts,
    kitchen_info,
    meals_of,
    profile_facts,
    stop_place,
    trip_label,
)
from mealplan.planning.routes import hold_limits, stored_routes

#: Runs whose figures name the day's one-meal trips (``figures["one_meal_trips"]``).
ONE_MEAL_RUN_KINDS = ("daily",)


def _stop_meals(meals: Mapping[str, int], facts: Mapping[str, ProfileFacts]) -> list[StopMeals]:
    out = []
    for profile, count in sorted(meals.items()):
        f = facts.get(profile) or ProfileFacts.unknown(profile)
        out.append(
            StopMeals(
                profile=profile,
                profile_name=f.name_zh,
                count=count,
                iddsi_level=f.iddsi,
                allergens=f.allergens,
                halal=f.halal,
                profile_name_en=f.name_en,
                dishes=f.dishes,
            )
        )
    return out


def eat_by_min(kind: str, packed_min: int, cook_finish_min: int, limits: Mapping[str, int]) -> int:
    """A stop's eat-by minute: a home box's is its packed time + the home hold (pack ->
    arrive), a site's its cooking wave's finish + the bulk hold (cook -> eat)."""
    if kind == StopKind.HOME:
        return packed_min + limits[StopKind.HOME.value]
    return cook_finish_min + limits[kind]


def trip_times(trip: Trip) -> tuple[int, int]:
    """The trip's packed time and its wave's cook finish as stored by the daily plan (a
    trip routed without the kitchen's schedule: its ready time for both)."""
    packed = trip.packed_min if trip.packed_min is not None else trip.ready_min
    cooked = trip.cook_finish_min if trip.cook_finish_min is not None else packed
    return packed, cooked


def route_sheet(
    route: Route, trip: Trip, facts: Mapping[str, ProfileFacts], planning: PlanningSettings
) -> RouteSheet:
    """The sheet of ``trip`` (one of ``route``'s trips, stops and places loaded), with each
    profile's names, texture, halal mark, allergens and dishes from ``facts``; its ready
    time is the trip's packed time and each stop's eat-by :func:`eat_by_min`."""
    limits = hold_limits(planning)
    packed, cooked = trip_times(trip)
    stops = []
    for stop in trip.stops:
        place = stop_place(stop)
        stops.append(
            RouteStopView(
                seq=stop.seq,
                kind=stop.kind,
                name=place.name,
                address=place.address,
                phone=place.phone,
                window_start_min=stop.window_start_min,
                window_end_min=stop.window_end_min,
                eta_min=stop.arrive_min,
                meals=tuple(_stop_meals(meals_of(stop.meals), facts)),
                lat=place.lat,
                lon=place.lon,
                contact_name=place.contact_name,
                eat_by_min=eat_by_min(stop.kind, packed, cooked, limits),
                notes=place.notes,
                distance_m_from_prev=stop.distance_m_from_prev,
                emergency_name=stop.client.emergency_contact_name if stop.client else "",
                emergency_phone=stop.client.emergency_contact_phone if stop.client else "",
            )
        )
    return RouteSheet(
        date=route.date,
        service=route.service,
        kitchen=kitchen_info(route.kitchen),
        vehicle=route.vehicle.name or route.vehicle.code,
        vehicle_plate=route.vehicle.plate,
        driver=route.driver.name if route.driver else "",
        driver_phone=route.driver.phone if route.driver else "",
        ready_min=packed,
        depart_min=trip.depart_min,
        return_min=trip.return_min,
        stops=tuple(stops),
        trip_seq=trip.seq,
        trip_count=len(route.trips),
        trip=trip_label(route.vehicle.code, trip.seq),
        distance_m=sum(s.distance_m_from_prev for s in trip.stops),
        drive_minutes=sum(s.minutes_from_prev for s in trip.stops),
        hold_limit_minutes=planning.hold_limit_bulk_minutes,
        cook_finish_min=trip.cook_finish_min,
    )


def trip_sheet(session: Session, trip_id: int, planning: PlanningSettings) -> RouteSheet:
    """The route sheet of one stored trip.

    Raises:
        NotFoundError: no trip ``trip_id``.
    """
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
    codes = {p for stop in trip.stops for p in meals_of(stop.meals)}
    sheet = route_sheet(
        route, trip, profile_facts(session, route.date, route.service, codes), planning
    )
    return with_one_meal_reason(sheet, one_meal_reasons(session, route.date, route.service))


def one_meal_reasons(
    session: Session, date: dt.date, service: str
) -> dict[tuple[str, str], tuple[str, str]]:
    """Why each one-meal trip of the day carries a single meal, as the day's plan
    recorded it (the latest finished daily run of ``date`` and ``service``,
    ``figures["one_meal_trips"]``): (kitchen code, trip label ``V3-1``) ->
    ``("no_other_trip", "")`` or ``("could_join", "V5 trip 2")``."""
    run = session.scalar(
        select(PlanRun)
        .where(
            PlanRun.kind.in_(ONE_MEAL_RUN_KINDS),
            PlanRun.date == date,
            PlanRun.service == service,
            PlanRun.status == "done",
        )
        .order_by(PlanRun.finished_at.desc(), PlanRun.id.desc())
        .limit(1)
    )
    entries = (run.figures or {}).get("one_meal_trips", []) if run is not None else []
    return {
        (str(e.get("kitchen")), str(e.get("trip"))): (
            str(e.get("reason") or ""),
            str(e.get("could_join") or ""),
        )
        for e in entries
        if isinstance(e, dict)
    }


def with_one_meal_reason(
    sheet: RouteSheet, reasons: Mapping[tuple[str, str], tuple[str, str]]
) -> RouteSheet:
    """``sheet`` with its trip's one-meal reason from :func:`one_meal_reasons` when it
    carries a single meal (routes changed since the plan: a trip that no longer carries
    one meal gets none)."""
    found = reasons.get((sheet.kitchen.code, sheet.trip))
    if found is None or sheet.total_meals != 1:
        return sheet
    return replace(sheet, one_meal_reason=found[0], one_meal_other=found[1])


def sheets_of(
    session: Session,
    routes: Sequence[Route],
    date: dt.date,
    service: str,
    planning: PlanningSettings,
) -> list[RouteSheet]:
    """Every trip's route sheet of ``routes`` (loaded by
    :func:`~mealplan.planning.routes.stored_routes`), route by route."""
    codes = {p for r in routes for t in r.trips for s in t.stops for p in meals_of(s.meals)}
    facts = profile_facts(session, date, service, codes)
    return [route_sheet(r, t, facts, planning) for r in routes for t in r.trips]


def day_sheets(
    session: Session, date: dt.date, service: str, planning: PlanningSettings
) -> list[RouteSheet]:
    """Every trip's route sheet of the date and service, by kitchen code, vehicle code and
    trip, with the one-meal trips' reasons (:func:`one_meal_reasons`)."""
    reasons = one_meal_reasons(session, date, service)
    return [
        with_one_meal_reason(sheet, reasons)
        for sheet in sheets_of(session, stored_routes(session, date, service), date, service,
                               planning)
    ]  # fmt: skip
