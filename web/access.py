"""Who may do what: roles, the permission x role matrix, ``@requires`` and site binding.

The matrix below is the one place access is decided. Views name a permission to read
(GET) and optionally another to write (POST): ``@requires("headcounts.view",
write="headcounts.edit")``. A site_staff user is bound to one site: views that take a site
call :func:`ensure_site` (403 for any other site).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user

from mealplan.services import users
from mealplan.services.users import UserInfo
from web.db import get_db

ADMIN, MANAGER, DISPATCHER, SITE_STAFF, VIEWER, DRIVER, COMMUNITY_WORKER = users.ROLES
ALL = frozenset(users.ROLES)
# the kitchen office: everyone but site staff, drivers and community workers
OFFICE = frozenset({ADMIN, MANAGER, DISPATCHER, VIEWER})
# the kitchen office and the canteens (not drivers or community workers)
KITCHEN_AND_SITES = OFFICE | {SITE_STAFF}

PERMISSIONS: dict[str, frozenset[str]] = {
    "dashboard.view": OFFICE,
    "records.view": OFFICE,
    "records.edit": frozenset({ADMIN, MANAGER}),
    "import.run": frozenset({ADMIN, MANAGER}),
    "headcounts.view": KITCHEN_AND_SITES,
    "headcounts.edit": frozenset({ADMIN, MANAGER, SITE_STAFF}),
    "headcounts.late_edit": frozenset({ADMIN, MANAGER}),  # after the cut-off
    "deliveries.view": KITCHEN_AND_SITES,
    "deliveries.record": frozenset({ADMIN, MANAGER, DISPATCHER, SITE_STAFF}),
    "alerts.view": frozenset({ADMIN, MANAGER, DISPATCHER, VIEWER}),
    "alerts.resolve": frozenset({ADMIN, MANAGER, DISPATCHER}),
    "alerts.banner": frozenset({ADMIN, MANAGER, DISPATCHER}),
    "ratings.view": KITCHEN_AND_SITES,
    "ratings.record": frozenset({ADMIN, MANAGER, SITE_STAFF}),
    "reports.view": frozenset({ADMIN, MANAGER, VIEWER}),
    "menus.view": ALL,  # canteen staff read the week's menu
    "menus.plan": frozenset({ADMIN, MANAGER}),  # re-plan the week's menus
    "menus.edit": frozenset({ADMIN, MANAGER}),  # swap a dish by hand, lock and unlock
    "plans.view": OFFICE,
    "plans.run": frozenset({ADMIN, MANAGER, DISPATCHER}),  # start the daily plan
    "routes.view": OFFICE,
    # place an unserved stop on a trip, lock a stop to its vehicle, note a call
    "routes.dispatch": frozenset({ADMIN, MANAGER, DISPATCHER}),
    "users.manage": frozenset({ADMIN}),
    "audit.view": frozenset({ADMIN}),
    "driver.page": frozenset({DRIVER}),  # own vehicle's stops only (web/driver)
    # ordering for an elder (代订, web/order); the elder's own link needs no login
    "orders.on_behalf": frozenset({ADMIN, MANAGER, COMMUNITY_WORKER}),
    "orders.links": frozenset({ADMIN, MANAGER}),  # make, print and withdraw ordering links
    "followups.view": frozenset({ADMIN, MANAGER, VIEWER, COMMUNITY_WORKER}),  # 回访
    "followups.work": frozenset({ADMIN, MANAGER, COMMUNITY_WORKER}),
    "followups.assign": frozenset({ADMIN, MANAGER}),  # give a task to another worker
    # canteen check-in (web/checkin): site staff at their own site, managers anywhere
    "checkin.record": frozenset({ADMIN, MANAGER, SITE_STAFF}),
    # settlement claims (web/claims): the operator's manager prepares and exports them; the
    # civil-affairs officer (a viewer login) accepts or rejects lines, so that nobody
    # approves their own claim (the viewer's one write)
    "claims.view": frozenset({ADMIN, MANAGER, VIEWER}),
    "claims.review": frozenset({ADMIN, VIEWER}),
}

ROLE_LABELS = {
    ADMIN: _l("Administrator"),
    MANAGER: _l("Kitchen manager"),
    DISPATCHER: _l("Dispatcher"),
    SITE_STAFF: _l("Site staff"),
    VIEWER: _l("Viewer (read-only)"),
    DRIVER: _l("Driver"),
    COMMUNITY_WORKER: _l("Community worker"),
}


class PanelUser(UserMixin):  # type: ignore[misc]
    """The logged-in user for one request (a snapshot, not the ORM object)."""

    def __init__(self, info: UserInfo) -> None:
        self.info = info
        self.id = info.id
        self.username = info.username
        self.role = info.role
        self.site_id = info.site_id
        self.site_code = info.site_code
        self.language = info.language

    def get_id(self) -> str:
        """``"<id>:<session version>"``: what the session and the remember-me cookie keep;
        a password reset or a logout bumps the version, ending every older session."""
        return users.session_token(self.info)

    @property
    def is_active(self) -> bool:
        return self.info.active

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


class Anonymous(AnonymousUserMixin):  # type: ignore[misc]
    role = ""
    site_code = None
    username = ""

    def can(self, permission: str) -> bool:
        return False


login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in.")
login_manager.anonymous_user = Anonymous
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(token: str) -> PanelUser | None:
    """The user a session or remember-me cookie names, if that session is still valid."""
    user = users.user_for_token(get_db(), token)
    return PanelUser(users.info(user)) if user is not None else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)

    @app.context_processor
    def _access_helpers() -> dict[str, Any]:
        return {"can": can, "ROLE_LABELS": ROLE_LABELS}


def can(permission: str) -> bool:
    """Whether the current user has ``permission`` (unknown permissions are a bug)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return bool(current_user.is_authenticated) and current_user.role in PERMISSIONS[permission]


F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: str, *, write: str | None = None) -> Callable[[F], F]:
    """Log in first, then ``permission`` for reading and ``write`` (if given) for POST."""
    for name in (permission, write):
        if name is not None and name not in PERMISSIONS:
            raise KeyError(f"unknown permission {name!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(permission):
                abort(403)
            if write is not None and request.method == "POST" and not can(write):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        wrapped.write_permission = write  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorator


def ensure_site(site_code: str | None) -> None:
    """403 unless the current user may act for ``site_code`` (site staff: only their own)."""
    if current_user.role == SITE_STAFF and (
        site_code is None or site_code != current_user.site_code
    ):
        abort(403)


def actor() -> str:
    return str(current_user.username) if current_user.is_authenticated else "anonymous"


def home_for(user: Any) -> str:
    """Where a role's work starts: after login and on the panel's front page."""
    role = getattr(user, "role", None)
    if role == SITE_STAFF:
        return url_for("headcounts.index")
    if role == DRIVER:
        return url_for("driver.index")
    if role == COMMUNITY_WORKER:
        return url_for("followups.index")
    return url_for("dashboard.index")
