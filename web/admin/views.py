from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from mealplan.errors import MealplanError, NotFoundError
from mealplan.services import audit, records, users
from web.access import actor, requires
from web.admin import bp
from web.admin.forms import UserCreateForm, UserEditForm
from web.db import get_db
from web.forms import choices, refused


def _site_choices() -> list[SelectChoice]:
    return choices([("", "—")] + [(c, f"{c} {n}") for c, n in records.all_codes(get_db(), "sites")])


def _driver_choices() -> list[SelectChoice]:
    found = records.all_codes(get_db(), "drivers")
    return choices([("", "—")] + [(c, f"{c} {n}") for c, n in found])


@bp.route("/users", methods=["GET", "POST"], endpoint="users")
@requires("users.manage")
def users_page() -> Response | str | tuple[str, int]:
    db = get_db()
    form = UserCreateForm()
    form.site.choices = _site_choices()
    form.driver.choices = _driver_choices()
    status = 200
    if form.validate_on_submit():
        try:
            users.create_user(
                db,
                form.username.data or "",
                form.password.data or "",
                form.role.data or "",
                site_code=form.site.data or None,
                driver_code=form.driver.data or None,
                street=(form.street.data or "") if form.role.data == "community_worker" else "",
                actor=actor(),
            )
        except (MealplanError, NotFoundError) as exc:
            status = refused(exc)
        else:
            db.commit()
            flash(_("Created user %(name)s.", name=form.username.data), "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 422
    return render_template("admin/users.html", users=users.list_users(db), form=form), status


@bp.route("/users/<username>", methods=["GET", "POST"])
@requires("users.manage")
def user_edit(username: str) -> Response | str | tuple[str, int]:
    db = get_db()
    user = users.get_by_username(db, username)
    form = UserEditForm(
        data={
            "role": user.role,
            "site": user.site.code if user.site else "",
            "driver": user.driver.code if user.driver else "",
            "street": user.street,
            "active": user.active,
        }
    )
    form.site.choices = _site_choices()
    form.driver.choices = _driver_choices()
    status = 200
    if form.validate_on_submit():
        try:
            users.update_user(
                db,
                username,
                role=form.role.data,
                site_code=form.site.data or None,
                driver_code=form.driver.data or None,
                street=(form.street.data or "") if form.role.data == "community_worker" else "",
                active=bool(form.active.data),
                password=form.password.data or None,
                actor=actor(),
            )
        except MealplanError as exc:
            status = refused(exc)
        else:
            db.commit()
            flash(_("Saved user %(name)s.", name=username), "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 422
    return render_template("admin/user_edit.html", user=user, form=form), status


@bp.get("/audit", endpoint="audit")
@requires("audit.view")
def audit_log() -> str:
    page = request.args.get("page", 1, type=int) or 1
    entity = request.args.get("entity") or None
    who = request.args.get("actor") or None
    result = audit.list_entries(get_db(), page=page, per_page=50, entity=entity, actor=who)
    return render_template("admin/audit.html", page=result, entity=entity or "", who=who or "")
