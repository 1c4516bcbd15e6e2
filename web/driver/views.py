"""A driver records delivered / no answer / refused at each stop of their vehicle's trips,
through the panel's one recording rule (:func:`mealplan.services.deliveries.record_delivery`):
a home no-answer opens the welfare alert and notifies the family contact."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mealplan.config import Settings
from mealplan.errors import NotFoundError
from mealplan.services import deliveries, driver_day
from mealplan.services.records import RecordValidationError
from web.access import actor, requires
from web.db import get_db
from web.driver import bp
from web.forms import issue_text


def _settings() -> Settings:
    settings: Settings = current_app.extensions["mealplan.settings"]
    return settings


def _driver_id() -> int:
    """The Driver record of the logged-in driver (403 for a driver login not bound)."""
    driver_id = getattr(current_user.info, "driver_id", None)
    if driver_id is None:
        abort(403)
    return int(driver_id)


def _own_stop(stop_id: int) -> None:
    """404 for no such stop, 403 for a stop not on the driver's vehicle."""
    try:
        if not driver_day.driver_owns_stop(get_db(), _driver_id(), stop_id):
            abort(403)
    except NotFoundError:
        abort(404)


@bp.get("/driver/")
@requires("driver.page")
def index() -> str:
    """Today's trips of the driver's vehicle, stops in delivery order."""
    today = dt.date.today()
    trips = driver_day.driver_trips(get_db(), _driver_id(), today, _settings().planning)
    zh = str(get_locale() or "zh").startswith("zh")
    return render_template("driver/index.html", trips=trips, date=today, zh=zh)


@bp.post("/driver/stops/<int:stop_id>")
@requires("driver.page", write="driver.page")
def record(stop_id: int) -> Response:
    """Record the outcome at one of the driver's stops (the time is now; a photo optional)."""
    _own_stop(stop_id)
    db = get_db()
    status = request.form.get("status", "")
    reason = request.form.get("reason", "")
    back = url_for("driver.index") + f"#stop-{stop_id}"
    photo_path = None
    upload = request.files.get("photo")
    if upload is not None and upload.filename:
        try:
            data = upload.stream.read(driver_day.MAX_PHOTO_BYTES + 1)
            photo_path = driver_day.store_photo(_settings().instance_path, stop_id, data)
        except RecordValidationError as exc:
            for issue in exc.issues:
                flash(issue_text(issue), "error")
            return redirect(back)
    try:
        delivery = deliveries.record_delivery(
            db, stop_id, status, reason=reason, actor=actor(), photo_path=photo_path
        )
    except RecordValidationError as exc:
        db.rollback()
        for issue in exc.issues:
            flash(issue_text(issue), "error")
        return redirect(back)
    db.commit()
    if delivery.welfare_alert_open:
        flash(
            _(
                "Welfare alert raised: nobody answered at the home. The family contact has "
                "been notified; call the elder and the dispatcher."
            ),
            "warning",
        )
    else:
        flash(_("Recorded."), "success")
    return redirect(back)


@bp.get("/driver/stops/<int:stop_id>/photo")
@requires("driver.page")
def photo(stop_id: int) -> Response:
    """The photo the driver took at one of their stops."""
    _own_stop(stop_id)
    path = driver_day.photo_file(get_db(), _settings().instance_path, stop_id)
    if path is None:
        abort(404)
    return send_file(path)
