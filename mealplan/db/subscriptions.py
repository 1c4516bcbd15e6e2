"""Who gets a home meal: the one subscription rule, as SQL.

A home client gets ``service`` on ``date`` when the client is active, ``date``'s ISO
weekday is among the client's days for the service (``lunch_days`` / ``dinner_days``,
e.g. ``"12345"``) and no pause of the client covers ``date`` (both ends included).
Orders (:class:`MealOrder`, :mod:`mealplan.services.orders`) adjust the weekdays for one
date and service: an order (``wanted``) adds the meal on a day outside the weekdays, a
cancellation (not ``wanted``) removes it on one of them; a pause still wins over an order.

:func:`subscribed_clause` is that rule as a SQL condition on :class:`Client`; the planner's
demand, the deliveries' subscription list and the dashboard's counts all filter with it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from mealplan.db.models import Client, ClientPause, MealOrder
from mealplan.domain.vocab import STOPS_MEALS_AFTER_DAYS, Service


def in_register_clause(date: dt.date) -> ColumnElement[bool]:
    """SQL condition on ``Client``: its register status does not stop meals on ``date``
    (the rule of :func:`mealplan.domain.vocab.status_on`, from its one table)."""
    stopped = [
        and_(
            Client.status == status,
            or_(
                Client.status_date.is_(None), Client.status_date <= date - dt.timedelta(days=after)
            ),
        )  # fmt: skip
        for status, after in STOPS_MEALS_AFTER_DAYS.items()
    ]
    return ~or_(*stopped)


def subscribed_clause(date: dt.date, service: str) -> ColumnElement[bool]:
    """SQL condition on ``Client``: in the register on ``date``, subscribed to ``service`` on ``date``'s
    weekday (unless cancelled that day) or ordered for that day, and not paused."""
    days = Client.dinner_days if service == Service.DINNER else Client.lunch_days
    paused = exists().where(
        ClientPause.client_id == Client.id,
        ClientPause.start_date <= date,
        ClientPause.end_date >= date,
    )

    def order(wanted: bool) -> ColumnElement[bool]:
        return exists().where(
            MealOrder.client_id == Client.id,
            MealOrder.date == date,
            MealOrder.service == service,
            MealOrder.wanted.is_(wanted),
        )

    return and_(
        in_register_clause(date),
        or_(
            and_(days.contains(str(date.isoweekday()), autoescape=True), ~order(False)),
            order(True),
        ),
        ~paused,
    )


def subscribed_clients(date: dt.date, service: str) -> Select[Client]:
    """The clients who get ``service`` on ``date``, ordered by code (add options or
    filters to the statement as needed)."""
    return select(Client).where(subscribed_clause(date, service)).order_by(Client.code)


def is_subscribed(session: Session, client_id: int, date: dt.date, service: str) -> bool:
    """True when the client gets ``service`` on ``date`` (the same rule, for one client)."""
    stmt = select(exists().where(Client.id == client_id, subscribed_clause(date, service)))
    return bool(session.scalar(stmt))
