"""Ratings: site staff record elders' scores of the day's dishes and of the service."""

from flask import Blueprint

bp = Blueprint("ratings", __name__, url_prefix="/ratings")

from web.ratings import views  # noqa: E402,F401
