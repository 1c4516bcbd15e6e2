"""Functions the Celery tests send to real workers (importable there through PYTHONPATH),
and a worker entry point that slows each task's first delivery so that a test can kill
the worker process mid-task."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

#: Where the slowed worker keeps which task ids it has started (set by the test).
MARKS_ENV = "MEALPLAN_TEST_TASK_MARKS"
#: Seconds the first delivery of a task sleeps before it runs.
FIRST_DELIVERY_DELAY_S = 4.0


def square(x: int) -> tuple[int, int]:
    """A pure call: ``(x, x * x)``."""
    return x, x * x


def fail(message: str) -> None:
    raise ValueError(message)


def slow_once(folder: str, i: int) -> tuple[int, int]:
    """``(i, attempts)``: the first attempt of call 0 writes its pid and sleeps long
    (for the test to kill it); any other attempt returns at once."""
    base = Path(folder)
    attempts = len(list(base.glob(f"attempt-{i}-*"))) + 1
    (base / f"attempt-{i}-{attempts}").write_text(str(os.getpid()), encoding="ascii")
    if i == 0 and attempts == 1:
        (base / "victim.pid").write_text(str(os.getpid()), encoding="ascii")
        time.sleep(120)
    return i, attempts


def _slow_first_delivery(task_id: str | None = None, **_: Any) -> None:
    marks = Path(os.environ[MARKS_ENV])
    mark = marks / f"{task_id}.started"
    if mark.exists():
        return
    mark.write_text(str(os.getpid()), encoding="ascii")
    (marks / f"{task_id}.pid").write_text(str(os.getpid()), encoding="ascii")
    time.sleep(FIRST_DELIVERY_DELAY_S)


def slowed_worker_main() -> None:
    """``mealplan worker ARGS`` whose tasks sleep on their first delivery (test only)."""
    from celery.signals import task_prerun

    from mealplan.cli import main

    task_prerun.connect(_slow_first_delivery, weak=False)
    main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    slowed_worker_main()
