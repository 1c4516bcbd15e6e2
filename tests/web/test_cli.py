"""``mealplan user create`` and ``mealplan serve``."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from mealplan.cli import main
from mealplan.config import Settings
from mealplan.services import users

pytestmark = pytest.mark.db


def test_user_create_with_password_stdin(settings: Settings, session: Session, world: Any) -> None:
    """A site_staff user is created from the command line, reading the password from stdin."""
    result = CliRunner().invoke(
        main,
        [
            "user",
            "create",
            "--username",
            "li",
            "--role",
            "site_staff",
            "--site",
            "S1",
            "--password-stdin",
        ],
        input="longenough1\n",
    )
    assert result.exit_code == 0, result.output
    user = users.get_by_username(session, "li")
    assert user.role == "site_staff" and users.authenticate(session, "li", "longenough1")


def test_user_create_prompts(settings: Settings, session: Session, world: Any) -> None:
    """Without --password-stdin the password is prompted for twice."""
    result = CliRunner().invoke(
        main,
        ["user", "create", "--username", "wang", "--role", "manager"],
        input="longenough1\nlongenough1\n",
    )
    assert result.exit_code == 0, result.output
    assert users.get_by_username(session, "wang").role == "manager"


def test_user_create_error_exit_code(settings: Settings, world: Any) -> None:
    """A site_staff user without a site is a usage error (exit 2) with a message."""
    result = CliRunner().invoke(
        main,
        ["user", "create", "--username", "li", "--role", "site_staff", "--password-stdin"],
        input="longenough1\n",
    )
    assert result.exit_code == 2
    assert "needs a site" in result.output


def test_serve_uses_waitress_on_localhost(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``mealplan serve`` runs the app under waitress on 127.0.0.1:5000 by default."""
    waitress = pytest.importorskip("waitress")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append({"app": app, **kw}))
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0, result.output
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 5000
    assert calls[0]["app"].name == "web"


@pytest.mark.db
def test_generated_first_admin_is_created_once(settings: Settings) -> None:
    """--generate-password prints a password that logs in; --if-missing keeps the account."""
    from mealplan.db.session import unit_of_work
    from mealplan.services import users

    runner = CliRunner()
    args = ["user", "create", "--username", "admin", "--role", "admin", "--generate-password",
            "--if-missing"]  # fmt: skip
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    password = first.output.strip().rsplit(": ", 1)[-1]
    second = runner.invoke(main, args)
    assert second.exit_code == 0 and "exists already" in second.output
    with unit_of_work(settings) as s:
        assert users.authenticate(s, "admin", password).role == "admin"
