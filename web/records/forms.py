"""Forms built from the services' field tables, so that the form and the service agree on
every field. The form checks types and required values; the service checks the rest
(references, uniqueness, cross-field rules) and its issues are put back on the form."""

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
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from mealplan.services.records import (
    FieldSpec,
    Issue,
    RecipeInput,
    TargetInput,
    minutes_to_hhmm,
    spec_for,
)
from web.forms import choices as select_choices
from web.labels import WEEKDAYS, choice_label, field_label


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _field(spec: FieldSpec, ref_choices: Mapping[str, Sequence[tuple[str, str]]]) -> Field:
    label = field_label(spec.name)
    need = [InputRequired()] if spec.required else [Optional()]
    bounds = []
    if spec.min_value is not None or spec.max_value is not None:
        bounds.append(NumberRange(min=spec.min_value, max=spec.max_value))
    if spec.kind == "str":
        return StringField(label, validators=[*need, Length(max=spec.max_length or 250)])
    if spec.kind == "text":
        return TextAreaField(label, validators=[Optional(), Length(max=5000)])
    if spec.kind == "int":
        return IntegerField(label, validators=[*need, *bounds])
    if spec.kind == "float":
        return FloatField(label, validators=[*need, *bounds])
    if spec.kind == "bool":
        return BooleanField(label)
    if spec.kind == "choice":
        pairs = [(c, choice_label(c)) for c in spec.choices]
        if not spec.required:
            pairs.insert(0, ("", "—"))
        return SelectField(label, choices=select_choices(pairs), validators=need)
    if spec.kind == "codes":
        if spec.choices:
            return MultiCheckboxField(
                label, choices=select_choices((c, choice_label(c)) for c in spec.choices)
            )
        return StringField(label, validators=[Optional(), Length(max=500)])
    if spec.kind == "weekdays":
        return MultiCheckboxField(label, choices=select_choices(WEEKDAYS))
    if spec.kind == "time":
        return StringField(
            label,
            validators=[*need, Regexp(r"^\d{1,2}:\d{2}$", message=_l("Use HH:MM, e.g. 11:30"))],
            render_kw={"placeholder": "HH:MM", "inputmode": "numeric"},
        )
    if spec.kind == "ref":
        options = [(code, f"{code} {name}") for code, name in ref_choices.get(spec.name, ())]
        if not spec.required:
            options.insert(0, ("", "—"))
        return SelectField(label, choices=select_choices(options), validators=need)
    raise AssertionError(spec.kind)  # pragma: no cover


def record_form(
    kind: str,
    *,
    ref_choices: Mapping[str, Sequence[tuple[str, str]]],
    values: Mapping[str, Any] | None = None,
    editing: bool = False,
    from_request: bool = True,
) -> FlaskForm:
    """A form for ``kind``; ``values`` (stored values) fill it when it is not submitted.
    ``from_request=False``: never read the request's form (a POST meant for another form
    of the page, e.g. a client's pauses)."""
    spec = spec_for(kind)
    attrs = {fs.name: _field(fs, ref_choices) for fs in spec.fields}
    form_class = type(f"{kind.title()}Form", (FlaskForm,), attrs)
    data = _to_form(spec.fields, values) if values is not None else _defaults(spec.fields)
    form: FlaskForm = (
        form_class(data=data) if from_request else form_class(formdata=None, data=data)
    )
    if editing:
        form["code"].render_kw = {"readonly": True}
    return form


def _defaults(fields: Sequence[FieldSpec]) -> dict[str, Any]:
    return _to_form(fields, {fs.name: fs.default for fs in fields if fs.default is not None})


def _to_form(fields: Sequence[FieldSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fs in fields:
        if fs.name not in values:
            continue
        value = values[fs.name]
        if fs.kind == "time":
            value = minutes_to_hhmm(value) if value is not None else ""
        elif fs.kind == "weekdays":
            value = list(value or "")
        elif fs.kind == "codes":
            value = list(value or ()) if fs.choices else ", ".join(value or ())
        out[fs.name] = value
    return out


def submitted_values(kind: str, form: FlaskForm) -> dict[str, Any]:
    """The form's data in the shape the records service takes."""
    out: dict[str, Any] = {}
    for fs in spec_for(kind).fields:
        value = form[fs.name].data
        if fs.kind == "weekdays":
            value = "".join(value or [])
        elif fs.kind in ("ref", "choice") and value == "":
            value = None
        out[fs.name] = value
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

    Returns the parsed lines, problems (a line with an ingredient but no valid grams),
    and the raw rows to show the form again."""
    indexes = sorted(
        {
            int(key.split("-")[1])
            for key in formdata
            if key.startswith("recipe-") and key.split("-")[1].isdigit()
        }
    )
    lines: list[RecipeInput] = []
    issues: list[Issue] = []
    raw: list[dict[str, str]] = []
    for number, i in enumerate(indexes, start=1):
        code = formdata.get(f"recipe-{i}-ingredient", "").strip()
        grams_text = formdata.get(f"recipe-{i}-grams", "").strip()
        if not code and not grams_text:
            continue
        raw.append({"ingredient": code, "grams": grams_text})
        try:
            grams = float(grams_text)
        except ValueError:
            issues.append(
                Issue("recipe", "line %(line)s: grams must be between 0 and 2000", {"line": number})
            )
            continue
        lines.append(RecipeInput(code, grams))
    return lines, issues, raw


def target_rows(
    formdata: MultiDict[str, str], services: Sequence[str], keys: Sequence[str]
) -> tuple[list[TargetInput], list[Issue]]:
    """Targets from ``t-<service>-<key>-min`` / ``-max`` / ``-hard`` inputs."""
    targets: list[TargetInput] = []
    issues: list[Issue] = []
    for service in services:
        for key in keys:
            prefix = f"t-{service}-{key}"
            if f"{prefix}-min" not in formdata and f"{prefix}-max" not in formdata:
                continue
            bounds: list[float | None] = []
            for end in ("min", "max"):
                text = formdata.get(f"{prefix}-{end}", "").strip()
                if not text:
                    bounds.append(None)
                    continue
                try:
                    bounds.append(float(text))
                except ValueError:
                    issues.append(Issue(f"{service}.{key}", "must be a number"))
                    bounds.append(None)
            targets.append(
                TargetInput(
                    service, key, bounds[0], bounds[1], hard=bool(formdata.get(f"{prefix}-hard"))
                )
            )
    return targets, issues
