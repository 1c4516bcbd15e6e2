"""Independent CPU-bound calls in worker processes (routing kitchens, rendering PDFs).

Processes are *spawned*: they start clean, without the parent's database connections or
threads, and import the main module again (entry points guard themselves, see
``mealplan/__main__.py``). Functions and arguments must be picklable.

Workers end with their parent: on Linux the kernel kills them when the parent dies
(``PR_SET_PDEATHSIG``, when the pool is started from the main thread), and everywhere a
watcher thread in each worker exits it once its parent process is gone (kill -9 of the
parent included). When the caller stops early (an error, SIGTERM), the workers are
terminated instead of being waited for.

Another engine can stand behind the same call: :func:`set_engine` installs a source of
engines (the command line installs Celery's when ``MEALPLAN_BROKER_URL`` is set, see
``mealplan.distributed``), and :func:`run_each` then hands every fan-out of more than one
call to it, whatever ``workers`` says; callers do not know which engine ran them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

R = TypeVar("R")

#: How often a worker checks that its parent is still there (seconds).
PARENT_POLL_S = 0.5

_PR_SET_PDEATHSIG = 1


class Engine(Protocol):
    """Runs independent calls elsewhere (e.g. on Celery workers)."""

    def run(
        self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], order: Sequence[int]
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(i, fn(*calls[i]))`` for every call as it finishes, started in ``order``."""
        ...


EngineSource = Callable[[], Engine | None]
_engine_source: EngineSource | None = None


def set_engine(source: EngineSource | None) -> None:
    """Install where :func:`run_each` gets its engine (None: the local pool only).

    ``source()`` is asked at each fan-out and returns an engine or None (local)."""
    global _engine_source
    _engine_source = source


@contextmanager
def using(engine: Engine | None) -> Iterator[None]:
    """Run the fan-outs inside the block on ``engine`` (None: locally), then restore."""
    before = _engine_source
    set_engine(lambda: engine)
    try:
        yield
    finally:
        set_engine(before)


def current_engine() -> Engine | None:
    """The engine fan-outs go to now (None: the local pool)."""
    return _engine_source() if _engine_source is not None else None


def _die_with_parent(parent_pid: int, parent_main_thread: bool) -> None:
    """Worker initializer: exit when ``parent_pid`` is gone."""
    if sys.platform.startswith("linux") and parent_main_thread:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the call above
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_each(
    fn: Callable[..., R],
    calls: Sequence[tuple[Any, ...]],
    workers: int,
    *,
    priority: Callable[[int], Any] | None = None,
) -> Iterator[tuple[int, R]]:
    """Yield ``(i, fn(*calls[i]))`` for every call as it finishes.

    With ``workers`` <= 1 or a single call: in this process, in order. Otherwise in up to
    ``workers`` spawned processes, started in ``priority`` order (lowest first; e.g. the
    longest call first, so that no process waits on a long one started last).
    With an engine installed (:func:`set_engine`) and more than one call, the engine runs
    them (``workers`` is then the engine's business).
    """
    remote = current_engine() if len(calls) > 1 else None
    if remote is not None:
        order = sorted(range(len(calls)), key=priority) if priority else range(len(calls))
        yield from remote.run(fn, calls, list(order))
        return
    if workers <= 1 or len(calls) <= 1:
        for i, args in enumerate(calls):
            yield i, fn(*args)
        return
    order = sorted(range(len(calls)), key=priority) if priority else range(len(calls))
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(calls)),
        mp_context=ctx,
        initializer=_die_with_parent,
        initargs=(os.getpid(), threading.current_thread() is threading.main_thread()),
    )
    try:
        futures = {pool.submit(fn, *calls[i]): i for i in order}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    except BaseException:
        _terminate(pool)
        raise
    pool.shutdown(wait=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's workers now (the caller is giving up on their results)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
