"""Celery on Redis: the daily plan's fan-out and the panel's jobs on worker machines.

Without ``MEALPLAN_BROKER_URL`` nothing here is used: :func:`mealplan.parallel.run_each`
runs on the local process pool and the panel starts its jobs as local processes.

With a broker (docs/deployment.md):

- **compute** queue: :data:`CALL` runs one ``fn(*args)`` of a ``run_each`` fan-out (a
  kitchen's routing run, a PDF). Tasks are pure computations on their pickled inputs;
  the coordinating process (``mealplan plan``, a panel job) sends them as one group,
  collects the results as they finish and commits the plan itself, so a task run twice
  (re-delivered after its worker died) changes nothing but the time taken. Tasks are
  acknowledged after they finish (``acks_late``) and a worker process killed mid-task
  puts its message back at once (``reject_on_worker_lost``); a whole worker machine
  lost is noticed after ``[distributed] visibility_timeout_s``.
- **jobs** queue: :data:`JOB` runs a panel job's command line (``mealplan plan ...
  --run-id N``) on a worker machine, output to the job's log in the shared instance
  folder; :data:`BATCH` is the scheduled daily batch sent by ``mealplan beat``. Run the
  jobs queue on its own worker (``mealplan worker --queues jobs``): a job waits on
  compute tasks and must not take the slots they need.

Arguments and results are pickled: the broker must be reachable only by mealplan's own
machines (a private network and a Redis password; see docs/deployment.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from celery import Celery, group
from celery.result import AsyncResult
from celery.schedules import crontab
from kombu.exceptions import OperationalError as BrokerError

from mealplan.config import DistributedSettings, Settings, load_settings
from mealplan.errors import MealplanError

log = logging.getLogger(__name__)

CALL = "mealplan.call"
JOB = "mealplan.job"
BATCH = "mealplan.batch"
COMPUTE = "compute"
JOBS = "jobs"
QUEUES = (COMPUTE, JOBS)

#: How often the coordinator looks for finished tasks (seconds): every POLL_S after a
#: result came in, then less and less often up to POLL_MAX_S while none does (each look
#: asks Redis once per pending task; kitchens take seconds to minutes).
POLL_S = 0.1
POLL_MAX_S = 1.0
#: How long the coordinator waits for workers to answer before it says there are none.
PING_S = 2.0


class BrokerUnavailableError(MealplanError):
    """The broker cannot be reached, or no worker serves the compute queue."""


def enabled(settings: Settings) -> bool:
    """True when a broker is configured (Celery runs the fan-outs and the panel's jobs)."""
    return bool(settings.distributed.broker_url)


@lru_cache(maxsize=8)
def app_for(d: DistributedSettings) -> Celery:
    """The Celery application for these settings (one per broker in a process)."""
    app = Celery("mealplan", set_as_current=False)
    hour, minute = (int(x) for x in d.batch_time.split(":"))
    app.conf.update(
        broker_url=d.broker_url,
        result_backend=d.result_url or d.broker_url,
        # functions and solver inputs are dataclasses: pickle (the broker must be private)
        task_serializer="pickle",
        result_serializer="pickle",
        accept_content=["pickle"],
        result_accept_content=["pickle"],
        # retry-safe: acknowledge after the task, re-queue when its process dies
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": d.visibility_timeout_s},
        result_backend_transport_options={"visibility_timeout": d.visibility_timeout_s},
        result_expires=dt.timedelta(days=1),
        broker_connection_retry_on_startup=True,
        task_track_started=True,
        task_default_queue=COMPUTE,
        task_routes={CALL: {"queue": COMPUTE}, JOB: {"queue": JOBS}, BATCH: {"queue": JOBS}},
        worker_hijack_root_logger=False,
        enable_utc=False,  # beat's crontab in the machine's local time
        beat_schedule={
            "daily-batch": {
                "task": BATCH,
                "schedule": crontab(hour=hour, minute=minute),
                "options": {"queue": JOBS},
            }
        },
    )
    app.task(name=CALL, acks_late=True, reject_on_worker_lost=True)(call)
    app.task(name=JOB, acks_late=True, reject_on_worker_lost=True)(run_job_command)
    app.task(name=BATCH, acks_late=True, reject_on_worker_lost=True)(daily_batch)
    return app


# --------------------------------------------------------------------------- tasks


def call(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """The compute task: ``fn(*args)`` (pure; the same inputs give the same result)."""
    return fn(*args)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """A job's process ends (SIGTERM: recorded as killed) when its worker process dies."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def mealplan_command(args: Sequence[str], log_file: str) -> int:
    """Run ``python -m mealplan ARGS`` on this machine with its own settings, output
    appended to ``log_file``; returns the exit code."""
    path = Path(log_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with path.open("ab") as out:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "mealplan", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(path.parent),
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
            check=False,
        )
    return proc.returncode


def run_job_command(args: list[str], log_file: str) -> int:
    """The jobs task: a panel job's command line (``plan ... --run-id N``); the command
    records its own progress and outcome on the run, as it does when started locally.
    Re-delivered after a lost worker, it runs again under the same run id (the plan's
    lock and its one-step commit keep the result single)."""
    log.info("job: mealplan %s", " ".join(args))
    return mealplan_command(args, log_file)


def daily_batch(date: str = "") -> dict[str, int]:
    """The scheduled daily batch (``mealplan beat``): ``mealplan plan`` for each of
    ``[distributed] batch_services`` on ``date`` (default today); exit code per service."""
    settings = load_settings()
    day = date or dt.date.today().isoformat()
    codes: dict[str, int] = {}
    for service in (s.strip() for s in settings.distributed.batch_services.split(",")):
        if not service:
            continue
        log_file = Path(settings.instance_path) / "jobs" / f"batch-{day}-{service}.log"
        codes[service] = mealplan_command(
            ["plan", "--date", day, "--service", service], str(log_file)
        )
    return codes


# --------------------------------------------------------------------------- sending


def _unreachable(d: DistributedSettings, exc: BaseException) -> BrokerUnavailableError:
    return BrokerUnavailableError(
        f"cannot reach the broker {redact(d.broker_url)}: {exc} "
        "(is Redis running and MEALPLAN_BROKER_URL right?)"
    )


def redact(url: str) -> str:
    """``url`` without its password (for messages and logs)."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"


def compute_workers(
    d: DistributedSettings, timeout_s: float = PING_S, *, limit: int | None = None
) -> list[str]:
    """Names of the workers that serve the compute queue now (``limit``: stop listening
    after that many workers answered, else wait ``timeout_s`` for all of them)."""
    app = app_for(d)
    try:
        queues = app.control.inspect(timeout=timeout_s, limit=limit).active_queues() or {}
    except (BrokerError, OSError) as exc:
        raise _unreachable(d, exc) from exc
    return sorted(w for w, qs in queues.items() if any(q.get("name") == COMPUTE for q in qs))


def has_compute_worker(d: DistributedSettings) -> bool:
    """True when a worker serves the compute queue: at the first answer when the first
    worker to answer serves it (milliseconds), else after waiting :data:`PING_S` for all."""
    return bool(compute_workers(d, limit=1)) or bool(compute_workers(d))


class CeleryEngine:
    """The :class:`mealplan.parallel.Engine` on Celery: one group of :data:`CALL` tasks
    per fan-out, results collected as they finish."""

    def __init__(self, d: DistributedSettings, *, check_workers: bool = True) -> None:
        self.settings = d
        self.check_workers = check_workers

    def run(
        self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], order: Sequence[int]
    ) -> Iterator[tuple[int, Any]]:
        d = self.settings
        app = app_for(d)
        if self.check_workers and not has_compute_worker(d):
            raise BrokerUnavailableError(
                f"no worker serves the compute queue on {redact(d.broker_url)}: start "
                "`mealplan worker` on a worker machine (or unset MEALPLAN_BROKER_URL to "
                "plan on this machine)"
            )
        name = getattr(fn, "__qualname__", repr(fn))
        log.info("%d %s call(s) sent to the compute queue", len(calls), name)
        try:
            sent = group(app.signature(CALL, args=(fn, tuple(calls[i]))) for i in order)
            result = sent.apply_async(queue=COMPUTE)
        except (BrokerError, OSError) as exc:
            raise _unreachable(d, exc) from exc
        pending: dict[int, AsyncResult] = dict(zip(order, result.results, strict=True))
        delay = POLL_S
        try:
            while pending:
                finished = [i for i, r in pending.items() if r.ready()]
                for i in finished:
                    value = pending.pop(i).get(disable_sync_subtasks=False, propagate=True)
                    yield i, value
                if finished:
                    delay = POLL_S
                else:
                    time.sleep(delay)
                    delay = min(POLL_MAX_S, delay * 1.5)
        except BaseException:
            result.revoke()
            raise
        finally:
            result.forget()


def engine_from_env() -> CeleryEngine | None:
    """The engine the settings ask for (None without a broker): a source for
    :func:`mealplan.parallel.set_engine`."""
    settings = load_settings()
    return CeleryEngine(settings.distributed) if enabled(settings) else None


def submit_job(settings: Settings, args: Sequence[str], log_file: Path, run_id: int) -> str:
    """Queue a panel job's command (``args`` after ``python -m mealplan``) on the jobs
    queue; returns the task id (``mealplan-run-<run_id>``)."""
    d = settings.distributed
    task_id = f"mealplan-run-{run_id}"
    try:
        app_for(d).send_task(JOB, args=(list(args), str(log_file)), queue=JOBS, task_id=task_id)
    except (BrokerError, OSError) as exc:
        raise _unreachable(d, exc) from exc
    return task_id


def task_state(settings: Settings, task_id: str) -> str:
    """Celery's state of a task (``PENDING`` also when unknown; ``UNKNOWN`` when the
    result store cannot be reached)."""
    try:
        return str(AsyncResult(task_id, app=app_for(settings.distributed)).state)
    except (BrokerError, OSError) as exc:
        log.warning("cannot read task %s: %s", task_id, exc)
        return "UNKNOWN"


def revoke(settings: Settings, task_id: str) -> None:
    """Drop a queued task (a run given up as lost must not start later)."""
    try:
        app_for(settings.distributed).control.revoke(task_id)
    except (BrokerError, OSError) as exc:
        log.warning("cannot revoke task %s: %s", task_id, exc)


def worker_argv(queues: Sequence[str], concurrency: int, loglevel: str, name: str) -> list[str]:
    """The ``celery worker`` arguments of ``mealplan worker``."""
    argv = ["worker", "--queues", ",".join(queues), "--concurrency", str(concurrency)]
    argv += ["--loglevel", loglevel, "--pool", "prefork", "--without-gossip", "--without-mingle"]
    return [*argv, "--hostname", name] if name else argv


def beat_argv(schedule_file: Path, loglevel: str) -> list[str]:
    """The ``celery beat`` arguments of ``mealplan beat``."""
    return ["beat", "--schedule", str(schedule_file), "--loglevel", loglevel]
