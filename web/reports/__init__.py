"""The monthly report of meals served, with CSV and XLSX export."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from web.reports import views  # noqa: E402,F401
