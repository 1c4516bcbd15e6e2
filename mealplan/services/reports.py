"""Reports: the day at a glance (dashboard) and the monthly report of meals served.

Meals served (人次) are meals on route stops whose delivery was recorded as *delivered*:
per site and diet profile for canteens and dining points, per elder category and profile
for home delivery. The report also carries the headcounts sites reported, delivery
outcomes (stops delivered / no answer / refused / not recorded) and ratings, and exports
to CSV and XLSX for the civil affairs settlement.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Select, Text, case, cast, func, select
from sqlalchemy.orm import Session

from mealplan.db.models import (
    Client,
    Delivery,
    DietProfile,
    Dish,
    Headcount,
    MealCheckin,
    PlanRun,
    Rating,
    Route,
    RouteStop,
    Site,
    Trip,
    UnservedStop,
)
from mealplan.db.subscriptions import subscribed_clause
from mealplan.documents.i18n import Translator
from mealplan.domain.vocab import HeadcountSource, Service, StopKind
from mealplan.io.sheets import append_row, safe_row
from mealplan.planning.demand import forecast_counts
from mealplan.services import deliveries, followups, headcounts

log = logging.getLogger(__name__)

HOME = "home"


# --------------------------------------------------------------------------- the day


@dataclass(frozen=True)
class ProfileMeals:
    code: str
    name_zh: str
    name_en: str
    site_meals: int
    home_meals: int

    @property
    def total(self) -> int:
        return self.site_meals + self.home_meals


@dataclass(frozen=True)
class DaySummary:
    date: dt.date
    service: str
    sites: list[headcounts.SiteDay]
    profiles: list[ProfileMeals]
    home_clients: int
    open_alerts: int
    latest_run: PlanRun | None
    unserved_stops: int = 0  # stops the stored routes could not serve (the call list)
    unserved_meals: int = 0

    def count(self, status: str) -> int:
        return sum(1 for s in self.sites if s.status == status)

    @property
    def total_meals(self) -> int:
        return sum(p.total for p in self.profiles)


def latest_run(session: Session, date: dt.date) -> PlanRun | None:
    return session.scalar(
        select(PlanRun)
        .where(PlanRun.date == date)
        .order_by(PlanRun.started_at.desc(), PlanRun.id.desc())
        .limit(1)
    )


def _reported_at(session: Session, date: dt.date, service: str) -> dict[str, dt.datetime]:
    """When each site last reported for the date and service (site code -> moment)."""
    rows = session.execute(
        select(Site.code, func.max(Headcount.reported_at))
        .join(Headcount.site)
        .where(
            Headcount.date == date,
            Headcount.service == service,
            Headcount.source == HeadcountSource.REPORTED.value,
        )
        .group_by(Site.code)
    )
    return {code: at for code, at in rows if at is not None}


@dataclass(frozen=True)
class _SiteRow:
    id: int
    code: str
    name: str
    kind: str
    seats: int


def _site_demand(
    session: Session, date: dt.date, service: str, weeks: int
) -> list[tuple[_SiteRow, str, dict[str, int]]]:
    """Each active site taking ``service`` (in code order) with its source (reported or
    forecast) and meals per profile: :func:`mealplan.planning.demand.day_demand`'s site
    figures from column queries (no ORM objects, no flags)."""
    stmt = select(Site.id, Site.code, Site.name, Site.kind, Site.seats).where(Site.active.is_(True))
    if service == Service.DINNER.value:
        stmt = stmt.where(
            Site.dinner_window_start_min.is_not(None), Site.dinner_window_end_min.is_not(None)
        )
    sites = [_SiteRow(*row) for row in session.execute(stmt.order_by(Site.code))]
    weeks = max(weeks, 1)
    start = date - dt.timedelta(days=7 * weeks)
    same_days = [date - dt.timedelta(weeks=k) for k in range(weeks + 1)]  # k = 0: the date
    reported: dict[int, dict[str, int]] = defaultdict(dict)
    history: dict[int, dict[dt.date, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))

    def rows(*where: Any) -> Any:
        return session.execute(
            select(Headcount.site_id, Headcount.date, DietProfile.code, Headcount.count)
            .join(DietProfile, Headcount.diet_profile_id == DietProfile.id)
            .where(
                Headcount.service == service,
                Headcount.source == HeadcountSource.REPORTED.value,
                *where,
            )
        )

    # the date and the same weekday before it: all a forecast needs, usually
    for site_id, day, profile, count in rows(Headcount.date.in_(same_days)):
        if day == date:
            reported[site_id][profile] = count
        else:
            history[site_id][day][profile] = count
    # a site with neither falls back to every reported day of the weeks before
    others = [s.id for s in sites if s.id not in reported and s.id not in history]
    if others:
        for site_id, day, profile, count in rows(
            Headcount.site_id.in_(others), Headcount.date >= start, Headcount.date < date
        ):
            history[site_id][day][profile] = count
    out = []
    for site in sites:
        if site.id in reported:
            meals = {p: n for p, n in sorted(reported[site.id].items()) if n > 0}
            out.append((site, HeadcountSource.REPORTED.value, meals))
        else:
            meals = forecast_counts(history.get(site.id, {}), date)
            out.append((site, HeadcountSource.FORECAST.value, meals))
    return out


def _home_meals(session: Session, date: dt.date, service: str) -> dict[str, int]:
    """Home deliveries per profile code: active clients subscribed for the weekday of
    ``date`` and not paused that day (day_demand's homes, counted in the database)."""
    rows = session.execute(
        select(DietProfile.code, func.count(Client.id))
        .join(DietProfile, Client.diet_profile_id == DietProfile.id)
        .where(subscribed_clause(date, service))
        .group_by(DietProfile.code)
    )
    return {code: int(n) for code, n in rows}


def day_summary(
    session: Session, date: dt.date, service: str = "lunch", *, weeks: int = 4
) -> DaySummary:
    """Headcounts reported / forecast / missing per site, meals per profile (sites plus
    home subscriptions), open welfare alerts and the latest plan run of the date.

    The figures are the planner's own demand (those of
    :func:`mealplan.planning.demand.day_demand`, computed here with column queries and a
    count of subscriptions instead of loading every client), so the dashboard shows the
    forecast the daily plan will use; a site with no report and no history is
    ``missing``."""
    stamps = _reported_at(session, date, service)
    sites = []
    for site, source, meals in _site_demand(session, date, service, weeks):
        status = source if meals or source == HeadcountSource.REPORTED else "missing"
        sites.append(
            headcounts.SiteDay(
                site.code, site.name, site.kind, site.seats, status, meals, stamps.get(site.code)
            )
        )
    site_meals: dict[str, int] = defaultdict(int)
    for s in sites:
        for code, count in s.counts.items():
            site_meals[code] += count
    home_meals = _home_meals(session, date, service)
    profiles = [
        ProfileMeals(
            p.code, p.name_zh, p.name_en, site_meals.get(p.code, 0), home_meals.get(p.code, 0)
        )
        for p in headcounts.profiles(session)
        if site_meals.get(p.code) or home_meals.get(p.code)
    ]
    unserved = [
        sum(int(n) for n in (meals or {}).values())
        for meals in session.scalars(
            select(UnservedStop.meals).where(
                UnservedStop.date == date, UnservedStop.service == service
            )
        )
    ]
    return DaySummary(
        date=date,
        service=service,
        sites=sites,
        profiles=profiles,
        home_clients=sum(home_meals.values()),
        open_alerts=deliveries.count_open_alerts(session),
        latest_run=latest_run(session, date),
        unserved_stops=len(unserved),
        unserved_meals=sum(unserved),
    )


# --------------------------------------------------------------------------- the month


@dataclass(frozen=True)
class ServedRow:
    """Meals delivered to one place (a site, or home delivery) for one profile/category."""

    place: str  # site code, or "home"
    place_name: str
    place_kind: str  # canteen | dining_point | home
    profile: str
    category: str  # elder category for home delivery; "" for sites
    meals: int  # delivered (confirmed)
    reported: int  # headcounts the site reported (sites only)


@dataclass(frozen=True)
class OutcomeRow:
    place: str
    place_name: str
    delivered: int = 0
    no_answer: int = 0
    refused: int = 0
    not_recorded: int = 0


@dataclass(frozen=True)
class UnservedMealsRow:
    """Meals the stored routes left unserved at one place on one day and service, by
    reason (``place``: a site code, or ``home`` for all home deliveries)."""

    date: dt.date
    service: str
    place: str
    place_name: str
    place_kind: str
    reason: str
    stops: int
    meals: int


@dataclass(frozen=True)
class RatingRow:
    subject: str  # service | dish
    code: str  # site code (service) or dish code
    name: str
    count: int
    average: float


@dataclass(frozen=True)
class CheckinRow:
    """Meals eaten at one site in a month, by check-in (就餐人次): elders by card, walk-ins
    (no card, full price) and second meals of a service among them."""

    place: str
    place_name: str
    place_kind: str
    elders: int
    walk_ins: int
    repeats: int

    @property
    def total(self) -> int:
        return self.elders + self.walk_ins


@dataclass(frozen=True)
class PlaceRow:
    """One place (a site, or home delivery for one elder category) across the profiles:
    the HTML report's compact form of :class:`ServedRow` (one row per place, not per
    place and profile)."""

    place: str
    place_name: str
    place_kind: str
    category: str
    meals: dict[str, int]  # profile code -> meals delivered
    reported: int

    @property
    def total(self) -> int:
        return sum(self.meals.values())


@dataclass(frozen=True)
class MonthlyReport:
    year: int
    month: int
    served: list[ServedRow]
    outcomes: list[OutcomeRow]
    ratings: list[RatingRow]
    by_category: dict[str, int] = field(default_factory=dict)
    by_profile: dict[str, int] = field(default_factory=dict)
    unserved: list[UnservedMealsRow] = field(default_factory=list)
    followups: followups.MonthCounts | None = None  # 回访: opened, closed, overdue
    profile_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (zh, en)
    checkins: list[CheckinRow] = field(default_factory=list)  # meals eaten at sites, by card
    checkins_by_category: dict[str, int] = field(default_factory=dict)  # elders' check-ins

    @property
    def total_checkins(self) -> int:
        """Meals eaten at canteens and dining points, checked in (elders and walk-ins)."""
        return sum(r.total for r in self.checkins)

    @property
    def total_unserved(self) -> int:
        """Meals left unserved in the month (still on the call lists)."""
        return sum(r.meals for r in self.unserved)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def total_meals(self) -> int:
        return sum(r.meals for r in self.served)

    @property
    def total_reported(self) -> int:
        return sum(r.reported for r in self.served)

    @property
    def profiles(self) -> list[str]:
        """The profile codes in the served rows, sorted."""
        return sorted({r.profile for r in self.served})

    def by_place(self) -> list[PlaceRow]:
        """The served rows folded into one row per place and elder category, in the
        served rows' order."""
        heads: dict[tuple[str, str], ServedRow] = {}
        meals: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        reported: dict[tuple[str, str], int] = defaultdict(int)
        for r in self.served:
            key = (r.place, r.category)
            heads.setdefault(key, r)
            meals[key][r.profile] = meals[key].get(r.profile, 0) + r.meals
            reported[key] += r.reported
        return [
            PlaceRow(h.place, h.place_name, h.place_kind, h.category, meals[k], reported[k])
            for k, h in heads.items()
        ]


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ValueError(f"no such month: {year}-{month}")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _month_stops(first: dt.date, last: dt.date, *columns: Any) -> Select[Any]:
    """``columns`` of the stops of the month joined to their site, client and delivery."""
    return (
        select(*columns)
        .select_from(RouteStop)
        .join(Trip, RouteStop.trip_id == Trip.id)
        .join(Route, Trip.route_id == Route.id)
        .outerjoin(Site, RouteStop.site_id == Site.id)
        .outerjoin(Client, RouteStop.client_id == Client.id)
        .outerjoin(Delivery, Delivery.route_stop_id == RouteStop.id)
        .where(Route.date >= first, Route.date <= last)
    )


def _place(kind: str, site_code: str | None, site_kind: str | None) -> tuple[str, str]:
    """(place, place kind) of a stop: its site, or ``home`` for a home stop."""
    if kind == StopKind.HOME.value or site_code is None:
        return HOME, HOME
    return site_code, site_kind or ""


def monthly_report(session: Session, year: int, month: int) -> MonthlyReport:
    """Meals served per site, profile and elder category in a month, with reported
    headcounts, delivery outcomes and ratings.

    Aggregated in the database in one pass over the month's stops: grouped by place,
    elder category, outcome and the stop's ``meals`` (as text; a home stop's is one of a
    few like ``{"regular": 1}``), so that only the groups' meals are summed per profile
    here. Only delivered stops count as served; a profile that was on the month's stops but
    never delivered there is listed with 0."""
    first, last = month_bounds(year, month)
    meals: dict[tuple[str, str, str, str, str], int] = defaultdict(int)
    names: dict[str, str] = {}
    outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    meals_text = cast(RouteStop.meals, Text)
    group = (RouteStop.kind, Site.code, Site.name, Site.kind, Client.category, Delivery.status)
    rows = session.execute(
        _month_stops(first, last, *group, meals_text, func.count(RouteStop.id)).group_by(
            *group, meals_text
        )
    )
    for kind, site_code, site_name, site_kind, category, status, text, n in rows:
        place, place_kind = _place(kind, site_code, site_kind)
        names[place] = "" if place == HOME else site_name
        outcomes[place][status or "not_recorded"] += int(n)
        category = (category or "") if place == HOME else ""
        for profile, count in (json.loads(text) if text else {}).items():
            meals[(place, place_kind, str(profile), category, "")] += (
                int(count) * int(n) if status == "delivered" else 0
            )
    reported: dict[tuple[str, str], int] = defaultdict(int)
    for site_code, site_name, site_kind, profile, total in session.execute(
        select(Site.code, Site.name, Site.kind, DietProfile.code, func.sum(Headcount.count))
        .join(Headcount.site)
        .join(Headcount.diet_profile)
        .where(
            Headcount.date >= first,
            Headcount.date <= last,
            Headcount.source == HeadcountSource.REPORTED.value,
        )
        .group_by(Site.code, Site.name, Site.kind, DietProfile.code)
    ):
        reported[(site_code, profile)] = int(total or 0)
        names[site_code] = site_name
        meals.setdefault((site_code, site_kind, profile, "", ""), 0)
    served = [
        ServedRow(
            place,
            names.get(place, ""),
            kind,
            profile,
            category,
            count,
            reported.get((place, profile), 0) if kind != HOME else 0,
        )
        for (place, kind, profile, category, _), count in sorted(
            meals.items(), key=lambda kv: (kv[0][1] == HOME, kv[0][0], kv[0][2], kv[0][3])
        )
    ]
    outcome_rows = [
        OutcomeRow(
            place,
            names.get(place, ""),
            counts.get("delivered", 0),
            counts.get("no_answer", 0),
            counts.get("refused", 0),
            counts.get("not_recorded", 0),
        )
        for place, counts in sorted(outcomes.items(), key=lambda kv: (kv[0] == HOME, kv[0]))
    ]
    ratings: list[RatingRow] = []
    for code, name, count, avg in session.execute(
        select(Site.code, Site.name, func.count(Rating.id), func.avg(Rating.score))
        .join(Site, Site.id == Rating.site_id)
        .where(Rating.date >= first, Rating.date <= last, Rating.subject == "service")
        .group_by(Site.code, Site.name)
        .order_by(Site.code)
    ):
        ratings.append(RatingRow("service", code, name, int(count), round(float(avg), 2)))
    home_service = session.execute(
        select(func.count(Rating.id), func.avg(Rating.score)).where(
            Rating.date >= first,
            Rating.date <= last,
            Rating.subject == "service",
            Rating.client_id.is_not(None),
        )
    ).one()
    if home_service[0]:
        ratings.append(
            RatingRow("service", HOME, "", int(home_service[0]), round(float(home_service[1]), 2))
        )
    for code, name, count, avg in session.execute(
        select(Dish.code, Dish.name_zh, func.count(Rating.id), func.avg(Rating.score))
        .join(Dish, Dish.id == Rating.dish_id)
        .where(Rating.date >= first, Rating.date <= last, Rating.subject == "dish")
        .group_by(Dish.code, Dish.name_zh)
        .order_by(Dish.code)
    ):
        ratings.append(RatingRow("dish", code, name, int(count), round(float(avg), 2)))
    by_category: dict[str, int] = defaultdict(int)
    by_profile: dict[str, int] = defaultdict(int)
    for row in served:
        by_profile[row.profile] += row.meals
        if row.place_kind == HOME:
            by_category[row.category] += row.meals
    checkins, checkins_by_category = month_checkins(session, first, last)
    return MonthlyReport(
        year,
        month,
        served,
        outcome_rows,
        ratings,
        dict(sorted(by_category.items())),
        dict(sorted(by_profile.items())),
        unserved_meals(session, first, last),
        followups.month_counts(session, first, last, today=dt.date.today()),
        {
            code: (zh, en or "")
            for code, zh, en in session.execute(
                select(DietProfile.code, DietProfile.name_zh, DietProfile.name_en).where(
                    DietProfile.code.in_(by_profile)
                )
            )
        },
        checkins,
        checkins_by_category,
    )


def month_checkins(
    session: Session, first: dt.date, last: dt.date
) -> tuple[list[CheckinRow], dict[str, int]]:
    """Check-ins from ``first`` to ``last`` per site (elders, walk-ins, repeats) and the
    elders' check-ins per category."""
    walk_in = MealCheckin.client_id.is_(None)
    rows = session.execute(
        select(
            Site.code, Site.name, Site.kind,
            func.sum(case((walk_in, 0), else_=1)), func.sum(case((walk_in, 1), else_=0)),
            func.sum(case((MealCheckin.repeat, 1), else_=0)),
        )
        .join(Site, Site.id == MealCheckin.site_id)
        .where(MealCheckin.date >= first, MealCheckin.date <= last)
        .group_by(Site.code, Site.name, Site.kind)
        .order_by(Site.code)
    )  # fmt: skip
    out = [
        CheckinRow(code, name, kind, int(elders or 0), int(walk or 0), int(rep or 0))
        for code, name, kind, elders, walk, rep in rows
    ]
    by_category = {
        str(category): int(n)
        for category, n in session.execute(
            select(MealCheckin.category, func.count(MealCheckin.id))
            .where(MealCheckin.date >= first, MealCheckin.date <= last, ~walk_in)
            .group_by(MealCheckin.category)
            .order_by(MealCheckin.category)
        )
    }
    return out, by_category


def unserved_meals(session: Session, first: dt.date, last: dt.date) -> list[UnservedMealsRow]:
    """Meals the stored routes left unserved from ``first`` to ``last``, per day, service,
    place (site, or ``home``) and reason; placed-by-hand stops are no longer unserved."""
    counts: dict[tuple[dt.date, str, str, str, str, str], list[int]] = {}
    rows = session.execute(
        select(UnservedStop.date, UnservedStop.service, UnservedStop.reason,
               UnservedStop.meals, Site.code, Site.name, Site.kind)
        .outerjoin(Site, UnservedStop.site_id == Site.id)
        .where(UnservedStop.date >= first, UnservedStop.date <= last)
    )  # fmt: skip
    for day, service, reason, meals, code, name, kind in rows:
        place, place_kind = _place(HOME if code is None else kind, code, kind)
        key = (day, service, place, "" if place == HOME else name, place_kind, reason)
        n = sum(int(v) for v in (meals or {}).values())
        c = counts.setdefault(key, [0, 0])
        c[0] += 1
        c[1] += n
    return [
        UnservedMealsRow(day, service, place, name, kind, reason, stops, meals)
        for (day, service, place, name, kind, reason), (stops, meals) in sorted(
            counts.items(),
            key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] == HOME, kv[0][2], kv[0][5]),
        )
    ]


def report_tables(
    report: MonthlyReport, lang: str = "zh"
) -> list[tuple[str, list[str], list[list[object]]]]:
    """The report's tables for the exports, with names, not codes, in ``lang`` (``zh`` or
    ``en``; the words of :mod:`mealplan.documents.i18n`): the summary (the HTML report's
    figures: meals delivered, reported, unserved, follow-ups), meals per site, diet and
    elder category, home delivery per category, delivery outcomes, unserved meals and
    ratings. Each table is (title, header, rows); a site keeps its code in a column of its
    own so that the sheet can be matched with the records."""
    t = Translator(lang)

    def profile(code: str) -> str:
        zh, en = report.profile_names.get(code, (code, ""))
        return t.name(zh or code, en)

    def place(code: str, name: str) -> list[object]:
        return [t("home_delivery"), ""] if code == HOME else [name, code]

    summary: list[list[object]] = [
        [t("meals_delivered"), report.total_meals],
        [t("meals_reported"), report.total_reported],
        [t("meals_unserved"), report.total_unserved],
        [t("n_unserved_stops"), sum(r.stops for r in report.unserved)],
        [t("checkins_total"), report.total_checkins],
    ]
    if report.followups is not None:
        summary += [
            [t("followups_opened"), report.followups.opened],
            [t("followups_closed"), report.followups.closed],
            [t("followups_overdue"), report.followups.overdue],
            [t("followups_open_now"), report.followups.open_now],
        ]
    summary += [
        [f"{t('profile')}{'：' if lang == 'zh' else ': '}{profile(p)}", n]
        for p, n in report.by_profile.items()
    ]
    return [
        (t("summary"), [t("month"), f"{report.year:04d}-{report.month:02d}"], summary),
        (
            t("served_h"),
            [t("place"), t("site_code"), t("place_kind"), t("profile"), t("elder_category"),
             t("meals_delivered"), t("meals_reported")],
            [
                [*place(r.place, r.place_name), t.code("stop_kind", r.place_kind),
                 profile(r.profile), t.code("elder_category", r.category) if r.category else "",
                 r.meals, r.reported]
                for r in report.served
            ],
        ),
        (
            t("checkins_h"),
            [t("place"), t("site_code"), t("place_kind"), t("checkins_elders"),
             t("checkins_walk_ins"), t("checkins_repeats"), t("checkins_total")],
            [
                [r.place_name, r.place, t.code("stop_kind", r.place_kind), r.elders,
                 r.walk_ins, r.repeats, r.total]
                for r in report.checkins
            ],
        ),
        (
            t("checkins_by_category_h"),
            [t("elder_category"), t("checkins_elders")],
            [[t.code("elder_category", c), n] for c, n in report.checkins_by_category.items()],
        ),
        (
            t("home_by_category_h"),
            [t("elder_category"), t("meals_delivered")],
            [[t.code("elder_category", c), n] for c, n in report.by_category.items()],
        ),
        (
            t("outcomes_h"),
            [t("place"), t("site_code"),
             *(t.code("delivery_status", s) for s in ("delivered", "no_answer", "refused",
                                                      "not_recorded"))],
            [
                [*place(r.place, r.place_name), r.delivered, r.no_answer, r.refused,
                 r.not_recorded]
                for r in report.outcomes
            ],
        ),
        (
            t("unserved_h"),
            [t("date"), t("service"), t("place"), t("site_code"), t("place_kind"), t("reason"),
             t("n_stops"), t("meals_unserved")],
            [
                [r.date.isoformat(), t.code("service", r.service), *place(r.place, r.place_name),
                 t.code("stop_kind", r.place_kind), t.code("drop_reason", r.reason), r.stops,
                 r.meals]
                for r in report.unserved
            ],
        ),
        (
            t("ratings_h"),
            [t("subject"), t("name"), t("code"), t("rating_count"), t("average_score")],
            [
                [t.code("rating_subject", r.subject), *place(r.code, r.name), r.count, r.average]
                for r in report.ratings
            ],
        ),
    ]  # fmt: skip


def report_csv(report: MonthlyReport, lang: str = "zh") -> str:
    """The report as CSV in ``lang``: a title line, then one section per table (its title,
    header and rows), separated by a blank line."""
    t = Translator(lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([t("monthly_report"), f"{report.year:04d}-{report.month:02d}"])
    for title, header, rows in report_tables(report, lang):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(safe_row(header))
        writer.writerows(safe_row(row) for row in rows)
    return out.getvalue()


def report_xlsx(report: MonthlyReport, lang: str = "zh") -> bytes:
    """The report as an XLSX workbook in ``lang``, one sheet per table (the sheet named
    by the table's title; text guarded against formulas)."""
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    for title, header, rows in report_tables(report, lang):
        sheet = book.create_sheet(title[:31])
        append_row(sheet, header)
        for row in rows:
            append_row(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
