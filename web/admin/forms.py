from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from mealplan.services.users import MIN_PASSWORD_LENGTH, ROLES
from web.access import ROLE_LABELS
from web.forms import choices


def _roles() -> list[SelectChoice]:
    return choices((r, ROLE_LABELS[r]) for r in ROLES)


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    role = SelectField(_l("Role"), choices=_roles(), validators=[DataRequired()])
    site = SelectField(_l("Site (site staff only)"), validators=[Optional()])
    driver = SelectField(_l("Driver record (drivers only)"), validators=[Optional()])
    street = StringField(_l("Street (community workers only)"), validators=[Length(max=60)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )


class UserEditForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_roles(), validators=[DataRequired()])
    site = SelectField(_l("Site (site staff only)"), validators=[Optional()])
    driver = SelectField(_l("Driver record (drivers only)"), validators=[Optional()])
    street = StringField(_l("Street (community workers only)"), validators=[Length(max=60)])
    active = BooleanField(_l("Active"))
    password = PasswordField(
        _l("New password (leave empty to keep)"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
    )
