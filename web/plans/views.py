from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from mealplan.services import jobs, routes
from web.access import actor, requires
from web.db import get_db
from web.forms import parse_date
from web.messages import localise
from web.plans import bp
from web.plans.common import (
    SERVICES,
    job_runner,
    service_arg,
    settings,
    template_helpers,
)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return template_helpers()


@bp.get("/")
@requires("plans.view")
def index() -> str:
    date = parse_date(request.args.get("date"))
    service = service_arg(request.args.get("service"))
    runs = jobs.recent_runs(settings(), get_db(), limit=25)
    return render_template(
        "plans/index.html", date=date, service=service, services=SERVICES, runs=runs
    )


@bp.post("/run")
@requires("plans.view", write="plans.run")
def run() -> Response:
    date = parse_date(request.form.get("date"))
    service = service_arg(request.form.get("service"))
    try:
        run_id = jobs.start_job(
            settings(), "daily", date, service, {}, runner=job_runner(), actor=actor()
        )
    except jobs.JobConflictError as exc:
        flash(
            _(
                "A plan for %(date)s %(service)s is already running (run %(run)s): "
                "wait for it to finish.",
                date=date.isoformat(),
                service=service,
                run=exc.run_id,
            ),
            "error",
        )
        return redirect(url_for("plans.status_page", run_id=exc.run_id))
    except jobs.JobError as exc:
        flash(_("The plan could not be started: %(error)s", error=localise(exc)), "error")
        return redirect(url_for("plans.index", date=date.isoformat(), service=service))
    flash(_("The plan for %(date)s has started.", date=date.isoformat()), "success")
    return redirect(url_for("plans.status_page", run_id=run_id))


def _status_or_404(run_id: int) -> jobs.JobStatus:
    db = get_db()
    status = jobs.job_status(settings(), db, run_id)
    if status is None:
        abort(404)
    db.commit()  # a lost run may just have been marked failed
    return status


@bp.get("/<int:run_id>")
@requires("plans.view")
def status_page(run_id: int) -> str:
    status = _status_or_404(run_id)
    log_tail = jobs.log_tail(settings(), run_id) if status.status == "failed" else ""
    fleet = []
    if status.kind == "daily" and status.status == "done":
        fleet = routes.plan_fleet(jobs.run_file(settings(), get_db(), run_id, "plan_json"))
    return render_template(
        "plans/status.html", run=status, files=jobs.DAILY_FILES, log_tail=log_tail, fleet=fleet
    )


@bp.get("/<int:run_id>/status")
@requires("plans.view")
def status_json(run_id: int) -> Response:
    status = _status_or_404(run_id)
    body = status.as_json()
    body["links"] = {key: url_for("plans.download", run_id=run_id, key=key) for key in status.files}
    body["stage_label"] = template_helpers()["stage_label"](status.stage)
    body["status_label"] = template_helpers()["status_label"](status.status)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:run_id>/files/<key>")
@requires("plans.view")
def download(run_id: int, key: str) -> Response:
    path = jobs.run_file(settings(), get_db(), run_id, key)
    if path is None:
        abort(404)
    return send_file(path, as_attachment=request.args.get("inline") is None)
