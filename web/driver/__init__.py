"""The driver's phone page: today's trips of their vehicle, one button per outcome."""

from flask import Blueprint

bp = Blueprint("driver", __name__)

from web.driver import views  # noqa: E402,F401
