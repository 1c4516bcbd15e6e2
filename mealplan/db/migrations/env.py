"""Alembic environment: runs migrations on the engine mealplan uses."""

from __future__ import annotations

from alembic import context

from mealplan.db.models import Base
from mealplan.db.session import engine_for

config = context.config
_url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
if not _url:
    raise RuntimeError("no database URL configured for migrations")
url: str = str(_url)


def run_migrations_offline() -> None:
    context.configure(
        url=url,
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with engine_for(url).connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=url.startswith("sqlite"),
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
