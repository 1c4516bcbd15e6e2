"""The daily plan: start it as a background job, watch its progress, download its
documents; the shared stylesheet and progress script of the planning pages."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l

bp = Blueprint(
    "plans",
    __name__,
    url_prefix="/plans",
    static_folder="static",
    static_url_path="/static",
)


@bp.record_once
def _nav(state: BlueprintSetupState) -> None:
    from web.nav import NavItem, register

    register(state.app, NavItem("plans.index", _l("Daily plan"), "plans.view", 35, "/plans"))


from web.plans import views  # noqa: E402,F401
