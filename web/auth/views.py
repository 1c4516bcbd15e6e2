from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from mealplan.services import users
from web.access import PanelUser, home_for
from web.auth import bp
from web.auth.forms import LoginForm, LogoutForm
from web.auth.throttle import AddressThrottle
from web.db import get_db
from web.urls import safe_local_path


def _safe_next(target: str | None) -> str | None:
    return safe_local_path(target)


def address_throttle() -> AddressThrottle:
    """The app's per-address failed-login counter (``LOGIN_ADDRESS_LIMIT``: (n, seconds))."""
    throttle = current_app.extensions.get("mealplan.login_throttle")
    if throttle is None:
        limit, window_s = current_app.config["LOGIN_ADDRESS_LIMIT"]
        throttle = AddressThrottle(limit, window_s)
        current_app.extensions["mealplan.login_throttle"] = throttle
    assert isinstance(throttle, AddressThrottle)
    return throttle


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        throttle = address_throttle()
        wait = throttle.claim(address)
        if wait is not None:
            flash(
                _(
                    "Too many failed logins from this address. Try again in %(minutes)s minutes.",
                    minutes=(wait + 59) // 60,
                ),
                "error",
            )
            return render_template("auth/login.html", form=form), 429
        db = get_db()
        try:
            user = users.authenticate(db, form.username.data or "", form.password.data or "")
        except users.LoginThrottled as exc:
            db.commit()
            flash(
                _(
                    "Too many wrong passwords. Try again in %(seconds)s seconds.",
                    seconds=exc.retry_after_s,
                ),
                "error",
            )
            status = 429
        except users.InvalidCredentials:
            db.commit()  # keep the failure count
            flash(_("Wrong username or password."), "error")
            status = 401
        else:
            db.commit()
            throttle.release(address)
            panel_user = PanelUser(users.info(user))
            login_user(panel_user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")) or home_for(panel_user))
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> Response:
    """Log out: ends this user's sessions on every device (the session version is bumped,
    so a copied session or remember-me cookie is refused too) and clears the cookies."""
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        db = get_db()
        users.end_sessions(db, current_user.id)
        db.commit()
    logout_user()
    return redirect(url_for("auth.login"))


@bp.post("/lang/<code>")
def language(code: str) -> Response:
    """Switch the language (a POST with the CSRF token: kept in the session, and on the
    user when logged in)."""
    if code not in users.LANGUAGES:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    session["lang"] = code
    if current_user.is_authenticated:
        db = get_db()
        users.set_language(db, current_user.id, code)
        db.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("dashboard.index"))
