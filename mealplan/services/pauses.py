"""Pauses of a home client's meals: days the elder does not want meals (a hospital stay, a
visit to family).

A pause runs from ``start_date`` to ``end_date`` inclusive; the day's demand and the home
delivery lists skip the client on those days (:func:`mealplan.planning.demand.
client_subscribed`, :func:`mealplan.services.deliveries.home_subscriptions`). A client's
pauses do not overlap. Every verb validates (raising :class:`RecordValidationError` with
one :class:`Issue` per problem), flushes and writes an audit entry; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Client, ClientPause, Route
from mealplan.errors import NotFoundError
from mealplan.services import audit
from mealplan.services.records import N_, Issue, RecordValidationError

log = logging.getLogger(__name__)

#: the audit entity of a pause (its entity code is the client's code)
ENTITY = "client_pause"
#: where a pause stands on a given day
UPCOMING, ONGOING, PAST = "upcoming", "ongoing", "past"
STATUSES: tuple[str, ...] = (UPCOMING, ONGOING, PAST)
#: the length of the reason column
MAX_REASON = 200


@dataclass(frozen=True)
class PauseView:
    """One pause as the pages show it; ``status`` is relative to the day it was listed."""

    id: int
    client_code: str
    start: dt.date
    end: dt.date  # inclusive
    reason: str
    status: str  # upcoming | ongoing | past

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def pause_status(start: dt.date, end: dt.date, today: dt.date) -> str:
    """``upcoming`` before ``start``, ``ongoing`` from ``start`` to ``end``, then ``past``."""
    if today < start:
        return UPCOMING
    if today <= end:
        return ONGOING
    return PAST


def earliest_start(today: dt.date) -> dt.date:
    """The earliest date a new pause may name: one year before ``today``."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def _client(session: Session, client_code: str) -> Client:
    client = session.scalar(select(Client).where(Client.code == client_code))
    if client is None:
        raise NotFoundError(f"no client with code {client_code!r}")
    return client


def _pause(session: Session, pause_id: int, client_code: str | None) -> ClientPause:
    pause = session.get(ClientPause, pause_id)
    if pause is None or (client_code is not None and pause.client.code != client_code):
        owner = f" of client {client_code!r}" if client_code is not None else ""
        raise NotFoundError(f"no pause {pause_id}{owner}")
    return pause


def _view(pause: ClientPause, client_code: str, today: dt.date) -> PauseView:
    return PauseView(
        id=pause.id,
        client_code=client_code,
        start=pause.start_date,
        end=pause.end_date,
        reason=pause.reason or "",
        status=pause_status(pause.start_date, pause.end_date, today),
    )


def list_pauses(
    session: Session, client_code: str, *, today: dt.date | None = None
) -> list[PauseView]:
    """The client's pauses, latest first, each with its status on ``today`` (default: the
    current date); NotFoundError for an unknown client."""
    client = _client(session, client_code)
    today = today or dt.date.today()
    stmt = (
        select(ClientPause)
        .where(ClientPause.client_id == client.id)
        .order_by(ClientPause.start_date.desc(), ClientPause.id.desc())
    )
    return [_view(p, client.code, today) for p in session.scalars(stmt)]


def get_pause(
    session: Session,
    pause_id: int,
    *,
    client_code: str | None = None,
    today: dt.date | None = None,
) -> PauseView:
    """One pause (NotFoundError if none, or if it is not ``client_code``'s)."""
    pause = _pause(session, pause_id, client_code)
    return _view(pause, pause.client.code, today or dt.date.today())


def _too_early(field: str, value: dt.date, earliest: dt.date) -> Issue:
    return Issue(
        field,
        N_("%(value)s is more than a year ago (the earliest is %(earliest)s)"),
        {"value": value, "earliest": earliest},
    )


def add_pause(
    session: Session,
    client_code: str,
    start: dt.date,
    end: dt.date,
    reason: str = "",
    *,
    user: str,
    today: dt.date | None = None,
) -> ClientPause:
    """Pause the client's meals from ``start`` to ``end`` (inclusive).

    Refused: an end before the start, a date more than a year before ``today``, a reason
    longer than :data:`MAX_REASON`, and a period overlapping another pause of the client
    (the message names that pause's dates)."""
    client = _client(session, client_code)
    today = today or dt.date.today()
    reason = (reason or "").strip()
    earliest = earliest_start(today)
    issues: list[Issue] = []
    if start < earliest:
        issues.append(_too_early("start", start, earliest))
    if end < start:
        issues.append(
            Issue(
                "end",
                N_("the pause cannot end (%(value)s) before it starts (%(start)s)"),
                {"value": end, "start": start},
            )
        )
    elif end < earliest:
        issues.append(_too_early("end", end, earliest))
    if len(reason) > MAX_REASON:
        issues.append(Issue("reason", N_("at most %(n)s characters"), {"n": MAX_REASON}))
    if issues:
        raise RecordValidationError(issues)
    overlapping = session.scalars(
        select(ClientPause)
        .where(
            ClientPause.client_id == client.id,
            ClientPause.start_date <= end,
            ClientPause.end_date >= start,
        )
        .order_by(ClientPause.start_date)
    ).all()
    if overlapping:
        raise RecordValidationError(
            [
                Issue(
                    # the date that falls inside the other pause (the end when it covers it)
                    "start" if other.start_date <= start <= other.end_date else "end",
                    N_("overlaps the pause from %(start)s to %(end)s"),
                    {"start": other.start_date, "end": other.end_date, "value": start},
                )
                for other in overlapping
            ]
        )
    pause = ClientPause(start_date=start, end_date=end, reason=reason)
    client.pauses.append(pause)  # keeps a loaded collection (the demand reads it) current
    session.flush()
    audit.record(
        session,
        actor=user,
        action="create",
        entity=ENTITY,
        entity_code=client.code,
        details={"id": pause.id, "start": start, "end": end, "reason": reason},
    )
    log.info("client %s paused from %s to %s", client.code, start, end)
    return pause


def end_pause(
    session: Session,
    pause_id: int,
    *,
    on: dt.date,
    user: str,
    client_code: str | None = None,
) -> ClientPause | None:
    """Meals again from ``on``: the pause now ends the day before; a pause that has not
    started by ``on`` is deleted (and None returned). Refused when the pause already ends
    before ``on``. ``client_code``, when given, must be the pause's client (else
    NotFoundError, as for an unknown pause)."""
    pause = _pause(session, pause_id, client_code)
    if on > pause.end_date:
        raise RecordValidationError(
            [
                Issue(
                    "on",
                    N_("%(value)s is after the last day of the pause (%(end)s)"),
                    {"value": on, "end": pause.end_date},
                )
            ]
        )
    if on <= pause.start_date:
        delete_pause(session, pause_id, user=user)
        return None
    old_end = pause.end_date
    pause.end_date = on - dt.timedelta(days=1)
    session.flush()
    audit.record(
        session,
        actor=user,
        action="end",
        entity=ENTITY,
        entity_code=pause.client.code,
        details={
            "id": pause.id,
            "start": pause.start_date,
            "end": [old_end, pause.end_date],
            "reason": pause.reason,
        },
    )
    log.info("client %s: pause %s ended, meals again from %s", pause.client.code, pause.id, on)
    return pause


def delete_pause(
    session: Session, pause_id: int, *, user: str, client_code: str | None = None
) -> None:
    """Delete a pause (the client gets meals on its days again). ``client_code``, when
    given, must be the pause's client (else NotFoundError)."""
    pause = _pause(session, pause_id, client_code)
    code = pause.client.code
    details = {
        "id": pause.id,
        "start": pause.start_date,
        "end": pause.end_date,
        "reason": pause.reason,
    }
    pause.client.pauses.remove(pause)  # deleted as an orphan, gone from the loaded collection
    session.flush()
    audit.record(
        session, actor=user, action="delete", entity=ENTITY, entity_code=code, details=details
    )
    log.info("client %s: pause %s deleted", code, pause_id)


def planned_days(session: Session, client_code: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """Days from ``start`` to ``end`` (inclusive) whose routes from the client's kitchen are
    already planned: a pause added, ended or deleted there reaches the drivers only when
    the plan of that day is run again."""
    client = _client(session, client_code)
    stmt = (
        select(Route.date)
        .where(Route.kitchen_id == client.kitchen_id, Route.date >= start, Route.date <= end)
        .group_by(Route.date)
        .order_by(Route.date)
    )
    return list(session.scalars(stmt))
