"""The kitchen's morning in one call: headcounts -> the day's menu -> production ->
routes -> cooking waves timed to departures -> purchasing -> printed documents.

``run_daily_plan`` takes the per-date lock and works in four steps, so that the
database's write lock (SQLite has one writer at a time) is held for milliseconds, not for
the whole run, and the panel and the command line stay usable while a plan runs:

1. compute (no write kept): demand, the week's missing menus and the routes; the menu and
   route planners store what they planned, which is rolled back at once;
2. read back (a write transaction that is rolled back): the plan is written, the menus and
   routes are read back as the documents need them, then rolled back;
3. render (no transaction): the documents go into a fresh staging folder;
4. publish (one short write transaction): the plan is written again, the staging folder
   replaces the output folder, then the transaction commits; if the commit fails the old
   folder is put back, if the swap fails the transaction rolls back. Documents and
   database never disagree, and a failed or killed run leaves the previous plan intact.

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

from sqlalchemy.orm import Session, sessionmaker

from mealplan.config import Settings, resolve_workers
from mealplan.db.session import retry_locked, session_factory
from mealplan.domain.vocab import Service
from mealplan.errors import MealplanError
from mealplan.planning.adapters import load_ingredients
from mealplan.planning.daily import stages
from mealplan.planning.daily.stages import FILES, DayRequest
from mealplan.planning.menus import MenuPlan
from mealplan.planning.routes import RoutesPlan
from mealplan.planning.runs import (
    ProgressCallback,
    RunRecorder,
    RunTerminated,
    plan_lock,
    sweep_staging,
    sweep_stale_runs,
    terminate_on_sigterm,
)

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
    """Plan ``date``/``service`` end to end and write the documents to ``out_dir``.

    Raises:
        MealplanError: bad input, or the output folder cannot be written (named).
        RunTerminated: the process was asked to stop (SIGTERM); the run is ``killed``.
    """
    Service(service)
    out = (out_dir or default_out_dir(settings, date, service)).resolve()
    factory = session_factory(settings)
    with plan_lock(factory, "daily", date, service):
        sweep_stale_runs(factory)
        sweep_staging(out)
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
        staging = staging_dir(out)
        try:
            with terminate_on_sigterm():
                _make_staging(staging)
                request = DayRequest(date, service, seed, lang, routing_time_limit_s)
                result = _plan(factory, settings, request, staging, out, recorder)
        except RunTerminated as exc:
            shutil.rmtree(staging, ignore_errors=True)
            recorder.finish("killed", error=str(exc))
            raise
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


def staging_dir(out: Path) -> Path:
    """The folder this process renders ``out``'s documents into before the swap."""
    return out.parent / f".{out.name}.tmp-{os.getpid()}"


def _make_staging(staging: Path) -> None:
    try:
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
    except OSError as exc:
        raise MealplanError(_disk_message(exc, staging.parent)) from exc


def _disk_message(exc: OSError, path: Path) -> str:
    where = exc.filename if isinstance(exc.filename, str) else str(path)
    reason = exc.strerror or type(exc).__name__
    return (
        f"cannot write the plan's documents to {where}: {reason} "
        "(check the folder exists, is writable and has space; nothing was stored)"
    )


def _swap_in(staging: Path, out: Path) -> Path | None:
    """Put ``staging`` in place of ``out``; returns where the old folder went (None: there
    was none). On failure nothing is moved (the old folder is put back)."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    moved = False
    try:
        if out.exists():
            if old.exists():
                shutil.rmtree(old)
            out.rename(old)
            moved = True
        staging.rename(out)
    except OSError as exc:
        if moved and not out.exists():
            old.rename(out)
        raise MealplanError(_disk_message(exc, out)) from exc
    return old if moved else None


def _swap_back(out: Path, old: Path | None) -> None:
    """Undo :func:`_swap_in` (the commit failed): the new folder goes, the old returns."""
    shutil.rmtree(out, ignore_errors=True)
    if old is not None:
        old.rename(out)


def _plan(
    factory: sessionmaker[Session],
    settings: Settings,
    request: DayRequest,
    staging: Path,
    out: Path,
    recorder: RunRecorder,
) -> DailyPlanResult:
    """The stages in order, each reported to ``recorder`` (see the module docstring for
    the four steps); the documents go to ``staging``, then replace ``out`` as the plan is
    committed."""
    planning = settings.planning
    with factory() as compute:
        # 1. compute: reads; what the planners store is rolled back at once
        recorder.stage("demand", 0.05)
        demand = stages.demand_stage(compute, request, planning)
        recorder.stage("menu", 0.15)
        try:
            planned_menus = stages.missing_menus_stage(compute, request, planning, demand)
        finally:
            compute.rollback()
        recorder.stage("routes", 0.3)
        try:
            planned_routes = stages.retimed_routes(
                compute, settings, request, demand, menus=planned_menus
            )
        finally:
            compute.rollback()

        # 2. read back in a write transaction that is not kept
        recorder.stage("production", 0.75)
        with factory() as session:
            try:
                stages.store_plan(session, demand, planned_menus, planned_routes)
                menus = stages.menus_stage(session, request, demand, planned_menus)
                routes = stages.routes_stage(session, settings, request, planned_routes)
                production = stages.production_stage(request.service, demand, menus)
                ingredients = load_ingredients(session, stages.ingredient_codes(production))
            finally:
                session.rollback()
        recorder.stage("waves", 0.78)
        waves = stages.waves_stage(
            request.service,
            planning.hold_limit_bulk_minutes,
            production,
            routes.departures,
            routes.earliest_window_min,
            planning=planning,
        )
        planned_routes.packed = stages.packed_times(waves)  # stored with the trips
        recorder.stage("purchase", 0.8)
        purchase = stages.purchase_stage(production, ingredients, planning.purchase_waste_allowance)

        # 3. render, outside any transaction
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
        try:
            stored = stages.store_stage(staging, documents, plan)
        except OSError as exc:
            raise MealplanError(_disk_message(exc, staging)) from exc

        # 4. publish: write, swap the folders, commit (undo either on failure)
        recorder.stage("commit", 0.97)
        _publish(factory, demand, planned_menus, planned_routes, staging, out)
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


def _publish(
    factory: sessionmaker[Session],
    demand: stages.DemandStage,
    menus: MenuPlan | None,
    routes: RoutesPlan,
    staging: Path,
    out: Path,
) -> None:
    """Write the plan, put the documents in place and commit, as one step: a failed swap
    rolls the transaction back, a failed commit puts the old documents back."""

    def write(session: Session) -> None:
        stages.store_plan(session, demand, menus, routes)
        session.flush()

    with factory() as session:
        retry_locked(lambda: write(session), session)
        try:
            old = _swap_in(staging, out)
        except BaseException:
            session.rollback()
            raise
        try:
            session.commit()
        except BaseException:
            session.rollback()
            _swap_back(out, old)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
        # why each one-meal trip carries one meal, for the panel's trip page (read by
        # mealplan.planning.route_sheets.one_meal_reason)
        "one_meal_trips": [
            {
                "kitchen": s.kitchen.code,
                "trip": s.trip,
                "reason": s.one_meal_reason,
                "could_join": s.one_meal_other,
            }
            for s in routes.sheets
            if s.one_meal_reason
        ],  # fmt: skip
    }


def progress_printer() -> ProgressCallback:
    """A progress callback for terminals without a bar (logs each stage)."""
    started = time.perf_counter()

    def report(stage: str, fraction: float) -> None:
        log.info("[%3.0f%%] %s (%.1f s)", fraction * 100, stage, time.perf_counter() - started)

    return report
