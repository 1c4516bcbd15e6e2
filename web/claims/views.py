"""The claim page of one period, the officer's decisions and the exports."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from mealplan.services import claims
from mealplan.services.claims import FLAGS, ClaimError
from web.access import actor, can, requires
from web.claims import bp
from web.db import get_db, rollback_db
from web.i18n import is_english
from web.messages import error_message


def _default_period() -> str:
    today = dt.date.today()
    first = today.replace(day=1)
    return first.strftime("%Y-%m")


def _claim(period: str) -> claims.Claim:
    """The claim of ``period``; a ClaimError is the 422 page with its message (web/errors)."""
    return claims.build_claim(get_db(), period)


@bp.get("/")
@requires("claims.view")
def index() -> str:
    """The claim of ``?period=`` (a month 2026-12 or a quarter 2026-Q4; default this month)."""
    period = request.args.get("period", "").strip() or _default_period()
    try:
        claim = claims.build_claim(get_db(), period)
    except ClaimError as exc:
        flash(error_message(exc), "error")
        claim = claims.build_claim(get_db(), _default_period())
    return render_template(
        "claims/index.html", claim=claim, flags=FLAGS, may_review=can("claims.review"),
        form=FlaskForm(), totals=claim.totals(),
    )  # fmt: skip


@bp.post("/<period>/decide")
@requires("claims.view", write="claims.review")
def decide(period: str) -> Response:
    """Accept or reject one line (a rejection needs a reason)."""
    back = url_for("claims.index", period=period) + "#lines"
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(back)
    line = request.form.get("line", "")
    accepted = request.form.get("decision") == "accept"
    try:
        claims.decide(get_db(), line, accepted=accepted, reason=request.form.get("reason", ""),
                      actor=actor())  # fmt: skip
    except ClaimError as exc:
        rollback_db()
        flash(_("Not recorded: %(why)s", why=error_message(exc)), "error")
        return redirect(back)
    get_db().commit()
    flash(_("Line accepted.") if accepted else _("Line rejected."), "success")
    return redirect(back)


@bp.get("/<period>.<fmt>")
@requires("claims.view")
def export(period: str, fmt: str) -> Response:
    """The claim as XLSX or PDF, in the panel's language."""
    if fmt not in ("xlsx", "pdf"):
        abort(404)
    claim = _claim(period)
    lang = "en" if is_english() else "zh"
    if fmt == "xlsx":
        data = claims.claim_xlsx(claim, lang)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = claims.claim_pdf(claim, lang)
        mimetype = "application/pdf"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="claim-{claim.period}.{fmt}"'
    return response
