"""Headcounts: how many meals each site needs for a date and service, per diet profile.

Site staff report before a cut-off: for same-day entries the cut-off is
``settings.planning.headcount_cutoff`` (HH:MM, default 09:00); past dates are closed;
future dates are open. After the cut-off only a manager may still change a count
(``allow_late=True``). A total above the site's seats is accepted but flagged.

A site that has not reported gets a forecast (never zero): stored forecast rows if the
planner wrote some, else the planner's own rule,
:func:`mealplan.planning.demand.forecast_counts` (the same-weekday mean of the last
weeks, else the mean of all the reported days of those weeks).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import load_settings
from mealplan.db.models import DietProfile, Headcount, Site
from mealplan.domain.vocab import HeadcountSource, Service
from mealplan.errors import MealplanError, NotFoundError
from mealplan.planning.demand import forecast_counts, forecast_history
from mealplan.services import audit
from mealplan.services.records import N_, Issue, RecordValidationError, parse_hhmm

log = logging.getLogger(__name__)

MAX_COUNT = 10_000


class CutoffPassedError(MealplanError):
    """Headcounts for this date and service can no longer be changed by site staff."""

    def __init__(self, cutoff: dt.datetime) -> None:
        self.cutoff = cutoff
        super().__init__(f"the cut-off for this date passed at {cutoff:%Y-%m-%d %H:%M}")


@dataclass(frozen=True)
class HeadcountResult:
    site_code: str
    date: dt.date
    service: str
    counts: dict[str, int]
    total: int
    seats: int
    warnings: list[Issue] = field(default_factory=list)

    @property
    def over_seats(self) -> bool:
        return self.seats > 0 and self.total > self.seats


def cutoff_time(cutoff: str | None = None) -> dt.time:
    text = cutoff if cutoff is not None else load_settings().planning.headcount_cutoff
    minutes = parse_hhmm(text)
    if minutes is None or minutes >= 24 * 60:
        raise MealplanError(f"headcount_cutoff must be HH:MM, got {text!r}")
    return dt.time(minutes // 60, minutes % 60)


def cutoff_at(date: dt.date, cutoff: str | None = None) -> dt.datetime:
    """The moment reports for ``date`` close (same day at the cut-off time)."""
    return dt.datetime.combine(date, cutoff_time(cutoff))


def is_open(date: dt.date, *, now: dt.datetime | None = None, cutoff: str | None = None) -> bool:
    """Whether site staff may still report for ``date``."""
    now = now or dt.datetime.now()
    return now < cutoff_at(date, cutoff)


def _whole_number(raw: object) -> int | None:
    """``raw`` as a whole number: an int (not a bool), an integral float, or decimal
    digits in a string (``"１２"`` too; not ``"²"``, which ``isdigit`` accepts but ``int``
    refuses); else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("-") and text[1:].isdecimal():
            return -int(text[1:])
        return int(text) if text.isdecimal() and len(text) <= 9 else None
    return None


def _site(session: Session, site_code: str) -> Site:
    site = session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise NotFoundError(f"no site with code {site_code!r}")
    return site


def services_of(site: Site) -> list[str]:
    """The services a site takes: lunch always, dinner when it has a dinner window."""
    out = [Service.LUNCH.value]
    if site.dinner_window_start_min is not None:
        out.append(Service.DINNER.value)
    return out


def profiles(session: Session) -> list[DietProfile]:
    return list(session.scalars(select(DietProfile).order_by(DietProfile.code)))


def record_headcounts(
    session: Session,
    site_code: str,
    date: dt.date,
    service: str,
    counts: Mapping[str, int],
    actor: str,
    *,
    now: dt.datetime | None = None,
    cutoff: str | None = None,
    allow_late: bool = False,
) -> HeadcountResult:
    """Store a site's reported counts per diet profile code for one date and service.

    Profiles not named keep their stored count. Raises :class:`CutoffPassedError` after
    the cut-off unless ``allow_late``; :class:`RecordValidationError` for bad codes or
    counts. A total above the site's seats is stored and returned as a warning.
    """
    now = now or dt.datetime.now()
    site = _site(session, site_code)
    issues: list[Issue] = []
    if service not in {s.value for s in Service}:
        issues.append(Issue("service", N_("not a valid choice: %(value)s"), {"value": service}))
    by_code = {p.code: p for p in profiles(session)}
    clean: dict[str, int] = {}
    for code, raw in counts.items():
        if code not in by_code:
            issues.append(Issue(code, N_("unknown code: %(value)s"), {"value": code}))
            continue
        value = _whole_number(raw)
        if value is None:
            issues.append(Issue(code, N_("must be a whole number")))
            continue
        if not 0 <= value <= MAX_COUNT:
            issues.append(Issue(code, N_("must be between 0 and %(max)s"), {"max": MAX_COUNT}))
            continue
        clean[code] = value
    if issues:
        raise RecordValidationError(issues)
    closes = cutoff_at(date, cutoff)
    if now >= closes and not allow_late:
        raise CutoffPassedError(closes)
    existing = {
        h.diet_profile_id: h
        for h in session.scalars(
            select(Headcount).where(
                Headcount.site_id == site.id,
                Headcount.date == date,
                Headcount.service == service,
            )
        )
    }
    changes: dict[str, list[int | None]] = {}
    for code, value in clean.items():
        profile = by_code[code]
        row = existing.get(profile.id)
        if row is None:
            row = Headcount(
                date=date, service=service, site_id=site.id, diet_profile_id=profile.id, count=value
            )
            session.add(row)
            changes[code] = [None, value]
        elif row.count != value or row.source != HeadcountSource.REPORTED.value:
            changes[code] = [row.count, value]
        row.count = value
        row.source = HeadcountSource.REPORTED.value
        row.reported_at = now.replace(microsecond=0)
        row.reported_by = actor
    session.flush()
    totals = site_counts(session, site_code, date, service)
    total = sum(totals.values())
    warnings: list[Issue] = []
    if site.seats and total > site.seats:
        warnings.append(
            Issue(
                None,
                N_("the total of %(total)s is above the %(seats)s seats of the site"),
                {"total": total, "seats": site.seats},
            )
        )
        log.warning(
            "headcount above seats at %s on %s: %d > %d", site_code, date, total, site.seats
        )
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="headcount",
        entity_code=f"{site_code}/{date.isoformat()}/{service}",
        details={"changes": changes, "late": now >= closes, "over_seats": bool(warnings)},
    )
    return HeadcountResult(site_code, date, service, totals, total, site.seats, warnings)


def site_counts(
    session: Session, site_code: str, date: dt.date, service: str, *, reported_only: bool = True
) -> dict[str, int]:
    """Stored counts of one site, date and service by profile code."""
    stmt = (
        select(DietProfile.code, Headcount.count)
        .join(Headcount.diet_profile)
        .join(Headcount.site)
        .where(Site.code == site_code, Headcount.date == date, Headcount.service == service)
    )
    if reported_only:
        stmt = stmt.where(Headcount.source == HeadcountSource.REPORTED.value)
    return {code: count for code, count in session.execute(stmt)}


@dataclass(frozen=True)
class SiteDay:
    """A site's demand for one date and service, as the dashboard shows it."""

    site_code: str
    site_name: str
    kind: str
    seats: int
    status: str  # reported | forecast | missing
    counts: dict[str, int]  # reported counts, or the forecast when not reported
    reported_at: dt.datetime | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def day_status(session: Session, date: dt.date, service: str, *, weeks: int = 4) -> list[SiteDay]:
    """Every active site taking ``service``: reported, forecast or missing.

    The forecast of a site that has not reported is its stored forecast rows (those the
    daily plan wrote from :func:`mealplan.planning.demand.day_demand`: what the kitchen
    was told to cook), else the planner's rule,
    :func:`mealplan.planning.demand.forecast_counts`, over the reports of the last
    ``weeks`` weeks (pass the planner's ``forecast_weeks``), so the panel shows the figure
    the plan uses. A site with neither is ``missing``. Three to four queries for all the
    sites together: the sites, the date's rows, the same-weekday history and, only for
    sites without any, the other days of those weeks."""
    out: list[SiteDay] = []
    stmt = select(Site.id, Site.code, Site.name, Site.kind, Site.seats).where(Site.active.is_(True))
    if service == Service.DINNER.value:
        stmt = stmt.where(Site.dinner_window_start_min.is_not(None))
    elif service != Service.LUNCH.value:
        return out
    sites = list(session.execute(stmt.order_by(Site.code)))
    reported: dict[int, dict[str, int]] = defaultdict(dict)
    stamps: dict[int, list[dt.datetime]] = defaultdict(list)
    stored: dict[int, dict[str, int]] = defaultdict(dict)
    for site_id, source, code, count, at in session.execute(
        select(
            Headcount.site_id,
            Headcount.source,
            DietProfile.code,
            Headcount.count,
            Headcount.reported_at,
        )
        .join(Headcount.diet_profile)
        .where(Headcount.date == date, Headcount.service == service)
    ):
        if source == HeadcountSource.REPORTED.value:
            reported[site_id][code] = count
            if at is not None:
                stamps[site_id].append(at)
        elif source == HeadcountSource.FORECAST.value:
            stored[site_id][code] = count
    unreported = [row.id for row in sites if row.id not in reported and not stored.get(row.id)]
    history = forecast_history(session, unreported, date, service, weeks)
    for site_id, code, name, kind, seats in sites:
        if site_id in reported:
            at = max(stamps[site_id]) if stamps[site_id] else None
            out.append(SiteDay(code, name, kind, seats, "reported", reported[site_id], at))
            continue
        forecast = dict(sorted(stored[site_id].items())) if stored.get(site_id) else {}
        if not forecast:
            forecast = forecast_counts(history.get(site_id, {}), date)
        status = "forecast" if forecast else "missing"
        out.append(SiteDay(code, name, kind, seats, status, forecast, None))
    return out
