"""``mealplan user end-sessions``: log a user out everywhere from the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from mealplan.cli import main
from mealplan.config import Settings
from mealplan.services import users

pytestmark = pytest.mark.db


def test_end_sessions_bumps_the_version(settings: Settings, session: Session) -> None:
    """The user's current session token stops being accepted; an unknown user is exit 2."""
    user = users.create_user(session, "li", "longenough1", "manager", actor="t")
    session.commit()
    token = users.session_token(users.info(user))
    result = CliRunner().invoke(main, ["user", "end-sessions", "--username", "li"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert users.user_for_token(session, token) is None
    result = CliRunner().invoke(main, ["user", "end-sessions", "--username", "nobody"])
    assert result.exit_code == 2 and "no user 'nobody'" in result.output
