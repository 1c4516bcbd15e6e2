"""``mealplan demo``: load a realistic, reproducible demo network."""

from __future__ import annotations

import datetime as dt

import click

from mealplan.config import load_settings
from mealplan.db.session import unit_of_work
from mealplan.demo import PRESETS


@click.command("demo")
@click.option(
    "--preset",
    type=click.Choice(PRESETS),
    default="district",
    show_default=True,
    help="district: 1 kitchen, 25 sites, ~300 homes; city: 4 kitchens, ~150 sites, ~2,000 "
    "homes; province: 12 kitchens, ~600 sites, ~8,000 homes.",
)
@click.option(
    "--date",
    "date_",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the two weeks of headcounts (default: today).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
def demo(preset: str, date_: dt.datetime | None, seed: int) -> None:
    """Load the catalogue and a demo network (fictional people) into the database.

    Running it again with the same seed and date changes nothing.
    """
    from mealplan.demo import DEMO_STEPS, load_demo

    day = date_.date() if date_ is not None else dt.date.today()
    settings = load_settings()
    with (
        click.progressbar(length=len(DEMO_STEPS), label="loading demo", file=None) as bar,
        unit_of_work(settings) as session,
    ):
        started: list[str] = []

        def progress(step: str) -> None:
            if started:
                bar.update(1)
            started.append(step)
            bar.label = f"demo: {step}"

        summary = load_demo(
            session, preset, date=day, seed=seed, progress=progress, planning=settings.planning
        )
        bar.update(1)
    click.echo(summary.summary())
