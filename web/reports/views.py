from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict

from flask import Response, render_template, request

from mealplan.services import reports, routes
from web.access import requires
from web.cache import cached
from web.db import get_db
from web.i18n import is_english
from web.reports import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month() -> tuple[int, int]:
    """``?month=YYYY-MM`` (default: this month)."""
    text = request.args.get("month", "")
    try:
        year, month = (int(part) for part in text.split("-", 1))
        reports.month_bounds(year, month)
    except ValueError:
        today = dt.date.today()
        return today.year, today.month
    return year, month


def _lang() -> str:
    """The exports' language: the panel's (Chinese by default, English on request)."""
    return "en" if is_english() else "zh"


#: One computation of a month's report at a time: the requests that come while it runs
#: wait for it and take its figures from the cache instead of each computing them again
#: (on the province preset one computation takes about a second; ten users asking at once
#: held ten of waitress's threads for ten times that).
_COMPUTING: dict[tuple[int, int], threading.Lock] = defaultdict(threading.Lock)
_COMPUTING_GUARD = threading.Lock()


def _compute(year: int, month: int) -> reports.MonthlyReport:
    """The report, with the follow-up tasks it opened for events that had none
    (``followups.month_counts`` collects them, as the follow-up list does) committed: the
    next request finds them and writes nothing, so that a report never waits for a plan's
    write lock once the tasks exist."""
    db = get_db()
    report = reports.monthly_report(db, year, month)
    db.commit()
    return report


def _report(year: int, month: int) -> reports.MonthlyReport:
    """The month's report, kept a minute (web.cache: emptied when the panel writes),
    computed by one request at a time."""
    with _COMPUTING_GUARD:
        lock = _COMPUTING[(year, month)]
    with lock:
        return cached(("monthly_report", year, month), lambda: _compute(year, month))


@bp.get("/monthly")
@requires("reports.view")
def monthly() -> str:
    year, month = _month()
    report = _report(year, month)
    return render_template(
        "reports/monthly.html",
        report=report,
        month=f"{year:04d}-{month:02d}",
        reason_labels=routes.DROP_REASON_LABELS,
    )


@bp.get("/monthly.csv")
@requires("reports.view")
def monthly_csv() -> Response:
    year, month = _month()
    report = _report(year, month)
    body = "\ufeff" + reports.report_csv(
        report, _lang()
    )  # BOM: Excel opens UTF-8 Chinese correctly
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=meals-{year:04d}-{month:02d}.csv"},
    )


@bp.get("/monthly.xlsx")
@requires("reports.view")
def monthly_xlsx() -> Response:
    year, month = _month()
    report = _report(year, month)
    return Response(
        reports.report_xlsx(report, _lang()),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename=meals-{year:04d}-{month:02d}.xlsx"},
    )
