from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from mealplan.config import PlanningSettings
from mealplan.domain.vocab import NUTRIENT_KEYS, Service
from mealplan.services import checkins, followups, pauses, records
from mealplan.services.records import (
    ENTITIES,
    KIND_ALIASES,
    PANEL_KINDS,
    TARGET_KEYS,
    RecordValidationError,
)
from web.access import actor, can, requires
from web.db import get_db
from web.forms import apply_issues, issue_text
from web.i18n import is_english
from web.labels import KIND_LABELS
from web.records import bp
from web.records.forms import (
    EndPauseForm,
    PauseForm,
    pause_form,
    recipe_rows,
    record_form,
    submitted_values,
    target_rows,
)

#: the order of the data menu
KINDS = PANEL_KINDS

#: columns shown in each list, after the code
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "kitchens": ("name", "address", "capacity_lunch"),
    "sites": ("name", "kind", "seats", "address", "active"),
    "clients": ("name", "category", "lunch_days", "address", "status"),
    "dishes": ("name_zh", "name_en", "category", "iddsi_level", "active"),
    "ingredients": ("name_zh", "name_en", "food_group", "energy_kcal", "price_fen_per_kg"),
    "vehicles": ("name", "kind", "capacity_boxes", "plate", "active"),
    "drivers": ("name", "phone", "active"),
    "diet-profiles": ("name_zh", "name_en", "max_iddsi", "budget_fen"),
    "meal-structures": ("name_zh", "diet", "main", "vegetable", "price_fen", "active"),
    "price-tiers": ("service", "category", "meal_price_fen", "elder_pays_fen", "valid_from"),
    "subsidy-rules": ("category", "level", "funder", "amount_fen", "outside", "valid_from"),
}


def _kind_or_404(kind: str) -> str:
    """The record kind of a URL; old names (``profiles``) still work."""
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in ENTITIES:
        abort(404)
    return kind


def _planning() -> PlanningSettings | None:
    """The configured ``[planning]`` settings (they supply defaults such as the budget)."""
    settings = current_app.extensions.get("mealplan.settings")
    return None if settings is None else settings.planning


def _ref_choices(kind: str) -> dict[str, list[tuple[str, str]]]:
    db = get_db()
    out: dict[str, list[tuple[str, str]]] = {}
    for fs in ENTITIES[kind].fields:
        if fs.ref is None:
            continue
        if fs.ref == "nutrition-groups":
            out[fs.key] = records.nutrition_group_codes(db, english=is_english())
        else:
            out[fs.key] = records.all_codes(db, fs.ref, english=is_english())
    return out


@bp.get("/")
@requires("records.view")
def index() -> Response:
    return redirect(url_for("records.listing", kind="sites"))


@bp.get("/<kind>/")
@requires("records.view")
def listing(kind: str) -> str:
    kind = _kind_or_404(kind)
    q = request.args.get("q", "")
    page = request.args.get("page", 1, type=int) or 1
    result = records.list_records(get_db(), kind, q=q, page=page, per_page=25)
    return render_template(
        "records/list.html",
        kind=kind,
        kinds=KINDS,
        kind_labels=KIND_LABELS,
        q=q,
        page=result,
        columns=LIST_COLUMNS[kind],
    )


def _dish_context(recipe: list[dict[str, Any]], code: str | None) -> dict[str, Any]:
    db = get_db()
    facts = records.dish_facts(db, code) if code else None
    return {
        "recipe": recipe,
        "ingredients": records.ingredient_table(db),
        "nutrient_keys": NUTRIENT_KEYS,
        "facts": facts,
    }


def _profile_context(profile: Any) -> dict[str, Any]:
    if profile is None:
        return {}
    db = get_db()
    return {
        "group": profile.group,
        "targets": records.group_targets(db, profile.group.code),
        "target_keys": TARGET_KEYS,
        "services": [s.value for s in Service],
    }


@bp.route("/<kind>/new", methods=["GET", "POST"])
@requires("records.edit")
def create(kind: str) -> Response | str | tuple[str, int]:
    kind = _kind_or_404(kind)
    db = get_db()
    form = record_form(kind, ref_choices=_ref_choices(kind), planning=_planning())
    extra: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        recipe, recipe_issues, raw = recipe_rows(request.form) if kind == "dishes" else ([], [], [])
        if kind == "dishes":
            extra = _dish_context(raw, None)
        if form.validate_on_submit() and not recipe_issues:
            values = submitted_values(kind, form)
            try:
                if kind == "dishes":
                    obj = records.create_dish(db, values, recipe, actor=actor())
                else:
                    obj = records.create_record(
                        db, kind, values, actor=actor(), planning=_planning()
                    )
            except RecordValidationError as exc:
                db.rollback()
                apply_issues(form, exc)
            else:
                db.commit()
                flash(_("Saved %(code)s.", code=obj.code), "success")
                return redirect(url_for("records.edit", kind=kind, code=obj.code))
        for issue in recipe_issues:
            flash(issue_text(issue), "error")
        status = 422
    elif kind == "dishes":
        extra = _dish_context([], None)
    return render_template(
        "records/form.html", kind=kind, kind_labels=KIND_LABELS, form=form, code=None, **extra
    ), status


@bp.route("/<kind>/<code>/edit", methods=["GET", "POST"])
@requires("records.view", write="records.edit")
def edit(kind: str, code: str) -> Response | str | tuple[str, int]:
    kind = _kind_or_404(kind)
    db = get_db()
    obj = records.get_record(db, kind, code)
    form = record_form(
        kind,
        ref_choices=_ref_choices(kind),
        values=records.form_values(db, kind, obj),
        editing=True,
    )
    status = 200
    stored_recipe = (
        [{"ingredient": line.ingredient.code, "grams": f"{line.grams:g}"} for line in obj.recipe]
        if kind == "dishes"
        else []
    )
    if request.method == "POST":
        recipe, recipe_issues, raw = recipe_rows(request.form) if kind == "dishes" else ([], [], [])
        if form.validate_on_submit() and not recipe_issues:
            values = submitted_values(kind, form)
            try:
                if kind == "dishes":
                    records.update_dish(db, code, values, recipe, actor=actor())
                else:
                    records.update_record(db, kind, code, values, actor=actor())
            except RecordValidationError as exc:
                db.rollback()
                apply_issues(form, exc)
            else:
                db.commit()
                if kind == "dishes":
                    facts = records.dish_facts(db, code)
                    flash(
                        _(
                            "Saved %(code)s: %(kcal)s kcal, %(protein)s g protein, "
                            "%(sodium)s mg sodium, cost %(cost)s fen per serving.",
                            code=code,
                            kcal=round(facts.nutrients["energy_kcal"]),
                            protein=round(facts.nutrients["protein_g"], 1),
                            sodium=round(facts.nutrients["sodium_mg"]),
                            cost=facts.cost_fen,
                        ),
                        "success",
                    )
                else:
                    flash(_("Saved %(code)s.", code=code), "success")
                return redirect(url_for("records.edit", kind=kind, code=code))
        for issue in recipe_issues:
            flash(issue_text(issue), "error")
        stored_recipe = raw
        status = 422
    return _edit_page(kind, code, obj, form, status, recipe=stored_recipe)


@bp.post("/<kind>/<code>/delete")
@requires("records.edit")
def delete(kind: str, code: str) -> Response:
    """Delete a price tier or subsidy rule entered by mistake (one that priced no recorded
    meal); anything else is refused with the reason, nothing deleted."""
    kind = _kind_or_404(kind)
    if kind not in records.DELETABLE_KINDS:
        abort(404)
    db = get_db()
    if not FlaskForm().validate_on_submit():
        flash(_("The form has expired or is invalid"), "error")
        return redirect(url_for("records.edit", kind=kind, code=code))
    try:
        records.delete_record(db, kind, code, actor=actor())
    except RecordValidationError as exc:
        db.rollback()
        for issue in exc.issues:
            flash(issue_text(issue), "error")
        return redirect(url_for("records.edit", kind=kind, code=code))
    db.commit()
    flash(_("Deleted %(code)s.", code=code), "success")
    return redirect(url_for("records.listing", kind=kind))


def _edit_page(
    kind: str,
    code: str,
    obj: Any,
    form: FlaskForm,
    status: int,
    *,
    recipe: list[dict[str, Any]] | None = None,
    pauses_form: PauseForm | None = None,
) -> tuple[str, int]:
    """The edit page of a record with the extras of its kind (a dish's recipe, a profile's
    targets, a home client's pauses)."""
    extra: dict[str, Any] = {}
    if kind == "dishes":
        extra = _dish_context(recipe or [], code)
    if kind == "diet-profiles":
        extra = _profile_context(obj)
    if kind == "clients":
        extra = {**_pauses_context(code, pauses_form), **_client_context(obj)}
    return render_template(
        "records/form.html",
        kind=kind,
        kind_labels=KIND_LABELS,
        form=form,
        code=code,
        read_only=not can("records.edit"),
        deletable=kind in records.DELETABLE_KINDS,
        **extra,
    ), status


@bp.post("/groups/<code>/targets")
@requires("records.edit")
def group_targets(code: str) -> Response:
    db = get_db()
    services = [s.value for s in Service]
    targets, issues = target_rows(request.form, services, list(TARGET_KEYS))
    back = request.form.get("profile") or ""
    if issues:
        for issue in issues:
            flash(f"{issue.field}: {issue_text(issue)}", "error")
    else:
        try:
            records.update_group_targets(db, code, targets, actor=actor())
        except RecordValidationError as exc:
            db.rollback()
            apply_issues(None, exc)
        else:
            db.commit()
            flash(_("Saved the targets of %(code)s.", code=code), "success")
    if back:
        return redirect(url_for("records.edit", kind="diet-profiles", code=back) + "#targets")
    return redirect(url_for("records.listing", kind="diet-profiles"))


# --------------------------------------------------------------------------- the elder


def _client_context(client: Any) -> dict[str, Any]:
    """A home client's page: register status, jurisdiction history, open follow-ups."""
    db = get_db()
    return {
        "client": client,
        "jurisdictions": checkins.jurisdiction_history(db, client),
        "client_followups": (
            followups.client_tasks(db, client.id) if can("followups.view") else None
        ),
    }


# --------------------------------------------------------------------------- client pauses


def _pauses_context(code: str, form: PauseForm | None) -> dict[str, Any]:
    today = dt.date.today()
    return {
        "pauses": pauses.list_pauses(get_db(), code, today=today),
        "pause_form": form if form is not None else pause_form(from_request=False),
        "today": today,
    }


def _pauses_url(code: str) -> str:
    return url_for("records.edit", kind="clients", code=code) + "#pauses"


def _warn_planned(code: str, start: dt.date, end: dt.date) -> None:
    """Warn when routes of the changed days (today on) are already planned."""
    days = pauses.planned_days(get_db(), code, max(start, dt.date.today()), end)
    if days:
        flash(
            _(
                "Routes are already planned for %(dates)s: run the plan of those days again "
                "(or tell the driver) so that the change reaches the road.",
                dates=", ".join(d.isoformat() for d in days),
            ),
            "warning",
        )


@bp.post("/clients/<code>/pauses")
@requires("records.edit")
def add_pause(code: str) -> Response | tuple[str, int]:
    db = get_db()
    obj = records.get_record(db, "clients", code)
    form = pause_form()
    if form.validate_on_submit():
        assert form.start.data is not None and form.end.data is not None
        try:
            pause = pauses.add_pause(
                db, code, form.start.data, form.end.data, form.reason.data or "", user=actor()
            )
        except RecordValidationError as exc:
            db.rollback()
            apply_issues(form, exc)
        else:
            db.commit()
            flash(
                _(
                    "Meals of %(code)s paused from %(start)s to %(end)s.",
                    code=code,
                    start=pause.start_date.isoformat(),
                    end=pause.end_date.isoformat(),
                ),
                "success",
            )
            _warn_planned(code, pause.start_date, pause.end_date)
            return redirect(_pauses_url(code))
    record = record_form(
        "clients",
        ref_choices=_ref_choices("clients"),
        values=records.form_values(db, "clients", obj),
        editing=True,
        from_request=False,
    )
    return _edit_page("clients", code, obj, record, 422, pauses_form=form)


@bp.post("/clients/<code>/pauses/<int:pause_id>/end")
@requires("records.edit")
def end_pause(code: str, pause_id: int) -> Response:
    db = get_db()
    old = pauses.get_pause(db, pause_id, client_code=code)
    form = EndPauseForm()
    if not form.validate_on_submit() or form.on.data is None:
        flash(_("Give the day meals start again."), "error")
        return redirect(_pauses_url(code))
    on = form.on.data
    try:
        ended = pauses.end_pause(db, pause_id, on=on, user=actor(), client_code=code)
    except RecordValidationError as exc:
        db.rollback()
        for issue in exc.issues:
            flash(issue_text(issue), "error")
        return redirect(_pauses_url(code))
    db.commit()
    if ended is None:
        flash(_("The pause had not started by then: it is deleted."), "success")
    else:
        flash(
            _("Meals of %(code)s start again on %(date)s.", code=code, date=on.isoformat()),
            "success",
        )
    _warn_planned(code, on, old.end)
    return redirect(_pauses_url(code))


@bp.post("/clients/<code>/pauses/<int:pause_id>/delete")
@requires("records.edit")
def delete_pause(code: str, pause_id: int) -> Response:
    db = get_db()
    old = pauses.get_pause(db, pause_id, client_code=code)
    pauses.delete_pause(db, pause_id, user=actor(), client_code=code)
    db.commit()
    flash(
        _(
            "Pause from %(start)s to %(end)s deleted.",
            start=old.start.isoformat(),
            end=old.end.isoformat(),
        ),
        "success",
    )
    _warn_planned(code, old.start, old.end)
    return redirect(_pauses_url(code))
