"""Independent CPU-bound calls in worker processes (routing kitchens, rendering PDFs).

Processes are *spawned*: they start clean, without the parent's database connections or
threads, and import the main module again (entry points guard themselves, see
``mealplan/__main__.py``). Functions and arguments must be picklable.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

R = TypeVar("R")


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
    """
    if workers <= 1 or len(calls) <= 1:
        for i, args in enumerate(calls):
            yield i, fn(*args)
        return
    order = sorted(range(len(calls)), key=priority) if priority else range(len(calls))
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(calls)), mp_context=ctx) as pool:
        futures = {pool.submit(fn, *calls[i]): i for i in order}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
