"""Reference data pages: list (search + paging), create and edit for each record kind."""

from flask import Blueprint

bp = Blueprint("data", __name__, url_prefix="/data")

from web.data import views  # noqa: E402,F401
