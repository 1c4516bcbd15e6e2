"""``mealplan db``: create, upgrade and inspect the schema."""

from __future__ import annotations

import click

from mealplan.config import load_settings
from mealplan.db import migrate


@click.group()
def db() -> None:
    """Database schema (SQLite by default; MEALPLAN_DATABASE_URL selects another)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_cmd(revision: str) -> None:
    """Create the schema or upgrade it to REVISION."""
    settings = load_settings()
    migrate.upgrade(settings, revision)
    click.echo(f"database at revision {migrate.current_revision(settings)}")


@db.command("downgrade")
@click.argument("revision")
def downgrade_cmd(revision: str) -> None:
    """Downgrade the schema to REVISION (e.g. base)."""
    migrate.downgrade(load_settings(), revision)


@db.command("current")
def current_cmd() -> None:
    """Print the schema revision of the database."""
    click.echo(migrate.current_revision(load_settings()) or "empty")


@db.command("revision")
@click.option("-m", "--message", required=True)
def revision_cmd(message: str) -> None:
    """(Developers) autogenerate a migration from the models."""
    migrate.revision(load_settings(), message)
