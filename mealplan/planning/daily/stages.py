"""The stages of the daily plan, each a function from typed inputs to a frozen result:

    demand -> menus -> production -> routes -> waves -> purchase -> documents -> store

Demand, menus and routes read the database (through :mod:`mealplan.planning.adapters`
for every row they convert) and compute; :func:`store_plan` writes what they planned
(forecasts, new menus, routes) in one short transaction, after which menus and routes are
read back (:func:`menus_stage`, :func:`routes_stage`); production, waves, purchase and
the documents' view models are pure; rendering and storing write the files.

What is made per kitchen is made per kitchen: each kitchen with meals to cook gets its own
production lines, cooking waves (numbered per kitchen), retention samples, purchase list,
box labels and route sheets, each document headed with its own kitchen. With more than one
kitchen, each kitchen's documents are separate files named with its code
(:func:`file_key`, :func:`file_name`).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import logging
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import PlanningSettings, Settings
from mealplan.db.models import DietProfile
from mealplan.documents import (
    LabelSheet,
    ProductionSheet,
    PurchaseListSheet,
    RouteSheet,
    labels_for_route,
    purchase_list_xlsx,
    render_html,
)
from mealplan.documents.render import html_to_pdf_many
from mealplan.domain import production as prod
from mealplan.domain.clock import hhmm, parse_hhmm
from mealplan.domain.schedule import KitchenCapacity, KitchenSchedule, TripPack, schedule_kitchen
from mealplan.errors import MealplanError
from mealplan.planning.adapters import (
    KitchenFacts,
    ProfileFacts,
    departures_by_kitchen,
    load_kitchens,
    load_production_dishes,
    profile_facts,
    stop_kitchens,
    trip_label,
)
from mealplan.planning.demand import DayDemand, day_demand, store_forecasts
from mealplan.planning.menus import MenuPlan, plan_menus, store_menus, stored_meals
from mealplan.planning.route_sheets import eat_by_min, sheets_of
from mealplan.planning.routes import (
    RoutesObjective,
    RoutesPlan,
    add_what_ifs,
    plan_routes,
    routes_json,
    routes_objective,
    split_meals,
    store_routes,
    stored_routes,
    stored_unserved,
)
from solvers import routing as rs

log = logging.getLogger(__name__)

#: The documents of a daily plan (key -> file name); with more than one kitchen each
#: kitchen's documents are named by :func:`file_key` and :func:`file_name`.
FILES = {
    "route_sheets": "route_sheets.pdf",
    "production": "production.pdf",
    "purchase_pdf": "purchase.pdf",
    "purchase_xlsx": "purchase.xlsx",
    "labels": "labels.pdf",
    "plan_json": "plan.json",
}

#: When no wave cooks a dish (its meals could not be routed) and the kitchen has no stop
#: window either, its batch is timed to finish at this minute.
DEFAULT_FINISH_MIN = 11 * 60 - 30


def file_key(key: str, kitchen: str | None) -> str:
    """The ``files`` key of a document: ``production``, or ``production@K02`` for kitchen
    K02's when the plan has several kitchens."""
    return key if kitchen is None else f"{key}@{kitchen}"


def file_name(key: str, kitchen: str | None) -> str:
    """The file of a document: ``production.pdf``, or ``production-K02.pdf`` (the code
    reduced to letters, digits, ``_`` and ``-``)."""
    name = FILES[key]
    if kitchen is None:
        return name
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-{re.sub(r'[^A-Za-z0-9_-]', '_', kitchen)}{dot}{suffix}"


def wave_label(kitchen: str, number: int, several: bool) -> str:
    """A cooking wave as warnings name it: ``2``, or ``K02-2`` with several kitchens."""
    return f"{kitchen}-{number}" if several else str(number)


@dataclass(frozen=True)
class DayRequest:
    """What the daily plan was asked for."""

    date: dt.date
    service: str
    seed: int | None = None
    lang: str = "zh"
    routing_time_limit_s: float | None = None


# --------------------------------------------------------------------------- 1. demand


@dataclass(frozen=True)
class KitchenDemand:
    """The meals one kitchen cooks: per profile, over its sites and home clients."""

    kitchen: KitchenFacts
    meals: Mapping[str, int]
    forecast_sites: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.meals.values())


@dataclass(frozen=True)
class DemandStage:
    """The day's headcounts (reported, forecast, subscribed) and their kitchens."""

    demand: DayDemand
    kitchens: tuple[KitchenDemand, ...]
    kitchen_of_site: Mapping[int, str]
    kitchen_of_client: Mapping[int, str]
    warnings: tuple[str, ...] = ()  # as the demand left them (routing adds its own later)

    @property
    def meals_by_profile(self) -> dict[str, int]:
        return self.demand.meals_by_profile()


def split_by_kitchen(
    demand: DayDemand,
    kitchens: Mapping[str, KitchenFacts],
    kitchen_of_site: Mapping[int, str],
    kitchen_of_client: Mapping[int, str],
) -> tuple[KitchenDemand, ...]:
    """The day's meals per kitchen (kitchens with at least one meal, by code)."""
    meals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    forecast: dict[str, list[str]] = defaultdict(list)
    for site in demand.sites:
        code = kitchen_of_site[site.site_id]
        for profile, n in site.meals.items():
            meals[code][profile] += n
        if site.source == "forecast":
            forecast[code].append(site.site_code)
    for home in demand.homes:
        meals[kitchen_of_client[home.client_id]][home.profile] += 1
    return tuple(
        KitchenDemand(
            kitchens[code],
            {p: n for p, n in sorted(meals[code].items()) if n},
            tuple(forecast[code]),
        )
        for code in sorted(meals)
        if any(meals[code].values())
    )


def demand_stage(session: Session, request: DayRequest, planning: PlanningSettings) -> DemandStage:
    """Headcounts of the day, missing reports forecast (:func:`store_plan` stores the
    forecasts), split by kitchen. Reads only.

    Raises:
        MealplanError: no meals are ordered or forecast.
    """
    demand = day_demand(
        session, request.date, request.service, forecast_weeks=planning.forecast_weeks
    )
    if not demand.meals_by_profile():
        raise MealplanError(
            f"no meals are ordered or forecast for {request.date} {request.service}"
        )
    by_site, by_client = stop_kitchens(
        session, (s.site_id for s in demand.sites), (h.client_id for h in demand.homes)
    )
    kitchens = split_by_kitchen(demand, load_kitchens(session), by_site, by_client)
    return DemandStage(demand, kitchens, by_site, by_client, tuple(demand.warnings))


# --------------------------------------------------------------------------- 2. menus


@dataclass(frozen=True)
class MenusStage:
    """The day's menu per diet profile, the profiles' and dishes' facts."""

    menus: Mapping[str, tuple[str, ...]]  # profile -> dish codes
    profiles: Mapping[str, ProfileFacts]
    dishes: Mapping[str, prod.ProductionDish]
    unplanned: tuple[str, ...]  # profiles with meals and no menu
    warnings: tuple[str, ...] = ()


def missing_menus_stage(
    session: Session, request: DayRequest, planning: PlanningSettings, demand: DemandStage
) -> MenuPlan | None:
    """The week planned for the profiles with meals today and no stored menu (None: every
    profile has one). ``plan_menus`` also stores them: the caller rolls that back at once
    and :func:`store_plan` writes the menus with the rest of the day."""
    date, service = request.date, request.service
    have = {m.profile for m in stored_meals(session, date, 1, [service])}
    missing = sorted(set(demand.meals_by_profile) - have)
    if not missing:
        return None
    week_start = date - dt.timedelta(days=date.weekday())
    log.info("planning the week of %s for %s", week_start, ", ".join(missing))
    return plan_menus(session, week_start, 7, [service], planning, profiles=missing)


def menus_stage(
    session: Session, request: DayRequest, demand: DemandStage, planned: MenuPlan | None
) -> MenusStage:
    """The stored menus of the day (read after :func:`store_plan` wrote ``planned``)."""
    date, service = request.date, request.service
    meals = demand.meals_by_profile
    warnings: list[str] = list(planned.warnings) if planned is not None else []
    menus = {m.profile: m.dishes for m in stored_meals(session, date, 1, [service])}
    unplanned = tuple(sorted(set(meals) - set(menus)))
    warnings += [
        f"profile {code}: no menu for {date} ({meals[code]} meals): see the menu plan's explanation"
        for code in unplanned
    ]
    return MenusStage(
        menus=dict(sorted(menus.items())),
        profiles=profile_facts(session, date, service, menus),
        dishes=load_production_dishes(session, (c for d in menus.values() for c in d)),
        unplanned=unplanned,
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- 3. production


@dataclass(frozen=True)
class KitchenProduction:
    """What one kitchen cooks: its meals per profile and its production lines."""

    kitchen: KitchenFacts
    meals: tuple[prod.ProfileMeal, ...]
    lines: tuple[prod.ProductionLine, ...]
    forecast_sites: tuple[str, ...] = ()

    @property
    def portions(self) -> int:
        return sum(line.portions for line in self.lines)


@dataclass(frozen=True)
class ProductionStage:
    """The day's production lines, and each kitchen's (which add up to the day's)."""

    meals: tuple[prod.ProfileMeal, ...]
    lines: tuple[prod.ProductionLine, ...]
    kitchens: tuple[KitchenProduction, ...]
    dishes: Mapping[str, prod.ProductionDish]

    @property
    def several(self) -> bool:
        """More than one kitchen cooks today."""
        return len(self.kitchens) > 1


def profile_meals(
    service: str, meals: Mapping[str, int], menus: MenusStage
) -> tuple[prod.ProfileMeal, ...]:
    """The meals per profile with a menu, as production counts them."""
    out = []
    for code in sorted(menus.menus):
        if not meals.get(code):
            continue
        facts = menus.profiles.get(code) or ProfileFacts.unknown(code)
        out.append(
            prod.ProfileMeal(
                service=service,
                profile=code,
                dishes=menus.menus[code],
                portions=meals[code],
                halal=facts.halal,
                name_zh=facts.name_zh,
                name_en=facts.name_en,
            )
        )
    return tuple(out)


def production_stage(service: str, demand: DemandStage, menus: MenusStage) -> ProductionStage:
    """Portions per dish and variant for the day and for each kitchen."""
    day_meals = profile_meals(service, demand.meals_by_profile, menus)
    kitchens = []
    for kd in demand.kitchens:
        meals = profile_meals(service, kd.meals, menus)
        lines = prod.production_lines(meals, menus.dishes)
        kitchens.append(KitchenProduction(kd.kitchen, meals, tuple(lines), kd.forecast_sites))
    return ProductionStage(
        day_meals,
        tuple(prod.production_lines(day_meals, menus.dishes)),
        tuple(kitchens),
        menus.dishes,
    )


# --------------------------------------------------------------------------- 4. routes


@dataclass(frozen=True)
class RoutesStage:
    """The stored routes: their figures, JSON, departures and route sheets per kitchen."""

    plan: RoutesPlan
    objective: RoutesObjective
    document: Mapping[str, Any]  # the routes JSON (plan.json's routing keys)
    departures: Mapping[str, tuple[prod.Departure, ...]]  # per kitchen code
    earliest_window_min: Mapping[str, int]  # per kitchen code
    sheets: tuple[RouteSheet, ...]  # each names its trip (``RouteSheet.trip``)
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Every kitchen was routed and at least one meal is delivered."""
        return self.plan.has_plan and self.objective.meals_delivered > 0


#: Re-routings at most with the ready times the kitchens' packing capacity allows.
MAX_RETIMES = 4
#: The first re-routing searches ``routing_iterations`` from the previous routes (it
#: re-places the stops of every trip packed too early); later ones, with every driven
#: trip pinned, only mend: ``routing_iterations`` divided by this.
RETIME_ITERATIONS_DIVISOR = 4


def retime_settings(settings: Settings, attempt: int) -> Settings:
    """The settings of routing ``attempt`` of the re-timing loop (0: the first routing):
    no what-if (asked once for the plan kept, :func:`~mealplan.planning.routes.
    add_what_ifs`); the first re-routing with the search iterations of the first routing,
    later ones :data:`RETIME_ITERATIONS_DIVISOR` times fewer (work budgets, so the plan
    stays the same on every machine)."""
    planning = replace(settings.planning, routing_what_if_runs=0)
    if attempt > 1:
        iterations = max(1, planning.routing_iterations // RETIME_ITERATIONS_DIVISOR)
        planning = replace(planning, routing_iterations=iterations)
    return replace(settings, planning=planning)


def retimed_routes(
    session: Session,
    settings: Settings,
    request: DayRequest,
    demand: DemandStage,
    *,
    menus: MenuPlan | None = None,
) -> RoutesPlan:
    """Routes that agree with the kitchens' packing: each kitchen's schedule
    (:func:`routes_schedule`) packs every trip by the ready time the router planned it
    with; where packing capacity packs a trip so early that a stop of it would be reached
    after its hold limit, the router plans again with that trip's ready time fixed at its
    packed time (``Vehicle.ready_times``: the hold limit counts from it; :func:`retimed`;
    from the second re-routing on, every driven trip is pinned at its packed time, so
    that the loop settles), starting from the previous routes (what still fits stays, the stops that no longer
    fit are re-placed: ``solve_routes(start=...)``) with :func:`retime_settings`' budget;
    at most :data:`MAX_RETIMES` times, until no trip is packed too early (a fixed point;
    fixed times only move earlier, so the loop is monotone and deterministic; if it is
    not reached, a warning is logged and the waves stage names the trips). The plan
    returned is the best routing of the loop (fewest stops past their hold limit from
    the kitchen's packing and cooking, :func:`late_stops`, then fewest meals unserved,
    then the earliest): a re-routing with every trip pinned could lose meals an
    earlier one delivered, and the last routing was returned. ``menus``:
    menus planned but not stored yet (profiles without one count as the day's longest
    menu). ``plan_routes`` also stores the routes: the caller rolls that back at once and
    :func:`store_plan` writes them with the rest of the day."""
    fixed: dict[str, dict[str, tuple[int | None, ...]]] = {}
    loose: dict[str, dict[str, tuple[int | None, ...]]] = {}  # only the early trips fixed
    offsets: dict[str, dict[str, int]] = {}
    plan = None
    start: dict[str, tuple[rs.VehicleRoute, ...]] | None = None
    consistent = False
    best: tuple[tuple[int, int, int], RoutesPlan] | None = None
    for attempt in range(MAX_RETIMES + 1):
        plan = plan_routes(
            session,
            request.date,
            request.service,
            retime_settings(settings, attempt),
            demand=demand.demand,
            time_limit_s=request.routing_time_limit_s,
            seed=request.seed,
            ready_times=fixed or None,
            hold_offsets=offsets or None,
            start=start,
        )
        session.rollback()  # drop what plan_routes stored: no write lock while re-routing
        schedules = routes_schedule(session, request, plan, menus, settings.planning)
        packs = {code: dict(sch.packs) for code, sch in schedules.items()}
        score = (late_stops(plan, schedules, settings.planning), plan.dropped_meals, attempt)
        if best is None or score < best[0]:
            best = (score, plan)
        changed = retimed(plan, packs, fixed, pin=attempt > 0)
        retimed(plan, packs, loose, pin=False)
        moved = held_offsets(plan, schedules, offsets, settings.planning.hold_limit_bulk_minutes)
        if not changed and not moved:
            consistent = True
            break
        if attempt == MAX_RETIMES:
            log.warning(
                "after %d re-routings %d vehicle(s) are still packed too early and %d site(s) "
                "reached late from their cook finish",
                MAX_RETIMES,
                changed,
                moved,
            )
            break
        start = {kp.kitchen.code: result.routes for kp, result in plan.results}
        log.info(
            "re-routing with %d vehicle(s) re-timed to their packing, %d site(s) held from "
            "their cook finish",
            changed,
            moved,
        )
    assert plan is not None and best is not None
    if best[1] is not plan:
        # a re-routing made it worse (meals lost, or stops past their hold limit)
        log.info(
            "keeping routing %d of the re-timing loop: %d stop(s) past hold, %d meal(s) "
            "unserved (the last: %d past hold, %d unserved)",
            best[0][2] + 1,
            best[0][0],
            best[0][1],
            late_stops(plan, routes_schedule(session, request, plan, menus, settings.planning),
                       settings.planning),
            plan.dropped_meals,
        )  # fmt: skip
        plan = best[1]
        consistent = best[0][0] == 0
    if consistent and fixed and plan.dropped_meals:
        plan = _placed_unpinned(session, settings, request, demand, menus, plan, loose, offsets)
    return add_what_ifs(
        plan, settings, seed=request.seed, time_limit_s=request.routing_time_limit_s
    )


def _placed_unpinned(
    session: Session,
    settings: Settings,
    request: DayRequest,
    demand: DemandStage,
    menus: MenuPlan | None,
    plan: RoutesPlan,
    loose: dict[str, dict[str, tuple[int | None, ...]]],
    offsets: dict[str, dict[str, int]],
) -> RoutesPlan:
    """The re-timing loop settled with meals undelivered: the pins may be what keeps
    them out. Route once more from ``plan`` with only the trips packed too early fixed
    (``loose``) and no search (what fits stays, the undelivered stops are placed by the
    repair: few changes), and keep that plan if it delivers more and the kitchen's
    packing agrees with it (no trip packed too early, no site late); else ``plan``."""
    quiet = retime_settings(settings, 0)  # no what-if
    trial = plan_routes(
        session,
        request.date,
        request.service,
        replace(quiet, planning=replace(quiet.planning, routing_iterations=0)),
        demand=demand.demand,
        time_limit_s=request.routing_time_limit_s,
        seed=request.seed,
        ready_times=loose or None,
        hold_offsets=offsets or None,
        start={kp.kitchen.code: result.routes for kp, result in plan.results},
    )
    session.rollback()
    if trial.dropped_meals >= plan.dropped_meals:
        return plan
    schedules = routes_schedule(session, request, trial, menus, settings.planning)
    packs = {code: dict(sch.packs) for code, sch in schedules.items()}
    held = {code: dict(own) for code, own in offsets.items()}
    late = held_offsets(trial, schedules, held, settings.planning.hold_limit_bulk_minutes)
    if retimed(trial, packs, {}, pin=False) or late:
        log.info("placing the undelivered stops without pins disagrees with the packing")
        return plan
    log.info(
        "undelivered meals placed without pins: %d -> %d",
        plan.dropped_meals,
        trial.dropped_meals,
    )
    return trial


def _menus_of_day(
    session: Session, request: DayRequest, menus: MenuPlan | None
) -> dict[str, tuple[str, ...]]:
    """Dishes per profile for the day: stored menus and newly planned ones."""
    out = {m.profile: m.dishes for m in stored_meals(session, request.date, 1, [request.service])}
    if menus is not None:
        for m in menus.result.meals:
            if m.date == request.date and m.service == request.service:
                out.setdefault(m.profile, m.dishes)
    return out


def routes_schedule(
    session: Session,
    request: DayRequest,
    plan: RoutesPlan,
    menus: MenuPlan | None,
    planning: PlanningSettings | None = None,
) -> dict[str, KitchenSchedule]:
    """Each kitchen's schedule of the planned (not yet stored) trips, as the waves stage
    will make it: kitchen code -> its :class:`~mealplan.domain.schedule.KitchenSchedule`
    (packs by trip label ``V1-2``, cooking waves). Profiles without a menu count as the
    longest menu of the day, cooked with the kitchen's lead time."""
    planning = planning or PlanningSettings()
    day_menus = _menus_of_day(session, request, menus)
    dishes = load_production_dishes(session, (c for d in day_menus.values() for c in d))
    kitchens = load_kitchens(session)
    widest = max(day_menus.values(), key=len, default=())
    out: dict[str, KitchenSchedule] = {}
    for kp, result in plan.results:
        facts = kitchens.get(kp.kitchen.code)
        if facts is None:
            continue
        capacity = capacity_of(facts)
        departures = []
        profiles: set[str] = set()
        for vr in result.routes:
            for trip in vr.trips:
                meals: dict[str, int] = defaultdict(int)
                delivered: dict[str, int] = defaultdict(int)
                bulk = home = None
                for visit in trip.visits:
                    info = kp.stops[visit.stop_id]
                    part = split_meals(info.meals, [delivered[visit.stop_id], visit.hot])[1]
                    delivered[visit.stop_id] += visit.hot
                    for p, n in part.items():
                        meals[p] += n
                    if info.kind == "home":
                        home = max(home or 0, visit.arrival)
                    else:
                        bulk = max(bulk or 0, visit.arrival)
                profiles |= set(meals)
                departures.append(
                    prod.Departure(
                        trip_label(vr.vehicle_id, trip.index + 1),
                        vr.vehicle_id,
                        trip.depart,
                        dict(meals),
                        max((v.arrival for v in trip.visits), default=None),
                        trip.ready_at,
                        bulk,
                        home,
                    )
                )
        profile_meals_ = [
            prod.ProfileMeal(request.service, p, day_menus.get(p, widest), 0)
            for p in sorted(profiles)
        ]
        known = {**dishes}
        for meal in profile_meals_:
            for code in meal.dishes:
                known.setdefault(code, prod.ProductionDish(code, code, "main"))
        loads = prod.trip_loads(departures, profile_meals_, known, capacity,
                                service=request.service)  # fmt: skip
        out[kp.kitchen.code] = schedule_kitchen(
            loads,
            capacity,
            cutoff_min=cutoff_minute(planning),
            bulk_hold_minutes=planning.hold_limit_bulk_minutes,
            home_hold_minutes=planning.hold_limit_home_minutes,
        )
    return out


def late_stops(
    plan: RoutesPlan, schedules: Mapping[str, KitchenSchedule], planning: PlanningSettings
) -> int:
    """Stops of ``plan`` reached after their hold limit counted as the kitchens'
    ``schedules`` pack and cook them: a home from its trip's packed time (the router's
    hold limit of the stop), a canteen or dining point from its wave's cook finish
    (``hold_limit_bulk_minutes``). 0: routes and kitchen agree."""
    late = 0
    for kp, result in plan.results:
        schedule = schedules.get(kp.kitchen.code)
        if schedule is None:
            continue
        finish = {p.trip: w.cook_finish_min for w in schedule.waves for p in w.packs}
        holds = {s.id: s.hold_limit for s in kp.problem.stops}
        for vr in result.routes:
            for trip in vr.trips:
                label = trip_label(vr.vehicle_id, trip.index + 1)
                pack = schedule.packs.get(label)
                if pack is None:
                    continue
                for visit in trip.visits:
                    if kp.stops[visit.stop_id].kind == "home":
                        hold = holds.get(visit.stop_id)
                        late += hold is not None and visit.arrival - pack.pack_finish_min > hold
                    else:
                        cooked = finish[label]
                        late += visit.arrival - cooked > planning.hold_limit_bulk_minutes
    return late


def held_offsets(
    plan: RoutesPlan,
    schedules: Mapping[str, KitchenSchedule],
    offsets: dict[str, dict[str, int]],
    bulk_hold_minutes: int,
) -> int:
    """Where a kitchen's schedule has a site reached after its bulk hold counted from its
    wave's cook finish, raise the hold offset (:func:`mealplan.planning.routes.
    hold_offset`) of every site of that kitchen to its trip's ready time minus its wave's
    cook finish (in ``offsets``, kitchen -> stop code -> minutes; every site, so that a
    site the re-routing moves keeps a measured margin; an offset only grows, so the loop
    ends); returns how many late sites raised an offset (0: nothing to re-route)."""
    changed = 0
    for kp, result in plan.results:
        schedule = schedules.get(kp.kitchen.code)
        if schedule is None:
            continue
        finish = {p.trip: w.cook_finish_min for w in schedule.waves for p in w.packs}
        gaps: dict[str, int] = {}
        late: set[str] = set()
        for vr in result.routes:
            for trip in vr.trips:
                cooked = finish.get(trip_label(vr.vehicle_id, trip.index + 1))
                if cooked is None:
                    continue
                for visit in trip.visits:
                    if kp.stops[visit.stop_id].kind == "home":
                        continue
                    gap = max(gaps.get(visit.stop_id, 0), trip.ready_at - cooked)
                    gaps[visit.stop_id] = gap
                    if visit.arrival - cooked > bulk_hold_minutes:
                        late.add(visit.stop_id)
        if not late:
            continue
        own = offsets.setdefault(kp.kitchen.code, {})
        for code, gap in gaps.items():
            if gap > own.get(code, 0):
                own[code] = gap
                changed += code in late
    return changed


def packed_too_early(trip: rs.Trip, pack: TripPack, holds: Mapping[str, int | None]) -> bool:
    """Is ``trip`` packed (``pack.pack_finish_min``) so early that one of its stops is
    reached more than its hold limit (the router's, ``holds`` by stop id) after it?"""
    return pack.early and any(
        (h := holds.get(v.stop_id)) is not None and v.arrival - pack.pack_finish_min > h
        for v in trip.visits
    )


def retimed(
    plan: RoutesPlan,
    packs: Mapping[str, Mapping[str, TripPack]],
    fixed: dict[str, dict[str, tuple[int | None, ...]]],
    *,
    pin: bool = True,
) -> int:
    """Fix ready times where the kitchen's packing disagrees with the routes (in
    ``fixed``, kitchen -> vehicle -> one minute or None per trip; None: the router
    decides it); returns how many vehicles have a trip packed so early that a stop of it
    is then reached after its hold limit (:func:`packed_too_early`; 0: the fixed point,
    and ``fixed`` is left as it was). Otherwise the trips packed too early get their
    packed time as fixed ready time, and with ``pin`` every other driven trip is pinned
    at its packed time too (where the router put it, or a little earlier within its
    hold limits), so that the next routing, which starts from these routes, keeps the
    packing it was scheduled with instead of moving loads into other trips' slots. A
    fixed time only moves earlier and a trip once fixed stays fixed, so the loop is
    monotone."""
    early: list[
        tuple[str, rs.Vehicle, list[tuple[rs.Trip, TripPack | None]], dict[str, int | None]]
    ] = []
    changed = 0
    for kp, result in plan.results:
        code = kp.kitchen.code
        vehicles = {v.id: v for v in kp.problem.vehicles}
        holds = {s.id: s.hold_limit for s in kp.problem.stops}
        for vr in result.routes:
            own = packs.get(code, {})
            trips = [(t, own.get(trip_label(vr.vehicle_id, t.index + 1))) for t in vr.trips]
            changed += any(p is not None and packed_too_early(t, p, holds) for t, p in trips)
            early.append((code, vehicles[vr.vehicle_id], trips, holds))
    if not changed:
        return 0
    for code, vehicle, trips, holds in early:
        old = fixed.get(code, {}).get(vehicle.id)
        times: list[int | None] = list(old) if old is not None else [None] * vehicle.max_trips
        for t, p in trips:
            if p is None or not (pin or packed_too_early(t, p, holds)):
                continue
            was = times[t.index]
            times[t.index] = p.pack_finish_min if was is None else min(was, p.pack_finish_min)
        for i in range(len(times) - 2, -1, -1):  # fixed times ascending, as required
            cur = times[i]
            later = [x for x in times[i + 1 :] if x is not None]
            if cur is not None and later and cur > later[0]:
                times[i] = later[0]
        if tuple(times) != old and any(x is not None for x in times):
            fixed.setdefault(code, {})[vehicle.id] = tuple(times)
    return changed


def routes_stage(
    session: Session, settings: Settings, request: DayRequest, plan: RoutesPlan
) -> RoutesStage:
    """The routes :func:`store_plan` wrote, read back as departures and route sheets."""
    date, service = request.date, request.service
    routes = stored_routes(session, date, service)
    unserved = stored_unserved(session, date, service)
    earliest = {
        kp.kitchen.code: min(s.window[0] for s in kp.stops.values())
        for kp, _ in plan.results
        if kp.stops
    }
    one_meal = {
        (kitchen, trip_label(t["vehicle"], t["trip"])): {
            "one_meal_reason": t["reason"],
            "one_meal_other": t["could_join"] or "",
        }
        for kitchen, fleet in plan.fleet_json().items()
        for t in fleet["one_meal_trips"]
    }
    return RoutesStage(
        plan=plan,
        objective=routes_objective(routes, unserved),
        document=routes_json(
            session, date, service, settings.planning, routes=routes, unserved=unserved, plan=plan
        ),
        departures=departures_by_kitchen(routes),
        earliest_window_min=earliest,
        sheets=tuple(
            replace(sheet, trip=label, **one_meal.get((sheet.kitchen.code, label), {}))
            for sheet, label in zip(
                sheets_of(session, routes, date, service, settings.planning),
                (trip_label(r.vehicle.code, t.seq) for r in routes for t in r.trips),
                strict=True,
            )
        ),
        warnings=tuple(plan.warnings),
    )


def store_plan(
    session: Session, demand: DemandStage, menus: MenuPlan | None, routes: RoutesPlan
) -> None:
    """Write what the computing stages planned: the day's forecasts, the week's new menus
    and the routes (the caller commits; nothing slow happens here)."""
    store_forecasts(session, demand.demand)
    if menus is not None:
        codes = {p for ps in menus.profiles.values() for p in ps}
        profiles = {
            p.code: p
            for p in session.scalars(select(DietProfile).where(DietProfile.code.in_(codes)))
        }
        menus.stored = store_menus(session, menus, profiles)
    store_routes(session, routes)


# --------------------------------------------------------------------------- 5. waves


@dataclass(frozen=True)
class KitchenWaves:
    """One kitchen's cooking waves (numbered from 1) and retention samples."""

    kitchen: str
    waves: tuple[prod.CookingWave, ...]
    samples: tuple[prod.RetentionSample, ...]


@dataclass(frozen=True)
class WavesStage:
    kitchens: tuple[KitchenWaves, ...]
    warnings: tuple[str, ...] = ()
    hold_limits: Mapping[str, int] = dataclasses.field(default_factory=dict)  # per stop kind

    def of(self, kitchen: str) -> KitchenWaves:
        return next(k for k in self.kitchens if k.kitchen == kitchen)

    @property
    def count(self) -> int:
        return sum(len(k.waves) for k in self.kitchens)


def capacity_of(kitchen: KitchenFacts) -> KitchenCapacity:
    """The kitchen's packing and cooking capacity (stored, else the defaults with its
    cooking lead time)."""
    if kitchen.capacity is not None:
        return kitchen.capacity
    return KitchenCapacity(3, 400, default_cook_minutes=kitchen.cooking_minutes)


def cutoff_minute(planning: PlanningSettings) -> int:
    """The headcount cut-off (``[planning] headcount_cutoff``) in minutes."""
    return parse_hhmm(planning.headcount_cutoff)


def waves_stage(
    service: str,
    hold_limit_minutes: int,
    production: ProductionStage,
    departures: Mapping[str, Sequence[prod.Departure]],
    earliest_window_min: Mapping[str, int],
    *,
    planning: PlanningSettings | None = None,
) -> WavesStage:
    """Each kitchen's cooking and packing schedule (:func:`mealplan.domain.production.
    scheduled_waves`): every trip packed as late as its kitchen's packing lines allow and
    by the ready time its route was planned with, cooking waves finishing the
    cook-to-pack lead before their trips' packing, waves starting before the headcount
    cut-off marked as cooked from the forecast; and its retention samples.
    ``hold_limit_minutes`` is the bulk hold (cook -> eat); the home hold (pack -> arrive)
    and the cut-off come from ``planning`` (default settings when None). Dishes no wave
    cooks (their meals could not be routed) are still cooked and sampled: timed to the
    kitchen's first wave, or half an hour before its earliest delivery window. Meals of
    profiles without a menu are left out of the waves (the menus stage has warned about
    them)."""
    planning = planning or PlanningSettings()
    out = []
    warnings = []
    for kp in production.kitchens:
        k = kp.kitchen
        with_menu = {m.profile for m in kp.meals}
        deps = [
            prod.Departure(
                d.trip,
                d.vehicle,
                d.depart_min,
                {p: n for p, n in d.meals.items() if p in with_menu},
                d.last_arrival_min,
                d.ready_min if d.ready_min is not None else d.depart_min - k.loading_minutes,
                d.last_bulk_arrival_min,
                d.last_home_arrival_min,
            )
            for d in departures.get(k.code, ())
        ]
        waves = prod.scheduled_waves(
            deps,
            kp.meals,
            production.dishes,
            capacity_of(k),
            hold_limit_bulk_minutes=hold_limit_minutes,
            hold_limit_home_minutes=planning.hold_limit_home_minutes,
            cutoff_min=cutoff_minute(planning),
            service=service,
        )
        for wave in waves:
            label = wave_label(k.code, wave.number, production.several)
            if not wave.within_hold:
                warnings.append(f"cooking wave {label}: a stop is reached after its eat-by time")
            for pack in wave.packs:
                if pack.early:
                    warnings.append(
                        f"cooking wave {label}: trip {pack.trip} is packed by "
                        f"{hhmm(pack.pack_finish_min)}, before its ready time "
                        f"{hhmm(pack.ready_min)} (packing capacity)"
                    )
        earliest = earliest_window_min.get(k.code, DEFAULT_FINISH_MIN + 30)
        finish = min((w.finish_min for w in waves), default=earliest - 30)
        samples = prod.retention_samples(kp.lines, waves=waves, finish_min=finish)
        out.append(KitchenWaves(k.code, tuple(waves), tuple(samples)))
    limits = {
        "canteen": hold_limit_minutes,
        "dining_point": hold_limit_minutes,
        "home": planning.hold_limit_home_minutes,
    }
    return WavesStage(tuple(out), tuple(warnings), limits)


# --------------------------------------------------------------------------- 6. purchase


@dataclass(frozen=True)
class KitchenPurchase:
    """What one kitchen buys for its production lines."""

    kitchen: str
    lines: tuple[prod.PurchaseLine, ...]

    @property
    def cost_fen(self) -> int:
        return sum(p.cost_fen for p in self.lines)


@dataclass(frozen=True)
class PurchaseStage:
    kitchens: tuple[KitchenPurchase, ...]
    waste_allowance: float

    def of(self, kitchen: str) -> KitchenPurchase:
        return next(k for k in self.kitchens if k.kitchen == kitchen)

    @property
    def cost_fen(self) -> int:
        """What the day's purchases cost: the sum of the kitchens' lists."""
        return sum(k.cost_fen for k in self.kitchens)


def ingredient_codes(production: ProductionStage) -> set[str]:
    """The ingredients of the day's dishes (what purchasing needs to know about)."""
    return {code for d in production.dishes.values() for code, _ in d.recipe}


def purchase_stage(
    production: ProductionStage,
    ingredients: Mapping[str, prod.IngredientInfo],
    waste_allowance: float,
) -> PurchaseStage:
    """Each kitchen's purchase list for its own production lines."""
    recipes = prod.recipes_of(production.dishes.values())
    return PurchaseStage(
        tuple(
            KitchenPurchase(
                kp.kitchen.code,
                tuple(prod.purchase_list(kp.lines, recipes, ingredients, waste_allowance)),
            )
            for kp in production.kitchens
        ),
        waste_allowance,
    )


# --------------------------------------------------------------------------- 7. documents


@dataclass(frozen=True)
class KitchenDocuments:
    """One kitchen's printed documents as view models, each headed with the kitchen."""

    kitchen: KitchenFacts
    production: ProductionSheet
    purchase: PurchaseListSheet
    route_sheets: tuple[RouteSheet, ...]
    labels: LabelSheet | None  # None: no trip, no label


def timed_sheet(
    sheet: RouteSheet, wave: prod.CookingWave | None, hold_limits: Mapping[str, int]
) -> RouteSheet:
    """A route sheet with the kitchen's schedule's times: ready = the trip's packed time;
    a home stop's eat-by = packed time + home hold, a site's = its wave's cook finish +
    bulk hold (the sheet unchanged when no wave packs the trip)."""
    pack = wave.pack_of(sheet.trip) if wave is not None else None
    if wave is None or pack is None:
        return sheet
    stops = tuple(
        replace(
            stop,
            eat_by_min=eat_by_min(stop.kind, pack.pack_finish_min, wave.finish_min, hold_limits),
        )
        for stop in sheet.stops
    )
    return replace(
        sheet, ready_min=pack.pack_finish_min, cook_finish_min=wave.finish_min, stops=stops
    )


def packed_times(waves: WavesStage) -> dict[tuple[str, str], tuple[int, int]]:
    """(kitchen code, trip label) -> (packed time, its wave's cook finish): what the
    stored trips keep (``Trip.packed_min``, ``Trip.cook_finish_min``), so that the panel's
    trip pages print the times the daily plan's documents print."""
    return {
        (kw.kitchen, p.trip): (p.pack_finish_min, w.finish_min)
        for kw in waves.kitchens
        for w in kw.waves
        for p in w.packs
    }


def timed_sheets(sheets: Sequence[RouteSheet], waves: WavesStage) -> tuple[RouteSheet, ...]:
    """Every sheet re-timed by :func:`timed_sheet` with its trip's wave."""
    wave_of = {(kw.kitchen, p.trip): w for kw in waves.kitchens for w in kw.waves for p in w.packs}
    return tuple(
        timed_sheet(s, wave_of.get((s.kitchen.code, s.trip)), waves.hold_limits) for s in sheets
    )


def kitchen_documents(
    request: DayRequest,
    production: ProductionStage,
    waves: WavesStage,
    purchase: PurchaseStage,
    sheets: Sequence[RouteSheet],
) -> tuple[KitchenDocuments, ...]:
    """The view models of every kitchen's documents (pure). The route sheets and labels
    carry the schedule's times (:func:`timed_sheets`): ready = the trip's packed time,
    labels' 制作时间 = the packed time, eat-by = the stop's (home: packed + home hold;
    sites: cook finish + bulk hold)."""
    date, service = request.date, request.service
    sheets = timed_sheets(sheets, waves)
    out = []
    for kp in production.kitchens:
        info = kp.kitchen.info
        kw = waves.of(kp.kitchen.code)
        own = tuple(s for s in sheets if s.kitchen.code == info.code)
        labels = [
            label for sheet in own for label in labels_for_route(sheet, cooked_min=sheet.ready_min)
        ]
        out.append(
            KitchenDocuments(
                kitchen=kp.kitchen,
                production=ProductionSheet(
                    date=date,
                    kitchen=info,
                    lines=kp.lines,
                    waves=kw.waves,
                    samples=kw.samples,
                    profile_totals=tuple(prod.profile_totals(kp.meals)),
                    service=service,
                    notes=tuple(f"预测 forecast: {code}" for code in kp.forecast_sites),
                ),
                purchase=PurchaseListSheet(
                    date=date,
                    kitchen=info,
                    lines=purchase.of(kp.kitchen.code).lines,
                    waste_allowance=purchase.waste_allowance,
                    service=service,
                ),
                route_sheets=own,
                labels=(
                    LabelSheet(date=date, service=service, kitchen=info, labels=tuple(labels))
                    if own
                    else None
                ),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class OutputFile:
    """A rendered document: its ``files`` key, file name and bytes."""

    key: str
    name: str
    data: bytes


@dataclass(frozen=True)
class DocumentsStage:
    kitchens: tuple[KitchenDocuments, ...]
    files: tuple[OutputFile, ...]


def documents_stage(
    docs: Sequence[KitchenDocuments], lang: str, workers: int, generated_at: dt.datetime
) -> DocumentsStage:
    """Render every kitchen's documents: the HTML here, the PDFs side by side in
    ``workers`` processes (the slow part), the purchase XLSX. One kitchen: the files of
    :data:`FILES`; several: each kitchen's own files (:func:`file_name`)."""
    several = len(docs) > 1
    pages: list[tuple[str, str, str]] = []  # key, name, html
    xlsx: list[OutputFile] = []

    def add(key: str, code: str | None, html: str) -> None:
        pages.append((file_key(key, code), file_name(key, code), html))

    for kd in docs:
        code = kd.kitchen.code if several else None
        if kd.route_sheets:
            add("route_sheets", code, render_html(kd.route_sheets, lang=lang,
                                                  generated_at=generated_at))  # fmt: skip
        if kd.labels is not None:
            add("labels", code, render_html(kd.labels, lang=lang, generated_at=generated_at))
        add("production", code, render_html(kd.production, lang=lang, generated_at=generated_at))
        add("purchase_pdf", code, render_html(kd.purchase, lang=lang, generated_at=generated_at))
        xlsx.append(
            OutputFile(
                file_key("purchase_xlsx", code),
                file_name("purchase_xlsx", code),
                purchase_list_xlsx(kd.purchase, lang=lang, generated_at=generated_at),
            )
        )
    pdfs = html_to_pdf_many([html for _, _, html in pages], workers)
    files = [OutputFile(k, n, pdf) for (k, n, _), pdf in zip(pages, pdfs, strict=True)]
    return DocumentsStage(tuple(docs), tuple(files + xlsx))


# --------------------------------------------------------------------------- 8. store


@dataclass(frozen=True)
class StoreStage:
    """The files written (``files`` key -> file name) and the plan as written."""

    files: Mapping[str, str]
    plan: Mapping[str, Any]


def plan_document(
    request: DayRequest,
    demand: DemandStage,
    menus: MenusStage,
    production: ProductionStage,
    routes: RoutesStage,
    waves: WavesStage,
    purchase: PurchaseStage,
    files: Mapping[str, str],
    warnings: Sequence[str],
) -> dict[str, Any]:
    """plan.json: the routes JSON, then demand, menus, production, purchase and waves;
    each production, purchase and wave entry names its kitchen, and ``kitchens`` sums up
    each kitchen with its files."""
    plan = copy.deepcopy(dict(routes.document))
    site_kitchen, client_kitchen = demand.kitchen_of_site, demand.kitchen_of_client
    plan["demand"] = [
        {"stop": s.site_code, "kind": s.kind, "meals": s.meals, "source": s.source,
         "flags": list(s.flags), "kitchen": site_kitchen.get(s.site_id)}
        for s in demand.demand.sites
    ] + [
        {"stop": h.client_code, "kind": "home", "meals": {h.profile: 1}, "source": "subscription",
         "flags": [], "kitchen": client_kitchen.get(h.client_id)}
        for h in demand.demand.homes
    ]  # fmt: skip
    plan["menus"] = {code: list(dishes) for code, dishes in menus.menus.items()}
    plan["production"] = [
        {"dish": ln.dish, "variant": ln.variant, "portions": ln.portions,
         "profiles": list(ln.profiles), "kitchen": kp.kitchen.code}
        for kp in production.kitchens
        for ln in kp.lines
    ]  # fmt: skip
    plan["purchase"] = [
        {"ingredient": p.ingredient, "kg": p.kg, "cost_fen": p.cost_fen,
         "supplier_category": p.supplier_category, "kitchen": kb.kitchen}
        for kb in purchase.kitchens
        for p in kb.lines
    ]  # fmt: skip
    plan["purchase_waste_allowance"] = purchase.waste_allowance
    plan["waves"] = [
        {"wave": w.number, "start": hhmm(w.start_min), "finish": hhmm(w.finish_min),
         "cook_start": hhmm(w.start_min), "cook_finish": hhmm(w.finish_min),
         "eat_by_bulk": hhmm(w.eat_by_min) if w.eat_by_min is not None else None,
         "forecast": w.forecast,
         "trips": [d.trip for d in w.departures], "kitchen": kw.kitchen,
         "packs": [{"trip": p.trip, "ready": hhmm(p.ready_min),
                    "pack_start": hhmm(p.pack_start_min), "pack_finish": hhmm(p.pack_finish_min),
                    "portions": p.portions, "slots": [[hhmm(t), n] for t, n in p.slots]}
                   for p in w.packs]}
        for kw in waves.kitchens
        for w in kw.waves
    ]  # fmt: skip
    packed = {
        (kw.kitchen, p.trip): (w, p) for kw in waves.kitchens for w in kw.waves for p in w.packs
    }
    for route in plan.get("routes", []):
        for seq, trip in enumerate(route["trips"], start=1):
            label = trip_label(route["vehicle"], seq)
            trip["trip"] = label
            found = packed.get((route["kitchen"], label))
            if found is not None:
                trip["wave"] = found[0].number
                trip["packed"] = hhmm(found[1].pack_finish_min)
                trip["cook_finish"] = hhmm(found[0].finish_min)
    plan["kitchens"] = [
        {
            "kitchen": kp.kitchen.code,
            "name": kp.kitchen.info.name,
            "meals": sum(m.portions for m in kp.meals),
            "portions": kp.portions,
            "waves": len(waves.of(kp.kitchen.code).waves),
            "capacity": {
                "packing_lines": capacity_of(kp.kitchen).packing_lines,
                "portions_per_slot": capacity_of(kp.kitchen).portions_per_slot,
                "slot_portions": capacity_of(kp.kitchen).slot_portions,
                "cook_to_pack_minutes": capacity_of(kp.kitchen).cook_to_pack_minutes,
            },
            "purchase_cost_fen": purchase.of(kp.kitchen.code).cost_fen,
            "files": {
                key: name
                for key, name in files.items()
                if not production.several or key.endswith(f"@{kp.kitchen.code}")
            },
        }
        for kp in production.kitchens
    ]
    plan["warnings"] = list(warnings)
    return plan


def store_stage(out: Path, documents: DocumentsStage, plan: Mapping[str, Any]) -> StoreStage:
    """Write the documents and plan.json into ``out``."""
    files: dict[str, str] = {}
    for f in documents.files:
        (out / f.name).write_bytes(f.data)
        files[f.key] = f.name
    (out / FILES["plan_json"]).write_text(
        json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    files["plan_json"] = FILES["plan_json"]
    return StoreStage(files, plan)
