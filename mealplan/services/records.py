"""Create, update and list the reference records the kitchen keeps: kitchens, sites, home
clients, ingredients, dishes with recipes, vehicles, drivers, diet profiles (and the
nutrient targets of their groups).

One generic engine driven by a field table per kind (:data:`ENTITIES`), with named verb
functions on top (``create_site``, ``update_dish``...). Every verb validates (raising
:class:`RecordValidationError` with one :class:`Issue` per field), flushes and writes an
audit entry; the caller commits. Messages are English templates with ``%(name)s``
placeholders, marked with :func:`N_` so that the panel's catalogue can translate them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mealplan.db.mappers import facts_of, load_dishes
from mealplan.db.models import (
    Base,
    Client,
    DietProfile,
    Dish,
    Driver,
    Ingredient,
    Kitchen,
    NutrientTarget,
    NutritionGroup,
    RecipeLine,
    Site,
    Vehicle,
)
from mealplan.domain.food import DishFacts
from mealplan.domain.vocab import (
    IDDSI_LEVELS,
    NUTRIENT_KEYS,
    RATIO_KEYS,
    Allergen,
    CookingMethod,
    DishCategory,
    ElderCategory,
    FoodGroup,
    IngredientSource,
    Service,
    SiteKind,
    VehicleKind,
)
from mealplan.errors import MealplanError, NotFoundError
from mealplan.services import audit
from mealplan.services.audit import Page

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (babel keyword ``N_``)."""
    return message


@dataclass(frozen=True)
class Issue:
    """One thing wrong with submitted values; ``field`` None means the record as a whole."""

    field: str | None
    message: str  # English template, e.g. "must be at least %(min)s"
    params: Mapping[str, object] = dc_field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % dict(self.params) if self.params else self.message


class RecordValidationError(MealplanError):
    """Submitted values are invalid; nothing was written."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(f"{i.field or 'record'}: {i}" for i in self.issues))

    def by_field(self) -> dict[str | None, list[Issue]]:
        out: dict[str | None, list[Issue]] = {}
        for issue in self.issues:
            out.setdefault(issue.field, []).append(issue)
        return out


FieldKind = Literal[
    "str", "text", "int", "float", "bool", "choice", "codes", "ref", "time", "weekdays"
]


@dataclass(frozen=True)
class FieldSpec:
    """How one submitted value is checked and where it is stored."""

    name: str
    kind: FieldKind
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = None
    ref: type[Base] | None = None  # kind "ref": the model named by code
    attr: str | None = None  # the column written (default: name)
    default: Any = None  # used on create when the value is absent

    @property
    def column(self) -> str:
        return self.attr or self.name


@dataclass(frozen=True)
class EntitySpec:
    kind: str  # URL and import word: "sites"
    entity: str  # audit entity: "site"
    model: type[Base]
    fields: tuple[FieldSpec, ...]
    search: tuple[str, ...]
    check: Callable[[Mapping[str, Any]], list[Issue]] | None = None

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _choices(enum: Any) -> tuple[str, ...]:
    return tuple(str(member.value) for member in enum)


def _code() -> FieldSpec:
    return FieldSpec("code", "str", required=True, max_length=40)


def _window(start: str, end: str) -> Callable[[Mapping[str, Any]], list[Issue]]:
    def check(values: Mapping[str, Any]) -> list[Issue]:
        a, b = values.get(start), values.get(end)
        if a is not None and b is not None and a >= b:
            return [Issue(end, N_("must be later than the start"))]
        if (a is None) != (b is None):
            return [Issue(end if a is not None else start, N_("give both start and end"))]
        return []

    return check


def _checks(
    *checks: Callable[[Mapping[str, Any]], list[Issue]],
) -> Callable[[Mapping[str, Any]], list[Issue]]:
    def run(values: Mapping[str, Any]) -> list[Issue]:
        return [issue for check in checks for issue in check(values)]

    return run


def _lat() -> FieldSpec:
    return FieldSpec("lat", "float", required=True, min_value=-90.0, max_value=90.0)


def _lon() -> FieldSpec:
    return FieldSpec("lon", "float", required=True, min_value=-180.0, max_value=180.0)


_NUTRIENT_FIELDS = tuple(FieldSpec(key, "float", min_value=0.0) for key in NUTRIENT_KEYS)

ENTITIES: dict[str, EntitySpec] = {
    spec.kind: spec
    for spec in (
        EntitySpec(
            "kitchens",
            "kitchen",
            Kitchen,
            (
                _code(),
                FieldSpec("name", "str", required=True, max_length=120),
                FieldSpec("address", "str", max_length=250, default=""),
                _lat(),
                _lon(),
                FieldSpec("capacity_lunch", "int", min_value=0, default=0),
                FieldSpec("capacity_dinner", "int", min_value=0, default=0),
                FieldSpec("cooking_lead_minutes", "int", min_value=0, max_value=600, default=90),
                FieldSpec("packing_minutes", "int", min_value=0, max_value=600, default=20),
                FieldSpec("loading_minutes", "int", min_value=0, max_value=600, default=10),
                FieldSpec("contact_phone", "str", max_length=40, default=""),
            ),
            ("code", "name", "address"),
        ),
        EntitySpec(
            "sites",
            "site",
            Site,
            (
                _code(),
                FieldSpec("kind", "choice", required=True, choices=_choices(SiteKind)),
                FieldSpec("name", "str", required=True, max_length=120),
                FieldSpec("address", "str", max_length=250, default=""),
                _lat(),
                _lon(),
                FieldSpec("contact_name", "str", max_length=60, default=""),
                FieldSpec("contact_phone", "str", max_length=40, default=""),
                FieldSpec("seats", "int", min_value=0, max_value=100000, default=0),
                FieldSpec("lunch_window_start_min", "time", required=True, default=11 * 60),
                FieldSpec("lunch_window_end_min", "time", required=True, default=11 * 60 + 45),
                FieldSpec("dinner_window_start_min", "time"),
                FieldSpec("dinner_window_end_min", "time"),
                FieldSpec("unloading_minutes", "int", min_value=0, max_value=120, default=8),
                FieldSpec("kitchen", "ref", required=True, ref=Kitchen, attr="kitchen_id"),
                FieldSpec("active", "bool", default=True),
                FieldSpec("notes", "text", default=""),
            ),
            ("code", "name", "address", "contact_name"),
            _checks(
                _window("lunch_window_start_min", "lunch_window_end_min"),
                _window("dinner_window_start_min", "dinner_window_end_min"),
            ),
        ),
        EntitySpec(
            "clients",
            "client",
            Client,
            (
                _code(),
                FieldSpec("name", "str", required=True, max_length=80),
                FieldSpec("address", "str", max_length=250, default=""),
                _lat(),
                _lon(),
                FieldSpec("phone", "str", max_length=40, default=""),
                FieldSpec("emergency_contact_name", "str", max_length=80, default=""),
                FieldSpec("emergency_contact_phone", "str", max_length=40, default=""),
                FieldSpec(
                    "diet_profile", "ref", required=True, ref=DietProfile, attr="diet_profile_id"
                ),
                FieldSpec("category", "choice", required=True, choices=_choices(ElderCategory)),
                FieldSpec("lunch_days", "weekdays", default=""),
                FieldSpec("dinner_days", "weekdays", default=""),
                FieldSpec("window_start_min", "time", required=True, default=11 * 60),
                FieldSpec("window_end_min", "time", required=True, default=12 * 60),
                FieldSpec("driver_notes", "text", default=""),
                FieldSpec("kitchen", "ref", required=True, ref=Kitchen, attr="kitchen_id"),
                FieldSpec("active", "bool", default=True),
            ),
            ("code", "name", "address", "phone"),
            _window("window_start_min", "window_end_min"),
        ),
        EntitySpec(
            "ingredients",
            "ingredient",
            Ingredient,
            (
                FieldSpec("code", "str", required=True, max_length=60),
                FieldSpec("name_zh", "str", required=True, max_length=120),
                FieldSpec("name_en", "str", max_length=160, default=""),
                FieldSpec(
                    "source",
                    "choice",
                    required=True,
                    choices=_choices(IngredientSource),
                    default=IngredientSource.CUSTOM.value,
                ),
                FieldSpec("source_id", "str", max_length=40, default=""),
                FieldSpec("source_name", "str", max_length=250, default=""),
                FieldSpec(
                    "edible_fraction",
                    "float",
                    required=True,
                    min_value=0.01,
                    max_value=1.0,
                    default=1.0,
                ),
                *_NUTRIENT_FIELDS,
                FieldSpec("price_fen_per_kg", "int", min_value=0, max_value=10_000_000, default=0),
                FieldSpec("food_group", "choice", required=True, choices=_choices(FoodGroup)),
                FieldSpec("allergens", "codes", choices=_choices(Allergen), default=()),
                FieldSpec("halal", "bool", default=True),
                FieldSpec("vegetarian", "bool", default=True),
            ),
            ("code", "name_zh", "name_en"),
        ),
        EntitySpec(
            "dishes",
            "dish",
            Dish,
            (
                FieldSpec("code", "str", required=True, max_length=60),
                FieldSpec("name_zh", "str", required=True, max_length=120),
                FieldSpec("name_en", "str", max_length=160, default=""),
                FieldSpec("category", "choice", required=True, choices=_choices(DishCategory)),
                FieldSpec(
                    "iddsi_level",
                    "int",
                    required=True,
                    min_value=min(IDDSI_LEVELS),
                    max_value=max(IDDSI_LEVELS),
                    default=7,
                ),
                FieldSpec(
                    "cooking_method", "choice", required=True, choices=_choices(CookingMethod)
                ),
                FieldSpec("tags", "codes", default=()),
                FieldSpec("base_dish_code", "str", max_length=60),
                FieldSpec("active", "bool", default=True),
            ),
            ("code", "name_zh", "name_en"),
        ),
        EntitySpec(
            "vehicles",
            "vehicle",
            Vehicle,
            (
                _code(),
                FieldSpec("name", "str", max_length=80, default=""),
                FieldSpec("kind", "choice", required=True, choices=_choices(VehicleKind)),
                FieldSpec("capacity_boxes", "int", required=True, min_value=1, max_value=10000),
                FieldSpec("speed_kmh", "float", required=True, min_value=1.0, max_value=120.0),
                FieldSpec("shift_start_min", "time", required=True, default=9 * 60 + 30),
                FieldSpec("shift_end_min", "time", required=True, default=14 * 60),
                FieldSpec("fixed_cost_fen", "int", min_value=0, default=0),
                FieldSpec("cost_fen_per_km", "int", min_value=0, default=0),
                FieldSpec("kitchen", "ref", required=True, ref=Kitchen, attr="kitchen_id"),
                FieldSpec("plate", "str", max_length=20, default=""),
                FieldSpec("active", "bool", default=True),
            ),
            ("code", "name", "plate"),
            _window("shift_start_min", "shift_end_min"),
        ),
        EntitySpec(
            "drivers",
            "driver",
            Driver,
            (
                _code(),
                FieldSpec("name", "str", required=True, max_length=80),
                FieldSpec("phone", "str", max_length=40, default=""),
                FieldSpec("kitchen", "ref", required=True, ref=Kitchen, attr="kitchen_id"),
                FieldSpec("vehicle", "ref", ref=Vehicle, attr="vehicle_id"),
                FieldSpec("active", "bool", default=True),
            ),
            ("code", "name", "phone"),
        ),
        EntitySpec(
            "profiles",
            "diet_profile",
            DietProfile,
            (
                FieldSpec("code", "str", required=True, max_length=60),
                FieldSpec("name_zh", "str", required=True, max_length=80),
                FieldSpec("name_en", "str", required=True, max_length=80),
                FieldSpec("group", "ref", required=True, ref=NutritionGroup, attr="group_id"),
                FieldSpec(
                    "max_iddsi",
                    "int",
                    required=True,
                    min_value=min(IDDSI_LEVELS),
                    max_value=max(IDDSI_LEVELS),
                    default=7,
                ),
                FieldSpec("exclude_allergens", "codes", choices=_choices(Allergen), default=()),
                FieldSpec("halal", "bool", default=False),
                FieldSpec("vegetarian", "bool", default=False),
                FieldSpec(
                    "budget_fen", "int", required=True, min_value=1, max_value=100000, default=700
                ),
                FieldSpec("budget_hard", "bool", default=True),
                FieldSpec("no_repeat_days", "int", min_value=0, max_value=60, default=7),
            ),
            ("code", "name_zh", "name_en"),
        ),
    )
}

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


def spec_for(kind: str) -> EntitySpec:
    try:
        return ENTITIES[kind]
    except KeyError:
        raise NotFoundError(f"unknown record kind {kind!r}") from None


def minutes_to_hhmm(minutes: int | None) -> str:
    if minutes is None:
        return ""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hhmm(text: str) -> int | None:
    """``"11:45"`` -> 705; None when the text is not a time of day."""
    match = _TIME_RE.match(text.strip())
    if not match:
        return None
    hours, mins = int(match.group(1)), int(match.group(2))
    if hours > 24 or mins > 59 or hours * 60 + mins > 24 * 60:
        return None
    return hours * 60 + mins


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _coerce(session: Session, spec: FieldSpec, raw: Any) -> tuple[Any, Issue | None]:
    """Turn one submitted value into the stored value, or say what is wrong with it."""
    if _empty(raw) and spec.kind not in ("bool", "codes"):
        if spec.required:
            return None, Issue(spec.name, N_("this field is required"))
        return (spec.default if spec.kind in ("str", "text", "weekdays") else None), None
    name = spec.name
    if spec.kind in ("str", "text"):
        text = str(raw).strip()
        if spec.max_length and len(text) > spec.max_length:
            return None, Issue(name, N_("at most %(n)s characters"), {"n": spec.max_length})
        return text, None
    if spec.kind == "bool":
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "yes", "y", "on", "是"), None
        return bool(raw), None
    if spec.kind in ("int", "float"):
        try:
            number: float = int(raw) if spec.kind == "int" else float(raw)
        except (TypeError, ValueError):
            msg = N_("must be a whole number") if spec.kind == "int" else N_("must be a number")
            return None, Issue(name, msg)
        if spec.min_value is not None and number < spec.min_value:
            return None, Issue(name, N_("must be at least %(min)s"), {"min": spec.min_value})
        if spec.max_value is not None and number > spec.max_value:
            return None, Issue(name, N_("must be at most %(max)s"), {"max": spec.max_value})
        return number, None
    if spec.kind == "choice":
        value = str(raw).strip()
        if value not in spec.choices:
            return None, Issue(name, N_("not a valid choice: %(value)s"), {"value": value})
        return value, None
    if spec.kind == "codes":
        items = raw.split(",") if isinstance(raw, str) else list(raw or ())
        codes = sorted({str(item).strip() for item in items if str(item).strip()})
        bad = [c for c in codes if spec.choices and c not in spec.choices]
        if bad:
            return None, Issue(name, N_("not a valid choice: %(value)s"), {"value": ", ".join(bad)})
        return codes, None
    if spec.kind == "time":
        minutes = raw if isinstance(raw, int) else parse_hhmm(str(raw))
        if minutes is None or not 0 <= minutes <= 24 * 60:
            return None, Issue(name, N_("must be a time of day like 11:30"))
        return minutes, None
    if spec.kind == "weekdays":
        text = str(raw).replace(",", "").replace(" ", "")
        if not set(text) <= set("1234567"):
            return None, Issue(name, N_("use the digits 1-7 for Monday-Sunday, e.g. 12345"))
        return "".join(sorted(set(text))), None
    if spec.kind == "ref":
        assert spec.ref is not None
        code = str(raw).strip()
        ref_id = session.scalar(
            select(spec.ref.id).where(spec.ref.code == code)  # type: ignore[attr-defined]
        )
        if ref_id is None:
            return None, Issue(name, N_("unknown code: %(value)s"), {"value": code})
        return ref_id, None
    raise AssertionError(spec.kind)  # pragma: no cover


def _clean(
    session: Session, spec: EntitySpec, data: Mapping[str, Any], *, creating: bool
) -> dict[str, Any]:
    """Values by column for the fields present in ``data`` (all fields when creating)."""
    values: dict[str, Any] = {}
    by_name: dict[str, Any] = {}
    issues: list[Issue] = []
    for fs in spec.fields:
        if fs.name not in data:
            if not creating:
                continue
            if fs.required and fs.default is None:
                issues.append(Issue(fs.name, N_("this field is required")))
                continue
            value: Any = list(fs.default) if isinstance(fs.default, tuple) else fs.default
        else:
            value, issue = _coerce(session, fs, data[fs.name])
            if issue is not None:
                issues.append(issue)
                continue
        values[fs.column] = value
        by_name[fs.name] = value
    code = by_name.get("code")
    if isinstance(code, str) and code and not _CODE_RE.match(code):
        issues.append(Issue("code", N_("use letters, digits, '-', '_' or '.' only")))
    if spec.check is not None and not issues:
        issues.extend(spec.check(by_name))
    if issues:
        raise RecordValidationError(issues)
    return values


def get_record(session: Session, kind: str, code: str) -> Any:
    """The record of ``kind`` with ``code`` (NotFoundError if none)."""
    spec = spec_for(kind)
    model: Any = spec.model
    obj = session.scalar(select(model).where(model.code == code))
    if obj is None:
        raise NotFoundError(f"no {spec.entity} with code {code!r}")
    return obj


def list_records(
    session: Session, kind: str, *, q: str = "", page: int = 1, per_page: int = 25
) -> Page[Any]:
    """Records of ``kind`` ordered by code; ``q`` searches code and names (any case)."""
    spec = spec_for(kind)
    model: Any = spec.model
    stmt = select(model).order_by(model.code)
    q = q.strip()
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                *(
                    func.lower(getattr(model, column)).contains(needle, autoescape=True)
                    for column in spec.search
                )
            )
        )
    return audit.paginate(session, stmt, page, per_page)


def all_codes(session: Session, kind: str) -> list[tuple[str, str]]:
    """(code, name) of every record of ``kind``, for choosers."""
    model: Any = spec_for(kind).model
    name_col = model.name_zh if hasattr(model, "name_zh") else model.name
    return [(c, n) for c, n in session.execute(select(model.code, name_col).order_by(model.code))]


def form_values(session: Session, kind: str, obj: Any) -> dict[str, Any]:
    """A record's values keyed by field name (references as codes), to fill a form."""
    spec = spec_for(kind)
    out: dict[str, Any] = {}
    for fs in spec.fields:
        value = getattr(obj, fs.column)
        if fs.kind == "ref" and value is not None:
            assert fs.ref is not None
            ref = session.get(fs.ref, value)
            value = getattr(ref, "code", None)
        out[fs.name] = value
    return out


def create_record(session: Session, kind: str, data: Mapping[str, Any], *, actor: str) -> Any:
    """Validate ``data``, add the record, flush and audit it."""
    spec = spec_for(kind)
    values = _clean(session, spec, data, creating=True)
    model: Any = spec.model
    if session.scalar(select(model.id).where(model.code == values["code"])) is not None:
        raise RecordValidationError(
            [Issue("code", N_("code %(code)s already exists"), {"code": values["code"]})]
        )
    obj = model(**values)
    session.add(obj)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity=spec.entity,
        entity_code=obj.code,
        details=values,
    )
    return obj


def update_record(
    session: Session, kind: str, code: str, data: Mapping[str, Any], *, actor: str
) -> Any:
    """Change the fields present in ``data`` (the code cannot change); audit the changes."""
    spec = spec_for(kind)
    obj = get_record(session, kind, code)
    if "code" in data and str(data["code"]).strip() != code:
        raise RecordValidationError([Issue("code", N_("the code cannot be changed"))])
    values = _clean(session, spec, {k: v for k, v in data.items() if k != "code"}, creating=False)
    if spec.check is not None:
        merged = form_values(session, kind, obj)
        merged.update({fs.name: values[fs.column] for fs in spec.fields if fs.column in values})
        problems = spec.check(merged)
        if problems:
            raise RecordValidationError(problems)
    changes: dict[str, Any] = {}
    for column, value in values.items():
        old = getattr(obj, column)
        if old != value:
            changes[column] = [old, value]
            setattr(obj, column, value)
    session.flush()
    if changes:
        audit.record(
            session,
            actor=actor,
            action="update",
            entity=spec.entity,
            entity_code=code,
            details=changes,
        )
    return obj


# --------------------------------------------------------------------------- named verbs


def create_kitchen(session: Session, data: Mapping[str, Any], *, actor: str) -> Kitchen:
    obj: Kitchen = create_record(session, "kitchens", data, actor=actor)
    return obj


def create_site(session: Session, data: Mapping[str, Any], *, actor: str) -> Site:
    obj: Site = create_record(session, "sites", data, actor=actor)
    return obj


def update_site(session: Session, code: str, data: Mapping[str, Any], *, actor: str) -> Site:
    obj: Site = update_record(session, "sites", code, data, actor=actor)
    return obj


def create_client(session: Session, data: Mapping[str, Any], *, actor: str) -> Client:
    obj: Client = create_record(session, "clients", data, actor=actor)
    return obj


def update_client(session: Session, code: str, data: Mapping[str, Any], *, actor: str) -> Client:
    obj: Client = update_record(session, "clients", code, data, actor=actor)
    return obj


def create_ingredient(session: Session, data: Mapping[str, Any], *, actor: str) -> Ingredient:
    obj: Ingredient = create_record(session, "ingredients", data, actor=actor)
    return obj


def update_ingredient(
    session: Session, code: str, data: Mapping[str, Any], *, actor: str
) -> Ingredient:
    obj: Ingredient = update_record(session, "ingredients", code, data, actor=actor)
    return obj


def create_vehicle(session: Session, data: Mapping[str, Any], *, actor: str) -> Vehicle:
    obj: Vehicle = create_record(session, "vehicles", data, actor=actor)
    return obj


def update_vehicle(session: Session, code: str, data: Mapping[str, Any], *, actor: str) -> Vehicle:
    obj: Vehicle = update_record(session, "vehicles", code, data, actor=actor)
    return obj


def create_driver(session: Session, data: Mapping[str, Any], *, actor: str) -> Driver:
    obj: Driver = create_record(session, "drivers", data, actor=actor)
    return obj


def update_driver(session: Session, code: str, data: Mapping[str, Any], *, actor: str) -> Driver:
    obj: Driver = update_record(session, "drivers", code, data, actor=actor)
    return obj


def create_profile(session: Session, data: Mapping[str, Any], *, actor: str) -> DietProfile:
    obj: DietProfile = create_record(session, "profiles", data, actor=actor)
    return obj


def update_profile(
    session: Session, code: str, data: Mapping[str, Any], *, actor: str
) -> DietProfile:
    obj: DietProfile = update_record(session, "profiles", code, data, actor=actor)
    return obj


# --------------------------------------------------------------------------- dishes


@dataclass(frozen=True)
class RecipeInput:
    ingredient: str  # ingredient code
    grams: float  # as purchased, per serving


def _recipe_lines(
    session: Session, recipe: Sequence[RecipeInput]
) -> list[tuple[Ingredient, float]]:
    issues: list[Issue] = []
    lines: list[tuple[Ingredient, float]] = []
    if not recipe:
        issues.append(Issue("recipe", N_("a dish needs at least one ingredient")))
    for number, item in enumerate(recipe, start=1):
        ing = session.scalar(select(Ingredient).where(Ingredient.code == item.ingredient.strip()))
        if ing is None:
            issues.append(
                Issue(
                    "recipe",
                    N_("line %(line)s: unknown ingredient %(value)s"),
                    {"line": number, "value": item.ingredient},
                )
            )
            continue
        if not 0 < item.grams <= 2000:
            issues.append(
                Issue(
                    "recipe",
                    N_("line %(line)s: grams must be between 0 and 2000"),
                    {"line": number},
                )
            )
            continue
        lines.append((ing, float(item.grams)))
    if issues:
        raise RecordValidationError(issues)
    return lines


def _set_recipe(session: Session, dish: Dish, lines: list[tuple[Ingredient, float]]) -> None:
    dish.recipe.clear()
    session.flush()  # delete old lines before re-using their positions
    for position, (ing, grams) in enumerate(lines, start=1):
        dish.recipe.append(RecipeLine(position=position, ingredient=ing, grams=grams))


def _recipe_details(lines: list[tuple[Ingredient, float]]) -> list[list[object]]:
    return [[ing.code, grams] for ing, grams in lines]


def create_dish(
    session: Session, data: Mapping[str, Any], recipe: Sequence[RecipeInput], *, actor: str
) -> Dish:
    """A dish with its recipe (grams as purchased per serving)."""
    try:
        _clean(session, spec_for("dishes"), data, creating=True)
        fields_error: RecordValidationError | None = None
    except RecordValidationError as exc:
        fields_error = exc
    try:
        lines = _recipe_lines(session, recipe)
    except RecordValidationError as exc:
        raise RecordValidationError(
            (fields_error.issues if fields_error else []) + exc.issues
        ) from None
    if fields_error:
        raise fields_error
    dish: Dish = create_record(session, "dishes", data, actor=actor)
    _set_recipe(session, dish, lines)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="dish",
        entity_code=dish.code,
        details={"recipe": _recipe_details(lines)},
    )
    return dish


def update_dish(
    session: Session,
    code: str,
    data: Mapping[str, Any],
    recipe: Sequence[RecipeInput] | None = None,
    *,
    actor: str,
) -> Dish:
    """Change a dish's fields and, when ``recipe`` is given, replace its recipe."""
    lines = _recipe_lines(session, recipe) if recipe is not None else None
    dish: Dish = update_record(session, "dishes", code, data, actor=actor)
    if lines is not None:
        old = [[line.ingredient.code, line.grams] for line in dish.recipe]
        new = _recipe_details(lines)
        if old != new:
            _set_recipe(session, dish, lines)
            session.flush()
            audit.record(
                session,
                actor=actor,
                action="update",
                entity="dish",
                entity_code=code,
                details={"recipe": [old, new]},
            )
    return dish


def dish_facts(session: Session, code: str) -> DishFacts:
    """Nutrients, cost and flags of a stored dish, recomputed from its recipe."""
    dishes = load_dishes(session, [code])
    if not dishes:
        raise NotFoundError(f"no dish with code {code!r}")
    return facts_of(dishes[0])


def ingredient_table(session: Session) -> dict[str, dict[str, Any]]:
    """Per-100 g values and edible fraction of every ingredient, for the recipe editor."""
    out: dict[str, dict[str, Any]] = {}
    for ing in session.scalars(select(Ingredient).order_by(Ingredient.code)):
        out[ing.code] = {
            "name": ing.name_zh,
            "name_en": ing.name_en,
            "edible_fraction": ing.edible_fraction,
            "price_fen_per_kg": ing.price_fen_per_kg,
            "per_100g": {key: getattr(ing, key) for key in NUTRIENT_KEYS},
        }
    return out


# --------------------------------------------------------------------------- group targets

TARGET_KEYS: tuple[str, ...] = NUTRIENT_KEYS + RATIO_KEYS


@dataclass(frozen=True)
class TargetInput:
    service: str
    nutrient: str
    min_value: float | None
    max_value: float | None
    hard: bool = False


def update_group_targets(
    session: Session, group_code: str, targets: Sequence[TargetInput], *, actor: str
) -> NutritionGroup:
    """Set the bounds of a nutrition group for the (service, nutrient) pairs given.

    A pair with neither bound removes that target. Pairs not given are left alone.
    """
    group = session.scalar(select(NutritionGroup).where(NutritionGroup.code == group_code))
    if group is None:
        raise NotFoundError(f"no nutrition group with code {group_code!r}")
    issues: list[Issue] = []
    services = _choices(Service)
    for t in targets:
        key = f"{t.service}.{t.nutrient}"
        if t.service not in services or t.nutrient not in TARGET_KEYS:
            issues.append(Issue(key, N_("unknown target %(value)s"), {"value": key}))
        for bound in (t.min_value, t.max_value):
            if bound is not None and bound < 0:
                issues.append(Issue(key, N_("must be at least %(min)s"), {"min": 0}))
        if t.min_value is not None and t.max_value is not None and t.min_value > t.max_value:
            issues.append(Issue(key, N_("the minimum is above the maximum")))
    if issues:
        raise RecordValidationError(issues)
    existing = {(t.service, t.nutrient): t for t in group.targets}
    changes: dict[str, Any] = {}
    for t in targets:
        key = f"{t.service}.{t.nutrient}"
        row = existing.get((t.service, t.nutrient))
        if t.min_value is None and t.max_value is None:
            if row is not None:
                group.targets.remove(row)
                changes[key] = [[row.min_value, row.max_value, row.hard], None]
            continue
        new = [t.min_value, t.max_value, t.hard]
        if row is None:
            group.targets.append(
                NutrientTarget(
                    service=t.service,
                    nutrient=t.nutrient,
                    min_value=t.min_value,
                    max_value=t.max_value,
                    hard=t.hard,
                    secondary_source=False,
                )
            )
            changes[key] = [None, new]
        elif [row.min_value, row.max_value, row.hard] != new:
            changes[key] = [[row.min_value, row.max_value, row.hard], new]
            row.min_value, row.max_value, row.hard = t.min_value, t.max_value, t.hard
            row.secondary_source = False
    session.flush()
    if changes:
        audit.record(
            session,
            actor=actor,
            action="update",
            entity="nutrition_group",
            entity_code=group_code,
            details=changes,
        )
    return group


def group_targets(session: Session, group_code: str) -> dict[tuple[str, str], NutrientTarget]:
    """The targets of a group keyed by (service, nutrient)."""
    group = session.scalar(select(NutritionGroup).where(NutritionGroup.code == group_code))
    if group is None:
        raise NotFoundError(f"no nutrition group with code {group_code!r}")
    return {(t.service, t.nutrient): t for t in group.targets}


def nutrition_group_codes(session: Session) -> list[tuple[str, str]]:
    """(code, Chinese name) of every nutrition group, for choosers."""
    return [
        (c, n)
        for c, n in session.execute(
            select(NutritionGroup.code, NutritionGroup.name_zh).order_by(NutritionGroup.code)
        )
    ]
