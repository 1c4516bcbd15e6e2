"""Follow-up tasks (回访) for community workers.

Sources, one task per source event (``source``, ``source_id`` unique, so creating twice
is a no-op):

- ``rating``: a rating of 2 stars or less, or any rating with a comment;
- ``welfare``: a welfare alert (a home delivery with no answer, ``Delivery.welfare_alert_open``
  when recorded);
- ``missed``: a home delivery recorded as refused;
- ``unserved``: a home meal the plan could not deliver (:class:`UnservedStop`).

Where tasks are created: at the moment the event is recorded, through one function per
source: a rating's in :func:`mealplan.services.ratings.record_rating` (:func:`from_rating`),
a no-answer's or refusal's in :func:`mealplan.services.deliveries.record_delivery`
(:func:`from_delivery`), the meals the daily plan leaves unserved as soon as the plan is
stored (:func:`from_unserved`, called by ``mealplan plan``, the command the panel's job
runs). Any event recorded otherwise (``mealplan routes``, or before this existed) is picked
up by :func:`collect`, which the follow-up list and the monthly report run; every creation
is idempotent (an unserved meal: one task per elder, day and service). The due
date is the event date plus ``[planning] followup_due_days`` (default 3). A task is
assigned to the community worker of the elder's street (``User.street``; the first by
username when several), else left for any worker to take.

A task is closed with an outcome (what the worker found or did) and stays in the history.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from mealplan.config import load_settings
from mealplan.db.models import (
    Client,
    Delivery,
    Dish,
    FollowUp,
    Rating,
    Route,
    RouteStop,
    Trip,
    UnservedStop,
    User,
)
from mealplan.domain.vocab import StopKind
from mealplan.errors import MealplanError, NotFoundError
from mealplan.services import audit
from mealplan.services.records import N_, Issue, RecordValidationError

log = logging.getLogger(__name__)

ENTITY = "follow_up"
RATING, WELFARE, MISSED, UNSERVED = "rating", "welfare", "missed", "unserved"
SOURCES: tuple[str, ...] = (RATING, WELFARE, MISSED, UNSERVED)
OPEN, CLOSED = "open", "closed"
#: a rating at or below this many stars asks for a follow-up
LOW_SCORE = 2
MAX_OUTCOME = 2000


def due_days() -> int:
    return max(0, int(load_settings().planning.followup_due_days))


def _create(
    session: Session,
    *,
    source: str,
    source_id: int,
    event_date: dt.date,
    reason: str,
    client_id: int | None,
    site_id: int | None,
    days: int | None,
) -> FollowUp | None:
    """The task of one source event, or None when it exists already."""
    found = session.scalar(
        select(FollowUp.id).where(FollowUp.source == source, FollowUp.source_id == source_id)
    )
    if found is not None:
        return None
    task = FollowUp(
        assignee=_worker_for(session, client_id),
        source=source,
        source_id=source_id,
        event_date=event_date,
        reason=reason[:2000],
        client_id=client_id,
        site_id=site_id,
        due_date=event_date + dt.timedelta(days=due_days() if days is None else days),
        status=OPEN,
        outcome="",
        closed_by="",
    )
    session.add(task)
    session.flush()
    log.info("follow-up %s opened: %s %s", task.id, source, source_id)
    return task


def _worker_for(session: Session, client_id: int | None) -> str:
    """The community worker of the elder's street ("" when none or unknown)."""
    if client_id is None:
        return ""
    street = session.scalar(select(Client.street).where(Client.id == client_id))
    if not street:
        return ""
    name = session.scalar(
        select(User.username)
        .where(User.role == "community_worker", User.active.is_(True), User.street == street)
        .order_by(User.username)
        .limit(1)
    )
    return name or ""


def needs_follow_up(rating: Rating) -> bool:
    """A rating of :data:`LOW_SCORE` stars or less, or one with a comment."""
    return rating.score <= LOW_SCORE or bool((rating.comment or "").strip())


def from_rating(
    session: Session, rating: Rating, *, days: int | None = None, comment: str | None = None
) -> FollowUp | None:
    """The task of a rating that needs one (else None); called when a rating is recorded.
    A dish rating names the dish; ``comment`` (default: the rating's) follows the score."""
    text = (rating.comment if comment is None else comment).strip()
    if rating.score > LOW_SCORE and not text:
        return None
    dish = session.get(Dish, rating.dish_id) if rating.dish_id is not None else None
    parts = [f"{dish.name_zh if dish is not None else rating.subject} {rating.score}/5"]
    if text:
        parts.append(text)
    return _create(
        session,
        source=RATING,
        source_id=rating.id,
        event_date=rating.date,
        reason=": ".join(parts),
        client_id=rating.client_id,
        site_id=rating.site_id,
        days=days,
    )


def from_meal_ratings(
    session: Session, ratings: list[Rating], *, days: int | None = None
) -> FollowUp | None:
    """One task for one elder's ratings of a meal (the rating form), when a score is low
    or there is a comment: the lowest score (a dish before the service at equal scores:
    the dish names what the kitchen can change; the rating page keeps every score) with
    the comment; None when none needs one."""
    if not any(needs_follow_up(r) for r in ratings):
        return None
    worst = min(ratings, key=lambda r: (r.score, r.subject == "service", r.id))
    comment = next((r.comment for r in ratings if (r.comment or "").strip()), "")
    return from_rating(session, worst, days=days, comment=comment)


def from_delivery(
    session: Session, delivery: Delivery, stop: RouteStop, *, days: int | None = None
) -> FollowUp | None:
    """The task of a home delivery recorded as no answer (welfare) or refused (missed);
    None for anything else; called when the outcome is recorded."""
    if stop.kind != StopKind.HOME.value or delivery.status not in ("no_answer", "refused"):
        return None
    source = WELFARE if delivery.status == "no_answer" else MISSED
    return _create(
        session,
        source=source,
        source_id=delivery.id,
        event_date=stop.trip.route.date,
        reason=delivery.status + (f": {delivery.reason}" if delivery.reason else ""),
        client_id=stop.client_id,
        site_id=None,
        days=days,
    )


def collect(session: Session, *, days: int | None = None) -> int:
    """Tasks for every welfare alert, refused home delivery and unserved home meal that has
    none yet; returns how many were created."""
    created = 0
    taken = FollowUp.source_id
    home_deliveries = session.execute(
        select(Delivery.id, Delivery.status, Delivery.reason, Route.date, RouteStop.client_id)
        .join(RouteStop, RouteStop.id == Delivery.route_stop_id)
        .join(Trip, Trip.id == RouteStop.trip_id)
        .join(Route, Route.id == Trip.route_id)
        .where(
            RouteStop.kind == StopKind.HOME.value,
            or_(Delivery.status == "refused", Delivery.status == "no_answer"),
            ~select(taken)
            .where(FollowUp.source.in_((WELFARE, MISSED)), FollowUp.source_id == Delivery.id)
            .exists(),
        )
        .order_by(Delivery.id)
    ).all()
    for delivery_id, status, reason, date, client_id in home_deliveries:
        source = WELFARE if status == "no_answer" else MISSED
        text = status + (f": {reason}" if reason else "")
        if _create(
            session,
            source=source,
            source_id=delivery_id,
            event_date=date,
            reason=text,
            client_id=client_id,
            site_id=None,
            days=days,
        ):
            created += 1
    created += from_unserved(session, days=days)
    return created


def from_unserved(
    session: Session,
    date: dt.date | None = None,
    service: str | None = None,
    *,
    days: int | None = None,
) -> int:
    """Tasks for the home meals the plan left unserved (of ``date`` and ``service``, or
    every day) that have none yet: one per elder, day and service, however often the plan
    of that day is stored again. The daily plan calls it as soon as its routes are stored
    (:mod:`mealplan.cli.plan`, which the panel's job runs too); returns how many were
    created."""
    has_task = select(FollowUp.id).where(
        FollowUp.source == UNSERVED,
        FollowUp.client_id == UnservedStop.client_id,
        FollowUp.event_date == UnservedStop.date,
        or_(FollowUp.service == UnservedStop.service, FollowUp.service == ""),
    )
    # the stops with no task yet, in one query (not one query per unserved meal ever stored)
    stmt = select(UnservedStop).where(UnservedStop.client_id.is_not(None), ~has_task.exists())
    if date is not None:
        stmt = stmt.where(UnservedStop.date == date)
    if service is not None:
        stmt = stmt.where(UnservedStop.service == service)
    created = 0
    seen: set[tuple[int | None, dt.date, str]] = set()
    for stop in session.scalars(stmt.order_by(UnservedStop.id)):
        key = (stop.client_id, stop.date, stop.service)
        if key in seen:  # one task per elder, day and service
            continue
        seen.add(key)
        # a re-stored plan may give a new unserved stop the id of a deleted one: the old
        # task keeps its history under a number no stop can have
        stale = session.scalar(
            select(FollowUp).where(FollowUp.source == UNSERVED, FollowUp.source_id == stop.id)
        )
        if stale is not None:
            stale.source_id = -stale.id
            session.flush()
        task = _create(
            session,
            source=UNSERVED,
            source_id=stop.id,
            event_date=stop.date,
            reason=stop.reason,
            client_id=stop.client_id,
            site_id=None,
            days=days,
        )
        if task is not None:
            task.service = stop.service
            created += 1
    session.flush()
    return created


@dataclass(frozen=True)
class TaskView:
    id: int
    source: str
    event_date: dt.date
    reason: str
    client_code: str
    client_name: str
    client_phone: str
    site_name: str
    due_date: dt.date
    assignee: str
    status: str
    outcome: str
    closed_at: dt.datetime | None
    closed_by: str

    def overdue(self, today: dt.date) -> bool:
        return self.status == OPEN and today > self.due_date


def _view(t: FollowUp) -> TaskView:
    return TaskView(
        id=t.id,
        source=t.source,
        event_date=t.event_date,
        reason=t.reason,
        client_code=t.client.code if t.client else "",
        client_name=t.client.name if t.client else "",
        client_phone=t.client.phone if t.client else "",
        site_name=t.site.name if t.site else "",
        due_date=t.due_date,
        assignee=t.assignee,
        status=t.status,
        outcome=t.outcome,
        closed_at=t.closed_at,
        closed_by=t.closed_by,
    )


def list_tasks(
    session: Session,
    *,
    status: str | None = OPEN,
    street: str = "",
    user: str = "",
    limit: int = 500,
) -> list[TaskView]:
    """Tasks (``status`` open, closed, or None for all): open ones by due date, the
    history newest first. ``street``: only a worker's share: elders of that street, tasks
    with no elder (a site's rating) or of no known street, and tasks assigned to ``user``."""
    stmt = select(FollowUp).options(selectinload(FollowUp.client), selectinload(FollowUp.site))
    if street:
        stmt = stmt.outerjoin(Client, Client.id == FollowUp.client_id).where(
            or_(
                FollowUp.client_id.is_(None),
                Client.street == street,
                Client.street == "",
                FollowUp.assignee == user,
            )
        )
    if status is not None:
        stmt = stmt.where(FollowUp.status == status)
    if status == OPEN:
        stmt = stmt.order_by(FollowUp.due_date, FollowUp.id)
    else:
        stmt = stmt.order_by(FollowUp.id.desc())
    return [_view(t) for t in session.scalars(stmt.limit(limit))]


def get_task(session: Session, task_id: int) -> TaskView:
    task = session.get(FollowUp, task_id)
    if task is None:
        raise NotFoundError(f"no follow-up task {task_id}")
    return _view(task)


def reassign(session: Session, task_id: int, assignee: str, *, actor: str) -> None:
    """Give an open task to another community worker (a manager's decision; audited with
    who had it before). Refused for a closed task and for anyone who is not an active
    community worker."""
    task = session.get(FollowUp, task_id)
    if task is None:
        raise NotFoundError(f"no follow-up task {task_id}")
    assignee = assignee.strip()
    issues: list[Issue] = []
    if task.status != OPEN:
        issues.append(Issue(None, N_("this follow-up is already closed")))
    worker = session.scalar(
        select(User.username).where(
            User.username == assignee, User.role == "community_worker", User.active.is_(True)
        )
    )
    if worker is None:
        issues.append(
            Issue(
                "assignee",
                N_("%(value)s is not an active community worker"),
                {"value": assignee or "-"},
            )
        )
    if issues:
        raise RecordValidationError(issues)
    before = task.assignee
    if before == assignee:
        return
    task.assignee = assignee
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="reassign",
        entity=ENTITY,
        entity_code=str(task.id),
        details={"assignee": [before, assignee]},
    )
    log.info("follow-up %s reassigned from %r to %r by %s", task.id, before, assignee, actor)


def workers(session: Session) -> list[tuple[str, str]]:
    """The active community workers (username, street), by username: whom a task can go to."""
    rows = session.execute(
        select(User.username, User.street)
        .where(User.role == "community_worker", User.active.is_(True))
        .order_by(User.username)
    )
    return [(str(name), str(street or "")) for name, street in rows]


def client_tasks(session: Session, client_id: int, *, status: str | None = OPEN) -> list[TaskView]:
    """An elder's tasks (open ones by due date; ``status`` None: all, newest first)."""
    stmt = (
        select(FollowUp)
        .options(selectinload(FollowUp.client), selectinload(FollowUp.site))
        .where(FollowUp.client_id == client_id)
    )
    if status is not None:
        stmt = stmt.where(FollowUp.status == status).order_by(FollowUp.due_date, FollowUp.id)
    else:
        stmt = stmt.order_by(FollowUp.id.desc())
    return [_view(t) for t in session.scalars(stmt)]


def take(session: Session, task_id: int, *, user: str) -> None:
    """Assign an open task to ``user``."""
    task = session.get(FollowUp, task_id)
    if task is None:
        raise NotFoundError(f"no follow-up task {task_id}")
    if task.status != OPEN:
        raise MealplanError("this follow-up is already closed")
    task.assignee = user
    session.flush()
    audit.record(session, actor=user, action="assign", entity=ENTITY, entity_code=str(task.id))


def close(session: Session, task_id: int, outcome: str, *, user: str) -> FollowUp:
    """Close an open task with its outcome (required); it stays in the history."""
    task = session.get(FollowUp, task_id)
    if task is None:
        raise NotFoundError(f"no follow-up task {task_id}")
    outcome = outcome.strip()
    issues: list[Issue] = []
    if not outcome:
        issues.append(Issue("outcome", N_("say what was found or done")))
    elif len(outcome) > MAX_OUTCOME:
        issues.append(Issue("outcome", N_("at most %(n)s characters"), {"n": MAX_OUTCOME}))
    if task.status != OPEN:
        issues.append(Issue(None, N_("this follow-up is already closed")))
    if issues:
        raise RecordValidationError(issues)
    task.status = CLOSED
    task.outcome = outcome
    task.closed_at = dt.datetime.now().replace(microsecond=0)
    task.closed_by = user
    if not task.assignee:
        task.assignee = user
    session.flush()
    audit.record(
        session,
        actor=user,
        action="close",
        entity=ENTITY,
        entity_code=str(task.id),
        details={"outcome": outcome},
    )
    return task


@dataclass(frozen=True)
class MonthCounts:
    opened: int  # events in the period
    closed: int  # closed in the period
    overdue: int  # due in the period and open past the due date, or closed after it
    open_now: int


def month_counts(session: Session, start: dt.date, end: dt.date, *, today: dt.date) -> MonthCounts:
    """Follow-up counts of the period ``start``..``end`` (the monthly report)."""
    collect(session)
    end_dt = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    start_dt = dt.datetime.combine(start, dt.time())

    def count(*where: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count(FollowUp.id)).where(*where)) or 0)

    due = session.execute(
        select(FollowUp.status, FollowUp.due_date, FollowUp.closed_at).where(
            FollowUp.due_date >= start, FollowUp.due_date <= end
        )
    ).all()
    overdue = sum(
        1
        for status, due_date, closed_at in due
        if (status == OPEN and today > due_date)
        or (status == CLOSED and closed_at is not None and closed_at.date() > due_date)
    )
    return MonthCounts(
        opened=count(FollowUp.event_date >= start, FollowUp.event_date <= end),
        closed=count(FollowUp.closed_at >= start_dt, FollowUp.closed_at < end_dt),
        overdue=overdue,
        open_now=count(FollowUp.status == OPEN),
    )
