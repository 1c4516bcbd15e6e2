"""Engines and units of work.

``unit_of_work(settings)`` yields a session inside one transaction: it commits when the
block ends normally and rolls back on any exception, so a failed import or plan changes
no stored data.

SQLite allows one writer at a time: every connection runs in WAL mode (readers go on
while another connection writes) with a busy timeout (:data:`BUSY_TIMEOUT_S`: a writer
waits that long for the lock before giving up). The daily plan keeps its write
transactions short (milliseconds), so that the panel's and the command line's writes wait
for it instead of failing; :func:`retry_locked` retries a write that still found the
database locked, and :func:`database_busy` tells the callers that report a busy database
(exit 2 in the command line, 503 in the panel) from other errors.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mealplan.config import Settings, load_settings

log = logging.getLogger(__name__)


T = TypeVar("T")

#: How long a SQLite writer waits for another writer's lock (seconds).
BUSY_TIMEOUT_S = 15

_BUSY_MESSAGES = ("database is locked", "database table is locked", "database is busy")


def database_busy(exc: BaseException) -> bool:
    """True when ``exc`` says the database was locked by another writer (SQLite's
    ``database is locked``, PostgreSQL's lock timeout) rather than anything else."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig if exc.orig is not None else exc).lower()
    code = getattr(exc.orig, "sqlstate", None)
    return any(m in text for m in _BUSY_MESSAGES) or code in ("55P03", "40P01")


def retry_locked(
    fn: Callable[[], T], session: Session | None = None, *, attempts: int = 3, pause_s: float = 0.5
) -> T:
    """``fn()``, tried again (after rolling ``session`` back) when the database was busy;
    the last attempt's error is raised. Only for a ``fn`` that redoes all of its writes."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except OperationalError as exc:
            if not database_busy(exc) or attempt == attempts:
                raise
            log.warning("database busy, retrying (%d of %d)", attempt, attempts)
            if session is not None:
                session.rollback()
            time.sleep(pause_s * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers go on while a plan writes
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine per URL for the life of the process."""
    if url in _ENGINES:
        return _ENGINES[url]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    _ENGINES[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, and before forking a worker)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    settings = settings or load_settings()
    return sessionmaker(bind=engine_for(settings.database_url), expire_on_commit=False)


@contextmanager
def unit_of_work(settings: Settings | None = None) -> Iterator[Session]:
    """A session in one transaction: commit on success, roll back on any error."""
    factory = session_factory(settings)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
