"""The kitchen manager's web panel.

``create_app(config)`` builds the Flask app: configuration from
:func:`mealplan.config.load_settings` (the ``config`` dict overrides Flask keys), a
request-scoped database session, Flask-Login, CSRF on every form, Flask-Babel with
Simplified Chinese by default, and one blueprint per feature. Views are thin: they parse
a form and call a function of ``mealplan.services``.

Run it with ``flask --app web run`` (development) or ``mealplan serve`` (waitress).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect

from mealplan.config import Settings, load_settings

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).with_name("translations")


def _instance_secret(instance_path: str) -> str:
    """A random key kept in the instance folder, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    log.info("created a new secret key in %s", path)
    return key


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the panel. ``config`` may hold Flask keys (``TESTING``, ``WTF_CSRF_ENABLED``,
    ``SESSION_COOKIE_SECURE``...) and ``MEALPLAN_SETTINGS``, a ready
    :class:`~mealplan.config.Settings` (default: read from the environment)."""
    config = dict(config or {})
    settings: Settings = config.pop("MEALPLAN_SETTINGS", None) or load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    secure = _truthy(os.environ.get("MEALPLAN_SECURE_COOKIES"))
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_DURATION=30 * 24 * 3600,  # "stay logged in": 30 days, not a year
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        PER_PAGE=25,
        # failed logins per client address and window (seconds), besides the per-user lock
        LOGIN_ADDRESS_LIMIT=(20, 15 * 60),
        CACHE_SECONDS=60,  # web.cache: monthly report and other slow aggregates
        # static files: a week in the browser's cache; their URLs carry ?v=<mtime>, so a
        # changed file gets a new URL (see _static_version)
        SEND_FILE_MAX_AGE_DEFAULT=7 * 24 * 3600,
    )
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    app.extensions["mealplan.settings"] = settings

    from web import access, cache, db, errors, i18n, nav, security

    security.init_app(app)
    CSRFProtect(app)
    db.init_app(app, settings)
    cache.init_app(app, app.extensions["mealplan.sessions"])
    access.init_app(app)
    i18n.init_app(app)
    nav.init_app(app)
    errors.init_app(app)
    from web import messages

    messages.init_app(app)

    from web.admin import bp as admin_bp
    from web.auth import bp as auth_bp
    from web.checkin import bp as checkin_bp
    from web.claims import bp as claims_bp
    from web.dashboard import bp as dashboard_bp
    from web.deliveries import bp as deliveries_bp
    from web.driver import bp as driver_bp
    from web.followups import bp as followups_bp
    from web.headcounts import bp as headcounts_bp
    from web.imports import bp as imports_bp
    from web.menus import bp as menus_bp
    from web.order import bp as order_bp
    from web.plans import bp as plans_bp
    from web.ratings import bp as ratings_bp
    from web.records import bp as records_bp
    from web.reports import bp as reports_bp
    from web.routes import bp as routes_bp

    for bp in (
        auth_bp,
        dashboard_bp,
        records_bp,
        headcounts_bp,
        imports_bp,
        deliveries_bp,
        ratings_bp,
        reports_bp,
        admin_bp,
        menus_bp,
        plans_bp,
        routes_bp,
        driver_bp,
        order_bp,
        followups_bp,
        checkin_bp,
        claims_bp,
    ):
        app.register_blueprint(bp)

    @app.context_processor
    def _alerts() -> dict[str, Any]:
        from mealplan.services.deliveries import count_open_alerts

        def open_alert_count() -> int:
            """The banner's count (an indexed count, once per request)."""
            if not access.can("alerts.banner"):
                return 0
            if "open_alerts" not in g:
                g.open_alerts = count_open_alerts(db.get_db())
            return int(g.open_alerts)

        return {"open_alert_count": open_alert_count}

    stamps: dict[tuple[str, str], str] = {}

    @app.url_defaults
    def _static_version(endpoint: str, values: dict[str, Any]) -> None:
        """``?v=`` the file's modification time on static URLs (cache busting)."""
        if endpoint != "static" and not endpoint.endswith(".static"):
            return
        filename = values.get("filename")
        if not filename or "v" in values:
            return
        key = (endpoint, str(filename))
        if key not in stamps:
            blueprint = endpoint.rpartition(".")[0]
            folder = app.blueprints[blueprint].static_folder if blueprint else app.static_folder
            try:
                stamps[key] = str(int((Path(folder or "") / str(filename)).stat().st_mtime))
            except OSError:
                stamps[key] = ""
        if stamps[key]:
            values["v"] = stamps[key]

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    return app
