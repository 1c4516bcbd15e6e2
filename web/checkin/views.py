"""The check-in tablet page of one site and service (see the package)."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from mealplan.config import Settings
from mealplan.db.models import Client, DietProfile, Site
from mealplan.services import checkins
from mealplan.services.checkins import CheckinRefused
from mealplan.services.headcounts import services_of
from web.access import SITE_STAFF, actor, ensure_site, requires
from web.checkin import bp
from web.db import get_db, rollback_db
from web.labels import choice_label
from web.messages import error_message, profile_name


def _settings() -> Settings:
    settings: Settings = current_app.extensions["mealplan.settings"]
    return settings


def _site(site_code: str) -> Site:
    ensure_site(site_code)
    site = get_db().scalar(select(Site).where(Site.code == site_code))
    if site is None:
        abort(404)
    return site


def _service(site: Site) -> str:
    service = request.values.get("service", "lunch")
    if service not in services_of(site):
        service = services_of(site)[0]
    return service


@bp.get("/")
@requires("checkin.record")
def index() -> Response | str:
    """Site staff go to their site's page; managers choose a site."""
    if current_user.role == SITE_STAFF:
        return redirect(url_for("checkin.site", site_code=current_user.site_code))
    sites = list(get_db().scalars(select(Site).where(Site.active).order_by(Site.code)))
    return render_template("checkin/index.html", sites=sites)


@bp.get("/<site_code>")
@requires("checkin.record")
def site(site_code: str) -> str:
    """The tablet page: the card input, today's check-ins and the headcount comparison."""
    site = _site(site_code)
    service = _service(site)
    today = dt.date.today()
    db = get_db()
    rows = checkins.day_checkins(db, site_code=site.code, date=today, service=service)
    names = {c.id: c for c in db.scalars(select(Client).where(
        Client.id.in_({r.client_id for r in rows if r.client_id is not None})))}  # fmt: skip
    diets = {d.id: d for d in db.scalars(select(DietProfile))}
    compare = checkins.headcount_vs_checkins(db, site_code=site.code, date=today, service=service)
    return render_template(
        "checkin/site.html", site=site, service=service, services=services_of(site), date=today,
        rows=list(reversed(rows)), clients=names, diets=diets, compare=compare, form=FlaskForm(),
    )  # fmt: skip


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


@bp.post("/<site_code>")
@requires("checkin.record", write="checkin.record")
def record(site_code: str) -> Response:
    """Record one meal: a card number (scanned or typed) or a walk-in."""
    site = _site(site_code)
    service = _service(site)
    back = url_for("checkin.site", site_code=site.code, service=service)
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("The form expired; scan again."), "error")
        return redirect(back)
    asked = request.form.get("service", service)
    if asked != service:  # a meal is never recorded under another service than asked
        flash(_("This site does not serve %(service)s; nothing was recorded.",
                service=choice_label(asked) if asked in ("breakfast", "lunch", "dinner")
                else asked[:40]),
              "error")  # fmt: skip
        return redirect(back)
    db = get_db()
    try:
        if request.form.get("walk_in"):
            result = checkins.check_in_walk_in(db, site_code=site.code, date=dt.date.today(),
                                               service=service, actor=actor())  # fmt: skip
        else:
            result = checkins.check_in(db, site_code=site.code, date=dt.date.today(),
                                       service=service, card=request.form.get("card", ""),
                                       actor=actor(),
                                       repeat_meal=_settings().planning.repeat_meal)  # fmt: skip
    except CheckinRefused as exc:
        rollback_db()
        flash(error_message(exc), "error")
        return redirect(back)
    db.commit()
    row = result.checkin
    if result.name:
        message = _("%(name)s (%(category)s, %(diet)s): pays %(paid)s yuan, subsidy %(subsidy)s yuan",
                    name=result.name, category=choice_label(result.category), diet=profile_name(result.diet),
                    paid=_yuan(row.paid_fen), subsidy=_yuan(result.price.subsidy_total_fen))  # fmt: skip
        if row.repeat:
            message += " · " + _("second meal of this service: full price")
    else:
        message = _("Walk-in: pays %(paid)s yuan", paid=_yuan(row.paid_fen))
    flash(message, "warning" if row.repeat else "success")
    return redirect(back)


def _card(client_code: str) -> str:
    try:
        client, site = checkins.elder_card(get_db(), client_code)
    except CheckinRefused as exc:
        flash(error_message(exc), "error")
        abort(404)
    return render_template(
        "checkin/card.html", client=client, site=site,
        qr=Markup(checkins.card_qr_svg(client.card_number or "")),
    )  # fmt: skip


@bp.get("/cards/<client_code>")
@requires("records.view")
def card(client_code: str) -> str:
    """An elder's meal card: name, card number and its QR code, to print."""
    return _card(client_code)


@bp.get("/cards/<client_code>.pdf")
@requires("records.view")
def card_pdf(client_code: str) -> Response:
    """The same card as a PDF (the documents' renderer)."""
    from mealplan.documents.render import html_to_pdf

    pdf = html_to_pdf(_card(client_code))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="card-{client_code}.pdf"'
    return response
