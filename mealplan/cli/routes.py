"""``mealplan routes``: plan and store the delivery routes of a date."""

from __future__ import annotations

import datetime as dt
import json

import click

from mealplan.cli.plan import open_follow_ups
from mealplan.config import load_settings
from mealplan.db.session import session_factory, unit_of_work
from mealplan.planning.routes import plan_routes, routes_json
from mealplan.planning.runs import plan_lock


@click.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--service", type=click.Choice(["lunch", "dinner"]), default="lunch",
              show_default=True)  # fmt: skip
@click.option("--time-limit", type=float, default=None, help="Seconds (default: config).")
@click.option("--seed", type=int, default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--replace-deliveries", is_flag=True,
              help="Re-plan even though deliveries were recorded (they are discarded).")  # fmt: skip
def routes(
    day: dt.datetime,
    service: str,
    time_limit: float | None,
    seed: int | None,
    fmt: str,
    replace_deliveries: bool,
) -> None:
    """Build and store the routes for DATE from headcounts, subscriptions, kitchens and
    fleet. Exit code 1 when no plan could be made."""
    settings = load_settings()
    date = day.date()
    with (
        plan_lock(session_factory(settings), "routes", date, service),
        unit_of_work(settings) as session,
    ):
        plan = plan_routes(
            session, date, service, settings, time_limit_s=time_limit, seed=seed,
            replace_deliveries=replace_deliveries,
        )  # fmt: skip
        data = routes_json(session, date, service, settings.planning)
    opened = open_follow_ups(settings, date, service)
    if fmt == "json":
        click.echo(json.dumps({**data, "follow_ups": opened}, ensure_ascii=False, indent=1))
    else:
        click.echo(plan.summary())
        for r in data["routes"]:
            for i, t in enumerate(r["trips"], start=1):
                meals = sum(sum(s["meals"].values()) for s in t["stops"])
                click.echo(
                    f"  {r['vehicle']:10} trip {i}: ready {t['ready_at'][11:]} depart "
                    f"{t['depart'][11:]} return {t['return'][11:]}  {len(t['stops']):3d} stops "
                    f"{meals:4d} meals  "
                    + " ".join(s["stop"] for s in t["stops"][:8])
                    + (" ..." if len(t["stops"]) > 8 else "")
                )
        for u in data["unserved"]:
            click.echo(f"  unserved {u['stop']}: {u['reason']}: {u['message']}")
        if opened:
            click.echo(f"  follow-ups: {opened} opened for meals not delivered")
        for w in plan.warnings:
            if not w.startswith("unserved"):
                click.echo(f"warning: {w}", err=True)
    if not plan.has_plan:
        raise SystemExit(1)
