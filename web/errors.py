"""Error pages: 400 (incl. a missing CSRF token), 403, 404, 405, 413, 422 (a mealplan error
no view caught: its message in the panel's language), 500 (rolls back), and
503 when the database is busy (another writer held SQLite's lock past the busy timeout)
or cannot be reached: a page saying nothing was saved and to try again, never a 500."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from mealplan.db.session import database_busy
from mealplan.errors import MealplanError, NotFoundError
from web.db import rollback_db
from web.messages import error_message

log = logging.getLogger(__name__)


def _page(code: int, title: str, message: str = "") -> tuple[str, int]:
    return render_template("error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        return _page(
            400,
            _("The form has expired or is invalid"),
            _("Go back, reload the page and try again."),
        )

    @app.errorhandler(400)
    def bad_request(exc: HTTPException) -> tuple[str, int]:
        return _page(400, _("Bad request"), exc.description or "")

    @app.errorhandler(403)
    def forbidden(exc: HTTPException) -> tuple[str, int]:
        return _page(403, _("Not allowed"), _("Your role does not give access to this page."))

    @app.errorhandler(404)
    def not_found(exc: HTTPException) -> tuple[str, int]:
        return _page(404, _("Not found"))

    @app.errorhandler(405)
    def method_not_allowed(exc: HTTPException) -> tuple[str, int, dict[str, str]]:
        body, code = _page(405, _("This address does not accept this kind of request"))
        allowed = getattr(exc, "valid_methods", None) or []
        return body, code, {"Allow": ", ".join(allowed)}

    @app.errorhandler(NotFoundError)
    def record_not_found(exc: NotFoundError) -> tuple[str, int]:
        rollback_db()
        return _page(404, _("Not found"), str(exc))

    @app.errorhandler(MealplanError)
    def mealplan_error(exc: MealplanError) -> tuple[str, int]:
        """Bad or missing data a view did not expect (e.g. a delivery no price tier covers
        when a claim is built): the message, nothing saved, never a 500."""
        rollback_db()
        log.warning("refused: %s", exc)
        text = error_message(exc)
        return _page(422, _("This cannot be done with the data as it stands"), text)

    @app.errorhandler(413)
    def too_large(exc: HTTPException) -> tuple[str, int]:
        return _page(413, _("The file is too large"))

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError) -> tuple[str, int, dict[str, str]]:
        rollback_db()
        log.warning("database %s: %s", "busy" if database_busy(exc) else "error", exc.orig)
        body, code = _page(
            503,
            _("The database is busy"),
            _("Nothing was saved. A plan or an import is writing; try again in a minute."),
        )
        return body, code, {"Retry-After": "30"}

    @app.errorhandler(500)
    def server_error(exc: Exception) -> tuple[str, int]:
        rollback_db()
        log.error("server error: %s", exc)
        return _page(
            500,
            _("Something went wrong"),
            _("Nothing was saved. Try again, or tell the administrator."),
        )
