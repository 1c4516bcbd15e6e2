"""The application factory, configuration, error handling and language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mealplan.config import Settings
from web import create_app

pytestmark = pytest.mark.db


def test_healthz(client: FlaskClient) -> None:
    """The health check answers without logging in."""
    assert client.get("/healthz").data == b"ok"


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    """A protected page redirects an anonymous visitor to the login page."""
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_secret_key_persisted_in_instance(settings: Settings, app_config: dict[str, Any]) -> None:
    """Without a configured key a random one is written to instance/secret_key and reused."""
    config = {k: v for k, v in app_config.items() if k != "SECRET_KEY"}
    first = create_app({**config, "MEALPLAN_SETTINGS": settings})
    key_file = Path(settings.instance_path) / "secret_key"
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o077 == 0
    second = create_app({**config, "MEALPLAN_SETTINGS": settings})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32


def test_secret_key_from_settings(settings: Settings, app_config: dict[str, Any]) -> None:
    """settings.secret_key wins over the instance file."""
    from dataclasses import replace

    config = {k: v for k, v in app_config.items() if k != "SECRET_KEY"}
    app = create_app({**config, "MEALPLAN_SETTINGS": replace(settings, secret_key="s3cret")})
    assert app.config["SECRET_KEY"] == "s3cret"


def test_session_cookie_flags(app: Flask) -> None:
    """Session cookies are HttpOnly and SameSite=Lax; Secure only when configured."""
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_secure_cookie_from_environment(
    settings: Settings, app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """MEALPLAN_SECURE_COOKIES=1 marks the session and remember cookies Secure."""
    monkeypatch.setenv("MEALPLAN_SECURE_COOKIES", "1")
    app = create_app({**app_config, "MEALPLAN_SETTINGS": settings})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_login_sets_httponly_cookie(client: FlaskClient, auth: Any, world: Any) -> None:
    """The session cookie set at login carries HttpOnly and SameSite=Lax."""
    user = auth.make_user("manager")
    response = auth.login(user.username)
    cookie = "; ".join(response.headers.getlist("Set-Cookie"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_server_error_rolls_back(settings: Settings, app_config: dict[str, Any]) -> None:
    """An unexpected exception gives the 500 page and the request's changes are not kept."""
    from sqlalchemy import select

    from mealplan.db.models import AuditEntry
    from mealplan.services import audit
    from web.db import get_db

    app = create_app(
        {
            **app_config,
            "MEALPLAN_SETTINGS": settings,
            "PROPAGATE_EXCEPTIONS": False,
            "TESTING": False,
        }
    )

    @app.get("/boom")
    def boom() -> str:
        audit.record(get_db(), actor="x", action="create", entity="boom")
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    with app.app_context():
        assert get_db().scalars(select(AuditEntry).where(AuditEntry.entity == "boom")).all() == []


def test_missing_catalogue_falls_back_to_english(
    settings: Settings, app_config: dict[str, Any], tmp_path: Path, auth: Any, world: Any
) -> None:
    """Without a compiled .mo the panel still works, in English."""
    app = create_app(
        {
            **app_config,
            "MEALPLAN_SETTINGS": settings,
            "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path),
        }
    )
    client = app.test_client()
    user = auth.make_user("manager")
    client.post("/login", data={"username": user.username, "password": "correct horse 1"})
    html = client.get("/").get_data(as_text=True)
    assert "Day overview" in html


def test_default_language_is_chinese(client: FlaskClient, auth: Any, world: Any) -> None:
    """The login page and the dashboard are in Simplified Chinese by default."""
    assert "登录" in client.get("/login").get_data(as_text=True)
    auth.login_as("manager")
    html = client.get("/").get_data(as_text=True)
    assert "当日概览" in html
    assert 'lang="zh-CN"' in html


def test_language_switch_to_english(client: FlaskClient, auth: Any, world: Any) -> None:
    """The English link switches the pages to English and remembers it on the user."""
    user = auth.login_as("manager")
    response = client.get("/lang/en?next=/")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Day overview" in html
    assert "当日概览" not in html
    auth.logout()
    # a new session: the user's stored language applies after logging in again
    fresh = client.application.test_client()
    fresh.post("/login", data={"username": user.username, "password": "correct horse 1"})
    assert "Day overview" in fresh.get("/").get_data(as_text=True)


def test_unknown_language_is_404(client: FlaskClient) -> None:
    """Only the supported languages can be chosen."""
    assert client.get("/lang/fr").status_code == 404


def test_flask_run_entry_point() -> None:
    """``flask --app web`` finds the factory."""
    import web

    assert callable(web.create_app)
