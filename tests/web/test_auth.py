"""Logging in and out, login throttling and CSRF."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import User
from web import create_app

pytestmark = pytest.mark.db


def test_login_and_logout(client: FlaskClient, auth: Any, world: Any) -> None:
    """A correct password logs in (dashboard reachable); logging out ends the session."""
    user = auth.make_user("manager")
    response = auth.login(user.username)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client: FlaskClient, auth: Any, world: Any) -> None:
    """A wrong password gives 401 and a message, and does not log in."""
    user = auth.make_user("manager")
    response = auth.login(user.username, "wrong password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_is_refused(client: FlaskClient, world: Any) -> None:
    """An unknown username gets the same answer as a wrong password."""
    response = client.post("/login", data={"username": "nobody", "password": "whatever1"})
    assert response.status_code == 401


def test_five_wrong_passwords_then_refused(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """After 5 wrong passwords in a row even the right password is refused (429) for a while,
    and the failures are stored on the user."""
    user = auth.make_user("manager")
    for _ in range(5):
        assert auth.login(user.username, "wrong password").status_code == 401
    response = auth.login(user.username)
    assert response.status_code == 429
    assert "秒后重试" in response.get_data(as_text=True)
    session.expire_all()
    stored = session.scalar(select(User).where(User.username == user.username))
    assert stored is not None and stored.failed_logins == 5
    assert stored.last_failed_at is not None
    # once the delay has passed the right password works and resets the count
    stored.last_failed_at = dt.datetime.now() - dt.timedelta(minutes=5)
    session.commit()
    assert auth.login(user.username).status_code == 302
    session.expire_all()
    assert session.get(User, stored.id).failed_logins == 0  # type: ignore[union-attr]


def test_inactive_user_cannot_log_in(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A deactivated account cannot log in."""
    user = auth.make_user("manager")
    user.active = False
    session.commit()
    assert auth.login(user.username).status_code == 401


def test_open_redirect_refused(client: FlaskClient, auth: Any, world: Any) -> None:
    """``next`` pointing to another host is ignored after login."""
    user = auth.make_user("manager")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": user.username, "password": "correct horse 1"},
    )
    assert response.headers["Location"] == "/"


@pytest.fixture
def csrf_client(settings: Settings, app_config: dict[str, Any]) -> FlaskClient:
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True, "MEALPLAN_SETTINGS": settings})
    return app.test_client()


def test_post_without_csrf_token_is_400(csrf_client: FlaskClient, auth: Any, world: Any) -> None:
    """With CSRF on, a login POST without the token is refused with 400."""
    user = auth.make_user("manager")
    response = csrf_client.post(
        "/login", data={"username": user.username, "password": "correct horse 1"}
    )
    assert response.status_code == 400


def test_logged_in_post_without_csrf_token_is_400(
    csrf_client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A logged-in user's form POST without the token is refused and changes nothing."""
    import re

    user = auth.make_user("manager")
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    response = csrf_client.post(
        "/login",
        data={
            "username": user.username,
            "password": "correct horse 1",
            "csrf_token": token.group(1),
        },
    )
    assert response.status_code == 302
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    response = csrf_client.post(
        f"/headcounts/S1?date={tomorrow}", data={"c-lunch-regular": "12", "date": tomorrow}
    )
    assert response.status_code == 400
    response = csrf_client.post("/logout")
    assert response.status_code == 400
