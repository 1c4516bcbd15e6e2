from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from mealplan.domain.vocab import Service
from mealplan.services import headcounts, reports
from web.access import home_for, requires
from web.dashboard import bp
from web.db import get_db
from web.forms import parse_date


@bp.get("/")
def index() -> Response | str:
    if current_user.is_authenticated and home_for(current_user) != url_for("dashboard.index"):
        return redirect(home_for(current_user))  # site staff, drivers, community workers
    return day()


@requires("dashboard.view")
def day() -> str:
    date = parse_date(request.args.get("date"))
    service = request.args.get("service", Service.LUNCH.value)
    if service not in {s.value for s in Service}:
        service = Service.LUNCH.value
    settings = current_app.extensions["mealplan.settings"]
    summary = reports.day_summary(get_db(), date, service, weeks=settings.planning.forecast_weeks)
    return render_template(
        "dashboard/index.html",
        summary=summary,
        date=date,
        service=service,
        services=[s.value for s in Service],
        cutoff=headcounts.cutoff_at(date, settings.planning.headcount_cutoff),
    )
