"""``mealplan user create`` and ``mealplan serve``: accounts for the panel, and running it."""

from __future__ import annotations

import logging
import secrets
import sys

import click

from mealplan.db.session import unit_of_work
from mealplan.errors import NotFoundError
from mealplan.services import users

log = logging.getLogger(__name__)


@click.group()
def user() -> None:
    """Accounts of the web panel."""


@user.command("create")
@click.option("--username", required=True, help="Login name.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(users.ROLES),
    help="admin, manager (kitchen manager), dispatcher, site_staff or viewer.",
)
@click.option("--site", "site_code", default=None, help="Site code (site_staff only).")
@click.option("--driver", "driver_code", default=None, help="Driver record code (driver only).")
@click.option("--street", default="", help="Street (街道) of a community_worker (default: all).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
@click.option(
    "--generate-password",
    is_flag=True,
    help="Generate a random password and print it once (for a first admin).",
)
@click.option(
    "--if-missing",
    is_flag=True,
    help="Do nothing when the user exists already (for setup scripts).",
)
def create_cmd(
    username: str,
    role: str,
    site_code: str | None,
    driver_code: str | None,
    street: str,
    password_stdin: bool,
    generate_password: bool,
    if_missing: bool,
) -> None:
    """Create a panel user; the password is prompted for (or read with --password-stdin,
    or generated with --generate-password)."""
    if if_missing:
        with unit_of_work() as session:
            try:
                users.get_by_username(session, username)
            except NotFoundError:
                pass
            else:
                click.echo(f"user {username} exists already")
                return
    if generate_password:
        password = secrets.token_urlsafe(12)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with unit_of_work() as session:
        users.create_user(
            session,
            username,
            password,
            role,
            site_code=site_code,
            street=street,
            driver_code=driver_code,
            actor="cli",
        )
    click.echo(f"created user {username} ({role}{', site ' + site_code if site_code else ''})")
    if generate_password:
        click.echo(f"password (shown once, change it in the panel): {password}")


@user.command("end-sessions")
@click.option("--username", required=True, help="Login name.")
def end_sessions_cmd(username: str) -> None:
    """Log the user out on every device (e.g. a lost phone): every session and
    remember-me cookie stops working; the password stays as it is."""
    with unit_of_work() as session:
        account = users.get_by_username(session, username)
        users.end_sessions(session, account.id, actor="cli")
    click.echo(f"ended every session of {username}")
