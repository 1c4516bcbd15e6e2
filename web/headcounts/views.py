from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from mealplan.domain.vocab import Service
from mealplan.errors import NotFoundError
from mealplan.services import headcounts, records
from mealplan.services.headcounts import CutoffPassedError
from mealplan.services.records import RecordValidationError
from web.access import SITE_STAFF, actor, can, ensure_site, requires
from web.db import get_db
from web.forms import issue_text, parse_date
from web.headcounts import bp


def _cutoff() -> str:
    return str(current_app.extensions["mealplan.settings"].planning.headcount_cutoff)


@bp.get("/")
@requires("headcounts.view")
def index() -> Response | str:
    date = parse_date(request.args.get("date"))
    if current_user.role == SITE_STAFF:
        return redirect(
            url_for("headcounts.site", site_code=current_user.site_code, date=date.isoformat())
        )
    service = request.args.get("service", Service.LUNCH.value)
    if service not in {s.value for s in Service}:
        service = Service.LUNCH.value
    settings = current_app.extensions["mealplan.settings"]
    days = headcounts.day_status(get_db(), date, service, weeks=settings.planning.forecast_weeks)
    return render_template(
        "headcounts/index.html",
        days=days,
        date=date,
        service=service,
        services=[s.value for s in Service],
        cutoff=headcounts.cutoff_at(date, _cutoff()),
    )


@bp.route("/<site_code>", methods=["GET", "POST"])
@requires("headcounts.view", write="headcounts.edit")
def site(site_code: str) -> Response | str | tuple[str, int]:
    ensure_site(site_code)
    db = get_db()
    site = records.get_record(db, "sites", site_code)
    date = parse_date(request.values.get("date"))
    services = headcounts.services_of(site)
    profiles = headcounts.profiles(db)
    is_open = headcounts.is_open(date, cutoff=_cutoff())
    may_edit = can("headcounts.edit") and (is_open or can("headcounts.late_edit"))
    form = FlaskForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        status = _save(site_code, date, services, [p.code for p in profiles])
        if status == 302:
            return redirect(url_for("headcounts.site", site_code=site_code, date=date.isoformat()))
    counts = {s: headcounts.site_counts(db, site_code, date, s) for s in services}
    return render_template(
        "headcounts/site.html",
        site=site,
        date=date,
        services=services,
        profiles=profiles,
        counts=counts,
        form=form,
        may_edit=may_edit,
        is_open=is_open,
        cutoff=headcounts.cutoff_at(date, _cutoff()),
        prev_day=date - dt.timedelta(days=1),
        next_day=date + dt.timedelta(days=1),
    ), status


def parse_count(text: str) -> int | None:
    """A count typed on a phone: decimal digits (full-width ones too), else None.

    Not ``str.isdigit``: it accepts ``²`` and other digits ``int`` refuses."""
    if not text.isdecimal() or len(text) > 9:
        return None
    return int(text)


def _save(site_code: str, date: dt.date, services: list[str], profile_codes: list[str]) -> int:
    """Store the submitted grid; 302 when saved, else the status to show the form with."""
    db = get_db()
    submitted: dict[str, dict[str, int]] = {}
    for service in services:
        for code in profile_codes:
            text = request.form.get(f"c-{service}-{code}", "").strip()
            if not text:
                continue
            count = parse_count(text)
            if count is None:
                flash(_("Counts are whole numbers (%(value)s).", value=text), "error")
                return 422
            submitted.setdefault(service, {})[code] = count
    if not submitted:
        flash(_("Enter at least one count."), "error")
        return 422
    try:
        results = []
        for service, counts in submitted.items():
            results.append(
                headcounts.record_headcounts(
                    db,
                    site_code,
                    date,
                    service,
                    counts,
                    actor(),
                    cutoff=_cutoff(),
                    allow_late=can("headcounts.late_edit"),
                )
            )
    except CutoffPassedError as exc:
        db.rollback()
        flash(
            _(
                "The cut-off passed at %(time)s: ask the kitchen to change the counts.",
                time=exc.cutoff.strftime("%Y-%m-%d %H:%M"),
            ),
            "error",
        )
        return 409
    except RecordValidationError as exc:
        db.rollback()
        for issue in exc.issues:
            flash(
                f"{issue.field}: {issue_text(issue)}" if issue.field else issue_text(issue), "error"
            )
        return 422
    except NotFoundError:
        db.rollback()
        raise
    db.commit()
    total = sum(r.total for r in results)
    flash(_("Saved: %(total)s meals.", total=total), "success")
    for result in results:
        for warning in result.warnings:
            flash(issue_text(warning), "warning")
    return 302
