"""The request-scoped database session: opened on first use, closed at teardown."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.session import session_factory


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["mealplan.sessions"] = session_factory(settings)
    app.teardown_appcontext(close_db)


def get_db() -> Session:
    """The session of this request (views commit it; teardown closes it)."""
    if "db" not in g:
        g.db = current_app.extensions["mealplan.sessions"]()
    session: Session = g.db
    return session


def rollback_db() -> None:
    session: Session | None = g.get("db")
    if session is not None:
        session.rollback()


def close_db(exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("db", None)
    if session is None:
        return
    try:
        if exc is not None:
            session.rollback()
    finally:
        session.close()
