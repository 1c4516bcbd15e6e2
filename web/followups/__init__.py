"""Follow-up tasks (回访): community workers see open tasks, take them, and close them with
an outcome; closed tasks stay in the history (mealplan.services.followups)."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l

from web.nav import NavItem, register

bp = Blueprint("followups", __name__, url_prefix="/followups")


@bp.record_once
def _nav(state: BlueprintSetupState) -> None:
    register(
        state.app, NavItem("followups.index", _l("Follow-ups"), "followups.view", 57, "/followups")
    )


from web.followups import views  # noqa: E402,F401
