"""The kitchen's morning in one call: headcounts -> the day's menu -> production ->
routes -> cooking waves timed to departures -> purchasing -> printed documents.

``run_daily_plan`` takes the per-date lock, computes everything inside one transaction
and writes the documents into a fresh folder that replaces the previous one only after
the transaction committed, so a failed or killed run leaves the previous plan intact.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.config import Settings, resolve_workers
from mealplan.db.mappers import facts_of
from mealplan.db.models import (
    DietProfile,
    Dish,
    Driver,
    Ingredient,
    Kitchen,
    RecipeLine,
    Route,
    Vehicle,
)
from mealplan.db.session import session_factory, unit_of_work
from mealplan.documents import (
    KitchenInfo,
    LabelSheet,
    ProductionSheet,
    PurchaseListSheet,
    RouteSheet,
    RouteStopView,
    StopMeals,
    labels_for_route,
    purchase_list_xlsx,
    render_html,
)
from mealplan.documents.render import html_to_pdf_many
from mealplan.domain import production as prod
from mealplan.domain.vocab import Service
from mealplan.errors import MealplanError
from mealplan.planning.demand import day_demand, store_forecasts
from mealplan.planning.menus import plan_menus, stored_meals
from mealplan.planning.routes import hold_limits, plan_routes, routes_json, stored_routes
from mealplan.planning.runs import ProgressCallback, RunRecorder, plan_lock

log = logging.getLogger(__name__)

FILES = {
    "route_sheets": "route_sheets.pdf",
    "production": "production.pdf",
    "purchase_pdf": "purchase.pdf",
    "purchase_xlsx": "purchase.xlsx",
    "labels": "labels.pdf",
    "plan_json": "plan.json",
}


@dataclass
class DailyPlanResult:
    date: dt.date
    service: str
    run_id: int
    out_dir: Path
    ok: bool
    figures: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        f = self.figures
        lines = [
            f"daily plan {self.date} {self.service}: "
            + ("done" if self.ok else "NO PLAN")
            + f" -> {self.out_dir}",
            f"  meals {f.get('meals', 0)} ({f.get('sites_forecast', 0)} site(s) forecast), "
            f"profiles {f.get('profiles', 0)}, dishes {f.get('dishes', 0)}",
            f"  routes: {f.get('vehicles', 0)} vehicles, {f.get('trips', 0)} trips, "
            f"{f.get('distance_km', 0)} km, {f.get('meals_unserved', 0)} meals unserved",
            f"  purchase: {f.get('purchase_cost_yuan', 0)} yuan of ingredients",
            "  stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()),
        ]
        return "\n".join(lines)


def default_out_dir(settings: Settings, date: dt.date, service: str) -> Path:
    return settings.instance_path / "plans" / date.isoformat() / service


def run_daily_plan(
    settings: Settings,
    date: dt.date,
    service: str = "lunch",
    *,
    out_dir: Path | None = None,
    seed: int | None = None,
    lang: str = "zh",
    routing_time_limit_s: float | None = None,
    on_progress: ProgressCallback | None = None,
    run_id: int | None = None,
) -> DailyPlanResult:
    """Plan ``date``/``service`` end to end and write the documents to ``out_dir``."""
    Service(service)
    out = (out_dir or default_out_dir(settings, date, service)).resolve()
    factory = session_factory(settings)
    with plan_lock(factory, "daily", date, service):
        recorder = RunRecorder.start(
            factory,
            "daily",
            date,
            service,
            {"out": str(out), "seed": seed, "lang": lang},
            on_progress=on_progress,
            run_id=run_id,
            instance_path=settings.instance_path,
        )
        staging = out.parent / f".{out.name}.tmp-{os.getpid()}"
        try:
            if staging.exists():
                shutil.rmtree(staging)
            staging.mkdir(parents=True)
            with unit_of_work(settings) as session:
                result = _plan(
                    session, settings, date, service, staging, seed, lang,
                    routing_time_limit_s, recorder,
                )  # fmt: skip
                recorder.stage("commit", 0.97)
            _replace_dir(staging, out)
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            recorder.finish("failed", error=f"{type(exc).__name__}: {exc}")
            raise
        result.out_dir = out
        result.run_id = recorder.run_id
        recorder.warnings.extend(result.warnings)
        recorder.finish(
            "done" if result.ok else "failed",
            figures=result.figures,
            output={"dir": str(out), "files": result.files},
            error="" if result.ok else "no plan could be made",
        )
        result.timings = dict(recorder.timings)
        return result


def _replace_dir(staging: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _plan(
    session: Session,
    settings: Settings,
    date: dt.date,
    service: str,
    out: Path,
    seed: int | None,
    lang: str,
    routing_time_limit_s: float | None,
    recorder: RunRecorder,
) -> DailyPlanResult:
    planning = settings.planning
    warnings: list[str] = []

    # 1. demand --------------------------------------------------------------
    recorder.stage("demand", 0.05)
    demand = day_demand(session, date, service, forecast_weeks=planning.forecast_weeks)
    store_forecasts(session, demand)
    warnings.extend(demand.warnings)
    meals_by_profile = demand.meals_by_profile()
    if not meals_by_profile:
        raise MealplanError(f"no meals are ordered or forecast for {date} {service}")

    # 2. menu ----------------------------------------------------------------
    recorder.stage("menu", 0.15)
    have = {m.profile for m in stored_meals(session, date, 1, [service])}
    missing = sorted(set(meals_by_profile) - have)
    if missing:
        week_start = date - dt.timedelta(days=date.weekday())
        log.info("planning the week of %s for %s", week_start, ", ".join(missing))
        menu_plan = plan_menus(session, week_start, 7, [service], planning, profiles=missing)
        warnings.extend(menu_plan.warnings)
    menus = {m.profile: m for m in stored_meals(session, date, 1, [service])}
    unplanned = sorted(set(meals_by_profile) - set(menus))
    for code in unplanned:
        warnings.append(
            f"profile {code}: no menu for {date} ({meals_by_profile[code]} meals): "
            "see the menu plan's explanation"
        )

    # 3. production ----------------------------------------------------------
    recorder.stage("production", 0.3)
    profiles = {
        p.code: p
        for p in session.scalars(select(DietProfile).where(DietProfile.code.in_(list(menus))))
    }
    dish_codes = sorted({c for m in menus.values() for c in m.dishes})
    dishes = {
        d.code: d
        for d in session.scalars(
            select(Dish)
            .where(Dish.code.in_(dish_codes))
            .options(selectinload(Dish.recipe).selectinload(RecipeLine.ingredient))
        )
    }
    prod_dishes = {
        code: prod.ProductionDish(
            code=code,
            name_zh=d.name_zh,
            name_en=d.name_en,
            category=d.category,
            iddsi_level=d.iddsi_level,
            recipe=tuple((ln.ingredient.code, ln.grams) for ln in d.recipe),
            base_dish=d.base_dish_code,
        )
        for code, d in dishes.items()
    }
    profile_meals = [
        prod.ProfileMeal(
            service=service,
            profile=code,
            dishes=menus[code].dishes,
            portions=meals_by_profile[code],
            halal=profiles[code].halal,
            name_zh=profiles[code].name_zh,
            name_en=profiles[code].name_en,
        )
        for code in sorted(menus)
        if meals_by_profile.get(code)
    ]
    lines = prod.production_lines(profile_meals, prod_dishes)

    # 4. routes --------------------------------------------------------------
    recorder.stage("routes", 0.4)
    routes_plan = plan_routes(
        session,
        date,
        service,
        settings,
        demand=demand,
        time_limit_s=routing_time_limit_s,
        seed=seed,
    )
    warnings.extend(w for w in routes_plan.warnings if w not in warnings)
    routes = routes_json(session, date, service, planning)

    # 5. cooking waves -------------------------------------------------------
    recorder.stage("waves", 0.75)
    kitchen = session.scalar(select(Kitchen).order_by(Kitchen.code))
    assert kitchen is not None
    day_routes = stored_routes(session, date, service)
    departures_by_kitchen: dict[int, list[prod.Departure]] = defaultdict(list)
    for route in day_routes:
        for trip in route.trips:
            meals: dict[str, int] = defaultdict(int)
            for st in trip.stops:
                for p, n in st.meals.items():
                    meals[p] += n
            departures_by_kitchen[route.kitchen_id].append(
                prod.Departure(
                    trip=f"{route.vehicle.code}-{trip.seq}",
                    vehicle=route.vehicle.code,
                    depart_min=trip.depart_min,
                    meals=dict(meals),
                    last_arrival_min=max((s.arrive_min for s in trip.stops), default=None),
                )
            )
    waves: list[prod.CookingWave] = []
    kitchens = {k.id: k for k in session.scalars(select(Kitchen))}
    for kitchen_id, departures in sorted(departures_by_kitchen.items()):
        k = kitchens[kitchen_id]
        waves.extend(
            prod.cooking_waves(
                departures,
                profile_meals,
                prod_dishes,
                cooking_minutes=k.cooking_lead_minutes,
                packing_minutes=k.packing_minutes,
                loading_minutes=k.loading_minutes,
                hold_limit_minutes=planning.hold_limit_bulk_minutes,
                service=service,
            )
        )
    for wave in waves:
        if not wave.within_hold:
            warnings.append(
                f"cooking wave {wave.number}: the last arrival is after the eat-by time"
            )
    # Dishes no wave cooks (their meals could not be routed) are still cooked and sampled:
    # they are timed to the first wave, or half an hour before the earliest window.
    earliest = min((s.window[0] for kp in routes_plan.results for s in kp[0].stops.values()),
                   default=11 * 60)  # fmt: skip
    fallback_finish = min((w.finish_min for w in waves), default=earliest - 30)
    samples = prod.retention_samples(lines, waves=waves, finish_min=fallback_finish)

    # 6. purchasing ----------------------------------------------------------
    recorder.stage("purchase", 0.8)
    ingredient_codes = {code for d in prod_dishes.values() for code, _ in d.recipe}
    ingredients = {
        i.code: prod.IngredientInfo(i.code, i.name_zh, i.food_group, i.price_fen_per_kg, i.name_en)
        for i in session.scalars(select(Ingredient).where(Ingredient.code.in_(ingredient_codes)))
    }
    purchase = prod.purchase_list(
        lines, prod.recipes_of(prod_dishes.values()), ingredients,
        planning.purchase_waste_allowance,
    )  # fmt: skip

    # 7. documents -----------------------------------------------------------
    recorder.stage("documents", 0.85)
    kinfo = KitchenInfo(
        name=kitchen.name,
        address=kitchen.address,
        phone=kitchen.contact_phone,
        lat=kitchen.lat,
        lon=kitchen.lon,
        code=kitchen.code,
    )
    dish_allergens = {code: facts_of(d).allergens for code, d in dishes.items()}
    sheets = _route_sheets(day_routes, date, service, menus, profiles, dish_allergens,
                           dishes, settings)  # fmt: skip
    generated = dt.datetime.now().replace(microsecond=0)
    # each document as HTML here, then the PDFs side by side (the slow part)
    pages: dict[str, str] = {}
    if sheets:
        pages["route_sheets"] = render_html(sheets, lang=lang, generated_at=generated)
        labels = [
            label
            for sheet in sheets
            for label in labels_for_route(
                sheet, cooked_min=sheet.ready_min, hold_limit_minutes=None
            )
        ]
        pages["labels"] = render_html(
            LabelSheet(date=date, service=service, kitchen=kinfo, labels=tuple(labels)),
            lang=lang,
            generated_at=generated,
        )
    production_sheet = ProductionSheet(
        date=date,
        kitchen=kinfo,
        lines=tuple(lines),
        waves=tuple(waves),
        samples=tuple(samples),
        profile_totals=tuple(prod.profile_totals(profile_meals)),
        service=service,
        notes=tuple(
            f"预测 forecast: {s.site_code}" for s in demand.sites if s.source == "forecast"
        ),
    )
    pages["production"] = render_html(production_sheet, lang=lang, generated_at=generated)
    purchase_sheet = PurchaseListSheet(
        date=date,
        kitchen=kinfo,
        lines=tuple(purchase),
        waste_allowance=planning.purchase_waste_allowance,
        service=service,
    )
    pages["purchase_pdf"] = render_html(purchase_sheet, lang=lang, generated_at=generated)
    pdfs = html_to_pdf_many(list(pages.values()), resolve_workers(planning.workers))
    files: dict[str, str] = {}
    for key, pdf in zip(pages, pdfs, strict=True):
        (out / FILES[key]).write_bytes(pdf)
        files[key] = FILES[key]
    (out / FILES["purchase_xlsx"]).write_bytes(
        purchase_list_xlsx(purchase_sheet, lang=lang, generated_at=generated)
    )
    files["purchase_xlsx"] = FILES["purchase_xlsx"]

    # 8. plan.json -----------------------------------------------------------
    recorder.stage("plan.json", 0.95)
    plan = dict(routes)
    plan["demand"] = [
        {"stop": s.site_code, "kind": s.kind, "meals": s.meals, "source": s.source,
         "flags": list(s.flags)}
        for s in demand.sites
    ] + [
        {"stop": h.client_code, "kind": "home", "meals": {h.profile: 1}, "source": "subscription",
         "flags": []}
        for h in demand.homes
    ]  # fmt: skip
    plan["menus"] = {code: list(m.dishes) for code, m in sorted(menus.items())}
    plan["production"] = [
        {"dish": ln.dish, "variant": ln.variant, "portions": ln.portions,
         "profiles": list(ln.profiles)}
        for ln in lines
    ]  # fmt: skip
    plan["purchase"] = [
        {"ingredient": p.ingredient, "kg": p.kg, "cost_fen": p.cost_fen,
         "supplier_category": p.supplier_category}
        for p in purchase
    ]  # fmt: skip
    plan["purchase_waste_allowance"] = planning.purchase_waste_allowance
    plan["waves"] = [
        {"wave": w.number, "start": _hhmm(w.start_min), "finish": _hhmm(w.finish_min),
         "trips": [d.trip for d in w.departures]}
        for w in waves
    ]  # fmt: skip
    plan["warnings"] = warnings
    (out / FILES["plan_json"]).write_text(
        json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    files["plan_json"] = FILES["plan_json"]

    objective = routes["objective"]
    figures = {
        "meals": demand.total_meals,
        "sites": len(demand.sites),
        "sites_forecast": sum(1 for s in demand.sites if s.source == "forecast"),
        "homes": len(demand.homes),
        "profiles": len(meals_by_profile),
        "profiles_without_menu": unplanned,
        "dishes": len(dish_codes),
        "portions": sum(ln.portions for ln in lines),
        "vehicles": objective["vehicles"],
        "trips": objective["trips"],
        "distance_km": round(objective["distance_m"] / 1000, 1),
        "meals_delivered": objective["meals_delivered"],
        "meals_unserved": objective["meals_unserved"],
        "waves": len(waves),
        "purchase_cost_yuan": round(sum(p.cost_fen for p in purchase) / 100, 2),
        "routing_wall_s": routes_plan.wall_s,
    }
    ok = routes_plan.has_plan and objective["meals_delivered"] > 0
    return DailyPlanResult(
        date=date,
        service=service,
        run_id=recorder.run_id,
        out_dir=out,
        ok=ok,
        figures=figures,
        warnings=warnings,
        files=files,
        plan=plan,
    )


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _route_sheets(
    routes: list[Route],
    date: dt.date,
    service: str,
    menus: dict[str, Any],
    profiles: dict[str, DietProfile],
    dish_allergens: dict[str, frozenset[str]],
    dishes: dict[str, Dish],
    settings: Settings,
) -> list[RouteSheet]:
    limits = hold_limits(settings.planning)
    all_profiles = profiles
    sheets: list[RouteSheet] = []
    for route in routes:
        vehicle: Vehicle = route.vehicle
        driver: Driver | None = route.driver
        kitchen = route.kitchen
        kinfo = KitchenInfo(
            name=kitchen.name,
            address=kitchen.address,
            phone=kitchen.contact_phone,
            lat=kitchen.lat,
            lon=kitchen.lon,
            code=kitchen.code,
        )
        for trip in route.trips:
            stops: list[RouteStopView] = []
            distance = 0
            drive = 0
            for st in trip.stops:
                place = st.site if st.site is not None else st.client
                assert place is not None
                distance += st.distance_m_from_prev
                drive += st.minutes_from_prev
                stop_meals = []
                for code, count in sorted(st.meals.items()):
                    profile = all_profiles.get(code)
                    menu = menus.get(code)
                    menu_dishes = menu.dishes if menu is not None else ()
                    allergens = sorted({a for d in menu_dishes for a in dish_allergens.get(d, ())})
                    stop_meals.append(
                        StopMeals(
                            profile=code,
                            profile_name=profile.name_zh if profile else code,
                            profile_name_en=profile.name_en if profile else code,
                            count=count,
                            iddsi_level=profile.max_iddsi if profile else 7,
                            allergens=tuple(allergens),
                            halal=bool(profile and profile.halal),
                            dishes=tuple(dishes[d].name_zh for d in menu_dishes if d in dishes),
                        )
                    )
                if st.site is not None:
                    address, phone = st.site.address, st.site.contact_phone
                    contact, notes = st.site.contact_name, st.site.notes
                else:
                    assert st.client is not None
                    address, phone = st.client.address, st.client.phone
                    contact, notes = "", st.client.driver_notes
                stops.append(
                    RouteStopView(
                        seq=st.seq,
                        kind=st.kind,
                        name=place.name,
                        address=address,
                        phone=phone,
                        window_start_min=st.window_start_min,
                        window_end_min=st.window_end_min,
                        eta_min=st.arrive_min,
                        meals=tuple(stop_meals),
                        lat=place.lat,
                        lon=place.lon,
                        contact_name=contact,
                        eat_by_min=trip.ready_min + limits[st.kind],
                        notes=notes,
                        distance_m_from_prev=st.distance_m_from_prev,
                    )
                )
            sheets.append(
                RouteSheet(
                    date=date,
                    service=service,
                    kitchen=kinfo,
                    vehicle=vehicle.name or vehicle.code,
                    vehicle_plate=vehicle.plate,
                    driver=driver.name if driver else "",
                    driver_phone=driver.phone if driver else "",
                    ready_min=trip.ready_min,
                    depart_min=trip.depart_min,
                    return_min=trip.return_min,
                    stops=tuple(stops),
                    trip_seq=trip.seq,
                    trip_count=len(route.trips),
                    distance_m=distance,
                    drive_minutes=drive,
                    hold_limit_minutes=settings.planning.hold_limit_bulk_minutes,
                )
            )
    return sheets


def progress_printer() -> ProgressCallback:
    """A progress callback for terminals without a bar (logs each stage)."""
    started = time.perf_counter()

    def report(stage: str, fraction: float) -> None:
        log.info("[%3.0f%%] %s (%.1f s)", fraction * 100, stage, time.perf_counter() - started)

    return report
