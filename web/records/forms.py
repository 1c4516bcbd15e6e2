"""Forms built from the record schemas (``mealplan.domain.schemas``), so that the form, the
records service and the importer agree on every field. The form checks that required
values are given; the service parses and checks every value with the schema's parser (the
importer's) and its issues are put back on the form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mealplan.domain.schemas import Field as SchemaField
from mealplan.domain.values import FieldType, format_text, number_text
from mealplan.services.records import (
    Issue,
    RecipeInput,
    TargetInput,
    spec_for,
)
from web.forms import choices as select_choices
from web.labels import WEEKDAYS, choice_label, field_label

T = FieldType


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _hints(spec: SchemaField) -> dict[str, Any]:
    """Browser hints from the schema (the service checks the values)."""
    kw: dict[str, Any] = {}
    if spec.type in (T.INT, T.FLOAT):
        kw["inputmode"] = "numeric" if spec.type is T.INT else "decimal"
        if spec.min_value is not None:
            kw["data-min"] = number_text(spec.min_value)
        if spec.max_value is not None:
            kw["data-max"] = number_text(spec.max_value)
    if spec.type is T.TIME:
        kw.update(placeholder="HH:MM", inputmode="numeric")
    if spec.max_length is not None and spec.type in (T.TEXT, T.LONGTEXT):
        kw["maxlength"] = spec.max_length
    if spec.unit:
        kw["data-unit"] = spec.unit
    return kw


def _field(spec: SchemaField, ref_choices: Mapping[str, Sequence[tuple[str, str]]]) -> Field:
    """A form input for a schema field. The form checks only that required values are
    given; the records service parses and checks every value with the schema's parser (the
    importer's), and its issues are put back on the form."""
    label = field_label(spec.key)
    need = [InputRequired()] if spec.required else [Optional()]
    description = spec.help
    if spec.type is T.BOOL:
        return BooleanField(label, description=description)
    if spec.type is T.CODE:
        pairs = [(c, choice_label(c)) for c in spec.codes]
        if not spec.required:
            pairs.insert(0, ("", "—"))
        return SelectField(label, choices=select_choices(pairs), validators=need,
                           validate_choice=False, description=description)  # fmt: skip
    if spec.type is T.LIST and spec.choices is not None:
        return MultiCheckboxField(
            label,
            choices=select_choices((c, choice_label(c)) for c in spec.codes),
            validate_choice=False,
            description=description,
        )
    if spec.type is T.WEEKDAYS:
        return MultiCheckboxField(
            label, choices=select_choices(WEEKDAYS), validate_choice=False, description=description
        )
    if spec.type is T.LONGTEXT:
        return TextAreaField(label, validators=[Optional()], render_kw=_hints(spec),
                             description=description)  # fmt: skip
    if spec.ref is not None:
        options = [(code, f"{code} {name}") for code, name in ref_choices.get(spec.key, ())]
        if not spec.required:
            options.insert(0, ("", "—"))
        return SelectField(label, choices=select_choices(options), validators=need,
                           validate_choice=False, description=description)  # fmt: skip
    return StringField(label, validators=need, render_kw=_hints(spec), description=description)


def record_form(
    kind: str,
    *,
    ref_choices: Mapping[str, Sequence[tuple[str, str]]],
    values: Mapping[str, Any] | None = None,
    editing: bool = False,
    from_request: bool = True,
    planning: Any = None,
) -> FlaskForm:
    """A form for ``kind`` built from its record schema; ``values`` (stored values by panel
    key) fill it when it is not submitted. ``from_request=False``: never read the request's
    form (a POST meant for another form of the page, e.g. a client's pauses)."""
    spec = spec_for(kind)
    attrs = {fs.key: _field(fs, ref_choices) for fs in spec.fields}
    form_class = type(f"{spec.kind.title().replace('-', '')}Form", (FlaskForm,), attrs)
    if values is None:
        values = {fs.key: fs.default_value(planning) for fs in spec.fields}
    data = _to_form(spec.fields, values)
    form: FlaskForm = (
        form_class(data=data) if from_request else form_class(formdata=None, data=data)
    )
    if editing:
        form["code"].render_kw = {"readonly": True}
    return form


def _to_form(fields: Sequence[SchemaField], values: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values as the form's inputs show them (the schema's formats)."""
    out: dict[str, Any] = {}
    for fs in fields:
        if fs.key not in values:
            continue
        value = values[fs.key]
        if value is None:
            value = [] if fs.type in (T.LIST, T.WEEKDAYS) else ""
        elif fs.type is T.WEEKDAYS:
            value = list(value)
        elif fs.type is T.LIST:
            value = list(value) if fs.choices is not None else ", ".join(value)
        elif fs.type in (T.INT, T.TIME, T.TEXT, T.LONGTEXT):
            value = format_text(fs, value)
        elif fs.type is T.FLOAT:
            value = format_text(fs, value).removesuffix(".0")
        out[fs.key] = value
    return out


def submitted_values(kind: str, form: FlaskForm) -> dict[str, Any]:
    """The form's data in the shape the records service takes (raw, by panel key)."""
    out: dict[str, Any] = {}
    for fs in spec_for(kind).fields:
        value = form[fs.key].data
        if fs.type is T.WEEKDAYS:
            value = "".join(value or [])
        elif (fs.ref is not None or fs.type is T.CODE) and value == "":
            value = None
        out[fs.key] = value
    return out


# --------------------------------------------------------------------------- pauses


class PauseForm(FlaskForm):
    """A new pause of a home client's meals (its fields are prefixed ``pause-``)."""

    start = DateField(_l("From"), validators=[InputRequired()])
    end = DateField(_l("Until (inclusive)"), validators=[InputRequired()])
    reason = StringField(
        _l("Reason"),
        validators=[Optional(), Length(max=200)],
        render_kw={"placeholder": _l("e.g. in hospital, visiting family")},
    )


def pause_form(*, from_request: bool = True) -> PauseForm:
    """The add-a-pause form; ``from_request=False`` leaves it empty on other POSTs."""
    if from_request:
        return PauseForm(prefix="pause")
    return PauseForm(prefix="pause", formdata=None)


class EndPauseForm(FlaskForm):
    """End an ongoing pause: the day meals start again."""

    on = DateField(_l("Meals again from"), validators=[InputRequired()])


# --------------------------------------------------------------------------- recipe


def recipe_rows(
    formdata: MultiDict[str, str],
) -> tuple[list[RecipeInput], list[Issue], list[dict[str, str]]]:
    """Recipe lines from ``recipe-N-ingredient`` / ``recipe-N-grams`` inputs, in N order.

    Returns the lines as typed (the records service checks them with the dish schema, as
    the importer does), problems found here (none: kept for the callers), and the raw rows
    to show the form again."""
    indexes = sorted(
        {
            int(key.split("-")[1])
            for key in formdata
            if key.startswith("recipe-")
            and key.split("-")[1].isascii()
            and key.split("-")[1].isdigit()
        }
    )
    lines: list[RecipeInput] = []
    raw: list[dict[str, str]] = []
    for i in indexes:
        code = formdata.get(f"recipe-{i}-ingredient", "").strip()
        grams_text = formdata.get(f"recipe-{i}-grams", "").strip()
        if not code and not grams_text:
            continue
        raw.append({"ingredient": code, "grams": grams_text})
        lines.append(RecipeInput(code, grams_text))
    return lines, [], raw


def target_rows(
    formdata: MultiDict[str, str], services: Sequence[str], keys: Sequence[str]
) -> tuple[list[TargetInput], list[Issue]]:
    """Targets from ``t-<service>-<key>-min`` / ``-max`` / ``-hard`` inputs, as typed (the
    records service checks them with the nutrition-group schema)."""
    targets: list[TargetInput] = []
    for service in services:
        for key in keys:
            prefix = f"t-{service}-{key}"
            if f"{prefix}-min" not in formdata and f"{prefix}-max" not in formdata:
                continue
            lo = formdata.get(f"{prefix}-min", "").strip() or None
            hi = formdata.get(f"{prefix}-max", "").strip() or None
            targets.append(
                TargetInput(service, key, lo, hi, hard=bool(formdata.get(f"{prefix}-hard")))
            )
    return targets, []
