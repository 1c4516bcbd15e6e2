"""Headcount entry: a grid of diet profiles x services per site and date."""

from flask import Blueprint

bp = Blueprint("headcounts", __name__, url_prefix="/headcounts")

from web.headcounts import views  # noqa: E402,F401
