"""The ``mealplan`` command.

Every subcommand is a thin wrapper over a use case in ``mealplan.planning``,
``mealplan.io`` or ``mealplan.services``; the web panel calls the same functions.
Exit codes: 0 success, 1 a plan or import could not be made (the message says why),
2 bad usage or bad input.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from mealplan.errors import MealplanError

log = logging.getLogger("mealplan")

# Subcommand modules; each defines click commands named in the tuple.
_SUBCOMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mealplan.cli.db", ("db",)),
    ("mealplan.cli.io", ("import_cmd", "export_cmd")),
    ("mealplan.cli.demo", ("demo",)),
    ("mealplan.cli.vrp", ("solve_vrp",)),
    ("mealplan.cli.menu", ("menu",)),
    ("mealplan.cli.routes", ("routes",)),
    ("mealplan.cli.plan", ("plan",)),
    ("mealplan.cli.users", ("user",)),
)


class MealplanGroup(click.Group):
    """Turns MealplanError into a clear message and exit code instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MealplanError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=MealplanGroup)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="mealplan")
def main(verbose: int) -> None:
    """mealplan: menus, production, purchasing and hot-meal routes for a central kitchen."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def _register() -> None:
    for module_name, names in _SUBCOMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # feature not built yet
            raise
        for name in names:
            main.add_command(getattr(module, name))


def _register_plugins() -> None:
    """Commands other installed packages contribute (the web panel's ``serve``)."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="mealplan.commands"):
        if ep.name not in main.commands:
            main.add_command(ep.load(), ep.name)


_register()
_register_plugins()
