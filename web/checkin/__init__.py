"""Check-in at canteens and dining points (issue 14): a tablet page where site staff scan
an elder's QR code (camera or USB scanner) or type the card number; each meal is recorded
with what the elder paid and the subsidy (mealplan.services.checkins)."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l

from web.nav import NavItem, register

bp = Blueprint("checkin", __name__, url_prefix="/checkin")


@bp.record_once
def _nav(state: BlueprintSetupState) -> None:
    register(state.app, NavItem("checkin.index", _l("Check-in"), "checkin.record", 22, "/checkin"))


from web.checkin import views  # noqa: E402,F401
