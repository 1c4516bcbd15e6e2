from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from mealplan.domain.vocab import Service
from mealplan.errors import NotFoundError
from mealplan.services import ratings, records
from mealplan.services.records import RecordValidationError
from web.access import SITE_STAFF, actor, can, ensure_site, requires
from web.db import get_db
from web.forms import issue_text, parse_date
from web.ratings import bp


def _service() -> str:
    service = request.values.get("service", Service.LUNCH.value)
    return service if service in {s.value for s in Service} else Service.LUNCH.value


@bp.get("/")
@requires("ratings.view")
def index() -> Response | str:
    date = parse_date(request.args.get("date"))
    if current_user.role == SITE_STAFF:
        return redirect(
            url_for("ratings.site", site_code=current_user.site_code, date=date.isoformat())
        )
    sites = records.list_records(get_db(), "sites", per_page=200).items
    return render_template("ratings/index.html", sites=sites, date=date)


def _score(text: str | None) -> int | None:
    if text and text.isascii() and text.isdigit() and int(text) in ratings.SCORES:
        return int(text)
    return None


@bp.route("/<site_code>", methods=["GET", "POST"])
@requires("ratings.view", write="ratings.record")
def site(site_code: str) -> Response | str | tuple[str, int]:
    ensure_site(site_code)
    db = get_db()
    site = records.get_record(db, "sites", site_code)
    date = parse_date(request.values.get("date"))
    service = _service()
    # the dishes one elder ate: the menu of the elder's diet (chosen by elder code or by
    # diet); with one diet on the menu that day, its dishes
    elder = request.values.get("elder", "").strip() or None
    profiles = ratings.menu_profiles(db, date, service)
    profile = request.values.get("profile", "")
    if elder is not None:
        try:
            dishes = ratings.elder_dishes(db, elder, date, service)
        except NotFoundError:
            flash(_("No elder with code %(code)s.", code=elder), "error")
            elder, dishes = None, []
    elif profile in {p.code for p in profiles}:
        dishes = ratings.profile_dishes(db, profile, date, service)
    elif len(profiles) == 1:
        profile = profiles[0].code
        dishes = ratings.profile_dishes(db, profile, date, service)
    else:
        dishes = []
    form = FlaskForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        dish_scores = {}
        for dish in dishes:
            score = _score(request.form.get(f"dish-{dish.code}"))
            if score is not None:
                dish_scores[dish.code] = score
        try:
            ratings.record_meal_ratings(
                db,
                site_code=site_code,
                date=date,
                service=service,
                dish_scores=dish_scores,
                service_score=_score(request.form.get("service-score")),
                comment=request.form.get("comment", ""),
                actor=actor(),
                client_code=elder,
            )
        except RecordValidationError as exc:
            db.rollback()
            for issue in exc.issues:
                flash(issue_text(issue), "error")
            status = 422
        else:
            db.commit()
            flash(_("Thank you: ratings saved. Ready for the next elder."), "success")
            return redirect(
                url_for(
                    "ratings.site",
                    site_code=site_code,
                    date=date.isoformat(),
                    service=service,
                    profile=profile or None,
                )
            )
    summary = ratings.summary(db, site_code=site_code, date=date, service=service)
    return render_template(
        "ratings/site.html",
        site=site,
        date=date,
        service=service,
        services=[s.value for s in Service],
        dishes=dishes,
        elder=elder or "",
        profile=profile,
        profiles=profiles,
        form=form,
        summary=summary,
        scores=ratings.SCORES,
        max_comment=ratings.MAX_COMMENT,
        may_record=can("ratings.record"),
    ), status
