"""The day at a glance: headcounts, meals per profile, home deliveries, alerts, plan run."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from web.dashboard import views  # noqa: E402,F401
