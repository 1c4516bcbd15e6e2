from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mealplan.domain.vocab import Service
from mealplan.errors import MealplanError, NotFoundError
from mealplan.services import deliveries
from mealplan.services.records import RecordValidationError, parse_hhmm
from web.access import SITE_STAFF, actor, ensure_site, requires
from web.db import get_db
from web.deliveries import bp
from web.deliveries.forms import DeliveryForm, ResolveForm
from web.forms import issue_text, parse_date
from web.urls import safe_local_path


@bp.get("/deliveries/")
@requires("deliveries.view")
def index() -> str:
    """The day's stops a page at a time (``page``), optionally of one vehicle and outcome."""
    date = parse_date(request.args.get("date"))
    service = request.args.get("service") or None
    if service not in {s.value for s in Service}:
        service = None
    site_code = current_user.site_code if current_user.role == SITE_STAFF else None
    outcome = request.args.get("outcome") or None
    if outcome not in {*deliveries.STATUSES, deliveries.NOT_RECORDED}:
        outcome = None
    flt = deliveries.StopFilter(
        date, service, site_code, request.args.get("vehicle") or None, outcome
    )
    db = get_db()
    page = deliveries.stops_page(db, flt, request.args.get("page", 1, type=int) or 1)
    now = dt.datetime.now().strftime("%H:%M")
    args = {"date": date.isoformat(), "service": service, "vehicle": flt.vehicle_code}
    return render_template(
        "deliveries/index.html",
        pager_args={k: v for k, v in {**args, "outcome": outcome}.items() if v},
        outcome_args={k: v for k, v in args.items() if v},
        page=page,
        stops=page.items,
        outcomes=deliveries.day_outcomes(db, flt),
        filters=flt,
        date=date,
        service=service,
        services=[s.value for s in Service],
        outcome_choices=(*deliveries.STATUSES, deliveries.NOT_RECORDED),
        form=DeliveryForm(),
        now=now,
    )


@bp.post("/deliveries/<int:stop_id>")
@requires("deliveries.record")
def record(stop_id: int) -> Response:
    db = get_db()
    site_code = deliveries.stop_site_code(db, stop_id)
    if current_user.role == SITE_STAFF:
        ensure_site(site_code)  # site staff confirm receipt at their own site only
    form = DeliveryForm()
    back = _safe_back(form.back.data)
    if not form.validate_on_submit():
        for field_errors in form.errors.values():
            for message in field_errors:
                flash(str(message), "error")
        return redirect(back)
    at = None
    if form.time.data:
        minutes = parse_hhmm(form.time.data)
        if minutes is None or minutes >= 24 * 60:
            flash(_("Use HH:MM, e.g. 11:30"), "error")
            return redirect(back)
        date = parse_date(request.form.get("date"))
        at = dt.datetime.combine(date, dt.time(minutes // 60, minutes % 60))
    try:
        delivery = deliveries.record_delivery(
            db, stop_id, form.status.data or "", reason=form.reason.data or "", at=at, actor=actor()
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
                "Welfare alert raised: nobody answered at the home. Call the elder and the "
                "emergency contact."
            ),
            "warning",
        )
    else:
        flash(_("Recorded."), "success")
    return redirect(back)


def _safe_back(target: str | None) -> str:
    """``back`` if it is a path on this site, else the deliveries page (no open redirect)."""
    return safe_local_path(target) or url_for("deliveries.index")


@bp.get("/alerts/")
@requires("alerts.view")
def alerts() -> str:
    """Open welfare alerts, oldest first, a page at a time (``page``)."""
    page = deliveries.open_alerts_page(get_db(), request.args.get("page", 1, type=int) or 1)
    return render_template(
        "deliveries/alerts.html", alerts=page.items, page=page, form=ResolveForm()
    )


@bp.post("/alerts/<int:delivery_id>/resolve")
@requires("alerts.resolve")
def resolve(delivery_id: int) -> Response:
    db = get_db()
    form = ResolveForm()
    if not form.validate_on_submit():
        flash(_("Say what was done."), "error")
        return redirect(url_for("deliveries.alerts"))
    try:
        deliveries.resolve_alert(db, delivery_id, form.note.data or "", actor=actor())
    except RecordValidationError as exc:
        db.rollback()
        flash(issue_text(exc.issues[0]), "error")
    except NotFoundError:
        raise
    except MealplanError:
        db.rollback()
        flash(_("This alert is already resolved."), "warning")
    else:
        db.commit()
        flash(_("Alert resolved."), "success")
    return redirect(url_for("deliveries.alerts"))
