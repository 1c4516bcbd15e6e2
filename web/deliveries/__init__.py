"""Delivery confirmation per route stop, and welfare alerts for home no-answers."""

from flask import Blueprint

bp = Blueprint("deliveries", __name__)

from web.deliveries import views  # noqa: E402,F401
