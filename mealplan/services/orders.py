"""Ordering home meals (下单 / 代订): an elder or family member through a per-elder link, a
community worker on the elder's behalf, or staff.

An order adds a home meal on one date and service, a cancellation removes one; both are
:class:`MealOrder` rows that the one subscription rule (:mod:`mealplan.db.subscriptions`)
reads, so the planner's demand, the delivery lists, the dashboard and the reports see them
at once. A day can be changed until that day's headcount cut-off
(:func:`mealplan.services.headcounts.cutoff_at`, ``[planning] headcount_cutoff``): the
same moment site reports close. Pausing days ahead is a :mod:`mealplan.services.pauses`
pause that starts before its first day's cut-off (:func:`pause_days`); ending one early or
withdrawing one that has not started is :func:`pauses.end_pause` from a day before its
cut-off (:func:`resume_days`). Every change is audited with who made it
and through which channel (``link``, ``worker``, ``staff``).

A link's token is shown once when it is made (to print for the elder); only its SHA-256 is
stored. A revoked or expired link is refused (:class:`LinkRefused`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import (
    Client,
    ClientPause,
    Delivery,
    MealOrder,
    OrderLink,
    Route,
    RouteStop,
    Trip,
)
from mealplan.db.subscriptions import is_subscribed
from mealplan.domain.pricing import PricingError, price_meal
from mealplan.domain.vocab import Service, status_on
from mealplan.errors import MealplanError, NotFoundError
from mealplan.services import audit, checkins, headcounts, menus, pauses
from mealplan.services.records import N_, Issue, RecordValidationError

log = logging.getLogger(__name__)

ENTITY = "meal_order"
LINK_ENTITY = "order_link"
#: who placed an order
VIA_LINK, VIA_WORKER, VIA_STAFF = "link", "worker", "staff"
VIAS: tuple[str, ...] = (VIA_LINK, VIA_WORKER, VIA_STAFF)
#: why a link is refused
UNKNOWN, REVOKED, EXPIRED = "unknown", "revoked", "expired"
#: how far ahead a day may be ordered
MAX_DAYS_AHEAD = 28
#: the longest pause an ordering page takes (longer ones: staff, in the client's record)
MAX_PAUSE_DAYS = 92


class LinkRefused(MealplanError):
    """An ordering link that is unknown, revoked or expired (``reason``)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"ordering link refused: {reason}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _client(session: Session, client_code: str) -> Client:
    client = session.scalar(select(Client).where(Client.code == client_code))
    if client is None:
        raise NotFoundError(f"no client with code {client_code!r}")
    return client


# --------------------------------------------------------------------------- links


@dataclass(frozen=True)
class LinkView:
    id: int
    holder: str
    created_by: str
    created_at: dt.datetime
    expires_on: dt.date | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    def active(self, today: dt.date) -> bool:
        return self.revoked_at is None and (self.expires_on is None or today <= self.expires_on)


def create_link(
    session: Session,
    client_code: str,
    *,
    holder: str = "",
    expires_on: dt.date | None = None,
    user: str,
    today: dt.date | None = None,
) -> tuple[OrderLink, str]:
    """A new ordering link for the client; returns the link and its token (shown once)."""
    client = _client(session, client_code)
    today = today or dt.date.today()
    holder = holder.strip()
    issues: list[Issue] = []
    if len(holder) > 80:
        issues.append(Issue("holder", N_("at most %(n)s characters"), {"n": 80}))
    if expires_on is not None and expires_on < today:
        issues.append(Issue("expires_on", N_("%(value)s is in the past"), {"value": expires_on}))
    if issues:
        raise RecordValidationError(issues)
    token = secrets.token_urlsafe(24)
    link = OrderLink(
        client_id=client.id,
        token_sha256=token_hash(token),
        holder=holder,
        created_by=user,
        expires_on=expires_on,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor=user,
        action="create",
        entity=LINK_ENTITY,
        entity_code=client.code,
        details={"id": link.id, "holder": holder, "expires_on": expires_on},
    )
    return link, token


def list_links(session: Session, client_code: str) -> list[LinkView]:
    """The client's ordering links, newest first."""
    client = _client(session, client_code)
    stmt = select(OrderLink).where(OrderLink.client_id == client.id).order_by(OrderLink.id.desc())
    return [
        LinkView(
            link.id,
            link.holder,
            link.created_by,
            link.created_at,
            link.expires_on,
            link.revoked_at,
            link.last_used_at,
        )
        for link in session.scalars(stmt)
    ]


def revoke_link(session: Session, client_code: str, link_id: int, *, user: str) -> None:
    """Revoke a link of the client (it is refused from now on); revoking twice is a no-op."""
    client = _client(session, client_code)
    link = session.get(OrderLink, link_id)
    if link is None or link.client_id != client.id:
        raise NotFoundError(f"no ordering link {link_id} of client {client_code!r}")
    if link.revoked_at is not None:
        return
    link.revoked_at = dt.datetime.now().replace(microsecond=0)
    link.revoked_by = user
    session.flush()
    audit.record(
        session,
        actor=user,
        action="revoke",
        entity=LINK_ENTITY,
        entity_code=client.code,
        details={"id": link.id},
    )


def resolve_link(session: Session, token: str, *, today: dt.date | None = None) -> OrderLink:
    """The link a token names; :class:`LinkRefused` when unknown, revoked or expired."""
    today = today or dt.date.today()
    link = session.scalar(select(OrderLink).where(OrderLink.token_sha256 == token_hash(token)))
    if link is None:
        raise LinkRefused(UNKNOWN)
    if link.revoked_at is not None:
        raise LinkRefused(REVOKED)
    if link.expires_on is not None and today > link.expires_on:
        raise LinkRefused(EXPIRED)
    if status_on(link.client.status, link.client.status_date, today) is not None:
        raise LinkRefused(REVOKED)
    link.last_used_at = dt.datetime.now().replace(microsecond=0)
    return link


def link_qr_svg(url: str, *, scale: int = 5) -> str:
    """The QR code of an ordering link's address as an inline SVG element (to print for
    the elder or send to the family's phone)."""
    import segno  # imported here: only the links page needs it

    return str(segno.make(url, error="m", micro=False).svg_inline(scale=scale, border=2))


def link_actor(link: OrderLink) -> str:
    """The audit actor of an order placed through a link (``link:<id>:<holder>``)."""
    return f"link:{link.id}:{link.holder}"[:80]


# --------------------------------------------------------------------------- orders


def weekday_meal(client: Client, date: dt.date, service: str) -> bool:
    """Whether ``date``'s weekday is among the client's regular days for ``service``."""
    days = client.dinner_days if service == Service.DINNER else client.lunch_days
    return str(date.isoweekday()) in (days or "")


def can_change(date: dt.date, now: dt.datetime) -> bool:
    """A day's order can change until that day's headcount cut-off."""
    return now < headcounts.cutoff_at(date)


def _paused(session: Session, client: Client, date: dt.date) -> ClientPause | None:
    return session.scalar(
        select(ClientPause).where(
            ClientPause.client_id == client.id,
            ClientPause.start_date <= date,
            ClientPause.end_date >= date,
        )
    )


def set_meal(
    session: Session,
    client_code: str,
    date: dt.date,
    service: str,
    wanted: bool,
    *,
    via: str,
    actor: str,
    now: dt.datetime | None = None,
) -> bool:
    """Order (``wanted``) or cancel the client's ``service`` on ``date``. Returns whether
    the client now gets the meal. Refused after the day's cut-off, more than
    :data:`MAX_DAYS_AHEAD` days ahead, on a paused day, for an inactive client, and for a
    dinner when the client has no dinner delivery window."""
    client = _client(session, client_code)
    now = now or dt.datetime.now()
    issues: list[Issue] = []
    if service not in {s.value for s in Service}:
        issues.append(Issue("service", N_("not a valid choice: %(value)s"), {"value": service}))
    if via not in VIAS:
        issues.append(Issue("via", N_("not a valid choice: %(value)s"), {"value": via}))
    if status_on(client.status, client.status_date, date) is not None:
        issues.append(Issue(None, N_("this elder's meals are stopped")))
    if not can_change(date, now):
        issues.append(
            Issue(
                "date",
                N_("the cut-off for %(value)s passed at %(cutoff)s"),
                {"value": date, "cutoff": f"{headcounts.cutoff_at(date):%Y-%m-%d %H:%M}"},
            )
        )
    elif (date - now.date()).days > MAX_DAYS_AHEAD:
        issues.append(
            Issue(
                "date",
                N_("%(value)s is more than %(n)s days ahead"),
                {"value": date, "n": MAX_DAYS_AHEAD},
            )
        )
    if wanted and service == Service.DINNER and client.dinner_window_start_min is None:
        issues.append(Issue("service", N_("this elder has no dinner delivery window")))
    pause = _paused(session, client, date) if wanted else None
    if pause is not None:
        issues.append(
            Issue(
                "date",
                N_("%(value)s is inside the pause from %(start)s to %(end)s"),
                {"value": date, "start": pause.start_date, "end": pause.end_date},
            )
        )
    if issues:
        raise RecordValidationError(issues)
    row = session.scalar(
        select(MealOrder).where(
            MealOrder.client_id == client.id,
            MealOrder.date == date,
            MealOrder.service == service,
        )
    )
    if wanted == weekday_meal(client, date, service):
        if row is not None:  # back to the regular days
            session.delete(row)
    elif row is None:
        session.add(
            MealOrder(
                client_id=client.id,
                date=date,
                service=service,
                wanted=wanted,
                via=via,
                ordered_by=actor[:80],
            )
        )
    else:
        row.wanted, row.via, row.ordered_by = wanted, via, actor[:80]
        row.ordered_at = now.replace(microsecond=0)
    session.flush()
    audit.record(
        session,
        actor=actor[:80],
        action="order" if wanted else "cancel",
        entity=ENTITY,
        entity_code=client.code,
        details={"date": date, "service": service, "via": via},
    )
    log.info(
        "client %s: %s %s %s via %s",
        client.code,
        "order" if wanted else "cancel",
        service,
        date,
        via,
    )
    return is_subscribed(session, client.id, date, service)


def pause_days(
    session: Session,
    client_code: str,
    start: dt.date,
    end: dt.date,
    *,
    via: str,
    actor: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> ClientPause:
    """Pause the client's meals from ``start`` to ``end`` (days ahead): refused when
    ``start``'s cut-off has passed; otherwise the rules of :func:`pauses.add_pause`."""
    now = now or dt.datetime.now()
    if not can_change(start, now):
        raise RecordValidationError(
            [
                Issue(
                    "start",
                    N_("the cut-off for %(value)s passed at %(cutoff)s"),
                    {"value": start, "cutoff": f"{headcounts.cutoff_at(start):%Y-%m-%d %H:%M}"},
                )
            ]
        )
    days = (end - start).days + 1
    if start > now.date() + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise RecordValidationError(
            [
                Issue(
                    "start",
                    N_("%(value)s is more than %(n)s days ahead"),
                    {"value": start, "n": MAX_DAYS_AHEAD},
                )
            ]
        )
    if days > MAX_PAUSE_DAYS:
        raise RecordValidationError(
            [
                Issue(
                    "end",
                    N_(
                        "a pause ordered here lasts at most %(n)s days; for a longer one "
                        "ask the community worker or the kitchen"
                    ),
                    {"n": MAX_PAUSE_DAYS},
                )
            ]
        )
    return pauses.add_pause(
        session, client_code, start, end, reason or f"({via})", user=actor[:80], today=now.date()
    )


def first_open_day(now: dt.datetime) -> dt.date:
    """The first day whose meals can still change: today before its cut-off, else tomorrow."""
    today = now.date()
    return today if can_change(today, now) else today + dt.timedelta(days=1)


def resume_days(
    session: Session,
    client_code: str,
    pause_id: int,
    on: dt.date,
    *,
    via: str,
    actor: str,
    now: dt.datetime | None = None,
) -> ClientPause | None:
    """Meals again from ``on`` (ending a pause early, or withdrawing one that has not
    started): refused when ``on``'s cut-off has passed; otherwise the rules of
    :func:`pauses.end_pause` for the client's own pause (NotFoundError for another's)."""
    now = now or dt.datetime.now()
    if not can_change(on, now):
        raise RecordValidationError(
            [
                Issue(
                    "on",
                    N_("the cut-off for %(value)s passed at %(cutoff)s"),
                    {"value": on, "cutoff": f"{headcounts.cutoff_at(on):%Y-%m-%d %H:%M}"},
                )
            ]
        )
    log.info("client %s: pause %s ended from %s via %s", client_code, pause_id, on, via)
    return pauses.end_pause(session, pause_id, on=on, user=actor[:80], client_code=client_code)


def current_pauses(
    session: Session, client_code: str, *, now: dt.datetime | None = None
) -> list[pauses.PauseView]:
    """The client's ongoing and upcoming pauses, earliest first (the ordering page)."""
    now = now or dt.datetime.now()
    found = pauses.list_pauses(session, client_code, today=now.date())
    return sorted((p for p in found if p.status != pauses.PAST), key=lambda p: p.start)


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class DayMeal:
    """One day and service on the ordering page."""

    date: dt.date
    service: str
    gets: bool  # the meal is planned for the elder
    regular: bool  # a regular weekday of the elder
    paused: bool
    open: bool  # still before the cut-off
    dishes: tuple[menus.DishName, ...]
    price_fen: int | None = None  # what the elder pays (None: no price tier in force)


def week(
    session: Session,
    client_code: str,
    start: dt.date,
    *,
    days: int = 7,
    now: dt.datetime | None = None,
) -> list[DayMeal]:
    """The client's days from ``start``: whether each lunch (and dinner, if the client has
    a dinner window) is planned, can still change, and the stored menu of the client's diet
    (:func:`mealplan.services.menus.week_grid`), with what the elder pays for it delivered
    home (the one pricing rule, :func:`mealplan.domain.pricing.price_meal`, over the tiers
    and subsidy rules in force that day)."""
    client = _client(session, client_code)
    now = now or dt.datetime.now()
    services = [Service.LUNCH.value]
    if client.dinner_window_start_min is not None:
        services.append(Service.DINNER.value)
    profile = client.diet_profile.code
    out: list[DayMeal] = []
    grids = {s: menus.week_grid(session, start, s, days=days) for s in services}
    tiers, rules = checkins.pricing_inputs(session)
    home = checkins.jurisdiction(client)

    def pays(day: dt.date, service: str) -> int | None:
        try:
            price = price_meal(
                tiers, rules, on=day, service=service, category=client.category, home=home, at=home
            )
        except PricingError:
            return None
        return price.elder_pays_fen

    for i in range(days):
        day = start + dt.timedelta(days=i)
        for service in services:
            cell = grids[service].cell(day, profile)
            out.append(
                DayMeal(
                    date=day,
                    service=service,
                    gets=is_subscribed(session, client.id, day, service),
                    regular=weekday_meal(client, day, service),
                    paused=_paused(session, client, day) is not None,
                    open=can_change(day, now),
                    dishes=cell.dishes if cell is not None else (),
                    price_fen=pays(day, service),
                )
            )
    return out


@dataclass(frozen=True)
class TodayStatus:
    """Today's delivery of the elder's meal: planned arrival and what the driver recorded."""

    service: str
    arrive_min: int
    status: str  # "" = not yet recorded, else a DeliveryStatus value
    recorded_at: dt.datetime | None


def today_status(session: Session, client_code: str, date: dt.date) -> list[TodayStatus]:
    """The client's route stops on ``date`` with their delivery outcome (if any)."""
    client = _client(session, client_code)
    rows = session.execute(
        select(Route.service, RouteStop.arrive_min, Delivery.status, Delivery.recorded_at)
        .join(Trip, Trip.id == RouteStop.trip_id)
        .join(Route, Route.id == Trip.route_id)
        .outerjoin(Delivery, Delivery.route_stop_id == RouteStop.id)
        .where(RouteStop.client_id == client.id, Route.date == date)
        .order_by(RouteStop.arrive_min)
    )
    return [TodayStatus(svc, arrive, status or "", at) for svc, arrive, status, at in rows]
