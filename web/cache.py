"""A short-lived in-process cache for expensive, rarely-changing aggregates (the monthly
report), emptied whenever the panel commits a change.

``cached(key, compute)`` returns the value computed at most ``CACHE_SECONDS`` (app config,
default 60; 0 turns the cache off) ago for ``key``. Any commit that wrote something through
the panel's sessions (a delivery recorded, a headcount saved, a record edited) empties it,
so a change made in the panel shows at once; a change made by another process (a plan
job, the CLI) shows within ``CACHE_SECONDS``. One process, one cache: with several
waitress processes each has its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

T = TypeVar("T")

DEFAULT_SECONDS = 60.0


class TTLCache:
    """Values by key, each kept for ``seconds``; :meth:`clear` forgets them all."""

    def __init__(
        self, seconds: float = DEFAULT_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[Hashable, tuple[float, int, Any]] = {}
        self._generation = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The fresh value of ``key``, computing (outside the lock) when absent or old."""
        if self.seconds <= 0:
            return compute()
        now = self._clock()
        with self._lock:
            hit = self._values.get(key)
            generation = self._generation
            if hit is not None and hit[0] > now and hit[1] == generation:
                return hit[2]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            if self._generation == generation:  # nothing was written meanwhile
                self._values[key] = (now + self.seconds, generation, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


def _mark_write(session: Session, _context: Any) -> None:
    session.info["mealplan.wrote"] = True


def _mark_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["mealplan.wrote"] = True


def init_app(app: Flask, sessions: sessionmaker[Session]) -> None:
    cache = TTLCache(float(app.config.get("CACHE_SECONDS", DEFAULT_SECONDS)))
    app.extensions["mealplan.cache"] = cache

    def _after_commit(session: Session) -> None:
        if session.info.pop("mealplan.wrote", False):
            cache.clear()

    def _after_rollback(session: Session) -> None:
        session.info.pop("mealplan.wrote", None)

    event.listen(sessions, "after_flush", _mark_write)
    event.listen(sessions, "do_orm_execute", _mark_dml)
    event.listen(sessions, "after_commit", _after_commit)
    event.listen(sessions, "after_soft_rollback", lambda s, _t: _after_rollback(s))


def cache() -> TTLCache:
    """The app's cache."""
    value: TTLCache = current_app.extensions["mealplan.cache"]
    return value


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its value for ``key`` from less than ``CACHE_SECONDS`` ago."""
    return cache().get(key, compute)
