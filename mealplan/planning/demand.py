"""The day's demand: meals per site and diet profile (reported or forecast) and home
deliveries from subscriptions.

A site that has not reported for the date is forecast, never treated as zero: the mean
of its reported counts on the same weekday over the last ``forecast_weeks`` weeks, per
profile; with no same-weekday history, the mean over all its reported days of those
weeks (:func:`forecast_counts`, the one rule, also used by the headcount panel through
:func:`forecast_history`). Forecasts are marked ``forecast`` everywhere they are shown.
Counts above a site's seats, or far from its history, are flagged for the manager, not
silently accepted.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session, object_session, selectinload

from mealplan.db.models import Client, DietProfile, Headcount, Site
from mealplan.db.subscriptions import is_subscribed, subscribed_clients
from mealplan.domain.vocab import HeadcountSource, Service

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteDemand:
    site_code: str
    site_id: int
    kind: str
    meals: dict[str, int]  # profile code -> meals
    source: str  # reported | forecast
    flags: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.meals.values())


@dataclass(frozen=True)
class HomeDemand:
    client_code: str
    client_id: int
    profile: str


@dataclass
class DayDemand:
    date: dt.date
    service: str
    sites: list[SiteDemand] = field(default_factory=list)
    homes: list[HomeDemand] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def meals_by_profile(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for s in self.sites:
            for profile, n in s.meals.items():
                totals[profile] += n
        for h in self.homes:
            totals[h.profile] += 1
        return dict(sorted(totals.items()))

    @property
    def total_meals(self) -> int:
        return sum(self.meals_by_profile().values())


def site_serves(site: Site, service: str) -> bool:
    if service == Service.DINNER:
        return site.dinner_window_start_min is not None and site.dinner_window_end_min is not None
    return True


def client_subscribed(client: Client, date: dt.date, service: str) -> bool:
    """True when the client gets ``service`` on ``date`` (the rule of
    :mod:`mealplan.db.subscriptions`: active, subscribed weekday, not paused); the client
    must be in a session."""
    session = object_session(client)
    if session is None:
        raise ValueError(f"client {client.code!r} is not in a session")
    return is_subscribed(session, client.id, date, service)


History = dict[dt.date, dict[str, int]]
"""A site's reported counts: day -> profile code -> count."""


def _reported(
    session: Session, site_ids: list[int], service: str, *where: ColumnElement[bool]
) -> dict[int, History]:
    """Reported counts of ``site_ids`` for ``service`` on the days ``where`` selects."""
    rows = session.execute(
        select(Headcount.site_id, Headcount.date, DietProfile.code, Headcount.count)
        .join(DietProfile, Headcount.diet_profile_id == DietProfile.id)
        .where(
            Headcount.site_id.in_(site_ids),
            Headcount.service == service,
            Headcount.source == HeadcountSource.REPORTED,
            *where,
        )
    )
    out: dict[int, History] = defaultdict(lambda: defaultdict(dict))
    for site_id, day, profile, count in rows:
        out[site_id][day][profile] = count
    return out


def _history(
    session: Session, site_ids: list[int], date: dt.date, service: str, weeks: int
) -> dict[int, History]:
    """Every reported day of the ``weeks`` weeks before ``date`` (``date`` excluded)."""
    start = date - dt.timedelta(days=7 * weeks)
    return _reported(session, site_ids, service, Headcount.date >= start, Headcount.date < date)


def forecast_history(
    session: Session, site_ids: list[int], date: dt.date, service: str, weeks: int
) -> dict[int, History]:
    """The history :func:`forecast_counts` needs for each of ``site_ids``, in one or two
    queries: the reported same-weekday days of the last ``weeks`` weeks (at least one)
    for every site, then every reported day of those weeks only for the sites with no
    same-weekday report. ``forecast_counts`` gives the same result on it as on the full
    history :func:`day_demand` reads (it only looks beyond the weekday when there is
    none), with far fewer rows for a page over all the sites. Sites without any history
    are absent."""
    if not site_ids:
        return {}
    weeks = max(weeks, 1)
    same_days = [date - dt.timedelta(weeks=k) for k in range(1, weeks + 1)]
    history = _reported(session, site_ids, service, Headcount.date.in_(same_days))
    others = [site_id for site_id in site_ids if site_id not in history]
    if others:
        history.update(_history(session, others, date, service, weeks))
    return dict(history)


def forecast_counts(history: Mapping[dt.date, Mapping[str, int]], date: dt.date) -> dict[str, int]:
    """A site's forecast for ``date`` from its reported history, by profile code.

    ``history`` maps reported days before ``date`` (the caller chooses the window:
    ``forecast_weeks`` weeks in the planner and the panel) to counts per profile. The
    pool is the days on the weekday of ``date``; when there are none, every day of
    ``history``. Each profile's forecast is its mean over the pool's days, a day without
    the profile counting 0, rounded to the nearest whole number (halves to even, Python's
    :func:`round`); profiles forecast at 0 are left out, sorted by code. An empty history
    gives ``{}`` (no forecast: the site is missing). Pure: no database, no clock.
    """
    same = [counts for day, counts in history.items() if day.weekday() == date.weekday()]
    pool = same or list(history.values())
    if not pool:
        return {}
    profiles = sorted({p for counts in pool for p in counts})
    result = {p: round(sum(c.get(p, 0) for c in pool) / len(pool)) for p in profiles}
    return {p: n for p, n in result.items() if n > 0}


def _flags(site: Site, meals: dict[str, int], history: History) -> list[str]:
    flags: list[str] = []
    total = sum(meals.values())
    if site.seats and total > site.seats:
        flags.append("above_capacity")
    totals = [sum(c.values()) for c in history.values()]
    if len(totals) >= 4:
        mean = statistics.fmean(totals)
        sd = statistics.pstdev(totals)
        if abs(total - mean) > max(3 * sd, 0.5 * mean):
            flags.append("unusual")
    return flags


def day_demand(
    session: Session,
    date: dt.date,
    service: str,
    *,
    forecast_weeks: int = 4,
    kitchen_ids: list[int] | None = None,
) -> DayDemand:
    """Everything the kitchen must deliver for ``date`` and ``service``."""
    demand = DayDemand(date=date, service=service)
    site_stmt = select(Site).where(Site.active.is_(True)).order_by(Site.code)
    if kitchen_ids is not None:
        site_stmt = site_stmt.where(Site.kitchen_id.in_(kitchen_ids))
    sites = [s for s in session.scalars(site_stmt) if site_serves(s, service)]
    reported: dict[int, dict[str, int]] = defaultdict(dict)
    for site_id, profile, count in session.execute(
        select(Headcount.site_id, DietProfile.code, Headcount.count)
        .join(DietProfile, Headcount.diet_profile_id == DietProfile.id)
        .where(
            Headcount.date == date,
            Headcount.service == service,
            Headcount.source == HeadcountSource.REPORTED,
        )
    ):
        reported[site_id][profile] = count
    history = _history(session, [s.id for s in sites], date, service, max(forecast_weeks, 1))
    for site in sites:
        site_history = history.get(site.id, {})
        if site.id in reported:
            meals = {p: n for p, n in sorted(reported[site.id].items()) if n > 0}
            source = HeadcountSource.REPORTED
        else:
            meals = forecast_counts(site_history, date)
            source = HeadcountSource.FORECAST
            if not meals:
                demand.warnings.append(
                    f"site {site.code} ({site.name}) has no report and no history: 0 meals planned"
                )
        flags = _flags(site, meals, site_history)
        for flag in flags:
            demand.warnings.append(
                f"site {site.code} ({site.name}): {flag}, {sum(meals.values())} meals"
            )
        demand.sites.append(
            SiteDemand(site.code, site.id, site.kind, meals, source.value, tuple(flags))
        )
    client_stmt = subscribed_clients(date, service).options(selectinload(Client.diet_profile))
    if kitchen_ids is not None:
        client_stmt = client_stmt.where(Client.kitchen_id.in_(kitchen_ids))
    for client in session.scalars(client_stmt):
        demand.homes.append(HomeDemand(client.code, client.id, client.diet_profile.code))
    return demand


def store_forecasts(session: Session, demand: DayDemand) -> int:
    """Write the demand's forecast counts as ``forecast`` headcount rows (replacing earlier
    forecasts for the date and service; reported rows are never touched)."""
    session.execute(
        delete(Headcount).where(
            Headcount.date == demand.date,
            Headcount.service == demand.service,
            Headcount.source == HeadcountSource.FORECAST,
        )
    )
    profiles = {
        code: pid for code, pid in session.execute(select(DietProfile.code, DietProfile.id))
    }
    written = 0
    for site in demand.sites:
        if site.source != HeadcountSource.FORECAST:
            continue
        for profile, count in site.meals.items():
            session.add(
                Headcount(
                    date=demand.date,
                    service=demand.service,
                    site_id=site.site_id,
                    diet_profile_id=profiles[profile],
                    count=count,
                    source=HeadcountSource.FORECAST,
                    reported_by="forecast",
                )
            )
            written += 1
    session.flush()
    return written
