"""Ordering home meals from a phone: an elder or family member through a per-elder link
(``/o/<token>``, no password), a community worker on the elder's behalf (代订), and the
staff who print and revoke links (mealplan.services.orders)."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l

from web.nav import NavItem, register

bp = Blueprint("order", __name__)


@bp.record_once
def _nav(state: BlueprintSetupState) -> None:
    register(state.app, NavItem("order.index", _l("Order meals"), "orders.on_behalf", 55, "/order"))


from web.order import views  # noqa: E402,F401
