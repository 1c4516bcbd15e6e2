"""The weekly menu grid: menus per diet profile with nutrient compliance, re-planning as
a background job, the printable weekly menu per site and the nutrient report."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l

bp = Blueprint("menus", __name__, url_prefix="/menus")


@bp.record_once
def _nav(state: BlueprintSetupState) -> None:
    from web.nav import NavItem, register

    register(state.app, NavItem("menus.index", _l("Weekly menu"), "menus.view", 25, "/menus"))


from web.menus import views  # noqa: E402,F401
