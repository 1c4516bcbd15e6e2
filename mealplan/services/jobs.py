"""Background planning jobs started from the panel.

``start_job`` records a :class:`~mealplan.db.models.PlanRun` row with status ``queued``
and launches the same command a person would type (``python -m mealplan plan --date D
--run-id N`` or ``python -m mealplan menu plan --start D --run-id N``) as a detached
process in its own session, with the panel's database and instance folder in its
environment and its output in ``<instance>/jobs/<run_id>.log``. The request never waits
for it, and the job outlives a page reload or a restart of the panel. The job itself
moves the row through ``running`` to ``done`` or ``failed`` (``mealplan.planning.runs``).

A second job of the same kind, date and service is refused while one is queued or
running. A job whose process has ended without finishing its row (killed, crashed before
it could record the failure) is marked ``failed`` the next time anyone looks at it.

Tests inject a ``runner`` (a fake) instead of a process: ``runner(command, env, log)``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan import distributed
from mealplan.config import Settings
from mealplan.db.models import PlanRun
from mealplan.db.session import session_factory
from mealplan.domain.vocab import Service
from mealplan.errors import MealplanError
from mealplan.planning.daily import FILES
from mealplan.planning.runs import pid_alive, read_progress, sweep_stale_runs

log = logging.getLogger(__name__)

KINDS = ("daily", "menu")
ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "killed")

#: Documents of a daily run, in the order the panel lists them (key -> default file).
DAILY_FILES: dict[str, str] = dict(FILES)

#: A queued job that has not started after this long is treated as lost.
QUEUED_TIMEOUT = dt.timedelta(minutes=10)
#: A running job with no process we can check is treated as lost after this long.
RUNNING_TIMEOUT = dt.timedelta(hours=6)

Runner = Callable[[Sequence[str], Mapping[str, str], Path], int | None]
"""Launches ``command`` with ``env``, output to the log path; returns the process id
(``None`` when there is no process to watch, e.g. a fake in tests)."""


class JobError(MealplanError):
    """A job could not be started (bad kind, date or parameters)."""


class JobConflictError(JobError):
    """A job of the same kind, date and service is already queued or running."""

    def __init__(self, run_id: int, kind: str, date: dt.date, service: str) -> None:
        self.run_id = run_id
        self.kind = kind
        self.date = date
        self.service = service
        super().__init__(
            f"a {kind} job for {date.isoformat()} {service} is already queued or running "
            f"(run {run_id}); wait for it to finish"
        )


@dataclass(frozen=True)
class JobStatus:
    """What the panel shows of one run (also the JSON of the status endpoint)."""

    id: int
    kind: str
    date: dt.date
    service: str
    status: str
    stage: str
    progress: float
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    warnings: tuple[str, ...] = ()
    figures: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    error: str = ""
    files: tuple[str, ...] = ()  # keys of the documents present in the output folder
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        return max(0, min(100, round(self.progress * 100)))

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "date": self.date.isoformat(),
            "service": self.service,
            "status": self.status,
            "stage": self.stage,
            "progress": round(self.progress, 4),
            "percent": self.percent,
            "finished": self.finished,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "warnings": list(self.warnings),
            "figures": self.figures,
            "timings": self.timings,
            "error": self.error,
            "files": list(self.files),
        }


# --------------------------------------------------------------------------- files


def jobs_dir(settings: Settings) -> Path:
    """Where job logs and process ids live: ``<instance>/jobs``."""
    return Path(settings.instance_path) / "jobs"


def log_path(settings: Settings, run_id: int) -> Path:
    return jobs_dir(settings) / f"{run_id}.log"


def _pid_path(settings: Settings, run_id: int) -> Path:
    return jobs_dir(settings) / f"{run_id}.pid"


def output_dir(settings: Settings, run_id: int) -> Path:
    """The folder a daily run writes its documents to: ``<instance>/runs/<run_id>``."""
    return Path(settings.instance_path) / "runs" / str(run_id)


# --------------------------------------------------------------------------- commands


def _services(service: str) -> list[str]:
    names = [s.strip() for s in service.split(",") if s.strip()]
    valid = {s.value for s in Service}
    bad = [s for s in names if s not in valid]
    if not names or bad:
        raise JobError(f"unknown service {service!r}; expected one of {sorted(valid)}")
    return names


def job_command(
    settings: Settings,
    kind: str,
    date: dt.date,
    service: str,
    params: Mapping[str, Any],
    run_id: int,
) -> list[str]:
    """The command line of a job (the same one a person would type)."""
    base = [sys.executable, "-m", "mealplan"]
    if kind == "daily":
        command = [*base, "plan", "--date", date.isoformat(), "--service", service]
        command += ["--out", str(output_dir(settings, run_id))]
    elif kind == "menu":
        days = int(params.get("days", 7))
        command = [*base, "menu", "plan", "--start", date.isoformat(), "--days", str(days)]
        command += ["--services", service]
    else:
        raise JobError(f"unknown job kind {kind!r}; expected one of {KINDS}")
    return [*command, "--run-id", str(run_id)]


def job_environment(settings: Settings) -> dict[str, str]:
    """The panel's environment with the database and instance folder made explicit."""
    env = dict(os.environ)
    env["MEALPLAN_DATABASE_URL"] = settings.database_url
    env["MEALPLAN_INSTANCE_PATH"] = str(settings.instance_path)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def subprocess_runner(command: Sequence[str], env: Mapping[str, str], log_file: Path) -> int:
    """Start ``command`` detached (own session, no stdin, output to ``log_file``).

    A daemon thread waits for the child so that it does not linger as a zombie while the
    panel runs; if the panel stops first, the child carries on and init reaps it.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=str(log_file.parent),
            start_new_session=True,
            close_fds=True,
        )
    threading.Thread(target=proc.wait, name=f"job-{proc.pid}", daemon=True).start()
    return proc.pid


# --------------------------------------------------------------------------- liveness


def _read_pid(settings: Settings, run_id: int) -> int | None:
    try:
        text = _pid_path(settings, run_id).read_text(encoding="ascii").strip()
    except OSError:
        return None
    return int(text) if text.isascii() and text.isdigit() else None


def _task_path(settings: Settings, run_id: int) -> Path:
    return jobs_dir(settings) / f"{run_id}.task"


def _read_task(settings: Settings, run_id: int) -> str:
    try:
        return _task_path(settings, run_id).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _lost_reason(settings: Settings, run: PlanRun, now: dt.datetime) -> str:
    """Why an unfinished run will never finish ('' while it may still)."""
    if run.status not in ACTIVE:
        return ""
    task = _read_task(settings, run.id)
    if task:  # a job on the Celery jobs queue (mealplan.distributed)
        state = distributed.task_state(settings, task)
        if state in ("SUCCESS", "FAILURE", "REVOKED"):
            return "the job ended on its worker without finishing; see its log"
        return ""
    pid = _read_pid(settings, run.id)
    if pid is not None:
        if pid_alive(pid):
            return ""
        return "the job process ended without finishing; see its log"
    age = now - (run.started_at or now)
    if run.status == "queued" and age > QUEUED_TIMEOUT:
        return f"the job did not start within {int(QUEUED_TIMEOUT.total_seconds() // 60)} min"
    if run.status == "running" and age > RUNNING_TIMEOUT:
        return f"the job has not finished after {int(RUNNING_TIMEOUT.total_seconds() // 3600)} h"
    return ""


def reconcile(settings: Settings, session: Session, run: PlanRun) -> bool:
    """Mark a lost run ``failed`` (flushes; the caller commits). True when it changed."""
    reason = _lost_reason(settings, run, dt.datetime.now())
    if not reason:
        return False
    log.warning("plan run %s (%s %s %s): %s", run.id, run.kind, run.date, run.service, reason)
    run.status = "failed"
    run.error = run.error or reason
    run.finished_at = dt.datetime.now().replace(microsecond=0)
    session.flush()
    return True


# --------------------------------------------------------------------------- start


def active_job(
    settings: Settings, session: Session, kind: str, date: dt.date, service: str
) -> PlanRun | None:
    """The queued or running job of this kind, date and service, if any (lost ones are
    marked failed on the way)."""
    runs = session.scalars(
        select(PlanRun)
        .where(
            PlanRun.kind == kind,
            PlanRun.date == date,
            PlanRun.service == service,
            PlanRun.status.in_(ACTIVE),
        )
        .order_by(PlanRun.id)
    ).all()
    for run in runs:
        if not reconcile(settings, session, run):
            return run
    return None


def start_job(
    settings: Settings,
    kind: str,
    date: dt.date,
    service: str,
    params: Mapping[str, Any] | None = None,
    *,
    runner: Runner | None = None,
    actor: str = "",
) -> int:
    """Queue a ``daily`` or ``menu`` job and launch it; returns the PlanRun id at once.

    Args:
        settings: the panel's settings (database, instance folder).
        kind: ``daily`` (the day's plan: demand, routes, production, documents) or
            ``menu`` (the week's menus from ``date``).
        date: the plan date, or the first day of the menu period.
        service: ``lunch`` or ``dinner`` (a menu job may name both: ``lunch,dinner``).
        params: ``days`` (default 7) for a menu job; kept on the run for the record.
        runner: launches the command (default :func:`subprocess_runner`).
        actor: who asked (kept with the run's parameters).

    Raises:
        JobConflictError: a job of this kind, date and service is queued or running.
        JobError: unknown kind or service, or the job could not be launched (the run
            is then recorded as failed).
    """
    if kind not in KINDS:
        raise JobError(f"unknown job kind {kind!r}; expected one of {KINDS}")
    services = _services(service)
    if kind == "daily" and len(services) != 1:
        raise JobError("a daily plan is for one service at a time")
    service = ",".join(services)
    params = dict(params or {})
    if kind == "menu":
        days = params.setdefault("days", 7)
        if not isinstance(days, int) or not 1 <= days <= 28:
            raise JobError(f"days must be 1..28, got {days!r}")
    factory = session_factory(settings)
    with factory() as session:
        existing = active_job(settings, session, kind, date, service)
        if existing is not None:
            session.commit()
            raise JobConflictError(existing.id, kind, date, service)
        run = PlanRun(
            kind=kind,
            date=date,
            service=service,
            status="queued",
            stage="queued",
            progress=0.0,
            inputs={"params": params, "requested_by": actor, "source": "panel"},
        )
        session.add(run)
        session.commit()
        run_id = run.id
    command = job_command(settings, kind, date, service, params, run_id)
    logfile = log_path(settings, run_id)
    logfile.parent.mkdir(parents=True, exist_ok=True)
    log.info("starting %s job %s: %s", kind, run_id, " ".join(command))
    try:
        if runner is None and distributed.enabled(settings):
            # on the Celery jobs queue: the worker runs the same command (after the
            # interpreter) with its own settings; the instance folder is shared
            task = distributed.submit_job(settings, command[3:], logfile, run_id)
            _task_path(settings, run_id).write_text(f"{task}\n", encoding="ascii")
            return run_id
        pid = (runner or subprocess_runner)(command, job_environment(settings), logfile)
    except Exception as exc:  # noqa: BLE001 - recorded on the run and re-raised as ours
        with factory() as session:
            failed = session.get(PlanRun, run_id)
            if failed is not None and failed.status in ACTIVE:
                failed.status = "failed"
                failed.error = f"the job could not be started: {exc}"
                failed.finished_at = dt.datetime.now().replace(microsecond=0)
                session.commit()
        raise JobError(f"the {kind} job could not be started: {exc}") from exc
    if pid is not None:
        _pid_path(settings, run_id).write_text(f"{pid}\n", encoding="ascii")
    return run_id


# --------------------------------------------------------------------------- reading


def _files_present(settings: Settings, run: PlanRun) -> tuple[str, ...]:
    files = run.output.get("files") if isinstance(run.output, dict) else None
    if not isinstance(files, dict):
        return ()
    return tuple(k for k in files if output_file(settings, run, k) is not None)


def _status_of(settings: Settings, run: PlanRun, *, with_files: bool) -> JobStatus:
    inputs = run.inputs if isinstance(run.inputs, dict) else {}
    params = inputs.get("params", {})
    stage, progress = run.stage or "", float(run.progress or 0.0)
    timings = run.timings or {}
    if run.status == "running":
        # On SQLite a running job cannot write its row; it publishes progress in a file.
        live = read_progress(Path(settings.instance_path), run.id)
        if live and float(live.get("progress") or 0.0) >= progress:
            stage = str(live.get("stage") or stage)
            progress = float(live.get("progress") or progress)
            timings = live.get("timings") or timings
    return JobStatus(
        id=run.id,
        kind=run.kind,
        date=run.date,
        service=run.service,
        status=run.status,
        stage=stage,
        progress=progress,
        started_at=run.started_at,
        finished_at=run.finished_at,
        warnings=tuple(_warning_text(w) for w in (run.warnings or [])),
        figures=dict(run.figures or {}),
        timings={str(k): float(v) for k, v in timings.items()},
        error=run.error or "",
        files=_files_present(settings, run) if with_files else (),
        params=dict(params) if isinstance(params, dict) else {},
    )


def _warning_text(warning: object) -> str:
    if isinstance(warning, dict):
        return str(warning.get("message") or warning)
    return str(warning)


def job_status(settings: Settings, session: Session, run_id: int) -> JobStatus | None:
    """The run's status (a lost run is marked failed first; the caller commits)."""
    run = session.get(PlanRun, run_id)
    if run is None:
        return None
    reconcile(settings, session, run)
    return _status_of(settings, run, with_files=run.status == "done")


def recent_runs(
    settings: Settings,
    session: Session,
    *,
    kinds: Sequence[str] | None = None,
    limit: int = 20,
) -> list[JobStatus]:
    """The latest runs, newest first (without checking their files); runs whose process
    was killed are marked ``killed`` first (see :func:`~mealplan.planning.runs.
    sweep_stale_runs`)."""
    sweep_stale_runs(session_factory(settings))
    stmt = select(PlanRun).order_by(PlanRun.id.desc()).limit(limit)
    if kinds is not None:
        stmt = stmt.where(PlanRun.kind.in_(list(kinds)))
    return [_status_of(settings, run, with_files=False) for run in session.scalars(stmt)]


def output_file(settings: Settings, run: PlanRun, key: str) -> Path | None:
    """The path of document ``key`` of a run, or None when the run names no such file,
    the file is missing, or its path leaves the instance folder."""
    output = run.output if isinstance(run.output, dict) else {}
    files = output.get("files")
    folder = output.get("dir")
    if not isinstance(files, dict) or not isinstance(folder, str) or key not in files:
        return None
    name = files[key]
    if not isinstance(name, str) or not name:
        return None
    instance = Path(settings.instance_path).resolve()
    base = Path(folder)
    if not base.is_absolute():
        base = instance / base
    path = (base / name).resolve()
    if not path.is_relative_to(instance) or not path.is_file():
        return None
    return path


def run_file(settings: Settings, session: Session, run_id: int, key: str) -> Path | None:
    """:func:`output_file` by run id."""
    run = session.get(PlanRun, run_id)
    return None if run is None else output_file(settings, run, key)


def log_tail(settings: Settings, run_id: int, lines: int = 40) -> str:
    """The last ``lines`` lines of a job's log ('' when there is none)."""
    path = log_path(settings, run_id)
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
