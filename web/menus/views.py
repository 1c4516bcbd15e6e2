from __future__ import annotations

import contextlib
import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mealplan.documents import nutrient_report_pdf, render_html, weekly_menu_pdf
from mealplan.errors import NotFoundError
from mealplan.planning import menu_documents
from mealplan.services import jobs, menus
from mealplan.services.menus import Reason
from web.access import actor, requires
from web.db import get_db
from web.i18n import is_english
from web.menus import bp
from web.plans.common import SERVICES, job_runner, service_arg, settings

NUTRIENT_NAMES = {
    "energy_kcal": _l("Energy"),
    "protein_g": _l("Protein"),
    "fat_g": _l("Fat"),
    "carbohydrate_g": _l("Carbohydrate"),
    "fibre_g": _l("Fibre"),
    "sodium_mg": _l("Sodium"),
    "potassium_mg": _l("Potassium"),
    "calcium_mg": _l("Calcium"),
    "phosphorus_mg": _l("Phosphorus"),
    "fat_pct_energy": _l("Fat share of energy"),
    "carbohydrate_pct_energy": _l("Carbohydrate share of energy"),
    "protein_pct_energy": _l("Protein share of energy"),
}


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}".rstrip("0").rstrip(".")


def reason_text(reason: Reason) -> str:
    """A miss in words: '钠 1030 mg 超出上限 800 mg，多 230 mg（硬性限制）'."""
    if reason.key == "budget":
        text = _(
            "cost ¥%(value)s is ¥%(amount)s over the budget of ¥%(bound)s",
            value=f"{(reason.value or 0) / 100:.2f}",
            amount=f"{reason.amount / 100:.2f}",
            bound=f"{(reason.bound or 0) / 100:.2f}",
        )
    else:
        params = {
            "nutrient": str(NUTRIENT_NAMES.get(reason.key, reason.key)),
            "unit": reason.unit,
            "amount": _num(reason.amount),
        }
        if reason.value is None or reason.bound is None:
            if reason.side == "min":
                text = _("%(nutrient)s %(amount)s %(unit)s short of the minimum", **params)
            else:
                text = _("%(nutrient)s %(amount)s %(unit)s above the maximum", **params)
        else:
            params |= {"value": _num(reason.value), "bound": _num(reason.bound)}
            if reason.side == "min":
                text = _(
                    "%(nutrient)s %(value)s %(unit)s is %(amount)s %(unit)s below the "
                    "minimum of %(bound)s %(unit)s",
                    **params,
                )
            else:
                text = _(
                    "%(nutrient)s %(value)s %(unit)s is %(amount)s %(unit)s above the "
                    "maximum of %(bound)s %(unit)s",
                    **params,
                )
    if reason.hard:
        text += " " + _("(hard limit)")
    return text


def _week() -> dt.date:
    text = request.values.get("week") or request.values.get("date")
    day = dt.date.today()
    if text:
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(text)
    return menus.week_start(day)


@bp.get("/")
@requires("menus.view")
def index() -> str:
    start = _week()
    service = service_arg(request.args.get("service"))
    db = get_db()
    grid = menus.week_grid(db, start, service, planning=settings().planning)
    return render_template(
        "menus/index.html",
        grid=grid,
        start=start,
        service=service,
        services=SERVICES,
        prev_week=start - dt.timedelta(days=7),
        next_week=start + dt.timedelta(days=7),
        this_week=menus.week_start(dt.date.today()),
        sites=menus.printable_sites(db),
        reason_text=reason_text,
    )


@bp.post("/replan")
@requires("menus.view", write="menus.plan")
def replan() -> Response:
    start = _week()
    service = service_arg(request.form.get("service"))
    try:
        run_id = jobs.start_job(
            settings(), "menu", start, service, {"days": 7}, runner=job_runner(), actor=actor()
        )
    except jobs.JobConflictError as exc:
        flash(
            _(
                "The menus of this week are already being planned (run %(run)s).",
                run=exc.run_id,
            ),
            "error",
        )
        return redirect(url_for("plans.status_page", run_id=exc.run_id))
    except jobs.JobError as exc:
        flash(_("The menus could not be re-planned: %(error)s", error=str(exc)), "error")
        return redirect(url_for("menus.index", week=start.isoformat(), service=service))
    flash(_("Re-planning the menus of the week of %(date)s.", date=start.isoformat()), "success")
    return redirect(url_for("plans.status_page", run_id=run_id))


def _lang() -> str:
    lang = request.args.get("lang")
    if lang in ("zh", "en"):
        return lang
    return "en" if is_english() else "zh"


def _document(html: str, pdf: bytes | None, name: str) -> Response:
    if pdf is None:
        return Response(html, mimetype="text/html")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/print")
@requires("menus.view")
def print_menu() -> Response:
    """The public weekly menu of one site (HTML to print, or ``format=pdf``)."""
    start = _week()
    service = service_arg(request.args.get("service"))
    site = request.args.get("site", "")
    if not site:
        abort(404)
    try:
        doc = menus.weekly_menu_doc(get_db(), settings(), start, site, service)
    except NotFoundError:
        abort(404)
    if doc is None:
        return _nothing(_("No menus of the week for the diet profiles this site serves."))
    if request.args.get("format") == "pdf":
        name = f"weekly-menu-{site}-{start.isoformat()}.pdf"
        return _document("", weekly_menu_pdf(doc, lang=_lang()), name)
    return _document(render_html(doc, lang=_lang()), None, "")


@bp.get("/nutrients")
@requires("menus.view")
def nutrients() -> Response:
    """The nutrient report of the week (HTML to print, or ``format=pdf``)."""
    start = _week()
    service = service_arg(request.args.get("service"))
    doc = menu_documents.nutrient_report(get_db(), start, service)
    if doc is None:
        return _nothing(_("No menus are stored for this week."))
    if request.args.get("format") == "pdf":
        name = f"nutrients-{service}-{start.isoformat()}.pdf"
        return _document("", nutrient_report_pdf(doc, lang=_lang()), name)
    return _document(render_html(doc, lang=_lang()), None, "")


def _nothing(message: str) -> Response:
    html = render_template("menus/nothing.html", message=message)
    return Response(html, status=404, mimetype="text/html")
