"""``mealplan menu``: plan, show and print weekly menus."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from mealplan.config import load_settings
from mealplan.db.mappers import load_locked_meals
from mealplan.db.session import session_factory, unit_of_work
from mealplan.planning.menus import plan_menus, stored_meals
from mealplan.planning.runs import RunRecorder, plan_lock


def _services(text: str) -> list[str]:
    services = [s.strip() for s in text.split(",") if s.strip()]
    for s in services:
        if s not in ("lunch", "dinner"):
            raise click.BadParameter(f"unknown service {s!r} (lunch, dinner)")
    return services


@click.group()
def menu() -> None:
    """Weekly menus per diet profile."""


@menu.command("plan")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day.")
@click.option("--days", type=click.IntRange(1, 31), default=7, show_default=True)
@click.option("--services", default="lunch", show_default=True, help="lunch,dinner")
@click.option("--profiles", default=None, help="Only these profile codes (comma-separated).")
@click.option("--time-limit", type=float, default=None, help="Solver seconds (default: config).")
@click.option("--backend", type=click.Choice(["highs", "cbc"]), default=None)
@click.option("--dump-lp", type=click.Path(dir_okay=False), default=None,
              help="Write the model as an LP file for debugging.")  # fmt: skip
@click.option("--run-id", type=int, default=None, hidden=True, help="Panel job to report to.")
def plan_cmd(
    start: dt.datetime,
    days: int,
    services: str,
    profiles: str | None,
    time_limit: float | None,
    backend: str | None,
    dump_lp: str | None,
    run_id: int | None,
) -> None:
    """Plan and store menus for every diet profile that occurs in the period.

    Exit code 0 when every profile got a menu (soft shortfalls are listed), 1 when a
    profile could not be planned (the reason is printed; the others are stored)."""
    settings = load_settings()
    factory = session_factory(settings)
    day = start.date()
    wanted = [p.strip() for p in profiles.split(",")] if profiles else None
    with plan_lock(factory, "menu", day, services):
        recorder = RunRecorder.start(
            factory,
            "menu",
            day,
            services,
            {"days": days, "profiles": wanted},
            run_id=run_id,
            instance_path=settings.instance_path,
        )
        recorder.stage("plan", 0.1)
        try:
            with unit_of_work(settings) as session:
                plan = plan_menus(
                    session,
                    day,
                    days,
                    _services(services),
                    settings.planning,
                    profiles=wanted,
                    dump_lp=dump_lp,
                    time_limit_s=time_limit,
                    backend=backend,
                )
        except BaseException as exc:
            recorder.finish("failed", error=str(exc))
            raise
        result = plan.result
        recorder.warnings.extend(plan.warnings)
        recorder.finish(
            "done" if plan.complete else "partial",
            figures={
                "status": str(result.status),
                "objective": result.objective,
                "bound": result.bound,
                "gap": result.gap,
                "meals": plan.stored,
                "wall_s": result.wall_s,
            },
        )
    click.echo(result.summary())
    for warning in plan.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"stored {plan.stored} menus for {sum(len(p) for p in plan.profiles.values())} "
               f"profile(s) x {len(plan.dates)} day(s)")  # fmt: skip
    missing = plan.unplanned()
    if missing:
        for d, s, p in missing[:20]:
            click.echo(f"not planned: {d} {s} {p}", err=True)
        raise SystemExit(1)


@menu.command("show")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--days", type=click.IntRange(1, 62), default=7, show_default=True)
@click.option("--services", default=None, help="lunch,dinner (default: both)")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def show_cmd(start: dt.datetime, days: int, services: str | None, fmt: str) -> None:
    """Print the stored menus; ``locked`` (JSON) or ``[locked]`` marks a meal a dietitian
    fixed in the panel (re-planning keeps it)."""
    first = start.date()
    chosen = _services(services) if services else None
    with unit_of_work() as session:
        meals = stored_meals(session, first, days, chosen)
        dates = [first + dt.timedelta(days=i) for i in range(days)]
        locked = {(m.date, m.service, m.profile) for m in load_locked_meals(session, dates, chosen)}
    if fmt == "json":
        out = [{**m.as_json(), "locked": (m.date, m.service, m.profile) in locked} for m in meals]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    if not meals:
        click.echo("no menus stored for this period")
        return
    for m in meals:
        short = ", ".join(f"{s['rule']} {s['amount']}" for s in m.shortfalls)
        click.echo(
            f"{m.date} {m.service:6} {m.profile:18} {m.cost_fen / 100:5.2f} 元 "
            f"{m.nutrients.get('energy_kcal', 0):5.0f} kcal  {' / '.join(m.dish_names)}"
            + (f"  [{short}]" if short else "")
            + ("  [locked]" if (m.date, m.service, m.profile) in locked else "")
        )


@menu.command("print")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--site", "site_code", default=None, help="Canteen code (default: every site).")
@click.option("--service", default="lunch", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
def print_cmd(start: dt.datetime, site_code: str | None, service: str, lang: str,
              out_dir: str) -> None:  # fmt: skip
    """Write the public weekly menu per canteen and the nutrient report as PDF."""
    from mealplan.planning.menu_documents import write_week_documents
    from mealplan.services.menus import printable_sites, weekly_menu_doc

    settings = load_settings()
    day = start.date()
    with unit_of_work(settings) as session:
        codes = [site_code] if site_code else [s.code for s in printable_sites(session)]
        menus = [
            doc
            for code in codes
            if (doc := weekly_menu_doc(session, settings, day, code, service)) is not None
        ]
        files = write_week_documents(session, day, service, Path(out_dir), menus, lang=lang)
    for f in files:
        click.echo(str(f))
