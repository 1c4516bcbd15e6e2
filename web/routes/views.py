from __future__ import annotations

from flask import Response, abort, render_template, request
from markupsafe import Markup

from mealplan.documents import RouteSheet, render_html, route_sheets_pdf
from mealplan.errors import NotFoundError
from mealplan.services import routes
from web.access import requires
from web.db import get_db
from web.forms import parse_date
from web.i18n import is_english
from web.plans.common import SERVICES, service_arg, settings
from web.routes import bp


def _lang() -> str:
    lang = request.args.get("lang")
    if lang in ("zh", "en"):
        return lang
    return "en" if is_english() else "zh"


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
    return render_template("routes/trip.html", sheet=_trip_sheet(trip_id), trip_id=trip_id)


def _sheet_response(html: str, pdf: bytes | None, name: str) -> Response:
    if pdf is None:
        return Response(html, mimetype="text/html")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/trips/<int:trip_id>/sheet")
@requires("routes.view")
def trip_sheet(trip_id: int) -> Response:
    """The printed route sheet of one trip (HTML to print, or ``format=pdf``)."""
    sheet = _trip_sheet(trip_id)
    if request.args.get("format") == "pdf":
        return _sheet_response("", route_sheets_pdf(sheet, lang=_lang()), f"trip-{trip_id}.pdf")
    return _sheet_response(render_html(sheet, lang=_lang()), None, "")


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
        return _sheet_response("", route_sheets_pdf(sheets, lang=_lang()), name)
    return _sheet_response(render_html(sheets, lang=_lang()), None, "")
