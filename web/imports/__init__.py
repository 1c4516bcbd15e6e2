"""File import: upload a CSV/XLSX/JSON table of one kind; row-level errors are shown."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")

from web.imports import views  # noqa: E402,F401
