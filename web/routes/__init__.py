"""The day's routes: a map drawn from the coordinates, a table per route and trip, the
unserved stops, and each trip's route sheet (phone page, print page, PDF)."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l

bp = Blueprint("routes", __name__, url_prefix="/routes", static_folder="static")


@bp.record_once
def _nav(state: BlueprintSetupState) -> None:
    from web.nav import NavItem, register

    register(state.app, NavItem("routes.index", _l("Routes"), "routes.view", 45, "/routes"))


from web.routes import views  # noqa: E402,F401
