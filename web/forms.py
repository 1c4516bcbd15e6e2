"""Helpers shared by the feature forms: service issues onto form fields, flashing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import flash
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from mealplan.services.records import Issue, RecordValidationError
from web.db import rollback_db
from web.messages import localise


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs (labels may be lazy strings)."""
    return [SelectChoice(value, label) for value, label in pairs]


def refused(exc: Exception) -> int:
    """A form's change refused by a service: roll the request's session back, flash why,
    and answer 422."""
    rollback_db()
    flash(localise(exc), "error")
    return 422


def issue_text(issue: Issue) -> str:
    """An issue from a service, translated (its message is a catalogue template)."""
    return _(issue.message, **{k: v for k, v in issue.params.items()})


def apply_issues(form: FlaskForm | None, exc: RecordValidationError) -> None:
    """Put each issue on its form field; issues with no matching field are flashed."""
    for issue in exc.issues:
        field = form[issue.field] if form is not None and issue.field in form else None
        if field is not None:
            field.errors = [*field.errors, issue_text(issue)]
        else:
            prefix = f"{issue.field}: " if issue.field else ""
            flash(prefix + issue_text(issue), "error")


def parse_date(text: str | None, default: dt.date | None = None) -> dt.date:
    """An ISO date from a query string; ``default`` (today) when absent or invalid."""
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return default or dt.date.today()
