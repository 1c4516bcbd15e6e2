"""The navigation bar, as a list that later features extend.

Each entry names an endpoint, a label and the permission that shows it; ``order`` places
it. Reserved slots for features added later on top of this layout: the weekly menu grid
(``order=25``), the daily plan job (``order=35``) and the routes map (``order=45``).
Register one from a blueprint's setup with :func:`register`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l

from web.access import can


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string
    permission: str
    order: int
    prefix: str = ""  # URL prefix that marks the item as current


DEFAULT = (
    NavItem("dashboard.index", _l("Today"), "dashboard.view", 10, "/"),
    NavItem("headcounts.index", _l("Headcounts"), "headcounts.view", 20, "/headcounts"),
    # 25: weekly menu grid (reserved)
    NavItem("records.index", _l("Data"), "records.view", 30, "/data"),
    # 35: daily plan (reserved)
    NavItem("deliveries.index", _l("Deliveries"), "deliveries.view", 40, "/deliveries"),
    # 45: routes map (reserved)
    NavItem("driver.index", _l("My deliveries"), "driver.page", 39, "/driver"),
    NavItem("deliveries.alerts", _l("Welfare alerts"), "alerts.view", 50, "/alerts"),
    NavItem("ratings.index", _l("Ratings"), "ratings.view", 60, "/ratings"),
    NavItem("reports.monthly", _l("Reports"), "reports.view", 70, "/reports"),
    NavItem("imports.index", _l("Import"), "import.run", 80, "/import"),
    NavItem("admin.users", _l("Users"), "users.manage", 90, "/admin/users"),
    NavItem("admin.audit", _l("Audit log"), "audit.view", 95, "/admin/audit"),
)


def register(app: Flask, item: NavItem) -> None:
    """Add a navigation entry (e.g. the weekly menu grid, order 25)."""
    items: list[NavItem] = app.extensions["mealplan.nav"]
    items.append(item)
    items.sort(key=lambda i: i.order)


def _current(prefix: str) -> bool:
    if prefix == "/":
        return request.path == "/"
    return bool(prefix) and request.path.startswith(prefix)


def init_app(app: Flask) -> None:
    app.extensions["mealplan.nav"] = sorted(DEFAULT, key=lambda i: i.order)

    @app.context_processor
    def _nav() -> dict[str, Any]:
        def visible() -> list[tuple[NavItem, bool]]:
            items: list[NavItem] = current_app.extensions["mealplan.nav"]
            return [(i, _current(i.prefix)) for i in items if can(i.permission)]

        return {"nav_items": visible}
