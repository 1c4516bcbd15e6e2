"""The application factory, configuration, error handling and language."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

import web
from mealplan.config import Settings
from mealplan.db.models import User
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
    """The English button (a POST) switches the pages to English and remembers it on the
    user."""
    user = auth.login_as("manager")
    response = client.post("/lang/en", data={"next": "/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert "Day overview" in html
    assert "当日概览" not in html
    assert 'action="/lang/zh_Hans_CN"' in html  # the switch back is a form too
    auth.logout()
    # a new session: the user's stored language applies after logging in again
    fresh = client.application.test_client()
    fresh.post("/login", data={"username": user.username, "password": "correct horse 1"})
    assert "Day overview" in fresh.get("/").get_data(as_text=True)


def test_language_get_changes_nothing(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """``GET /lang/en`` (a link an attacker can embed) is not a state change: 405, and
    neither the session nor the stored user changes."""
    user = auth.login_as("manager")
    assert client.get("/lang/en?next=/").status_code == 405
    session.expire_all()
    assert session.get(User, user.id).language == "zh_Hans_CN"  # type: ignore[union-attr]
    assert "当日概览" in client.get("/").get_data(as_text=True)


def test_language_post_needs_csrf(
    settings: Settings, app_config: dict[str, Any], auth: Any, world: Any
) -> None:
    """With CSRF on, switching the language without the token is refused (400)."""
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True, "MEALPLAN_SETTINGS": settings})
    csrf_client = app.test_client()
    assert csrf_client.post("/lang/en", data={"next": "/"}).status_code == 400
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    response = csrf_client.post("/lang/en", data={"next": "/login", "csrf_token": token.group(1)})
    assert response.status_code == 302
    assert "Log in" in csrf_client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example"])
def test_language_next_stays_on_site(client: FlaskClient, target: str) -> None:
    """The language switch's ``next`` cannot send the browser to another site."""
    response = client.post("/lang/en", data={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_404(client: FlaskClient) -> None:
    """Only the supported languages can be chosen."""
    assert client.post("/lang/fr").status_code == 404


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
)


def test_security_headers_on_every_response(client: FlaskClient, auth: Any, world: Any) -> None:
    """CSP, X-Frame-Options, nosniff and Referrer-Policy on pages, errors, static files
    and redirects, logged in or not."""
    responses = [client.get("/login"), client.get("/no-such-page"), client.get("/")]
    auth.login_as("manager")
    responses += [client.get("/"), client.get("/static/style.css"), client.get("/healthz")]
    for response in responses:
        for name in SECURITY_HEADERS:
            assert name in response.headers, (response.request.path, name)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        response.close()


def test_logged_in_pages_are_not_cached(client: FlaskClient, auth: Any, world: Any) -> None:
    """What a logged-in user sees (elders' data) is not kept in a shared device's cache;
    static files still are."""
    auth.login_as("manager")
    assert "no-store" in client.get("/").headers["Cache-Control"]
    with client.get("/static/style.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_no_inline_script_or_handler_in_templates() -> None:
    """Every script is a file (the CSP forbids inline scripts): no <script> without src
    (JSON data blocks aside) and no on...= handler attribute in any template."""
    templates = Path(web.__file__).with_name("templates")
    offenders = []
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
    assert offenders == []


def test_https_behind_a_proxy(
    settings: Settings, app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """MEALPLAN_PROXY_HOPS=1 trusts one proxy's X-Forwarded-For/-Proto/-Host (the client's
    address and https); secure cookies add HSTS. Without it the headers are ignored."""
    monkeypatch.setenv("MEALPLAN_PROXY_HOPS", "1")
    monkeypatch.setenv("MEALPLAN_SECURE_COOKIES", "1")
    forwarded = {
        "X-Forwarded-For": "127.0.0.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "panel.example",
    }

    def probe() -> str:
        return f"{request.scheme} {request.remote_addr} {request.host}"

    app = create_app({**app_config, "MEALPLAN_SETTINGS": settings})
    app.add_url_rule("/_probe", view_func=probe)
    response = app.test_client().get("/_probe", headers=forwarded)
    assert response.get_data(as_text=True) == "https 127.0.0.9 panel.example"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    monkeypatch.delenv("MEALPLAN_PROXY_HOPS")
    monkeypatch.delenv("MEALPLAN_SECURE_COOKIES")
    direct = create_app({**app_config, "MEALPLAN_SETTINGS": settings})
    direct.add_url_rule("/_probe", view_func=probe)
    response = direct.test_client().get("/_probe", headers=forwarded)
    assert response.get_data(as_text=True) == "http 127.0.0.1 localhost"
    assert "Strict-Transport-Security" not in response.headers


def test_bad_proxy_hops_is_refused(
    settings: Settings, app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A MEALPLAN_PROXY_HOPS that is not 0-5 stops the app at start, naming the variable."""
    monkeypatch.setenv("MEALPLAN_PROXY_HOPS", "²")
    with pytest.raises(ValueError, match="MEALPLAN_PROXY_HOPS"):
        create_app({**app_config, "MEALPLAN_SETTINGS": settings})


def test_flask_run_entry_point() -> None:
    """``flask --app web`` finds the factory."""
    import web

    assert callable(web.create_app)


def test_uncompiled_catalogue_is_compiled_at_start(
    settings: Settings, app_config: dict[str, Any], tmp_path: Path, auth: Any, world: Any
) -> None:
    """A translations folder with the .po but no .mo (a source tree never built): the app
    compiles it into the instance folder at start and speaks Chinese."""
    source = tmp_path / "translations"
    shutil.copytree(web.TRANSLATIONS, source, ignore=shutil.ignore_patterns("*.mo"))
    assert not list(source.rglob("*.mo"))
    app = create_app(
        {**app_config, "MEALPLAN_SETTINGS": settings, "BABEL_TRANSLATION_DIRECTORIES": str(source)}
    )
    assert (settings.instance_path / "translations").is_dir()
    assert not list(source.rglob("*.mo"))  # the source tree is left alone
    assert "登录" in app.test_client().get("/login").get_data(as_text=True)
