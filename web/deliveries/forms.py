from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from mealplan.services.deliveries import STATUSES
from web.forms import choices
from web.labels import choice_label


class DeliveryForm(FlaskForm):
    status = SelectField(
        _l("Outcome"),
        choices=choices((s, choice_label(s)) for s in STATUSES),
        validators=[InputRequired()],
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=250)])
    time = StringField(
        _l("Time"),
        validators=[Optional(), Regexp(r"^\d{1,2}:\d{2}$", message=_l("Use HH:MM, e.g. 11:30"))],
        render_kw={"placeholder": "HH:MM", "inputmode": "numeric"},
    )
    back = HiddenField()


class ResolveForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=2000)])
