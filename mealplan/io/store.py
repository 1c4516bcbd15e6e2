"""The one writer of records: validated values -> the model, references and child rows.

The importer (``mealplan.io.kinds``), the panel's verbs (``mealplan.services.records``)
and the shipped reference data (``mealplan.services.reference``) all write through
:func:`write_record` (plain attributes, references by code, a dish's recipe lines, a
client's pauses) and :func:`write_targets` (a nutrition group's targets). Values come
already parsed and checked by the record's schema (``mealplan.domain.schemas``); the
writer flushes and reports what changed, so the caller can count or audit it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import PlanningSettings
from mealplan.db.models import (
    Base,
    Client,
    ClientPause,
    DietProfile,
    Dish,
    Driver,
    Headcount,
    Ingredient,
    Kitchen,
    MealStructure,
    NutrientTarget,
    NutritionGroup,
    PriceTier,
    RecipeLine,
    Site,
    SubsidyRule,
    Vehicle,
)
from mealplan.domain.schemas import RecordSchema

#: the model that stores each kind
MODELS: dict[str, type[Base]] = {
    "kitchens": Kitchen,
    "sites": Site,
    "clients": Client,
    "ingredients": Ingredient,
    "dishes": Dish,
    "diet-profiles": DietProfile,
    "nutrition-groups": NutritionGroup,
    "vehicles": Vehicle,
    "drivers": Driver,
    "headcounts": Headcount,
    "meal-structures": MealStructure,
    "price-tiers": PriceTier,
    "subsidy-rules": SubsidyRule,
}

#: what a reference to each kind is called in messages
REF_LABELS: dict[str, str] = {
    "kitchens": "kitchen",
    "sites": "site",
    "diet-profiles": "diet profile",
    "nutrition-groups": "nutrition group",
    "ingredients": "ingredient",
    "vehicles": "vehicle",
    "dishes": "dish",
}

RecipeLineValue = tuple[str, float]  # (ingredient code, grams as purchased per serving)
PauseValue = tuple[dt.date, dt.date, str]  # (first day, last day inclusive, reason)


@dataclass(frozen=True)
class Target:
    """One bound of a nutrition group. ``secondary_source`` None: keep the stored flag,
    or clear it when the bounds change (a kitchen's own edit)."""

    service: str
    nutrient: str
    min_value: float | None
    max_value: float | None
    hard: bool = False
    secondary_source: bool | None = True

    @property
    def pair(self) -> tuple[str, str]:
        return (self.service, self.nutrient)


@dataclass
class Refs:
    """Codes -> ids of the referenced kinds, loaded once per kind."""

    session: Session
    cache: dict[str, dict[str, int]] = field(default_factory=dict)

    def ids(self, kind: str) -> dict[str, int]:
        if kind not in self.cache:
            model: Any = MODELS[kind]
            rows = self.session.execute(select(model.code, model.id))
            self.cache[kind] = {str(c): int(i) for c, i in rows}
        return self.cache[kind]

    def codes(self, kind: str) -> dict[int, str]:
        return {v: k for k, v in self.ids(kind).items()}


@dataclass
class Written:
    """What :func:`write_record` did: the record, whether it is new, and the changes by
    model attribute (or child table: ``recipe``, ``pauses``, ``targets``) as [old, new]."""

    obj: Any
    created: bool
    changes: dict[str, list[Any]]


def new_values(schema: RecordSchema, planning: PlanningSettings | None = None) -> dict[str, Any]:
    """A new record's values by column name for the fields that have a default."""
    return {
        f.name: f.default_value(planning)
        for f in schema.fields
        if f.attr is not None and (f.default is not None or f.setting is not None)
    }


def write_record(
    session: Session,
    schema: RecordSchema,
    obj: Any | None,
    values: Mapping[str, Any],
    *,
    refs: Refs,
    planning: PlanningSettings | None = None,
) -> Written:
    """Write ``values`` (typed, checked, keyed by column name; references as codes) to
    ``obj``, or to a new record when ``obj`` is None (fields absent from ``values`` get
    their defaults). Child rows: ``recipe`` (a dish's lines, replaced as a whole when they
    differ), ``pauses`` (a client's pauses, likewise). Flushes; the caller commits."""
    attrs: dict[str, Any] = {}
    merged = {**new_values(schema, planning), **values} if obj is None else dict(values)
    for f in schema.fields:
        if f.attr is None or f.name not in merged:
            continue
        value = merged[f.name]
        if f.ref is not None and value is not None:
            value = refs.ids(f.ref)[value]
        attrs[f.attr] = value
    changes: dict[str, list[Any]] = {}
    created = obj is None
    if obj is None:
        model: Any = MODELS[schema.kind]
        obj = model(**attrs)
        session.add(obj)
        changes = {attr: [None, value] for attr, value in attrs.items()}
    else:
        for attr, value in attrs.items():
            old = getattr(obj, attr)
            if old != value:
                changes[attr] = [old, value]
                setattr(obj, attr, value)
    if "recipe" in values:
        change = _write_recipe(session, obj, values["recipe"], refs)
        if change is not None:
            changes["recipe"] = change
    if "pauses" in values:
        change = _write_pauses(obj, values["pauses"])
        if change is not None:
            changes["pauses"] = change
    session.flush()
    return Written(obj, created, changes)


def _write_recipe(
    session: Session, dish: Dish, recipe: Sequence[RecipeLineValue], refs: Refs
) -> list[Any] | None:
    ids = refs.ids("ingredients")
    codes = refs.codes("ingredients")
    old = [[codes.get(line.ingredient_id, ""), line.grams] for line in dish.recipe]
    new: list[list[Any]] = [[code, float(grams)] for code, grams in recipe]
    if old == new:
        return None
    if dish.recipe:
        dish.recipe.clear()
        session.flush()  # delete old lines before reusing their positions
    for position, (code, grams) in enumerate(recipe, start=1):
        dish.recipe.append(
            RecipeLine(position=position, ingredient_id=ids[code], grams=float(grams))
        )
    return [old, new]


def _write_pauses(client: Client, pauses: Sequence[PauseValue]) -> list[Any] | None:
    old = sorted((p.start_date, p.end_date, p.reason) for p in client.pauses)
    new = sorted(pauses)
    if old == new:
        return None
    client.pauses.clear()
    for start, end, reason in new:
        client.pauses.append(ClientPause(start_date=start, end_date=end, reason=reason))
    return [[[s.isoformat(), e.isoformat(), r] for s, e, r in x] for x in (old, new)]


def write_targets(
    session: Session, group: NutritionGroup, targets: Sequence[Target], *, replace: bool
) -> dict[str, list[Any]]:
    """Set a nutrition group's targets; the one writer of ``NutrientTarget`` rows.

    ``replace=True``: the group's targets become exactly ``targets`` (import, shipped
    defaults). ``replace=False``: only the (service, nutrient) pairs given change; a pair
    with neither bound is removed (the panel). Returns the changes keyed
    ``service.nutrient`` as [[min, max, hard] or None, [min, max, hard] or None] (a flag
    change of ``secondary_source`` alone counts too). Flushes.
    """
    existing = {(t.service, t.nutrient): t for t in group.targets}
    wanted = {t.pair: t for t in targets}
    changes: dict[str, list[Any]] = {}
    for pair, row in list(existing.items()):
        t = wanted.get(pair)
        gone = (t is None and replace) or (
            t is not None and t.min_value is None and t.max_value is None
        )
        if gone:
            group.targets.remove(row)
            changes[".".join(pair)] = [[row.min_value, row.max_value, row.hard], None]
    for pair, t in wanted.items():
        if t.min_value is None and t.max_value is None:
            continue
        new = [t.min_value, t.max_value, t.hard]
        current = existing.get(pair)
        if current is None:
            group.targets.append(
                NutrientTarget(service=t.service, nutrient=t.nutrient, min_value=t.min_value,
                               max_value=t.max_value, hard=t.hard,
                               secondary_source=bool(t.secondary_source)
                               if t.secondary_source is not None else False)
            )  # fmt: skip
            changes[".".join(pair)] = [None, new]
            continue
        row = current
        old = [row.min_value, row.max_value, row.hard]
        secondary = t.secondary_source
        if secondary is None:
            secondary = row.secondary_source if old == new else False
        if old != new or row.secondary_source != secondary:
            changes[".".join(pair)] = [old, new]
            row.min_value, row.max_value, row.hard = t.min_value, t.max_value, t.hard
            row.secondary_source = secondary
    session.flush()
    return changes
