"""Schema, migrations, units of work and configuration."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from mealplan.cli import main
from mealplan.config import Settings, UnknownConfigKeyWarning, load_settings
from mealplan.db import migrate
from mealplan.db.models import Base, Kitchen
from mealplan.db.session import engine_for, unit_of_work
from mealplan.errors import ConfigError

pytestmark = pytest.mark.db


def test_migrations_create_every_model_table(settings: Settings) -> None:
    """After `db upgrade` every table of the models exists."""
    tables = set(inspect(engine_for(settings.database_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrations_match_models(settings: Settings) -> None:
    """The migrations and the models agree: autogenerate finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine_for(settings.database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(settings: Settings) -> None:
    """Every revision has a working downgrade."""
    migrate.downgrade(settings, "base")
    assert "kitchen" not in inspect(engine_for(settings.database_url)).get_table_names()
    migrate.upgrade(settings)
    assert "kitchen" in inspect(engine_for(settings.database_url)).get_table_names()


def test_cli_db_upgrade_is_idempotent(settings: Settings) -> None:
    """`mealplan db upgrade` on an up-to-date database succeeds and reports the revision."""
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "revision" in result.output


def test_unit_of_work_rolls_back_on_error(settings: Settings) -> None:
    """A failure inside a unit of work leaves no trace in the database."""
    with pytest.raises(RuntimeError), unit_of_work(settings) as s:
        s.add(Kitchen(code="k1", name="厨房", lat=30.0, lon=120.0))
        s.flush()
        raise RuntimeError("boom")
    with unit_of_work(settings) as s:
        assert s.scalar(select(func.count()).select_from(Kitchen)) == 0


def test_default_database_is_sqlite_in_instance_folder(tmp_path: Path) -> None:
    """Without MEALPLAN_DATABASE_URL the database is a SQLite file in the instance folder."""
    settings = load_settings({"MEALPLAN_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'mealplan.sqlite3'}"
    assert settings.is_sqlite


def test_config_file_unknown_key_warns_and_bad_type_fails(tmp_path: Path) -> None:
    """Unknown configuration keys warn; a value of the wrong type is an error naming it."""
    cfg = tmp_path / "mealplan.toml"
    cfg.write_text("[planning]\nhold_limit_home_minutes = 45\nmystery = 1\n", encoding="utf-8")
    env = {"MEALPLAN_INSTANCE_PATH": str(tmp_path), "MEALPLAN_CONFIG": str(cfg)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        settings = load_settings(env)
    assert settings.planning.hold_limit_home_minutes == 45
    assert any(issubclass(w.category, UnknownConfigKeyWarning) for w in caught)
    cfg.write_text('[planning]\nhold_limit_home_minutes = "soon"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="hold_limit_home_minutes"):
        load_settings(env)
