from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from mealplan.errors import MealplanError, NotFoundError
from mealplan.services import followups
from mealplan.services.records import RecordValidationError
from web.access import COMMUNITY_WORKER, actor, can, requires
from web.db import get_db, rollback_db
from web.followups import bp
from web.forms import issue_text


def _street() -> str:
    """A community worker's street ("" = every street, and for every other role)."""
    if current_user.role != COMMUNITY_WORKER:
        return ""
    return str(current_user.info.street or "")


FILTERS = {"open": followups.OPEN, "closed": followups.CLOSED, "all": None}


@bp.get("/")
@requires("followups.view")
def index() -> str:
    """Open tasks by due date, or the history (``?status=closed`` / ``all``)."""
    db = get_db()
    if followups.collect(db):
        db.commit()
    shown = request.args.get("status", "open")
    if shown not in FILTERS:
        shown = "open"
    tasks = followups.list_tasks(
        db, status=FILTERS[shown], street=_street(), user=str(current_user.username)
    )
    return render_template(
        "followups/index.html",
        tasks=tasks,
        shown=shown,
        filters=list(FILTERS),
        today=dt.date.today(),
        form=FlaskForm(),
        may_work=can("followups.work"),
        workers=followups.workers(db) if can("followups.assign") else [],
    )


@bp.post("/<int:task_id>/assign")
@requires("followups.view", write="followups.assign")
def assign(task_id: int) -> Response:
    """A manager gives an open task to another community worker (audited)."""
    db = get_db()
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("The form expired: please try again."), "error")
        return redirect(url_for("followups.index"))
    try:
        followups.reassign(db, task_id, request.form.get("assignee", ""), actor=actor())
    except RecordValidationError as exc:
        rollback_db()
        for issue in exc.issues:
            flash(issue_text(issue), "error")
        return redirect(url_for("followups.index"))
    except NotFoundError:
        rollback_db()
        flash(_("No such follow-up."), "error")
        return redirect(url_for("followups.index"))
    db.commit()
    flash(_("Follow-up reassigned."), "success")
    return redirect(url_for("followups.index"))


@bp.post("/<int:task_id>")
@requires("followups.view", write="followups.work")
def work(task_id: int) -> Response:
    """Take a task, or close it with its outcome."""
    db = get_db()
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("The form expired: please try again."), "error")
        return redirect(url_for("followups.index"))
    try:
        if request.form.get("action") == "take":
            followups.take(db, task_id, user=actor())
            flash(_("The follow-up is yours."), "success")
        else:
            followups.close(db, task_id, request.form.get("outcome", ""), user=actor())
            flash(_("Follow-up closed: it stays in the history."), "success")
    except RecordValidationError as exc:
        rollback_db()
        for issue in exc.issues:
            flash(issue_text(issue), "error")
        return redirect(url_for("followups.index"))
    except NotFoundError:
        rollback_db()
        flash(_("No such follow-up."), "error")
        return redirect(url_for("followups.index"))
    except MealplanError:
        rollback_db()
        flash(_("This follow-up is already closed."), "error")
        return redirect(url_for("followups.index"))
    db.commit()
    return redirect(url_for("followups.index"))
