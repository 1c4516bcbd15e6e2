"""Reference data pages: list (search + paging), create and edit for each record kind."""

from flask import Blueprint

bp = Blueprint("records", __name__, url_prefix="/data")

from web.records import views  # noqa: E402,F401
