"""Delivery outcomes per route stop, welfare alerts, and home-delivery subscriptions.

At each stop the driver or the site records *delivered*, *no_answer* or *refused* (with a
reason and the time). A *no_answer* at a home is a welfare concern: it opens an alert that
stays open, whatever is recorded later, until someone resolves it with a note.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.models import Client, ClientPause, Delivery, Route, RouteStop, Site, Trip
from mealplan.domain.vocab import StopKind
from mealplan.errors import MealplanError, NotFoundError
from mealplan.services import audit
from mealplan.services.records import N_, Issue, RecordValidationError

log = logging.getLogger(__name__)

STATUSES: tuple[str, ...] = ("delivered", "no_answer", "refused")


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
    delivery: Delivery | None

    @property
    def total_meals(self) -> int:
        return sum(int(v) for v in self.meals.values())


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


def _stop_view(stop: RouteStop, delivery: Delivery | None) -> StopView:
    route = stop.trip.route
    if stop.client is not None:
        name, address, phone = stop.client.name, stop.client.address, stop.client.phone
    elif stop.site is not None:
        name, address, phone = stop.site.name, stop.site.address, stop.site.contact_phone
    else:  # pragma: no cover - a stop names a site or a client
        name, address, phone = "", "", ""
    return StopView(
        stop_id=stop.id,
        service=route.service,
        vehicle_code=route.vehicle.code,
        driver_name=route.driver.name if route.driver else "",
        trip_seq=stop.trip.seq,
        seq=stop.seq,
        kind=stop.kind,
        site_code=stop.site.code if stop.site else None,
        client_code=stop.client.code if stop.client else None,
        name=name,
        address=address,
        phone=phone,
        arrive_min=stop.arrive_min,
        meals=dict(stop.meals or {}),
        delivery=delivery,
    )


def stops_for_day(
    session: Session, date: dt.date, service: str | None = None, *, site_code: str | None = None
) -> list[StopView]:
    """Stops of the routes of ``date`` (one service, or all), optionally of one site,
    in vehicle, trip and stop order."""
    stmt = (
        select(RouteStop)
        .join(RouteStop.trip)
        .join(Trip.route)
        .where(Route.date == date)
        .options(
            selectinload(RouteStop.site),
            selectinload(RouteStop.client),
            selectinload(RouteStop.trip).selectinload(Trip.route).selectinload(Route.vehicle),
            selectinload(RouteStop.trip).selectinload(Trip.route).selectinload(Route.driver),
        )
        .order_by(Route.service, Route.vehicle_id, Trip.seq, RouteStop.seq)
    )
    if service:
        stmt = stmt.where(Route.service == service)
    if site_code:
        stmt = stmt.join(RouteStop.site).where(Site.code == site_code)
    stops = list(session.scalars(stmt))
    deliveries = {
        d.route_stop_id: d
        for d in session.scalars(
            select(Delivery).where(Delivery.route_stop_id.in_([s.id for s in stops]))
        )
    }
    return [_stop_view(stop, deliveries.get(stop.id)) for stop in stops]


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
) -> Delivery:
    """Record (or correct) the outcome at a stop; a home no-answer opens a welfare alert."""
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
    alert = status == "no_answer" and stop.kind == StopKind.HOME.value
    if alert and not delivery.welfare_alert_open:
        delivery.welfare_alert_open = True
        delivery.resolved_at = None
        delivery.resolved_by = ""
        delivery.resolution = ""
        log.warning(
            "welfare alert: no answer at client %s", stop.client.code if stop.client else "?"
        )
    session.flush()
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


def open_alerts(session: Session) -> list[AlertView]:
    """Open welfare alerts, oldest first."""
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.welfare_alert_open.is_(True))
        .options(
            selectinload(Delivery.route_stop).selectinload(RouteStop.client),
            selectinload(Delivery.route_stop).selectinload(RouteStop.trip).selectinload(Trip.route),
        )
        .order_by(Delivery.recorded_at)
    )
    out = []
    for d in rows:
        stop = d.route_stop
        client = stop.client
        route = stop.trip.route
        contact = ""
        if client is not None and client.emergency_contact_name:
            contact = f"{client.emergency_contact_name} {client.emergency_contact_phone}".strip()
        out.append(
            AlertView(
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
        )
    return out


def home_subscriptions(session: Session, date: dt.date, service: str) -> list[Client]:
    """Active home clients subscribed to ``service`` on the weekday of ``date`` and not
    paused that day, ordered by code."""
    weekday = str(date.isoweekday())
    column = Client.dinner_days if service == "dinner" else Client.lunch_days
    paused = select(ClientPause.client_id).where(
        ClientPause.start_date <= date, ClientPause.end_date >= date
    )
    stmt = (
        select(Client)
        .where(Client.active.is_(True), column.contains(weekday), Client.id.not_in(paused))
        .options(selectinload(Client.diet_profile))
        .order_by(Client.code)
    )
    return list(session.scalars(stmt))
