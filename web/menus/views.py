from __future__ import annotations

import contextlib
import datetime as dt

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mealplan.documents import nutrient_report_pdf, render_html, weekly_menu_pdf
from mealplan.errors import NotFoundError
from mealplan.planning import menu_documents
from mealplan.services import jobs, menus
from mealplan.services.menus import MIN_RULES, MealCheck, MenuEditError, Reason, RuleBreak
from web.access import actor, requires
from web.db import get_db
from web.documents import document_lang, document_response
from web.i18n import is_english
from web.labels import choice_label
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
        break_text=break_text,
        names=week_break_names(grid),
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
        return document_response("", weekly_menu_pdf(doc, lang=document_lang()), name)
    return document_response(render_html(doc, lang=document_lang()), None, "")


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
        return document_response("", nutrient_report_pdf(doc, lang=document_lang()), name)
    return document_response(render_html(doc, lang=document_lang()), None, "")


def _nothing(message: str) -> Response:
    html = render_template("menus/nothing.html", message=message)
    return Response(html, status=404, mimetype="text/html")


# --------------------------------------------------------------------------- a dietitian's edits


#: protein classes of ``protein_max`` that are not food groups (labels.CHOICE_LABELS has those)
PROTEIN_CLASS_NAMES = {"beef_mutton": _l("Beef or mutton")}


def _group_name(code: str) -> str:
    return str(PROTEIN_CLASS_NAMES.get(code) or choice_label(code))


def break_text(item: RuleBreak, names: dict[str, str]) -> str:
    """A broken exclusion, structure or weekly rule in words, with how far for counted
    rules ('绿豆汤 本周供应 3 次（最多 2 次），多 1 次')."""
    dish = names.get(item.dish, item.dish)
    if item.rule in ("protein_max", "food_group_min", "food_group_max"):
        dish = _group_name(item.dish)
    params = {"dish": dish, "count": item.count, "limit": item.limit,
              "other": item.other.isoformat() if item.other else ""}  # fmt: skip
    texts = {
        "allergen": _("%(dish)s carries an allergen this diet profile excludes", **params),
        "halal": _("%(dish)s is not halal", **params),
        "vegetarian": _("%(dish)s is not vegetarian", **params),
        "texture": _("%(dish)s is above this diet profile's IDDSI level", **params),
        "excluded_tag": _("%(dish)s carries a tag this diet profile excludes", **params),
        "required_tag": _("%(dish)s lacks a tag this diet profile requires", **params),
        "structure": _("the meal fits none of the diet profile's meal structures"),
        "same_cooking_method": _("two dishes of the meal share a cooking method"),
        "no_repeat": _("%(dish)s is also served on %(other)s (no-repeat window)", **params),
        "no_repeat_history": _(
            "%(dish)s was also served on %(other)s, in the previous or next week's menu "
            "(no-repeat window)",
            **params,
        ),
        "no_consecutive": _("%(dish)s is also served on %(other)s, the day next to it", **params),
        "protein_max": _(
            "%(dish)s is the main protein of %(count)s meals in the week (at most %(limit)s)",
            **params,
        ),
        "food_group_max": _(
            "%(dish)s in %(count)s meals of the week (at most %(limit)s)", **params
        ),
        "food_group_min": _(
            "%(dish)s in %(count)s meals of the week (at least %(limit)s)", **params
        ),
        "rice_min": _("rice on %(count)s days of the week (at least %(limit)s)", **params),
    }
    text = texts.get(item.rule)
    if text is None:  # staple_max, soup_max, dish_max
        text = _("%(dish)s is served %(count)s times in the week (at most %(limit)s)", **params)
    over = item.over
    if over is not None and over > 0:
        if item.rule in MIN_RULES:
            text += _(", %(n)s short", n=over)
        else:
            text += _(", %(n)s too many", n=over)
    if item.hard:
        text += " " + _("(hard limit)")
    return text


def week_break_names(grid: menus.WeekGrid) -> dict[str, str]:
    """Dish code -> name in the panel's language, for the grid's break texts."""
    english = is_english()
    return {
        d.code: (d.name_en or d.name_zh) if english else d.name_zh
        for cell in grid.cells.values()
        for d in cell.dishes
    }


def check_items(check: MealCheck) -> list[dict[str, object]]:
    """Every rule the meal breaks as {rule, level, text} (exclusions and weekly rules,
    then nutrient bounds and the budget); weekly rules counted in meals add ``over``
    (meals beyond a maximum or short of a minimum)."""
    english = is_english()
    names = {d.code: (d.name_en or d.name_zh) if english else d.name_zh for d in check.dishes}
    items: list[dict[str, object]] = [
        {"rule": b.rule, "level": b.level, "text": break_text(b, names), "over": b.over}
        for b in check.breaks
    ]
    items += [{"rule": r.rule, "level": r.level, "text": reason_text(r)} for r in check.reasons]
    return items


def _meal_args() -> tuple[dt.date, str, str]:
    values = request.values
    try:
        day = dt.date.fromisoformat(values.get("date", ""))
    except ValueError:
        abort(404)
    service = values.get("service", "")
    profile = values.get("profile", "")
    if service not in SERVICES or not profile:
        abort(404)
    return day, service, profile


def _edit_error(exc: MenuEditError) -> str:
    return _(exc.message, **exc.params)


@bp.get("/meal")
@requires("menus.edit")
def meal() -> str:
    """One stored meal to edit: a chooser per dish (the dishes the profile may eat in that
    category) with a live check of every rule."""
    day, service, profile = _meal_args()
    try:
        edit = menus.meal_edit(get_db(), day, service, profile, planning=settings().planning)
    except NotFoundError:
        abort(404)
    return render_template(
        "menus/meal.html",
        edit=edit,
        items=check_items(edit.check),
        week=menus.week_start(day),
    )


@bp.get("/meal/check")
@requires("menus.edit")
def meal_check() -> Response:
    """JSON: the rules the meal would break with the dishes given (``dish`` repeated)."""
    day, service, profile = _meal_args()
    try:
        check = menus.check_meal(
            get_db(), day, service, profile, request.args.getlist("dish"),
            planning=settings().planning,
        )  # fmt: skip
    except NotFoundError:
        abort(404)
    except MenuEditError as exc:
        return jsonify({"error": _edit_error(exc)}), 400  # type: ignore[return-value]
    return jsonify(
        {
            "level": check.level,
            "cost_fen": check.cost_fen,
            "energy_kcal": round(check.nutrients.get("energy_kcal", 0.0)),
            "rules": list(check.rules),
            "items": check_items(check),
        }
    )


@bp.post("/meal")
@requires("menus.edit")
def meal_save() -> Response:
    """Store the edited meal and lock it (re-planning keeps it)."""
    day, service, profile = _meal_args()
    db = get_db()
    back = url_for("menus.index", week=menus.week_start(day).isoformat(), service=service)
    try:
        check = menus.save_meal(
            db, day, service, profile, request.form.getlist("dish"), actor=actor(),
            planning=settings().planning,
        )  # fmt: skip
    except NotFoundError:
        abort(404)
    except MenuEditError as exc:
        db.rollback()
        flash(_("The meal was not saved: %(error)s", error=_edit_error(exc)), "error")
        return redirect(url_for("menus.meal", date=day.isoformat(), service=service,
                                profile=profile))  # fmt: skip
    db.commit()
    if check.breaks or check.reasons:
        flash(_("Meal saved and locked; it breaks %(n)s rule(s): see the grid.",
                n=len(check.rules)), "warning")  # fmt: skip
    else:
        flash(_("Meal saved and locked."), "success")
    return redirect(back)


def _set_lock(locked: bool) -> Response:
    day, service, profile = _meal_args()
    db = get_db()
    try:
        menus.set_locked(db, day, service, profile, locked, actor=actor())
    except NotFoundError:
        abort(404)
    db.commit()
    flash(_("Meal locked.") if locked else _("Meal unlocked: re-planning may change it."),
          "success")  # fmt: skip
    return redirect(url_for("menus.index", week=menus.week_start(day).isoformat(),
                            service=service))  # fmt: skip


@bp.post("/meal/lock")
@requires("menus.edit")
def meal_lock() -> Response:
    return _set_lock(True)


@bp.post("/meal/unlock")
@requires("menus.edit")
def meal_unlock() -> Response:
    return _set_lock(False)
