from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from mealplan.services import users
from web.access import SITE_STAFF, PanelUser
from web.auth import bp
from web.auth.forms import LoginForm, LogoutForm
from web.db import get_db


def home_for(user: PanelUser) -> str:
    if user.role == SITE_STAFF:
        return url_for("headcounts.index")
    return url_for("dashboard.index")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
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
            panel_user = PanelUser(users.info(user))
            login_user(panel_user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")) or home_for(panel_user))
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> Response:
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def language(code: str) -> Response:
    """Switch the language (kept in the session, and on the user when logged in)."""
    if code not in users.LANGUAGES:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        db = get_db()
        users.set_language(db, current_user.id, code)
        db.commit()
    return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.index"))
