"""A driver's day on a phone: the trips of the driver's vehicle in stop order, from the
stored plan (Route, Trip, RouteStop), with what was recorded at each stop.

Each trip is the same :class:`~mealplan.documents.models.RouteSheet` the printed route
sheet is built from (:func:`mealplan.planning.route_sheets.route_sheet`), so the eat-by
time, the diets and allergens and the emergency contact are the ones printed on paper
and on the box labels. Recording goes through
:func:`mealplan.services.deliveries.record_delivery`, the panel's one rule (a home
no-answer opens a welfare alert and notifies the family contact).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from mealplan.config import PlanningSettings
from mealplan.db.models import Delivery, Driver, Route, RouteStop, Trip
from mealplan.documents.models import RouteSheet, RouteStopView
from mealplan.errors import NotFoundError
from mealplan.planning.adapters import meals_of, profile_facts
from mealplan.planning.route_sheets import route_sheet
from mealplan.services.records import N_, Issue, RecordValidationError

#: Largest photo accepted from a phone (bytes).
MAX_PHOTO_BYTES = 5 * 1024 * 1024
#: Accepted photo types by their first bytes (the upload's name and type are not trusted).
PHOTO_TYPES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"RIFF", ".webp"),  # RIFF....WEBP, checked below
)
#: Folder under the instance folder that keeps delivery photos.
PHOTO_FOLDER = "delivery_photos"


@dataclass(frozen=True)
class DriverStop:
    """One stop of a trip as the driver's page shows it."""

    stop_id: int
    view: RouteStopView  # the route sheet's stop (name, address, meals, contacts, notes)
    eat_by_min: int  # RouteSheet.eat_by: the time the sheet and the labels print
    status: str  # delivered | no_answer | refused | "" (nothing yet)
    reason: str
    recorded_at: dt.datetime | None
    welfare_alert_open: bool
    has_photo: bool

    @property
    def geo_uri(self) -> str:
        """A navigation link every phone map app opens (RFC 5870)."""
        return (
            f"geo:{self.view.lat:.6f},{self.view.lon:.6f}?q={self.view.lat:.6f},{self.view.lon:.6f}"
        )


@dataclass(frozen=True)
class DriverTrip:
    trip_id: int
    sheet: RouteSheet
    stops: tuple[DriverStop, ...]


def _driver(session: Session, driver_id: int) -> Driver:
    driver = session.get(Driver, driver_id)
    if driver is None:
        raise NotFoundError(f"no driver {driver_id}")
    return driver


def _driver_routes(driver: Driver) -> object:
    """The routes a driver drives: their vehicle's, or those that name them."""
    conds = [Route.driver_id == driver.id]
    if driver.vehicle_id is not None:
        conds.append(Route.vehicle_id == driver.vehicle_id)
    return or_(*conds)


def driver_trips(
    session: Session, driver_id: int, date: dt.date, planning: PlanningSettings
) -> list[DriverTrip]:
    """The trips of ``date`` (lunch then dinner, trip order) of the driver's vehicle, each
    with its stops in delivery order and what was recorded there."""
    driver = _driver(session, driver_id)
    routes = list(
        session.scalars(
            select(Route)
            .where(Route.date == date, _driver_routes(driver))  # type: ignore[arg-type]
            .options(
                joinedload(Route.vehicle),
                joinedload(Route.driver),
                joinedload(Route.kitchen),
                selectinload(Route.trips)
                .selectinload(Trip.stops)
                .options(selectinload(RouteStop.site), selectinload(RouteStop.client)),
            )
            .order_by(Route.service.desc(), Route.vehicle_id, Route.id)  # lunch before dinner
        ).unique()
    )
    stop_ids = [s.id for r in routes for t in r.trips for s in t.stops]
    recorded = {
        d.route_stop_id: d
        for d in session.scalars(select(Delivery).where(Delivery.route_stop_id.in_(stop_ids)))
    }
    out = []
    for route in routes:
        codes = {p for t in route.trips for s in t.stops for p in meals_of(s.meals)}
        facts = profile_facts(session, route.date, route.service, codes)
        for trip in route.trips:
            sheet = route_sheet(route, trip, facts, planning)
            stops = []
            for stop, view in zip(trip.stops, sheet.stops, strict=True):
                d = recorded.get(stop.id)
                stops.append(
                    DriverStop(
                        stop_id=stop.id,
                        view=view,
                        eat_by_min=sheet.eat_by(view),
                        status=d.status if d else "",
                        reason=d.reason if d else "",
                        recorded_at=d.recorded_at if d else None,
                        welfare_alert_open=bool(d.welfare_alert_open) if d else False,
                        has_photo=bool(d.photo_path) if d else False,
                    )
                )
            out.append(DriverTrip(trip.id, sheet, tuple(stops)))
    return out


def driver_owns_stop(session: Session, driver_id: int, stop_id: int) -> bool:
    """Whether the stop is on a route of the driver's vehicle (or naming the driver);
    NotFoundError if there is no such stop."""
    if session.get(RouteStop, stop_id) is None:
        raise NotFoundError(f"no route stop {stop_id}")
    driver = _driver(session, driver_id)
    found = session.scalar(
        select(RouteStop.id)
        .join(Trip, RouteStop.trip_id == Trip.id)
        .join(Route, Trip.route_id == Route.id)
        .where(RouteStop.id == stop_id, _driver_routes(driver))  # type: ignore[arg-type]
    )
    return found is not None


def _photo_suffix(data: bytes) -> str | None:
    for magic, suffix in PHOTO_TYPES:
        if data.startswith(magic):
            if suffix == ".webp" and data[8:12] != b"WEBP":
                return None
            return suffix
    return None


def store_photo(instance_path: Path, stop_id: int, data: bytes) -> str:
    """Keep a delivery photo (JPEG, PNG or WebP, at most :data:`MAX_PHOTO_BYTES`) under
    ``<instance>/delivery_photos/``; returns its path relative to the instance folder.

    Raises:
        RecordValidationError: empty, too large or not an image (nothing is written).
    """
    if not data:
        raise RecordValidationError([Issue("photo", N_("the photo is empty"))])
    if len(data) > MAX_PHOTO_BYTES:
        raise RecordValidationError(
            [
                Issue(
                    "photo",
                    N_("the photo is larger than %(n)s MB"),
                    {"n": MAX_PHOTO_BYTES // 2**20},
                )
            ]
        )
    suffix = _photo_suffix(data)
    if suffix is None:
        raise RecordValidationError(
            [Issue("photo", N_("the photo must be a JPEG, PNG or WebP image"))]
        )
    folder = instance_path / PHOTO_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = f"stop{stop_id}-{secrets.token_hex(8)}{suffix}"
    (folder / name).write_bytes(data)
    return f"{PHOTO_FOLDER}/{name}"


def photo_file(session: Session, instance_path: Path, stop_id: int) -> Path | None:
    """The stored photo of a stop's delivery, if any (only inside the photo folder)."""
    rel = session.scalar(select(Delivery.photo_path).where(Delivery.route_stop_id == stop_id))
    if not rel:
        return None
    folder = (instance_path / PHOTO_FOLDER).resolve()
    path = (instance_path / rel).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path
