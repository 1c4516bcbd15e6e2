"""The per-date plan lock and run records."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from mealplan.config import Settings
from mealplan.db.models import PlanLock, PlanRun
from mealplan.db.session import session_factory
from mealplan.errors import PlanLockedError
from mealplan.planning.runs import RunRecorder, plan_lock

pytestmark = pytest.mark.db
DAY = dt.date(2026, 12, 2)


def test_second_run_for_same_date_cannot_take_the_lock(settings: Settings) -> None:
    """Two runs for the same date and service cannot both write."""
    factory = session_factory(settings)
    with plan_lock(factory, "daily", DAY, "lunch"):
        with (
            pytest.raises(PlanLockedError, match="in progress"),
            plan_lock(factory, "daily", DAY, "lunch"),
        ):
            pass
        with plan_lock(factory, "daily", DAY, "dinner"):  # another service is independent
            pass
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(PlanLock)) == 0


def test_lock_left_by_a_dead_process_is_taken_over(settings: Settings) -> None:
    """A lock whose holder process is gone (killed run) does not block the next run."""
    factory = session_factory(settings)
    import socket

    with factory() as s:
        s.add(
            PlanLock(
                kind="daily", date=DAY, service="lunch", holder=f"{socket.gethostname()}:999999999"
            )
        )
        s.commit()
    with plan_lock(factory, "daily", DAY, "lunch"):
        pass


def test_run_recorder_keeps_stage_timings_and_status(settings: Settings) -> None:
    """A run records its stages, progress, warnings and final status."""
    factory = session_factory(settings)
    seen: list[tuple[str, float]] = []
    rec = RunRecorder.start(
        factory, "daily", DAY, "lunch", {"sites": 2}, on_progress=lambda s, p: seen.append((s, p))
    )
    rec.stage("demand", 0.1)
    rec.stage("menu", 0.5)
    rec.warnings.append("site S2 forecast")
    rec.finish("done", figures={"meals": 10})
    with factory() as s:
        run = s.get(PlanRun, rec.run_id)
        assert run is not None
        assert run.status == "done" and run.progress == 1.0
        assert set(run.timings) == {"demand", "menu"}
        assert run.warnings == ["site S2 forecast"] and run.figures == {"meals": 10}
    assert seen == [("demand", 0.1), ("menu", 0.5)]


def test_progress_is_published_while_the_transaction_is_open(settings: Settings) -> None:
    """A running job's stage and progress can be read before its work commits (SQLite too)."""
    from mealplan.planning.runs import read_progress
    from mealplan.services.jobs import job_status

    factory = session_factory(settings)
    rec = RunRecorder.start(
        factory, "daily", DAY, "lunch", {}, instance_path=settings.instance_path
    )
    with factory() as writer:  # the job's own transaction holds the write lock meanwhile
        writer.add(PlanLock(kind="other", date=DAY, service="lunch", holder="x"))
        writer.flush()
        rec.stage("routes", 0.4)
        progress = read_progress(settings.instance_path, rec.run_id)
        assert progress is not None and progress["stage"] == "routes"
        writer.rollback()
    with factory() as s:
        status = job_status(settings, s, rec.run_id)
        assert status is not None and (status.stage, status.progress) == ("routes", 0.4)
