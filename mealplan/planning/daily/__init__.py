"""The kitchen's morning in one call: headcounts -> the day's menu -> production ->
routes -> cooking waves timed to departures -> purchasing -> printed documents.

``run_daily_plan`` takes the per-date lock, computes everything inside one transaction
and writes the documents into a fresh folder that replaces the previous one only after
the transaction committed, so a failed or killed run leaves the previous plan intact.
The stages themselves are in :mod:`mealplan.planning.daily.stages`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mealplan.config import Settings, resolve_workers
from mealplan.db.session import session_factory, unit_of_work
from mealplan.domain.vocab import Service
from mealplan.planning.adapters import load_ingredients
from mealplan.planning.daily import stages
from mealplan.planning.daily.stages import FILES, DayRequest
from mealplan.planning.runs import ProgressCallback, RunRecorder, plan_lock

__all__ = [
    "FILES",
    "DailyPlanResult",
    "default_out_dir",
    "progress_printer",
    "run_daily_plan",
]

log = logging.getLogger(__name__)


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
            *(f"  {w['text']}" for w in self.plan.get("what_if", {}).values()),
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
                request = DayRequest(date, service, seed, lang, routing_time_limit_s)
                result = _plan(session, settings, request, staging, recorder)
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
    request: DayRequest,
    out: Path,
    recorder: RunRecorder,
) -> DailyPlanResult:
    """The stages in order, each reported to ``recorder``; the documents go to ``out``."""
    planning = settings.planning
    recorder.stage("demand", 0.05)
    demand = stages.demand_stage(session, request, planning)
    recorder.stage("menu", 0.15)
    menus = stages.menus_stage(session, request, planning, demand)
    recorder.stage("production", 0.3)
    production = stages.production_stage(request.service, demand, menus)
    recorder.stage("routes", 0.4)
    routes = stages.routes_stage(session, settings, request, demand)
    recorder.stage("waves", 0.75)
    waves = stages.waves_stage(
        request.service,
        planning.hold_limit_bulk_minutes,
        production,
        routes.departures,
        routes.earliest_window_min,
    )
    recorder.stage("purchase", 0.8)
    ingredients = load_ingredients(session, stages.ingredient_codes(production))
    purchase = stages.purchase_stage(production, ingredients, planning.purchase_waste_allowance)
    recorder.stage("documents", 0.85)
    docs = stages.kitchen_documents(request, production, waves, purchase, routes.sheets)
    generated = dt.datetime.now().replace(microsecond=0)
    documents = stages.documents_stage(
        docs, request.lang, resolve_workers(planning.workers), generated
    )
    recorder.stage("plan.json", 0.95)
    warnings = list(demand.warnings) + list(menus.warnings)
    warnings += [w for w in dict.fromkeys(routes.warnings) if w not in warnings]
    warnings += waves.warnings
    files = {f.key: f.name for f in documents.files}
    plan = stages.plan_document(
        request, demand, menus, production, routes, waves, purchase, files, warnings
    )
    stored = stages.store_stage(out, documents, plan)
    return DailyPlanResult(
        date=request.date,
        service=request.service,
        run_id=recorder.run_id,
        out_dir=out,
        ok=routes.ok,
        figures=figures(demand, menus, production, routes, waves, purchase),
        warnings=warnings,
        files=dict(stored.files),
        plan=plan,
    )


def figures(
    demand: stages.DemandStage,
    menus: stages.MenusStage,
    production: stages.ProductionStage,
    routes: stages.RoutesStage,
    waves: stages.WavesStage,
    purchase: stages.PurchaseStage,
) -> dict[str, Any]:
    """The run's figures (recorded with the run, shown by the panel)."""
    day = demand.demand
    objective = routes.objective
    return {
        "meals": day.total_meals,
        "sites": len(day.sites),
        "sites_forecast": sum(1 for s in day.sites if s.source == "forecast"),
        "homes": len(day.homes),
        "profiles": len(demand.meals_by_profile),
        "profiles_without_menu": list(menus.unplanned),
        "dishes": len({c for dishes in menus.menus.values() for c in dishes}),
        "portions": sum(ln.portions for ln in production.lines),
        "kitchens": len(production.kitchens),
        "vehicles": objective.vehicles,
        "trips": objective.trips,
        "distance_km": round(objective.distance_m / 1000, 1),
        "meals_delivered": objective.meals_delivered,
        "meals_unserved": objective.meals_unserved,
        "waves": waves.count,
        "purchase_cost_yuan": round(purchase.cost_fen / 100, 2),
        "routing_wall_s": routes.plan.wall_s,
    }


def progress_printer() -> ProgressCallback:
    """A progress callback for terminals without a bar (logs each stage)."""
    started = time.perf_counter()

    def report(stage: str, fraction: float) -> None:
        log.info("[%3.0f%%] %s (%.1f s)", fraction * 100, stage, time.perf_counter() - started)

    return report
