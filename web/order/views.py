from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from mealplan.db.models import Client
from mealplan.domain.vocab import Service
from mealplan.errors import NotFoundError
from mealplan.services import orders
from mealplan.services.records import RecordValidationError
from web.access import COMMUNITY_WORKER, actor, can, requires
from web.auth.throttle import AddressThrottle
from web.db import get_db, rollback_db
from web.forms import issue_text
from web.order import bp

#: refused link tokens one address may try in the window before it gets 429
LINK_LIMIT = 20
LINK_WINDOW_S = 15 * 60


def _throttle() -> AddressThrottle:
    throttle = current_app.extensions.get("mealplan.order_link_throttle")
    if throttle is None:
        throttle = AddressThrottle(LINK_LIMIT, LINK_WINDOW_S)
        current_app.extensions["mealplan.order_link_throttle"] = throttle
    assert isinstance(throttle, AddressThrottle)
    return throttle


def _refusal_text(reason: str) -> str:
    if reason == orders.REVOKED:
        return _(
            "This ordering link has been withdrawn. Please ask the community or the canteen for a new one."
        )
    if reason == orders.EXPIRED:
        return _(
            "This ordering link has expired. Please ask the community or the canteen for a new one."
        )
    return _("This ordering link is not valid. Please check the address or ask for a new link.")


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return None


def _apply(client_code: str, via: str, who: str) -> int:
    """Apply one POSTed change (order / cancel a day, or pause days); returns the status."""
    db = get_db()
    action = request.form.get("action", "")
    try:
        if action in ("order", "cancel"):
            day = _date(request.form.get("date"))
            service = request.form.get("service", Service.LUNCH.value)
            if day is None:
                flash(_("Choose a date."), "error")
                return 422
            orders.set_meal(db, client_code, day, service, action == "order", via=via, actor=who)
            flash(
                _("Ordered: %(date)s.", date=day.isoformat())
                if action == "order"
                else _("Cancelled: %(date)s.", date=day.isoformat()),
                "success",
            )
        elif action == "pause":
            start = _date(request.form.get("start"))
            end = _date(request.form.get("end"))
            if start is None or end is None:
                flash(_("Choose the first and last day of the pause."), "error")
                return 422
            orders.pause_days(db, client_code, start, end, via=via, actor=who)
            flash(_("Paused from %(start)s to %(end)s.", start=start, end=end), "success")
        elif action == "resume":
            on = _date(request.form.get("on"))
            pause_id = request.form.get("pause", "")
            if on is None or not pause_id.isdigit():
                flash(_("Choose the day the meals start again."), "error")
                return 422
            kept = orders.resume_days(db, client_code, int(pause_id), on, via=via, actor=who)
            flash(
                _("Meals again from %(date)s.", date=on.isoformat())
                if kept is not None
                else _("The pause is withdrawn."),
                "success",
            )
        else:
            flash(_("Unknown action."), "error")
            return 422
    except RecordValidationError as exc:
        rollback_db()
        for issue in exc.issues:
            flash(issue_text(issue), "error")
        return 422
    except NotFoundError:
        rollback_db()
        flash(_("No such pause."), "error")
        return 404
    db.commit()
    return 200


def _render(client: Client, status: int, *, post_url: str, via: str) -> tuple[str, int]:
    db = get_db()
    now = dt.datetime.now()
    start = now.date()
    week = orders.week(db, client.code, start, now=now)
    today = orders.today_status(db, client.code, start)
    return render_template(
        "order/week.html",
        client=client,
        week=week,
        today=today,
        pauses=orders.current_pauses(db, client.code, now=now),
        first_open=orders.first_open_day(now),
        post_url=post_url,
        via=via,
        form=FlaskForm(),
        start=start,
    ), status


@bp.route("/o/<token>", methods=["GET", "POST"])
def by_link(token: str) -> Response | str | tuple[str, int]:
    """The elder's own page: whoever holds the link orders for that elder only."""
    address = request.remote_addr or "unknown"
    db = get_db()
    throttle = _throttle()
    try:
        link = orders.resolve_link(db, token)
    except orders.LinkRefused as exc:
        wait = throttle.claim(address)
        if wait is not None:
            return render_template(
                "order/refused.html",
                message=_(
                    "Too many attempts. Try again in %(minutes)s minutes.",
                    minutes=(wait + 59) // 60,
                ),
            ), 429
        return render_template("order/refused.html", message=_refusal_text(exc.reason)), (
            410 if exc.reason != orders.UNKNOWN else 404
        )
    client = link.client
    who = orders.link_actor(link)
    db.commit()  # last used
    status = 200
    if request.method == "POST":
        form = FlaskForm()
        if not form.validate_on_submit():
            flash(_("The form expired: please try again."), "error")
            status = 400
        else:
            status = _apply(client.code, orders.VIA_LINK, who)
            if status == 200:
                return redirect(url_for("order.by_link", token=token))
    return _render(
        client, status, post_url=url_for("order.by_link", token=token), via=orders.VIA_LINK
    )


@bp.get("/order/")
@requires("orders.on_behalf")
def index() -> str:
    """Find an elder to order for (community workers: 代订)."""
    q = request.args.get("q", "").strip()
    stmt = select(Client).where(Client.active.is_(True)).order_by(Client.code).limit(50)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(Client.code.ilike(like), Client.name.ilike(like), Client.phone.ilike(like))
        )
    street = _street()
    if street:
        stmt = stmt.where(Client.street == street)
    found = list(get_db().scalars(stmt))
    return render_template("order/index.html", clients=found, q=q)


def _street() -> str:
    """A community worker's street: they order for that street's elders ("" = all)."""
    if current_user.role != COMMUNITY_WORKER:
        return ""
    return str(current_user.info.street or "")


def _client(code: str) -> Client:
    client = get_db().scalar(select(Client).where(Client.code == code))
    if client is None:
        abort(404)
    street = _street()
    if street and client.street != street:
        abort(403)
    return client


@bp.route("/order/<client_code>", methods=["GET", "POST"])
@requires("orders.on_behalf")
def on_behalf(client_code: str) -> Response | str | tuple[str, int]:
    client = _client(client_code)
    status = 200
    if request.method == "POST":
        form = FlaskForm()
        if not form.validate_on_submit():
            status = 400
        else:
            status = _apply(client.code, orders.VIA_WORKER, actor())
            if status == 200:
                return redirect(url_for("order.on_behalf", client_code=client.code))
    page, status = _render(
        client,
        status,
        post_url=url_for("order.on_behalf", client_code=client.code),
        via=orders.VIA_WORKER,
    )
    return page, status


@bp.route("/order/<client_code>/links", methods=["GET", "POST"])
@requires("orders.links")
def links(client_code: str) -> Response | str | tuple[str, int]:
    """Make, print and revoke the elder's ordering links."""
    client = _client(client_code)
    db = get_db()
    form = FlaskForm()
    status = 200
    new_url = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            if request.form.get("action") == "revoke":
                link_id = request.form.get("link", "")
                orders.revoke_link(
                    db, client.code, int(link_id) if link_id.isdigit() else -1, user=actor()
                )
                flash(_("The link is withdrawn: it no longer opens the ordering page."), "success")
            else:
                expires = _date(request.form.get("expires_on"))
                _link, token = orders.create_link(
                    db,
                    client.code,
                    holder=request.form.get("holder", ""),
                    expires_on=expires,
                    user=actor(),
                )
                new_url = url_for("order.by_link", token=token, _external=True)
            db.commit()
        except RecordValidationError as exc:
            rollback_db()
            for issue in exc.issues:
                flash(issue_text(issue), "error")
            status = 422
        except NotFoundError:
            rollback_db()
            flash(_("No such link."), "error")
            status = 404
    return render_template(
        "order/links.html",
        client=client,
        links=orders.list_links(db, client.code),
        new_url=new_url,
        new_qr=orders.link_qr_svg(new_url) if new_url else "",
        form=form,
        today=dt.date.today(),
        may_order=can("orders.on_behalf"),
    ), status
