"""The ``mealplan`` command.

Every subcommand is a thin wrapper over a use case in ``mealplan.planning``,
``mealplan.io`` or ``mealplan.services``; the web panel calls the same functions.
Exit codes: 0 success, 1 a plan or import could not be made (the message says why),
2 bad usage or bad input, or a file or folder that cannot be written (read-only or full
disk, a path that is not a folder): the message names the path; 2 also when the database
is busy (another program held its write lock longer than the busy timeout) or cannot be
used; 143 when a run was stopped with SIGTERM.
"""

from __future__ import annotations

import errno
import importlib
import logging
import sys

import click
from sqlalchemy.exc import OperationalError

from mealplan import distributed, parallel
from mealplan.db.session import BUSY_TIMEOUT_S, database_busy
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
    ("mealplan.cli.workers", ("worker", "beat")),
)


# Errors of the file system a person fixes (permissions, space, a wrong path), shown as
# one line and exit 2 instead of a traceback.
_DISK_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EEXIST,
        errno.ENOENT,
    }
)


def disk_error_message(exc: OSError) -> str | None:
    """One line naming the path for a file-system error a person can fix, else None."""
    if exc.errno not in _DISK_ERRNOS:
        return None
    reason = exc.strerror or type(exc).__name__
    if exc.filename is None:
        return f"cannot write the output: {reason} (check the disk's free space and permissions)"
    path = exc.filename if isinstance(exc.filename, str) else repr(exc.filename)
    return f"cannot write {path}: {reason} (check the folder exists, is writable and has space)"


def database_error_message(exc: OperationalError) -> str:
    """One line for a database that is busy or cannot be used (no SQL, no traceback)."""
    if database_busy(exc):
        return (
            f"the database is busy: another program kept it locked for more than "
            f"{BUSY_TIMEOUT_S} s (a plan or an import writing); nothing was changed, "
            "try again in a minute"
        )
    reason = str(exc.orig if exc.orig is not None else exc).splitlines()[0]
    return f"the database cannot be used: {reason}; nothing was changed"


class MealplanGroup(click.Group):
    """Turns MealplanError, file-system errors such as a read-only or full output disk,
    and a busy or unusable database into a clear message and exit code 2 instead of a
    traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MealplanError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except OSError as exc:
            message = disk_error_message(exc)
            if message is None:
                raise
            log.debug("file-system error", exc_info=True)
            click.echo(f"error: {message}", err=True)
            ctx.exit(2)
        except OperationalError as exc:
            log.debug("database error", exc_info=True)
            click.echo(f"error: {database_error_message(exc)}", err=True)
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
    # with MEALPLAN_BROKER_URL set, fan-outs go to Celery workers (mealplan.distributed)
    parallel.set_engine(distributed.engine_from_env)


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
