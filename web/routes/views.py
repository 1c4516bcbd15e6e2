from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from mealplan.documents import RouteSheet, render_html, route_sheets_pdf
from mealplan.documents.i18n import Translator
from mealplan.domain.clock import hhmm
from mealplan.errors import NotFoundError
from mealplan.services import routes
from web.access import actor, requires
from web.db import get_db
from web.documents import document_lang, document_response
from web.forms import parse_date
from web.i18n import is_english
from web.plans.common import SERVICES, service_arg, settings
from web.routes import bp


@bp.get("/")
@requires("routes.view")
def index() -> str:
    date = parse_date(request.args.get("date"))
    service = service_arg(request.args.get("service"))
    day = routes.day_routes(get_db(), date, service, request.args.get("kitchen") or None)
    return render_template(
        "routes/index.html",
        day=day,
        date=date,
        service=service,
        services=SERVICES,
        route_map=Markup(routes.routes_map_svg(day)),  # built from numbers and escaped text
    )


def _trip_sheet(trip_id: int) -> RouteSheet:
    """The trip's route sheet, or 404."""
    try:
        return routes.trip_sheet(get_db(), trip_id, settings().planning)
    except NotFoundError:
        abort(404)


@bp.get("/trips/<int:trip_id>")
@requires("routes.view")
def trip(trip_id: int) -> str:
    """One trip for the driver's phone: stops in order with times, meals and phone links."""
    sheet = _trip_sheet(trip_id)
    # a one-meal trip's reason in the words of the printed sheet (their one home)
    one_meal = ""
    if sheet.one_meal_reason:
        t = Translator("en" if is_english() else "zh")
        one_meal = t(f"one_meal_{sheet.one_meal_reason}", other=sheet.one_meal_other)
    return render_template("routes/trip.html", sheet=sheet, trip_id=trip_id, one_meal=one_meal)


@bp.get("/trips/<int:trip_id>/sheet")
@requires("routes.view")
def trip_sheet(trip_id: int) -> Response:
    """The printed route sheet of one trip (HTML to print, or ``format=pdf``)."""
    sheet = _trip_sheet(trip_id)
    if request.args.get("format") == "pdf":
        return document_response(
            "", route_sheets_pdf(sheet, lang=document_lang()), f"trip-{trip_id}.pdf"
        )
    return document_response(render_html(sheet, lang=document_lang()), None, "")


@bp.get("/sheets")
@requires("routes.view")
def day_sheets() -> Response:
    """Every trip's route sheet of the date and service, one per page."""
    date = parse_date(request.args.get("date"))
    service = service_arg(request.args.get("service"))
    sheets = routes.day_sheets(get_db(), date, service, settings().planning)
    if not sheets:
        abort(404)
    if request.args.get("format") == "pdf":
        name = f"route-sheets-{date.isoformat()}-{service}.pdf"
        return document_response("", route_sheets_pdf(sheets, lang=document_lang()), name)
    return document_response(render_html(sheets, lang=document_lang()), None, "")


# --------------------------------------------------------------------------- dispatching


def _int_arg(value: str | None) -> int | None:
    """A positive integer from a form or query value, else ``None``."""
    try:
        n = int(value or "")
    except ValueError:
        return None
    return n if n > 0 else None


def _call_row(unserved_id: int) -> routes.UnservedRow:
    try:
        return routes.call_row(get_db(), unserved_id)
    except NotFoundError:
        abort(404)


def breach_texts(check: routes.TripCheck) -> list[str]:
    """The broken limits of a check in the panel's language."""
    names = {leg.code: leg.name for leg in check.legs}
    return [
        _(routes.BREACH_MESSAGES[b.rule], **routes.breach_params(b, names)) for b in check.breaches
    ]


def _check(unserved_id: int, trip_id: int | None, position: int | None) -> routes.TripCheck | None:
    """The placement check, or ``None`` without a trip; bad input flashes and gives None."""
    if trip_id is None:
        return None
    try:
        return routes.check_placement(get_db(), unserved_id, trip_id, position, settings())
    except NotFoundError:
        flash(_("That trip is not on this day."), "error")
    except ValueError:
        flash(_("That position is not on the trip."), "error")
    return None


def _check_json(check: routes.TripCheck) -> dict[str, Any]:
    return {
        "ok": check.ok,
        "trip": check.trip_id,
        "position": check.position,
        "breaches": breach_texts(check),
        "arrive": [hhmm(a) for a in check.arrivals],
        "return": hhmm(check.return_min),
        "load": check.load,
        "capacity": check.capacity,
        "added_minutes": check.added_minutes,
        "added_km": round(check.added_metres / 1000, 1),
    }


@bp.route("/unserved/<int:unserved_id>/place", methods=["GET", "POST"])
@requires("routes.dispatch")
def place(unserved_id: int) -> Any:
    """Place an unserved stop onto a trip: choose the trip and a position (or the best),
    see the check (every limit that would break, and by how much), then save."""
    row = _call_row(unserved_id)
    values = request.form if request.method == "POST" else request.args
    trip_id = _int_arg(values.get("trip"))
    position = _int_arg(values.get("position"))
    check = _check(unserved_id, trip_id, position)
    if request.method == "POST" and check is not None:
        if check.ok:
            assert trip_id is not None
            done = routes.place_unserved(
                get_db(), unserved_id, trip_id, position, settings(), actor=actor()
            )
            if done.ok:
                get_db().commit()
                flash(
                    _(
                        "%(name)s placed on %(vehicle)s trip %(trip)s as stop %(pos)s, locked.",
                        name=row.name,
                        vehicle=done.vehicle_code,
                        trip=done.trip_seq,
                        pos=done.position,
                    ),
                    "success",
                )
                assert row.date is not None
                return redirect(
                    url_for("routes.index", date=row.date.isoformat(), service=row.service)
                    + f"#route-{done.route_id}"
                )
        flash(_("Not placed: a limit would break."), "error")
    refused = request.method == "POST"
    choices = routes.trip_choices(get_db(), unserved_id)
    page = render_template(
        "routes/place.html",
        row=row,
        date=row.date,
        service=row.service,
        choices=choices,
        trip_id=trip_id,
        position=position,
        check=check,
        breaches=breach_texts(check) if check is not None else [],
    )
    return (page, 409) if refused else page


@bp.get("/unserved/<int:unserved_id>/check")
@requires("routes.dispatch")
def check(unserved_id: int) -> Response:
    """The placement check as JSON (the place page's instant check)."""
    _call_row(unserved_id)
    trip_id = _int_arg(request.args.get("trip"))
    if trip_id is None:
        return jsonify({"error": _("Choose a trip.")})
    try:
        result = routes.check_placement(
            get_db(),
            unserved_id,
            trip_id,
            _int_arg(request.args.get("position")),
            settings(),
        )
    except NotFoundError:
        return jsonify({"error": _("That trip is not on this day.")})
    except ValueError:
        return jsonify({"error": _("That position is not on the trip.")})
    return jsonify(_check_json(result))


@bp.post("/unserved/<int:unserved_id>/action")
@requires("routes.dispatch")
def record_action(unserved_id: int) -> Response:
    """Record what was done about an unserved stop (called, family collects, ...)."""
    row = _call_row(unserved_id)
    assert row.date is not None
    try:
        routes.record_action(get_db(), unserved_id, request.form.get("action", ""), actor=actor())
    except ValueError:
        flash(
            _("The note is too long (at most %(n)s characters).", n=routes.MAX_ACTION_CHARS),
            "error",
        )
    else:
        get_db().commit()
        flash(_("Noted for %(name)s.", name=row.name), "success")
    return redirect(
        url_for("routes.index", date=row.date.isoformat(), service=row.service) + "#unserved"
    )


@bp.post("/stops/<int:stop_id>/lock")
@requires("routes.dispatch")
def lock_stop(stop_id: int) -> Response:
    """Lock a planned stop to its vehicle (a re-plan keeps it there), or unlock it."""
    locked = request.form.get("locked") == "1"
    try:
        stop = routes.set_stop_lock(get_db(), stop_id, locked, actor=actor())
    except NotFoundError:
        abort(404)
    route = stop.trip.route
    get_db().commit()
    return redirect(
        url_for("routes.index", date=route.date.isoformat(), service=route.service)
        + f"#route-{route.id}"
    )
