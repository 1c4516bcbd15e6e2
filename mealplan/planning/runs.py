"""Plan runs and the per-date lock.

A run records what it was asked, what it found and how long each stage took
(:class:`~mealplan.db.models.PlanRun`). Writers take a lock per (kind, date, service):
a row in ``plan_lock`` under a unique constraint, committed on its own, so two runs for
the same date cannot both write. A lock left by a killed process (same host, process
gone) or older than ``stale_after`` is taken over with a warning.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mealplan.db.models import PlanLock, PlanRun
from mealplan.errors import PlanLockedError

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float], None]


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_alive(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # cannot tell for another machine: assume alive until stale
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def plan_lock(
    factory: sessionmaker[Session],
    kind: str,
    date: dt.date,
    service: str,
    *,
    stale_after: dt.timedelta = dt.timedelta(hours=2),
) -> Iterator[None]:
    """Hold the lock for (kind, date, service) for the duration of the block."""
    holder = _holder()
    for attempt in range(2):
        with factory() as session:
            session.add(PlanLock(kind=kind, date=date, service=service, holder=holder))
            try:
                session.commit()
                break
            except IntegrityError:
                session.rollback()
            existing = session.scalar(
                select(PlanLock).where(
                    PlanLock.kind == kind, PlanLock.date == date, PlanLock.service == service
                )
            )
            if existing is None:
                continue
            age = dt.datetime.now() - existing.acquired_at
            if attempt == 0 and (not _holder_alive(existing.holder) or age > stale_after):
                log.warning(
                    "taking over a stale %s lock for %s %s left by %s",
                    kind,
                    date,
                    service,
                    existing.holder,
                )
                session.delete(existing)
                session.commit()
                continue
            raise PlanLockedError(
                f"another {kind} run for {date.isoformat()} {service} is in progress "
                f"({existing.holder}, since {existing.acquired_at:%H:%M:%S})"
            )
    else:  # pragma: no cover - both attempts lost a race
        raise PlanLockedError(f"could not take the {kind} lock for {date} {service}")
    try:
        yield
    finally:
        with factory() as session:
            session.execute(
                delete(PlanLock).where(
                    PlanLock.kind == kind,
                    PlanLock.date == date,
                    PlanLock.service == service,
                    PlanLock.holder == holder,
                )
            )
            session.commit()


def progress_path(instance_path: Path, run_id: int) -> Path:
    """Where a running job publishes its progress (see :class:`RunRecorder`)."""
    return instance_path / "jobs" / f"{run_id}.progress.json"


def read_progress(instance_path: Path, run_id: int) -> dict[str, Any] | None:
    """The latest progress a running job published, or None."""
    try:
        data = json.loads(progress_path(instance_path, run_id).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class RunRecorder:
    """Keeps a PlanRun row up to date from a long job, so that the panel can show progress
    while the job's main transaction is still open.

    Progress goes to a small JSON file (``instance/jobs/<id>.progress.json``, replaced atomically)
    and, on servers that allow a second writer during the job's transaction (PostgreSQL),
    to the PlanRun row as well. SQLite has one writer at a time, so there the row is
    written at the start and the end only and the file carries the progress between."""

    factory: sessionmaker[Session]
    run_id: int
    on_progress: ProgressCallback | None = None
    progress_file: Path | None = None
    db_progress: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _stage_started: float = field(default_factory=time.perf_counter)
    _stage: str = ""

    @classmethod
    def start(
        cls,
        factory: sessionmaker[Session],
        kind: str,
        date: dt.date,
        service: str,
        inputs: dict[str, Any],
        on_progress: ProgressCallback | None = None,
        run_id: int | None = None,
        instance_path: Path | None = None,
    ) -> RunRecorder:
        with factory() as session:
            run = session.get(PlanRun, run_id) if run_id is not None else None
            if run is None:
                run = PlanRun(kind=kind, date=date, service=service, status="running")
                session.add(run)
            run.status = "running"
            run.inputs = {**(run.inputs or {}), **inputs}  # keep who queued it
            run.started_at = dt.datetime.now().replace(microsecond=0)
            session.commit()
            sqlite = session.get_bind().dialect.name == "sqlite"
            recorder = cls(
                factory=factory,
                run_id=run.id,
                on_progress=on_progress,
                progress_file=progress_path(instance_path, run.id) if instance_path else None,
                db_progress=not sqlite,
            )
            recorder._publish("queued", 0.0)
            return recorder

    def _publish(self, stage: str, progress: float, status: str = "running") -> None:
        if self.progress_file is None:
            return
        self.progress_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.progress_file.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "run_id": self.run_id,
                    "status": status,
                    "stage": stage,
                    "progress": progress,
                    "timings": self.timings,
                    "updated_at": dt.datetime.now().isoformat(timespec="seconds"),
                }
            ),
            encoding="utf-8",
        )
        tmp.replace(self.progress_file)

    def stage(self, name: str, progress: float) -> None:
        """Close the current stage's timing and start ``name`` at ``progress`` (0..1)."""
        now = time.perf_counter()
        if self._stage:
            self.timings[self._stage] = round(now - self._stage_started, 3)
        self._stage, self._stage_started = name, now
        self._publish(name, progress)
        if self.db_progress:
            with self.factory() as session:
                run = session.get(PlanRun, self.run_id)
                if run is not None:
                    run.stage = name
                    run.progress = progress
                    run.timings = dict(self.timings)
                    session.commit()
        if self.on_progress is not None:
            self.on_progress(name, progress)

    def finish(
        self,
        status: str,
        *,
        figures: dict[str, Any] | None = None,
        output: dict[str, Any] | None = None,
        error: str = "",
    ) -> None:
        now = time.perf_counter()
        if self._stage:
            self.timings[self._stage] = round(now - self._stage_started, 3)
            self._stage = ""
        with self.factory() as session:
            run = session.get(PlanRun, self.run_id)
            if run is None:
                return
            run.status = status
            run.progress = 1.0
            run.stage = ""
            run.finished_at = dt.datetime.now().replace(microsecond=0)
            run.timings = dict(self.timings)
            run.warnings = list(self.warnings)
            run.figures = figures or {}
            run.output = output or {}
            run.error = error
            session.commit()
        self._publish("", 1.0, status)
