"""Settlement claims (issue 14): a month's or quarter's subsidised meals per funder level,
with anti-fraud flags the officer accepts or rejects line by line, exported as XLSX and
PDF (mealplan.services.claims)."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l

from web.nav import NavItem, register

bp = Blueprint("claims", __name__, url_prefix="/claims")


@bp.record_once
def _nav(state: BlueprintSetupState) -> None:
    register(state.app, NavItem("claims.index", _l("Claims"), "claims.view", 72, "/claims"))


from web.claims import views  # noqa: E402,F401
