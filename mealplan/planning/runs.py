"""Plan runs and the per-date lock.

A run records what it was asked, what it found and how long each stage took
(:class:`~mealplan.db.models.PlanRun`). Writers take a lock per (kind, date, service):
a row in ``plan_lock`` under a unique constraint, committed on its own, so two runs for
the same date cannot both write. A lock left by a killed process (same host, process
gone) or older than ``stale_after`` is taken over with a warning.

A run records its holder (``host:pid``) in its inputs; a ``running`` run whose holder is
gone (killed with -9, the machine rebooted) is marked ``killed`` by
:func:`sweep_stale_runs`, which each run and the panel's job list call, and the staging
folders such a process left are removed by :func:`sweep_staging`. SIGTERM during a run
(:func:`terminate_on_sigterm`) ends it as ``killed``, cleans its staging folder and exits
143.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import signal
import socket
import threading
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


def pid_alive(pid: int) -> bool:
    """True while a process with this id runs on this machine (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a finished child not yet reaped still answers kill(0)
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _holder_alive(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not (pid.isascii() and pid.isdigit()):
        return True  # cannot tell for another machine: assume alive until stale
    return pid_alive(int(pid))


class RunTerminated(SystemExit):
    """The process was asked to stop (SIGTERM) during a run: exit status 143."""

    def __init__(self, message: str = "stopped by SIGTERM") -> None:
        super().__init__(143)
        self.message = message

    def __str__(self) -> str:
        return self.message


@contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`RunTerminated` (so that the run is marked
    ``killed`` and cleans up) instead of ending the process at once. Only the main thread
    can install a handler; elsewhere the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise RunTerminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


KILLED_MESSAGE = "the process running it ended without finishing (killed)"


def sweep_stale_runs(factory: sessionmaker[Session]) -> list[int]:
    """Mark ``killed`` every ``running`` run whose holder process is gone (same host);
    returns their ids."""
    with factory() as session:
        swept = []
        for run in session.scalars(select(PlanRun).where(PlanRun.status == "running")):
            inputs = run.inputs if isinstance(run.inputs, dict) else {}
            holder = inputs.get("holder")
            if not isinstance(holder, str) or _holder_alive(holder):
                continue
            log.warning("plan run %s (%s %s %s): %s", run.id, run.kind, run.date,
                        run.service, KILLED_MESSAGE)  # fmt: skip
            run.status = "killed"
            run.error = run.error or KILLED_MESSAGE
            run.finished_at = dt.datetime.now().replace(microsecond=0)
            swept.append(run.id)
        if swept:
            session.commit()
        return swept


def sweep_staging(out: Path) -> list[Path]:
    """Remove the staging folders (``.NAME.tmp-PID``) and old folders (``.NAME.old-PID``)
    that processes no longer running left next to ``out``; an old folder is put back
    when the process died between the two renames of the swap (``out`` is missing)."""
    removed: list[Path] = []
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return removed
    for entry in sorted(entries):
        for kind in ("tmp", "old"):
            prefix = f".{out.name}.{kind}-"
            pid = entry.name[len(prefix) :]
            if not entry.name.startswith(prefix) or not (pid.isascii() and pid.isdigit()):
                continue
            if int(pid) == os.getpid() or pid_alive(int(pid)):
                continue
            if kind == "old" and not out.exists():
                entry.rename(out)
                log.warning("put back %s left by a stopped run", out)
                continue
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


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
            # keep who queued it; the holder lets sweep_stale_runs tell a killed run
            run.inputs = {**(run.inputs or {}), **inputs, "holder": _holder()}
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
