"""Shared fixtures.

Database tests get a fresh, migrated database each: SQLite files copied from a migrated
template by default, or a PostgreSQL database cloned from a migrated template when
``MEALPLAN_TEST_DATABASE_URL`` names a server (CI sets it; see .ci/run).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from mealplan.config import Settings, load_settings
from mealplan.db import migrate
from mealplan.db.session import dispose_engines, session_factory

PG_URL = os.environ.get("MEALPLAN_TEST_DATABASE_URL", "")
_counter = itertools.count()


def _pg_admin(url: str):  # type: ignore[no-untyped-def]
    admin = make_url(url).set(database="postgres")
    return create_engine(admin, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def _db_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database that each test copies."""
    if PG_URL:
        name = f"mealplan_tpl_{os.getpid()}"
        admin = _pg_admin(PG_URL)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        base = load_settings({"MEALPLAN_INSTANCE_PATH": str(tmp_path_factory.mktemp("tpl"))})
        migrate.upgrade(replace(base, database_url=url))
        dispose_engines()
        yield name
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
        base = load_settings({"MEALPLAN_INSTANCE_PATH": str(path.parent)})
        migrate.upgrade(replace(base, database_url=f"sqlite:///{path}"))
        dispose_engines()
        yield str(path)


@pytest.fixture
def settings(
    _db_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings pointing at a fresh migrated database; also exported to the environment
    so that CLI commands run in-process see the same database."""
    instance = tmp_path / "instance"
    instance.mkdir()
    if PG_URL:
        name = f"mealplan_t{os.getpid()}_{next(_counter)}"
        admin = _pg_admin(PG_URL)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_db_template}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        db_file = instance / "mealplan.sqlite3"
        shutil.copy(_db_template, db_file)
        url = f"sqlite:///{db_file}"
    monkeypatch.setenv("MEALPLAN_DATABASE_URL", url)
    monkeypatch.setenv("MEALPLAN_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("MEALPLAN_CONFIG", raising=False)
    # one routing process: fast, and what the rerun tests compare (tests/mealplan/
    # test_route_workers.py covers the worker processes)
    monkeypatch.setenv("MEALPLAN_WORKERS", "1")
    yield load_settings()
    dispose_engines()
    if PG_URL:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    """A session on the fresh database (the test commits or not as it needs)."""
    s = session_factory(settings)()
    try:
        yield s
    finally:
        s.close()
