"""Schema migrations (Alembic), driven from code so that no alembic.ini is needed.

``mealplan db upgrade`` calls :func:`upgrade`; developers create a revision with
``mealplan db revision -m "what changed"`` (autogenerate against the models).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from mealplan.config import Settings, load_settings

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(settings: Settings | None = None) -> Config:
    settings = settings or load_settings()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    cfg.attributes["database_url"] = settings.database_url
    return cfg


def upgrade(settings: Settings | None = None, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision``."""
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings | None, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)


def revision(settings: Settings | None, message: str, rev_id: str | None = None) -> None:
    command.revision(alembic_config(settings), message=message, autogenerate=True, rev_id=rev_id)


def current_revision(settings: Settings | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from mealplan.db.session import engine_for

    settings = settings or load_settings()
    with engine_for(settings.database_url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
