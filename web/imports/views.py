from __future__ import annotations

from flask import current_app, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from mealplan.domain.schemas import KIND_NAMES
from mealplan.errors import ImportValidationError, MealplanError
from mealplan.io.importing import import_table
from web.access import actor, requires
from web.db import get_db
from web.forms import choices, refused
from web.imports import bp
from web.labels import KIND_LABELS

IMPORT_LABELS = KIND_LABELS


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), validators=[InputRequired()])
    file = FileField(
        _l("File (CSV, XLSX or JSON)"),
        validators=[
            FileRequired(),
            FileAllowed(["csv", "xlsx", "json"], _l("Use a CSV, XLSX or JSON file.")),
        ],
    )
    sheet = StringField(_l("Sheet (XLSX, optional)"), validators=[Optional(), Length(max=100)])
    encoding = SelectField(_l("Text encoding (CSV, JSON)"), default="")


#: the encodings the form offers ("": UTF-8, else Chinese GB18030, else refused)
ENCODINGS = (
    ("", _l("Detect (UTF-8 or Chinese GBK)")),
    ("utf-8", "UTF-8"),
    ("gb18030", "GBK / GB18030"),
    ("big5", "Big5"),
    ("utf-16", "UTF-16"),
    ("latin-1", "Latin-1 (ISO-8859-1)"),
    ("cp1252", "Windows-1252"),
)


@bp.route("/", methods=["GET", "POST"])
@requires("import.run")
def index() -> tuple[str, int]:
    form = ImportForm()
    form.kind.choices = choices((k, IMPORT_LABELS.get(k, k)) for k in KIND_NAMES)
    form.encoding.choices = choices(ENCODINGS)
    errors = []
    report = None
    status = 200
    if form.validate_on_submit():
        db = get_db()
        upload = form.file.data
        filename = upload.filename or "upload"
        try:
            report = import_table(
                db,
                form.kind.data or "",
                upload.read(),
                filename=filename,
                actor=actor(),
                sheet=form.sheet.data or None,
                planning=current_app.extensions["mealplan.settings"].planning,
                encoding=form.encoding.data or None,
            )
        except ImportValidationError as exc:
            db.rollback()
            errors = exc.errors
            flash(
                _(
                    "%(n)s error(s) in %(file)s: nothing was imported.",
                    n=len(errors),
                    file=filename,
                ),
                "error",
            )
            status = 422
        except MealplanError as exc:
            status = refused(exc)
        else:
            db.commit()
            flash(
                _(
                    "Imported %(file)s: %(rows)s row(s); %(created)s created, %(updated)s "
                    "updated, %(unchanged)s unchanged.",
                    file=filename,
                    rows=report.rows,
                    created=report.created,
                    updated=report.updated,
                    unchanged=report.unchanged,
                ),
                "success",
            )
            if report.encoding:
                flash(_("The file was read as %(encoding)s.", encoding=report.encoding), "info")
    elif form.is_submitted():
        status = 422
    return render_template("imports/index.html", form=form, errors=errors, report=report), status
