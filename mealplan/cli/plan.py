"""``mealplan plan``: the daily batch job (safe to run unattended: no prompts, logs to
stderr, exit code 0 when a plan was made, 1 when none could be made, 2 on bad input or
when another run holds the date's lock)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path

import click

from mealplan.config import Settings, load_settings
from mealplan.db.session import unit_of_work
from mealplan.planning.daily import run_daily_plan
from mealplan.services import followups

log = logging.getLogger(__name__)


def _date(value: str) -> dt.date:
    if value == "today":
        return dt.date.today()
    if value == "tomorrow":
        return dt.date.today() + dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD, today, tomorrow)") from exc


def open_follow_ups(settings: Settings, day: dt.date, service: str) -> int:
    """The follow-up tasks (回访) of the home meals the stored plan leaves unserved: the one
    place the commands that store routes (``mealplan plan``, the panel's job, and
    ``mealplan routes``) open them; a failure here
    is logged and the follow-up list's collect picks the meals up later."""
    try:
        with unit_of_work(settings) as session:
            return followups.from_unserved(session, day, service)
    except Exception:  # the plan itself is stored: never fail the run for this
        log.exception("follow-ups for the unserved meals of %s %s not opened", day, service)
        return 0


@click.command()
@click.option("--date", "date_text", default="today", show_default=True,
              help="YYYY-MM-DD, today or tomorrow.")  # fmt: skip
@click.option("--service", type=click.Choice(["lunch", "dinner"]), default="lunch",
              show_default=True)  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the documents (default: instance/plans/DATE/SERVICE).")  # fmt: skip
@click.option("--seed", type=int, default=None, help="Solver seed (default: config).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--time-limit", type=float, default=None, help="Routing seconds (default: config).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's figures as JSON.")
@click.option("--run-id", type=int, default=None, hidden=True, help="Panel job to report to.")
def plan(
    date_text: str,
    service: str,
    out_dir: str | None,
    seed: int | None,
    lang: str,
    time_limit: float | None,
    as_json: bool,
    run_id: int | None,
) -> None:
    """Plan a day: headcounts, menu, production, routes, purchasing and documents."""
    day = _date(date_text)
    settings = load_settings()
    show_bar = sys.stderr.isatty()
    with click.progressbar(length=100, label=f"plan {day} {service}", file=sys.stderr,
                           show_eta=False) as bar:  # fmt: skip
        done = [0]

        def progress(stage: str, fraction: float) -> None:
            step = int(fraction * 100) - done[0]
            if show_bar:
                bar.label = f"plan {day} {service}: {stage}"
                if step > 0:
                    bar.update(step)
            else:
                click.echo(f"[{int(fraction * 100):3d}%] {stage}", err=True)
            done[0] = max(done[0], int(fraction * 100))

        result = run_daily_plan(
            settings,
            day,
            service,
            out_dir=Path(out_dir) if out_dir else None,
            seed=seed,
            lang=lang,
            routing_time_limit_s=time_limit,
            on_progress=progress,
            run_id=run_id,
        )
        if show_bar:
            bar.update(100 - done[0])
    opened = open_follow_ups(settings, day, service)
    if as_json:
        click.echo(json.dumps({"run_id": result.run_id, "ok": result.ok, "out": str(result.out_dir),
                               "figures": result.figures, "timings": result.timings,
                               "warnings": result.warnings, "follow_ups": opened}, ensure_ascii=False, indent=1))  # fmt: skip
    else:
        click.echo(result.summary())
        if opened:
            click.echo(f"  follow-ups: {opened} opened for meals not delivered")
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
    if not result.ok:
        raise SystemExit(1)
