"""Logging in and out, login throttling and CSRF."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import User
from mealplan.services import users
from web import create_app

pytestmark = pytest.mark.db
PASSWORD = "correct horse 1"


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


def test_next_with_a_backslash_is_refused(client: FlaskClient, auth: Any, world: Any) -> None:
    """``next=/\\evil.example`` (a browser reads ``//evil.example``) is ignored."""
    user = auth.make_user("manager")
    response = client.post(
        "/login?next=/\\evil.example",
        data={"username": user.username, "password": "correct horse 1"},
    )
    assert response.headers["Location"] == "/"


def test_parallel_wrong_passwords_then_right_one_is_refused(
    app: Flask, auth: Any, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """39 wrong passwords at once (each from its own address) then the right one: only
    FREE_ATTEMPTS passwords are checked, the rest get 429, and the right password is
    throttled too (the failure count is one atomic UPDATE, not read-modify-write)."""
    user = auth.make_user("manager")
    checked: list[str] = []
    real_check = users.check_password_hash

    def slow_check(pwhash: str, password: str) -> bool:
        checked.append(password)
        time.sleep(0.05)
        return real_check(pwhash, password)

    monkeypatch.setattr(users, "check_password_hash", slow_check)

    def attempt(n: int, password: str = "wrong password") -> int:
        response = app.test_client().post(
            "/login",
            data={"username": user.username, "password": password},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=13) as pool:
        codes = list(pool.map(attempt, range(1, 40)))
    assert codes.count(401) == users.FREE_ATTEMPTS
    assert codes.count(429) == 39 - users.FREE_ATTEMPTS
    assert attempt(100, "correct horse 1") == 429
    assert len(checked) == users.FREE_ATTEMPTS


def test_failures_per_address_are_limited(
    settings: Settings, app_config: dict[str, Any], auth: Any, world: Any
) -> None:
    """After N failed logins from one address (any usernames) in the window, that address
    gets 429 with a Chinese message even for a right password; other addresses do not."""
    app = create_app({**app_config, "MEALPLAN_SETTINGS": settings, "LOGIN_ADDRESS_LIMIT": (3, 600)})
    client = app.test_client()
    user = auth.make_user("manager")
    for n in range(3):
        response = client.post("/login", data={"username": f"guess{n}", "password": "x" * 8})
        assert response.status_code == 401
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "该地址登录失败次数过多" in response.get_data(as_text=True)
    other = app.test_client()
    response = other.post(
        "/login",
        data={"username": user.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "127.0.0.7"},
    )
    assert response.status_code == 302


def test_successful_logins_do_not_use_up_the_address_limit(
    settings: Settings, app_config: dict[str, Any], auth: Any, world: Any
) -> None:
    """Only failures count: a canteen's shared address can log in many times."""
    app = create_app({**app_config, "MEALPLAN_SETTINGS": settings, "LOGIN_ADDRESS_LIMIT": (2, 600)})
    user = auth.make_user("site_staff")
    for _ in range(5):
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302


def _login_remembered(client: FlaskClient, username: str) -> None:
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None
    # "stay logged in" lasts 30 days (Flask-Login's default would be a year)
    lifetime = cookie.expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=29) < lifetime <= dt.timedelta(days=30)


def _replay(app: Flask, cookies: dict[str, str]) -> FlaskClient:
    """A new browser holding copies of ``cookies``."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def _cookies(client: FlaskClient) -> dict[str, str]:
    names = ("session", "remember_token")
    return {n: c.value for n in names if (c := client.get_cookie(n)) is not None}


def test_password_reset_ends_every_session(
    app: Flask, client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """After an admin resets the password, the user's session and remember-me cookie no
    longer log anyone in."""
    user = auth.make_user("manager")
    _login_remembered(client, user.username)
    stolen = _cookies(client)
    assert _replay(app, stolen).get("/").status_code == 200
    assert _replay(app, {"remember_token": stolen["remember_token"]}).get("/").status_code == 200
    users.update_user(session, user.username, password="a new password", actor="admin")
    session.commit()
    assert client.get("/").status_code == 302
    assert _replay(app, stolen).get("/").status_code == 302
    assert _replay(app, {"remember_token": stolen["remember_token"]}).get("/").status_code == 302


def test_logout_invalidates_a_replayed_cookie(
    app: Flask, client: FlaskClient, auth: Any, world: Any
) -> None:
    """Logging out clears the remember-me cookie, and copies of the session and
    remember-me cookies taken before are refused afterwards."""
    user = auth.make_user("manager")
    _login_remembered(client, user.username)
    stolen = _cookies(client)
    response = auth.logout()
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is None
    assert client.get("/").status_code == 302
    assert _replay(app, stolen).get("/").status_code == 302
    assert _replay(app, {"remember_token": stolen["remember_token"]}).get("/").status_code == 302
    # logging in again works and gives a fresh, valid session
    assert auth.login(user.username).status_code == 302
    assert client.get("/").status_code == 200


def test_old_style_session_cookie_is_refused(app: Flask, auth: Any, world: Any) -> None:
    """A session naming only the user id (before session versions) is not accepted."""
    user = auth.make_user("manager")
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True
    assert client.get("/").status_code == 302
