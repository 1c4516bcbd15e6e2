"""``mealplan worker`` and ``mealplan beat``: Celery on the broker ``MEALPLAN_BROKER_URL``
names (docs/deployment.md)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import click

from mealplan import distributed, parallel
from mealplan.config import Settings, load_settings
from mealplan.errors import MealplanError


def _configured() -> Settings:
    settings = load_settings()
    if not distributed.enabled(settings):
        raise MealplanError(
            "MEALPLAN_BROKER_URL is not set: without a broker mealplan plans on this "
            "machine and needs no worker (see docs/deployment.md)"
        )
    return settings


def _queues(text: str) -> list[str]:
    names = [q.strip() for q in text.split(",") if q.strip()]
    bad = [q for q in names if q not in distributed.QUEUES]
    if not names or bad:
        raise click.BadParameter(f"{text!r}: expected {' and/or '.join(distributed.QUEUES)}")
    return names


@click.command()
@click.option("--queues", default=distributed.COMPUTE, show_default=True,
              help="compute (the plan's kitchens and documents) and/or jobs (panel jobs, "
              "the daily batch; give them a worker of their own).")  # fmt: skip
@click.option("--concurrency", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: one per core).")  # fmt: skip
@click.option("--name", default="", help="Worker name (default: QUEUES@HOSTNAME).")
@click.option("--loglevel", default="info", show_default=True)
@click.option("--nice", type=click.IntRange(0, 19), default=0, show_default=True,
              help="Lower the worker's CPU priority by this much (e.g. 10 where the panel "
              "runs on the same machine: the panel's pages are served first).")  # fmt: skip
def worker(queues: str, concurrency: int | None, name: str, loglevel: str, nice: int) -> None:
    """Run a Celery worker: plans kitchens and renders documents for any machine's plan."""
    settings = _configured()
    names = _queues(queues)
    if nice:
        os.nice(nice)  # the worker's processes inherit it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    app = distributed.app_for(settings.distributed)
    parallel.set_engine(None)  # a task never fans out again onto the queue it runs from
    hostname = name or f"{'+'.join(names)}@{socket.gethostname()}"
    app.worker_main(
        distributed.worker_argv(names, concurrency or max(1, cores or 1), loglevel, hostname)
    )


@click.command()
@click.option("--loglevel", default="info", show_default=True)
def beat(loglevel: str) -> None:
    """Send the daily batch to the jobs queue at [distributed] batch_time (run one beat)."""
    settings = _configured()
    schedule = Path(settings.instance_path) / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    app = distributed.app_for(settings.distributed)
    click.echo(
        f"daily batch at {settings.distributed.batch_time} "
        f"({settings.distributed.batch_services}) -> queue {distributed.JOBS}",
        err=True,
    )
    app.start(distributed.beat_argv(schedule, loglevel))
