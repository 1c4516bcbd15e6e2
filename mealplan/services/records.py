"""Create, update and list the reference records the kitchen keeps: kitchens, sites, home
clients, ingredients, dishes with recipes, vehicles, drivers, diet profiles (and the
nutrient targets of their groups).

One generic engine driven by the record schemas (``mealplan.domain.schemas``: the same
fields, bounds and parser as the importer), with named verb functions on top
(``create_site``, ``update_dish``...). Every verb validates (raising
:class:`RecordValidationError` with one :class:`Issue` per field), writes through the one
record writer (``mealplan.io.store``, shared with the importer), flushes and writes an
audit entry; the caller commits. Messages are English templates with ``%(name)s``
placeholders, marked with :func:`N_` so that the panel's catalogue can translate them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mealplan.config import PlanningSettings
from mealplan.db.mappers import facts_of, load_dishes
from mealplan.db.models import (
    Base,
    Client,
    DietProfile,
    Dish,
    Driver,
    Ingredient,
    Kitchen,
    MealCheckin,
    NutrientTarget,
    NutritionGroup,
    Route,
    RouteStop,
    Site,
    Trip,
    Vehicle,
)
from mealplan.domain.clock import hhmm, parse_hhmm_or_none
from mealplan.domain.food import DishFacts
from mealplan.domain.schemas import (
    DISHES,
    MEAL_STRUCTURES,
    NUTRITION_GROUPS,
    SCHEMAS,
    TARGET_KEYS,
    Field,
    RecordSchema,
    money_problems,
    structure_problems,
)
from mealplan.domain.values import N_, ValueProblem
from mealplan.domain.vocab import NUTRIENT_KEYS
from mealplan.errors import MealplanError, NotFoundError
from mealplan.io.store import MODELS, Refs, Target, write_record, write_targets
from mealplan.services import audit
from mealplan.services.audit import Page

log = logging.getLogger(__name__)

__all__ = ["N_", "TARGET_KEYS"]


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


#: the kinds the panel edits, in the order of its data menu
PANEL_KINDS: tuple[str, ...] = (
    "sites",
    "clients",
    "dishes",
    "ingredients",
    "diet-profiles",
    "vehicles",
    "drivers",
    "kitchens",
    "meal-structures",
    "price-tiers",
    "subsidy-rules",
)
#: old names of kinds, still understood
KIND_ALIASES: dict[str, str] = {"profiles": "diet-profiles"}


@dataclass(frozen=True)
class EntitySpec:
    """A record kind as the panel edits it: its schema's panel fields and its model."""

    schema: RecordSchema

    @property
    def kind(self) -> str:
        return self.schema.kind

    @property
    def entity(self) -> str:
        return self.schema.entity

    @property
    def model(self) -> type[Base]:
        return MODELS[self.schema.kind]

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.schema.panel_fields

    @property
    def search(self) -> tuple[str, ...]:
        return self.schema.search

    def field(self, key: str) -> Field:
        """The panel field named ``key`` (its panel key or its column name)."""
        for f in self.fields:
            if key in (f.key, f.name):
                return f
        raise KeyError(key)


ENTITIES: dict[str, EntitySpec] = {kind: EntitySpec(SCHEMAS[kind]) for kind in PANEL_KINDS}


def kind_name(kind: str) -> str:
    """The current name of a kind (``profiles`` -> ``diet-profiles``)."""
    return KIND_ALIASES.get(kind, kind)


def spec_for(kind: str) -> EntitySpec:
    try:
        return ENTITIES[kind_name(kind)]
    except KeyError:
        raise NotFoundError(f"unknown record kind {kind!r}") from None


def minutes_to_hhmm(minutes: int | None) -> str:
    return "" if minutes is None else hhmm(minutes)


def parse_hhmm(text: str) -> int | None:
    """``"11:45"`` -> 705; None when the text is not a time of day."""
    return parse_hhmm_or_none(text.strip())


def _issue(f: Field, exc: ValueProblem) -> Issue:
    return Issue(f.key, exc.message, exc.params)


def _data_value(f: Field, data: Mapping[str, Any]) -> tuple[bool, Any]:
    """Whether ``data`` gives the field (by panel key or column name), and its raw value."""
    if f.key in data:
        return True, data[f.key]
    if f.name in data:
        return True, data[f.name]
    return False, None


def _clean(
    session: Session,
    spec: EntitySpec,
    data: Mapping[str, Any],
    *,
    creating: bool,
    refs: Refs,
    planning: PlanningSettings | None = None,
) -> dict[str, Any]:
    """Typed values by column name of the fields given in ``data`` (keyed by panel key or
    column name); every required field when creating. Raises RecordValidationError."""
    values: dict[str, Any] = {}
    issues: list[Issue] = []
    for f in spec.fields:
        given, raw = _data_value(f, data)
        if not given:
            if creating and f.required:
                issues.append(Issue(f.key, N_("this field is required")))
            continue
        try:
            value = f.parse(raw, planning)
        except ValueProblem as exc:
            issues.append(_issue(f, exc))
            continue
        if f.ref is not None and value is not None and value not in refs.ids(f.ref):
            issues.append(Issue(f.key, N_("unknown code: %(value)s"), {"value": value}))
            continue
        values[f.name] = value
    issues.extend(_reference_issues(session, spec, values))
    if issues:
        raise RecordValidationError(issues)
    return values


def _reference_issues(session: Session, spec: EntitySpec, values: Mapping[str, Any]) -> list[Issue]:
    """A dish's base dish must exist and not be the dish itself (as the importer checks)."""
    if spec.kind != "dishes" or values.get("base_dish") is None:
        return []
    base = values["base_dish"]
    key = spec.field("base_dish").key
    if base == values.get("code"):
        return [Issue(key, N_("a dish cannot be its own base dish"))]
    if session.scalar(select(Dish.id).where(Dish.code == base)) is None:
        return [Issue(key, N_("unknown code: %(value)s"), {"value": base})]
    return []


def _window_issues(spec: EntitySpec, values: Mapping[str, Any]) -> list[Issue]:
    """The schema's rules spanning fields: windows, and a meal structure's dish counts."""
    problems = spec.schema.window_problems(values)
    if spec.schema is MEAL_STRUCTURES:
        problems = [*problems, *structure_problems(values)]
    if spec.kind in ("price-tiers", "subsidy-rules"):
        problems = [*problems, *money_problems(values)]
    return [Issue(spec.schema.field(p.field).key, p.message, p.params) for p in problems]


def record_values(session: Session, kind: str, obj: Any) -> dict[str, Any]:
    """A record's stored values by column name (references as codes)."""
    spec = spec_for(kind)
    out: dict[str, Any] = {}
    for f in spec.fields:
        if f.attr is None:
            continue
        value = getattr(obj, f.attr)
        if f.ref is not None and value is not None:
            ref = session.get(MODELS[f.ref], value)
            value = getattr(ref, "code", None)
        out[f.name] = value
    return out


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


def all_codes(session: Session, kind: str, *, english: bool = False) -> list[tuple[str, str]]:
    """(code, name) of every record of ``kind``, for choosers: the Chinese name, or with
    ``english`` the English one where the record has it."""
    model: Any = spec_for(kind).model
    if not hasattr(model, "name_zh"):
        rows = session.execute(select(model.code, model.name).order_by(model.code))
        return [(c, n) for c, n in rows]
    en = model.name_en if english and hasattr(model, "name_en") else model.name_zh
    rows = session.execute(select(model.code, model.name_zh, en).order_by(model.code))
    return [(c, e or zh) for c, zh, e in rows]


def form_values(session: Session, kind: str, obj: Any) -> dict[str, Any]:
    """A record's values keyed by panel key (references as codes), to fill a form."""
    spec = spec_for(kind)
    stored = record_values(session, kind, obj)
    return {f.key: stored[f.name] for f in spec.fields if f.name in stored}


def _details(changes: Mapping[str, list[Any]], *, created: bool) -> dict[str, Any]:
    """Audit details: new values of a created record, [old, new] of an updated one."""
    if created:
        return {k: v[1] for k, v in changes.items()}
    return dict(changes)


def _save(
    session: Session,
    kind: str,
    code: str | None,
    data: Mapping[str, Any],
    *,
    actor: str,
    children: Mapping[str, Any] | None = None,
    child_issues: Sequence[Issue] = (),
    planning: PlanningSettings | None = None,
) -> Any:
    """Validate ``data`` (and the issues of child rows found by the caller), then create
    (``code`` None) or update the record through the one record writer; audit."""
    spec = spec_for(kind)
    refs = Refs(session)
    obj = None if code is None else get_record(session, kind, code)
    issues: list[Issue] = []
    if obj is not None and "code" in data and str(data["code"]).strip() != code:
        issues.append(Issue("code", N_("the code cannot be changed")))
    given = {k: v for k, v in data.items() if obj is None or k != "code"}
    try:
        values = _clean(session, spec, given, creating=obj is None, refs=refs, planning=planning)
    except RecordValidationError as exc:
        issues.extend(exc.issues)
        values = {}
    issues.extend(child_issues)
    if not issues:
        current = (
            {f.name: f.default_value(planning) for f in spec.fields}
            if obj is None
            else record_values(session, kind, obj)
        )
        issues.extend(_window_issues(spec, {**current, **values}))
        card = values.get("card_number") if kind == "clients" else None
        owner = session.scalar(select(Client.code).where(Client.card_number == card))
        if card is not None and owner is not None and owner != (code or values.get("code")):
            issues.append(Issue("card_number", N_("card number held by client %(code)s"),
                                {"code": owner}))  # fmt: skip
    if obj is None and not issues:
        model: Any = spec.model
        if session.scalar(select(model.id).where(model.code == values["code"])) is not None:
            issues.append(
                Issue("code", N_("code %(code)s already exists"), {"code": values["code"]})
            )
    if issues:
        raise RecordValidationError(issues)
    written = write_record(
        session, spec.schema, obj, {**values, **(children or {})}, refs=refs, planning=planning
    )
    if written.changes:
        audit.record(
            session,
            actor=actor,
            action="create" if written.created else "update",
            entity=spec.entity,
            entity_code=written.obj.code,
            details=_details(written.changes, created=written.created),
        )
    return written.obj


def create_record(
    session: Session,
    kind: str,
    data: Mapping[str, Any],
    *,
    actor: str,
    planning: PlanningSettings | None = None,
) -> Any:
    """Validate ``data`` (keyed by panel key or column name), add the record, flush and
    audit it. ``planning`` supplies configured defaults (a diet profile's budget)."""
    return _save(session, kind, None, data, actor=actor, planning=planning)


def update_record(
    session: Session, kind: str, code: str, data: Mapping[str, Any], *, actor: str
) -> Any:
    """Change the fields present in ``data`` (the code cannot change); audit the changes."""
    return _save(session, kind, code, data, actor=actor)


#: kinds whose records the panel deletes: money rules entered by mistake. A tier or rule
#: that priced a recorded meal stays (claims re-price home deliveries from it): it is ended
#: with its valid-to date instead.
DELETABLE_KINDS: tuple[str, ...] = ("price-tiers", "subsidy-rules")


def meals_priced_by(session: Session, kind: str, obj: Any) -> tuple[int, dt.date | None]:
    """How many recorded meals (check-ins, home stops routed) fall under a price tier or a
    subsidy rule (its category, dates and, for a tier, service), and the first day."""
    checkins = select(MealCheckin.date).where(
        MealCheckin.category == obj.category, MealCheckin.date >= obj.valid_from
    )
    homes = (
        select(Route.date)
        .join(Trip, Trip.route_id == Route.id)
        .join(RouteStop, RouteStop.trip_id == Trip.id)
        .join(Client, Client.id == RouteStop.client_id)
        .where(Client.category == obj.category, Route.date >= obj.valid_from)
    )
    if obj.valid_to is not None:
        checkins = checkins.where(MealCheckin.date <= obj.valid_to)
        homes = homes.where(Route.date <= obj.valid_to)
    if kind == "price-tiers":
        checkins = checkins.where(MealCheckin.service == obj.service)
        homes = homes.where(Route.service == obj.service)
    n, first = 0, None
    for query in (checkins, homes):
        sub = query.subquery()
        count, earliest = session.execute(select(func.count(), func.min(sub.c[0]))).one()
        n += int(count or 0)
        if earliest is not None and (first is None or earliest < first):
            first = earliest
    return n, first


def delete_record(session: Session, kind: str, code: str, *, actor: str) -> None:
    """Delete a price tier or subsidy rule that priced no recorded meal; audit it with its
    values. RecordValidationError (nothing deleted) for another kind or a rule in use."""
    if kind not in DELETABLE_KINDS:
        raise RecordValidationError(
            [Issue(None, N_("records of this kind are not deleted; mark them inactive instead"))]
        )
    obj = get_record(session, kind, code)
    n, first = meals_priced_by(session, kind, obj)
    if n:
        raise RecordValidationError([Issue("valid_to", N_(
            "%(code)s priced %(n)s recorded meals from %(date)s and is kept for the claims; "
            "end it with a valid-to date instead"), {"code": code, "n": n, "date": first})])  # fmt: skip
    details = {k: (v.isoformat() if isinstance(v, dt.date) else v)
               for k, v in record_values(session, kind, obj).items()}  # fmt: skip
    audit.record(session, actor=actor, action="delete", entity=spec_for(kind).entity,
                 entity_code=code, details=details)  # fmt: skip
    session.delete(obj)
    session.flush()


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


def create_profile(
    session: Session,
    data: Mapping[str, Any],
    *,
    actor: str,
    planning: PlanningSettings | None = None,
) -> DietProfile:
    obj: DietProfile = create_record(session, "diet-profiles", data, actor=actor, planning=planning)
    return obj


def update_profile(
    session: Session, code: str, data: Mapping[str, Any], *, actor: str
) -> DietProfile:
    obj: DietProfile = update_record(session, "diet-profiles", code, data, actor=actor)
    return obj


# --------------------------------------------------------------------------- dishes


@dataclass(frozen=True)
class RecipeInput:
    ingredient: str  # ingredient code
    grams: float | str  # as purchased, per serving (text as typed in a form is parsed)


def _recipe(
    session: Session, recipe: Sequence[RecipeInput]
) -> tuple[list[tuple[str, float]], list[Issue]]:
    """Recipe lines checked by the dish schema's ``ingredient`` and ``grams`` fields (the
    importer's rules): (ingredient code, grams) and the issues found."""
    issues: list[Issue] = []
    lines: list[tuple[str, float]] = []
    if not recipe:
        issues.append(Issue("recipe", N_("a dish needs at least one ingredient")))
    known = Refs(session).ids("ingredients")
    ing_field, grams_field = DISHES.field("ingredient"), DISHES.field("grams")
    for number, item in enumerate(recipe, start=1):
        try:
            code = ing_field.parse(item.ingredient)
        except ValueProblem:
            code = None
        if code is None or code not in known:
            issues.append(
                Issue(
                    "recipe",
                    N_("line %(line)s: unknown ingredient %(value)s"),
                    {"line": number, "value": item.ingredient},
                )
            )
            continue
        try:
            grams = float(grams_field.parse(item.grams))
        except ValueProblem:
            issues.append(
                Issue(
                    "recipe",
                    N_("line %(line)s: grams must be more than %(min)s and at most %(max)s"),
                    {"line": number, "min": 0, "max": 2000},
                )
            )
            continue
        lines.append((code, grams))
    return lines, issues


def create_dish(
    session: Session, data: Mapping[str, Any], recipe: Sequence[RecipeInput], *, actor: str
) -> Dish:
    """A dish with its recipe (grams as purchased per serving)."""
    lines, issues = _recipe(session, recipe)
    dish: Dish = _save(
        session, "dishes", None, data, actor=actor, children={"recipe": lines},
        child_issues=issues,
    )  # fmt: skip
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
    if recipe is None:
        dish: Dish = _save(session, "dishes", code, data, actor=actor)
        return dish
    lines, issues = _recipe(session, recipe)
    dish = _save(
        session, "dishes", code, data, actor=actor, children={"recipe": lines},
        child_issues=issues,
    )  # fmt: skip
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


@dataclass(frozen=True)
class TargetInput:
    service: str
    nutrient: str
    min_value: float | str | None  # text as typed in a form is parsed
    max_value: float | str | None
    hard: bool = False


def update_group_targets(
    session: Session, group_code: str, targets: Sequence[TargetInput], *, actor: str
) -> NutritionGroup:
    """Set the bounds of a nutrition group for the (service, nutrient) pairs given.

    A pair with neither bound removes that target. Pairs not given are left alone. The
    values are checked by the nutrition-group schema's target fields and written by the
    one target writer (the importer's and the shipped defaults').
    """
    group = session.scalar(select(NutritionGroup).where(NutritionGroup.code == group_code))
    if group is None:
        raise NotFoundError(f"no nutrition group with code {group_code!r}")
    issues: list[Issue] = []
    checked: list[Target] = []
    fields = {name: NUTRITION_GROUPS.field(name) for name in ("service", "nutrient", "min", "max")}
    for t in targets:
        key = f"{t.service}.{t.nutrient}"
        try:
            service = fields["service"].parse(t.service)
            nutrient = fields["nutrient"].parse(t.nutrient)
        except ValueProblem:
            issues.append(Issue(key, N_("unknown target %(value)s"), {"value": key}))
            continue
        bounds: list[float | None] = []
        for name, raw in (("min", t.min_value), ("max", t.max_value)):
            try:
                bounds.append(fields[name].parse(raw))
            except ValueProblem as exc:
                issues.append(Issue(key, exc.message, exc.params))
                bounds.append(None)
        lo, hi = bounds
        if lo is not None and hi is not None and lo > hi:
            issues.append(Issue(key, N_("the minimum is above the maximum")))
        checked.append(Target(service, nutrient, lo, hi, t.hard, secondary_source=None))
    if issues:
        raise RecordValidationError(issues)
    changes = write_targets(session, group, checked, replace=False)
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


def nutrition_group_codes(session: Session, *, english: bool = False) -> list[tuple[str, str]]:
    """(code, name) of every nutrition group, for choosers (Chinese, or English where
    the group has an English name)."""
    rows = session.execute(
        select(NutritionGroup.code, NutritionGroup.name_zh, NutritionGroup.name_en).order_by(
            NutritionGroup.code
        )
    )
    return [(c, (en if english and en else zh)) for c, zh, en in rows]
