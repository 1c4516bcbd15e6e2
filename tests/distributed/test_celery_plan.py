"""The daily plan through Celery workers: the same routes as the local path, and one
committed plan when a worker process is killed mid-task."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mealplan.catalogue import load_catalogue
from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.models import (
    Client,
    DietProfile,
    Driver,
    Headcount,
    Kitchen,
    NutritionGroup,
    PlanRun,
    Route,
    Site,
    Vehicle,
)
from mealplan.db.session import unit_of_work

if TYPE_CHECKING:  # the fixture's type only: under xdist `conftest` may be another folder's
    from conftest import Workers

pytestmark = [pytest.mark.db, pytest.mark.celery, pytest.mark.slow]

DAY = dt.date(2026, 12, 2)


@pytest.fixture
def small_world(settings: Settings) -> Iterator[Settings]:
    """One kitchen, a canteen, a dining point, three homes, a van and a tricycle; routing
    by a fixed iteration budget (the time limit never binds)."""
    with unit_of_work(settings) as s:
        load_catalogue(s)
        group = s.scalar(select(NutritionGroup.id).where(NutritionGroup.code == "regular"))
        s.add(DietProfile(code="regular", name_zh="普通", name_en="Regular", group_id=group,
                          budget_fen=800, no_repeat_days=3))  # fmt: skip
        k = Kitchen(code="K1", name="拱墅区中央厨房", address="莫干山路 1 号", lat=30.3200,
                    lon=120.1400, cooking_lead_minutes=60, packing_minutes=15)  # fmt: skip
        s.add(k)
        s.flush()
        sites = [
            Site(code="C1", kind="canteen", name="米市巷长者食堂", address="米市巷 8 号",
                 lat=30.3050, lon=120.1550, kitchen_id=k.id, seats=80,
                 lunch_window_start_min=630, lunch_window_end_min=690),
            Site(code="P1", kind="dining_point", name="和睦社区助餐点", address="和睦路 3 号",
                 lat=30.3300, lon=120.1300, kitchen_id=k.id, seats=30,
                 lunch_window_start_min=640, lunch_window_end_min=700),
        ]  # fmt: skip
        s.add_all(sites)
        s.flush()
        profile = s.scalar(select(DietProfile.id))
        for site, count in zip(sites, (30, 12), strict=True):
            s.add(Headcount(date=DAY, service="lunch", site_id=site.id,
                            diet_profile_id=profile, count=count))  # fmt: skip
        for i, (lat, lon) in enumerate(((30.315, 120.150), (30.325, 120.145), (30.318, 120.132))):
            s.add(Client(code=f"H{i + 1}", name=f"王阿姨{i + 1}", address=f"文晖路 {i + 1} 号",
                         lat=lat, lon=lon, phone="13800000000", diet_profile_id=profile,
                         lunch_days="1234567", window_start_min=660, window_end_min=720,
                         category="age_80", kitchen_id=k.id))  # fmt: skip
        van = Vehicle(code="V1", name="送餐车1号", kind="van", capacity_boxes=120, speed_kmh=30,
                      shift_start_min=570, shift_end_min=840, kitchen_id=k.id)  # fmt: skip
        trike = Vehicle(code="T1", name="电动三轮车1号", kind="e_tricycle", capacity_boxes=30,
                        speed_kmh=15, shift_start_min=600, shift_end_min=800, kitchen_id=k.id)  # fmt: skip
        s.add_all([van, trike])
        s.flush()
        s.add(Driver(code="D1", name="张师傅", phone="13800000001", kitchen_id=k.id,
                     vehicle_id=van.id))  # fmt: skip
    cfg = settings.instance_path / "mealplan.toml"
    cfg.write_text(
        "[planning]\nrouting_iterations = 1500\nrouting_seeds = 3\n"
        "routing_time_limit_s = 900.0\nmenu_time_limit_s = 600.0\n",
        encoding="utf-8",
    )
    os.environ["MEALPLAN_CONFIG"] = str(cfg)
    yield settings
    os.environ.pop("MEALPLAN_CONFIG", None)


def _plan(out: Path) -> dict[str, object]:
    result = CliRunner().invoke(
        main, ["plan", "--date", DAY.isoformat(), "--out", str(out), "--seed", "4"]
    )
    assert result.exit_code == 0, result.output
    return json.loads((out / "plan.json").read_text("utf-8"))  # type: ignore[no-any-return]


def test_celery_plan_has_the_local_routes_and_commits_once_after_a_kill(
    small_world: Settings, workers: Workers, tmp_path: Path, kill_when, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Planned on 2 Celery workers, one of whose processes is SIGKILLed mid-task, the day
    has the same routes as the local plan and one committed plan (routes stored once)."""
    local = _plan(tmp_path / "local")
    workers.start("a", slowed=True)
    workers.start("b", slowed=True)
    workers.wait_ready(["a", "b"])

    def first_task_pid() -> int | None:
        pids = sorted(workers.marks.glob("*.pid"))
        text = pids[0].read_text("ascii") if pids else ""
        return int(text) if text.isdigit() else None

    kill_when(first_task_pid, 600.0)
    monkeypatch.setenv("MEALPLAN_BROKER_URL", workers.redis_url)
    remote = _plan(tmp_path / "celery")
    assert first_task_pid() is not None  # a task was killed and re-delivered
    logs = "".join(f.read_text("utf-8", "replace") for f in workers.folder.glob("*.log"))
    assert "exited prematurely" in logs  # the worker saw its process die mid-task
    assert remote["routes"] == local["routes"]
    assert remote["production"] == local["production"]
    with unit_of_work(small_world) as s:
        stored = s.scalar(select(func.count()).select_from(Route).where(Route.date == DAY))
        assert stored == len(remote["routes"])  # type: ignore[arg-type]
        runs = s.scalars(select(PlanRun.status).where(PlanRun.kind == "daily")).all()
        assert runs == ["done", "done"]


def test_panel_daily_job_runs_on_the_jobs_worker_with_progress(
    small_world: Settings, workers: Workers
) -> None:
    """With a broker, start_job queues the daily plan on the Celery jobs queue; the panel's
    status shows it move to done with its stage, 100 % and the documents present."""
    import dataclasses
    import time

    from mealplan.db.session import session_factory
    from mealplan.services import jobs

    workers.start("jobs", queues="jobs")
    workers.start("a")
    workers.wait_ready(["jobs"], queue="jobs")
    workers.wait_ready(["a"])
    settings = dataclasses.replace(
        small_world,
        distributed=dataclasses.replace(small_world.distributed, broker_url=workers.redis_url),
    )
    run_id = jobs.start_job(settings, "daily", DAY, "lunch")
    assert (jobs.jobs_dir(settings) / f"{run_id}.task").exists()
    seen: set[str] = set()
    deadline = time.monotonic() + 500
    while True:
        with session_factory(settings)() as s:
            status = jobs.job_status(settings, s, run_id)
            s.commit()
        assert status is not None
        seen.add(status.status)
        if status.finished or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status.status == "done", (status.error, jobs.log_tail(settings, run_id))
    assert status.percent == 100 or status.progress >= 0.97
    assert status.files  # the documents are in the shared instance folder
    assert seen & {"queued", "running"}
