"""Delivery outcomes per route stop, welfare alerts, and home-delivery subscriptions.

At each stop the driver or the site records *delivered*, *no_answer* or *refused* (with a
reason and the time). A *no_answer* at a home is a welfare concern: it opens an alert that
stays open, whatever is recorded later, until someone resolves it with a note.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.models import (
    Client,
    Delivery,
    Driver,
    Route,
    RouteStop,
    Site,
    Trip,
    Vehicle,
)
from mealplan.db.subscriptions import subscribed_clients
from mealplan.domain.clock import hhmm
from mealplan.domain.vocab import StopKind
from mealplan.errors import MealplanError, NotFoundError
from mealplan.services import audit, followups, notify
from mealplan.services.audit import MAX_PER_PAGE, Page, paginate
from mealplan.services.records import N_, Issue, RecordValidationError

log = logging.getLogger(__name__)

STATUSES: tuple[str, ...] = ("delivered", "no_answer", "refused")
NOT_RECORDED = "not_recorded"  # a stop with no outcome yet (a filter of the listing)


@dataclass(frozen=True)
class DeliveryView:
    """What was recorded at a stop (the columns the pages show)."""

    id: int
    status: str
    reason: str
    recorded_at: dt.datetime
    recorded_by: str
    welfare_alert_open: bool


@dataclass(frozen=True)
class StopView:
    """One stop of a day's routes with what was recorded there."""

    stop_id: int
    service: str
    vehicle_code: str
    driver_name: str
    trip_seq: int
    seq: int
    kind: str
    site_code: str | None
    client_code: str | None
    name: str
    address: str
    phone: str
    arrive_min: int
    meals: dict[str, Any]
    delivery: DeliveryView | None

    @property
    def total_meals(self) -> int:
        return sum(int(v) for v in self.meals.values())


@dataclass(frozen=True)
class StopFilter:
    """Which stops of a day a listing shows."""

    date: dt.date
    service: str | None = None
    site_code: str | None = None
    vehicle_code: str | None = None
    outcome: str | None = None  # a status in STATUSES, or "not_recorded" (nothing yet)


@dataclass(frozen=True)
class DayOutcomes:
    """How many stops of the day (within the filter's date, service and site) are in each
    state, and the vehicles that have stops, for the page's filters."""

    not_recorded: int
    delivered: int
    no_answer: int
    refused: int
    vehicles: list[str]

    @property
    def total(self) -> int:
        return self.not_recorded + self.delivered + self.no_answer + self.refused


@dataclass(frozen=True)
class AlertView:
    delivery_id: int
    date: dt.date
    service: str
    client_code: str
    client_name: str
    address: str
    phone: str
    emergency_contact: str
    reason: str
    recorded_at: dt.datetime
    recorded_by: str


#: Stops per page of the deliveries listing (a day of the city preset has ~1,500).
STOPS_PER_PAGE = 50


def _day_stops(flt: StopFilter) -> Select[Any]:
    """The stops of ``flt`` joined to their route, vehicle, place and delivery, without
    the selected columns (callers add them)."""
    stmt = (
        select()
        .select_from(RouteStop)
        .join(Trip, RouteStop.trip_id == Trip.id)
        .join(Route, Trip.route_id == Route.id)
        .outerjoin(Site, RouteStop.site_id == Site.id)
        .outerjoin(Delivery, Delivery.route_stop_id == RouteStop.id)
        .where(Route.date == flt.date)
    )
    if flt.service:
        stmt = stmt.where(Route.service == flt.service)
    if flt.site_code:
        stmt = stmt.where(Site.code == flt.site_code)
    return stmt


def _filtered(stmt: Select[Any], flt: StopFilter) -> Select[Any]:
    if flt.vehicle_code:
        stmt = stmt.where(Vehicle.code == flt.vehicle_code)
    if flt.outcome == NOT_RECORDED:
        stmt = stmt.where(Delivery.id.is_(None))
    elif flt.outcome in STATUSES:
        stmt = stmt.where(Delivery.status == flt.outcome)
    return stmt


_STOP_COLUMNS = (
    RouteStop.id,
    Route.service,
    Vehicle.code,
    Driver.name,
    Trip.seq,
    RouteStop.seq,
    RouteStop.kind,
    Site.code,
    Site.name,
    Site.address,
    Site.contact_phone,
    Client.code,
    Client.name,
    Client.address,
    Client.phone,
    RouteStop.arrive_min,
    RouteStop.meals,
    Delivery.id,
    Delivery.status,
    Delivery.reason,
    Delivery.recorded_at,
    Delivery.recorded_by,
    Delivery.welfare_alert_open,
)


def _stop_rows(flt: StopFilter) -> Select[Any]:
    stmt = (
        _day_stops(flt)
        .add_columns(*_STOP_COLUMNS)
        .join(Vehicle, Route.vehicle_id == Vehicle.id)
        .outerjoin(Driver, Route.driver_id == Driver.id)
        .outerjoin(Client, RouteStop.client_id == Client.id)
        .order_by(Route.service, Route.vehicle_id, Trip.seq, RouteStop.seq, RouteStop.id)
    )
    return _filtered(stmt, flt)


def _stop_view(row: Any) -> StopView:
    (
        stop_id,
        service,
        vehicle_code,
        driver_name,
        trip_seq,
        seq,
        kind,
        site_code,
        site_name,
        site_address,
        site_phone,
        client_code,
        client_name,
        client_address,
        client_phone,
        arrive_min,
        meals,
        delivery_id,
        status,
        reason,
        recorded_at,
        recorded_by,
        alert_open,
    ) = row
    if client_code is not None:
        name, address, phone = client_name, client_address, client_phone
    elif site_code is not None:
        name, address, phone = site_name, site_address, site_phone
    else:  # pragma: no cover - a stop names a site or a client
        name, address, phone = "", "", ""
    delivery = None
    if delivery_id is not None:
        delivery = DeliveryView(
            delivery_id, status, reason or "", recorded_at, recorded_by or "", bool(alert_open)
        )
    return StopView(
        stop_id=stop_id,
        service=service,
        vehicle_code=vehicle_code,
        driver_name=driver_name or "",
        trip_seq=trip_seq,
        seq=seq,
        kind=kind,
        site_code=site_code,
        client_code=client_code,
        name=name or "",
        address=address or "",
        phone=phone or "",
        arrive_min=arrive_min,
        meals=dict(meals or {}),
        delivery=delivery,
    )


def stops_for_day(
    session: Session, date: dt.date, service: str | None = None, *, site_code: str | None = None
) -> list[StopView]:
    """Stops of the routes of ``date`` (one service, or all), optionally of one site,
    in vehicle, trip and stop order."""
    flt = StopFilter(date, service, site_code)
    return [_stop_view(row) for row in session.execute(_stop_rows(flt))]


def stops_page(
    session: Session, flt: StopFilter, page: int = 1, per_page: int | None = None
) -> Page[StopView]:
    """One page of the stops of ``flt`` in vehicle, trip and stop order (one column query
    and one count; out-of-range pages are clamped)."""
    counted = _filtered(
        _day_stops(flt)
        .add_columns(func.count(RouteStop.id))
        .join(Vehicle, Route.vehicle_id == Vehicle.id),
        flt,
    )
    total = int(session.scalar(counted) or 0)
    per_page = max(1, min(per_page or STOPS_PER_PAGE, MAX_PER_PAGE))
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    rows = session.execute(_stop_rows(flt).limit(per_page).offset((page - 1) * per_page))
    return Page([_stop_view(row) for row in rows], total, page, per_page)


def day_outcomes(session: Session, flt: StopFilter) -> DayOutcomes:
    """Stops of the filter's date, service and site per outcome (vehicle and outcome
    filters ignored), and the vehicle codes with stops: two grouped queries."""
    base = replace(flt, vehicle_code=None, outcome=None)
    counts: dict[str, int] = {}
    for status, n in session.execute(
        _day_stops(base)
        .add_columns(Delivery.status, func.count(RouteStop.id))
        .group_by(Delivery.status)
    ):
        key = status or NOT_RECORDED
        counts[key] = counts.get(key, 0) + int(n)
    vehicles = [
        code
        for (code,) in session.execute(
            _day_stops(base)
            .add_columns(Vehicle.code)
            .join(Vehicle, Route.vehicle_id == Vehicle.id)
            .group_by(Vehicle.code)
            .order_by(Vehicle.code)
        )
    ]
    return DayOutcomes(
        counts.get(NOT_RECORDED, 0),
        counts.get("delivered", 0),
        counts.get("no_answer", 0),
        counts.get("refused", 0),
        vehicles,
    )


def stop_site_code(session: Session, stop_id: int) -> str | None:
    """The site a stop delivers to (None for a home stop); NotFoundError if no such stop."""
    stop = session.get(RouteStop, stop_id)
    if stop is None:
        raise NotFoundError(f"no route stop {stop_id}")
    return stop.site.code if stop.site is not None else None


def record_delivery(
    session: Session,
    stop_id: int,
    status: str,
    *,
    reason: str = "",
    at: dt.datetime | None = None,
    actor: str,
    photo_path: str | None = None,
    notifier: notify.Notifier | None = None,
) -> Delivery:
    """Record (or correct) the outcome at a stop; a home no-answer opens a welfare alert
    and sends the elder's emergency contact a message (``notifier``, default the one
    configured: :func:`mealplan.services.notify.notifier_from_env`), recorded as a
    Notification. ``photo_path``: a photo stored by :func:`store_photo` (None keeps any
    earlier one)."""
    stop = session.get(RouteStop, stop_id)
    if stop is None:
        raise NotFoundError(f"no route stop {stop_id}")
    reason = reason.strip()
    issues: list[Issue] = []
    if status not in STATUSES:
        issues.append(Issue("status", N_("not a valid choice: %(value)s"), {"value": status}))
    if status == "refused" and not reason:
        issues.append(Issue("reason", N_("give the reason for the refusal")))
    if len(reason) > 250:
        issues.append(Issue("reason", N_("at most %(n)s characters"), {"n": 250}))
    if issues:
        raise RecordValidationError(issues)
    at = (at or dt.datetime.now()).replace(microsecond=0)
    delivery = session.scalar(select(Delivery).where(Delivery.route_stop_id == stop_id))
    old = None if delivery is None else delivery.status
    if delivery is None:
        delivery = Delivery(route_stop_id=stop_id, status=status)
        session.add(delivery)
    delivery.status = status
    delivery.reason = reason
    delivery.recorded_at = at
    delivery.recorded_by = actor
    if photo_path is not None:
        delivery.photo_path = photo_path
    alert = status == "no_answer" and stop.kind == StopKind.HOME.value
    raised = alert and not delivery.welfare_alert_open
    if raised:
        delivery.welfare_alert_open = True
        delivery.resolved_at = None
        delivery.resolved_by = ""
        delivery.resolution = ""
        log.warning(
            "welfare alert: no answer at client %s", stop.client.code if stop.client else "?"
        )
    session.flush()
    if raised and stop.client is not None:
        _notify_family(session, stop, delivery, at, actor, notifier)
    followups.from_delivery(session, delivery, stop)  # 回访 for a no-answer or refusal
    audit.record(
        session,
        actor=actor,
        action="record",
        entity="delivery",
        entity_code=str(stop_id),
        details={
            "status": [old, status],
            "reason": reason,
            "at": at.isoformat(),
            "welfare_alert": alert,
        },
    )
    return delivery


def _notify_family(
    session: Session,
    stop: RouteStop,
    delivery: Delivery,
    at: dt.datetime,
    actor: str,
    notifier: notify.Notifier | None,
) -> None:
    """Tell the elder's emergency contact that nobody answered (a recorded message)."""
    client = stop.client
    assert client is not None
    route = stop.trip.route
    message = notify.NO_ANSWER_TEXT.format(
        elder=client.name,
        service=notify.SERVICE_ZH.get(route.service, route.service),
        time=hhmm(at.hour * 60 + at.minute),
        kitchen_phone=route.kitchen.contact_phone or "",
    )
    notify.send(
        session,
        notifier or notify.notifier_from_env(),
        kind="no_answer",
        phone=client.emergency_contact_phone or "",
        recipient_name=client.emergency_contact_name or "",
        message=message,
        client_id=client.id,
        delivery_id=delivery.id,
        actor=actor,
    )


def resolve_alert(session: Session, delivery_id: int, note: str, *, actor: str) -> Delivery:
    """Close a welfare alert with what was done (who was called, what was found)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFoundError(f"no delivery {delivery_id}")
    note = note.strip()
    if not note:
        raise RecordValidationError([Issue("note", N_("say what was done"))])
    if not delivery.welfare_alert_open:
        raise MealplanError("this alert is already resolved")
    delivery.welfare_alert_open = False
    delivery.resolved_at = dt.datetime.now().replace(microsecond=0)
    delivery.resolved_by = actor
    delivery.resolution = note
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="resolve",
        entity="welfare_alert",
        entity_code=str(delivery_id),
        details={"note": note},
    )
    return delivery


def count_open_alerts(session: Session) -> int:
    return (
        session.scalar(select(func.count(Delivery.id)).where(Delivery.welfare_alert_open.is_(True)))
        or 0
    )


#: Open welfare alerts per page of the alerts listing.
ALERTS_PER_PAGE = 50


def _open_alerts_stmt() -> Select[Delivery]:
    return (
        select(Delivery)
        .where(Delivery.welfare_alert_open.is_(True))
        .options(
            selectinload(Delivery.route_stop).selectinload(RouteStop.client),
            selectinload(Delivery.route_stop).selectinload(RouteStop.trip).selectinload(Trip.route),
        )
        .order_by(Delivery.recorded_at, Delivery.id)
    )


def open_alerts(session: Session) -> list[AlertView]:
    """Open welfare alerts, oldest first."""
    return [_alert_view(d) for d in session.scalars(_open_alerts_stmt())]


def open_alerts_page(
    session: Session, page: int = 1, per_page: int | None = None
) -> Page[AlertView]:
    """One page of the open welfare alerts, oldest first."""
    found = paginate(session, _open_alerts_stmt(), page, per_page or ALERTS_PER_PAGE)
    return Page([_alert_view(d) for d in found.items], found.total, found.page, found.per_page)


def _alert_view(d: Delivery) -> AlertView:
    stop = d.route_stop
    client = stop.client
    route = stop.trip.route
    contact = ""
    if client is not None and client.emergency_contact_name:
        contact = f"{client.emergency_contact_name} {client.emergency_contact_phone}".strip()
    return AlertView(
        delivery_id=d.id,
        date=route.date,
        service=route.service,
        client_code=client.code if client else "",
        client_name=client.name if client else "",
        address=client.address if client else "",
        phone=client.phone if client else "",
        emergency_contact=contact,
        reason=d.reason,
        recorded_at=d.recorded_at,
        recorded_by=d.recorded_by,
    )


def home_subscriptions(session: Session, date: dt.date, service: str) -> list[Client]:
    """Active home clients subscribed to ``service`` on the weekday of ``date`` and not
    paused that day (:func:`mealplan.db.subscriptions.subscribed_clause`), ordered by code."""
    stmt = subscribed_clients(date, service).options(selectinload(Client.diet_profile))
    return list(session.scalars(stmt))
