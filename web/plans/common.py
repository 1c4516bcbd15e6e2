"""Helpers shared by the planning pages (menus, daily plan, routes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mealplan.config import Settings
from mealplan.domain.vocab import Service
from mealplan.services import jobs
from web.i18n import is_english
from web.labels import WEEKDAYS
from web.messages import profile_name

SERVICES = tuple(s.value for s in Service)

STATUS_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "killed": _l("Killed"),
}

# Stage names the planning use cases report (others are shown as they are).
STAGE_LABELS = {
    "queued": _l("waiting to start"),
    "demand": _l("demand"),
    "menus": _l("menus"),
    "menu": _l("menus"),
    "routes": _l("routes"),
    "routing": _l("routes"),
    "production": _l("production"),
    "purchasing": _l("purchasing"),
    "documents": _l("documents"),
    "store": _l("saving"),
    "storing": _l("saving"),
    "solve": _l("solving"),
    "done": _l("done"),
    "plan": _l("planning"),
    "waves": _l("cooking waves"),
    "purchase": _l("purchasing"),
    "commit": _l("saving"),
}

# Figures of a run (daily plan, weekly menus) by their keys (others are shown as they are).
FIGURE_LABELS = {
    "meals": _l("Meals"),
    "sites": _l("Sites"),
    "sites_forecast": _l("Sites forecast"),
    "homes": _l("Homes"),
    "profiles": _l("Diet profiles"),
    "profiles_without_menu": _l("Diet profiles without a menu"),
    "dishes": _l("Dishes"),
    "portions": _l("Portions"),
    "kitchens": _l("Kitchens"),
    "vehicles": _l("Vehicles"),
    "trips": _l("Trips"),
    "distance_km": _l("Distance (km)"),
    "meals_delivered": _l("Meals delivered"),
    "meals_unserved": _l("Meals unserved"),
    "waves": _l("Cooking waves"),
    "purchase_cost_yuan": _l("Purchase cost (yuan)"),
    "routing_wall_s": _l("Routing time (s)"),
    "routes": _l("Routes"),
    "status": _l("Solver status"),
    "objective": _l("Objective"),
    "bound": _l("Bound"),
    "gap": _l("Gap"),
    "wall_s": _l("Solver time (s)"),
    "one_meal_trips": _l("One-meal trips"),
}

FILE_LABELS = {
    "route_sheets": _l("Route sheets (PDF)"),
    "production": _l("Production sheet (PDF)"),
    "purchase_pdf": _l("Purchase list (PDF)"),
    "purchase_xlsx": _l("Purchase list (XLSX)"),
    "labels": _l("Box labels (PDF)"),
    "plan_json": _l("Plan data (JSON)"),
}

KIND_LABELS = {"daily": _l("Daily plan"), "menu": _l("Weekly menus")}


def settings() -> Settings:
    result: Settings = current_app.extensions["mealplan.settings"]
    return result


def job_runner() -> jobs.Runner | None:
    """The runner configured for tests (``JOB_RUNNER``), else None (a real process)."""
    runner: jobs.Runner | None = current_app.config.get("JOB_RUNNER")
    return runner


def service_arg(value: str | None) -> str:
    return value if value in SERVICES else Service.LUNCH.value


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def stage_label(code: str) -> str:
    return str(STAGE_LABELS.get(code, code)) if code else ""


def figure_label(key: str) -> str:
    return str(FIGURE_LABELS.get(key, key))


def figure_value(key: str, value: Any) -> str:
    """A figure as the panel shows it: diet profiles by name, other lists by their count."""
    if isinstance(value, list):
        if key == "profiles_without_menu":
            sep = ", " if is_english() else "、"
            return sep.join(profile_name(code) for code in value) or "—"
        return str(len(value))
    if isinstance(value, dict):
        return str(len(value))
    return str(value)


def file_label(key: str) -> str:
    """A document's label; a kitchen's own document (``production@K02``, plans with
    several kitchens) is labelled with the kitchen's code."""
    base, _, kitchen = key.partition("@")
    label = str(FILE_LABELS.get(base, base))
    return f"{label} · {kitchen}" if kitchen else label


def kind_label(code: str) -> str:
    return str(KIND_LABELS.get(code, code))


def service_label(code: str) -> str:
    names = {"lunch": _("Lunch"), "dinner": _("Dinner")}
    return " + ".join(names.get(s, s) for s in code.split(","))


def weekday_label(day: dt.date) -> str:
    return str(dict(WEEKDAYS).get(str(day.isoweekday()), ""))


def template_helpers() -> dict[str, Any]:
    return {
        "weekday_label": weekday_label,
        "status_label": status_label,
        "stage_label": stage_label,
        "figure_label": figure_label,
        "figure_value": figure_value,
        "file_label": file_label,
        "kind_label": kind_label,
        "service_label": service_label,
    }
