"""A driver login is bound to one Driver record (mealplan.services.users, ``mealplan user
create --driver``)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.models import Driver, Kitchen
from mealplan.errors import NotFoundError
from mealplan.services import users

pytestmark = pytest.mark.db


@pytest.fixture
def driver(session: Session) -> Driver:
    kitchen = Kitchen(code="K1", name="K", lat=30, lon=120)
    session.add(kitchen)
    session.flush()
    d = Driver(code="D1", name="王师傅", kitchen_id=kitchen.id)
    session.add(d)
    session.commit()
    return d


def test_driver_needs_a_record_and_others_none(session: Session, driver: Driver) -> None:
    """A driver must name an existing Driver record; other roles may not name one."""
    with pytest.raises(users.UserError, match="needs a driver record"):
        users.create_user(session, "d0", "longenough1", "driver", actor="t")
    with pytest.raises(NotFoundError, match="no driver"):
        users.create_user(session, "d0", "longenough1", "driver", driver_code="X", actor="t")
    with pytest.raises(users.UserError, match="only driver users"):
        users.create_user(session, "m0", "longenough1", "manager", driver_code="D1", actor="t")
    user = users.create_user(session, "d1", "longenough1", "driver", driver_code="D1", actor="t")
    assert users.info(user).driver_id == driver.id


def test_role_change_drops_the_binding(session: Session, driver: Driver) -> None:
    """Changing a driver to another role unbinds the Driver record."""
    users.create_user(session, "d1", "longenough1", "driver", driver_code="D1", actor="t")
    user = users.update_user(session, "d1", role="viewer", actor="t")
    assert user.driver_id is None


def test_cli_creates_a_driver_login(settings: Settings, session: Session, driver: Driver) -> None:
    """``mealplan user create --role driver --driver D1`` binds the login."""
    result = CliRunner().invoke(
        main,
        [
            "user",
            "create",
            "--username",
            "d2",
            "--role",
            "driver",
            "--driver",
            "D1",
            "--password-stdin",
        ],  # fmt: skip
        input="longenough1\n",
    )
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert users.get_by_username(session, "d2").driver_id == driver.id
