"""Ingredients and dishes (a dish is one row per recipe line in files)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.mappers import facts_of, load_dishes
from mealplan.db.models import Dish
from mealplan.domain.schemas import DISHES, INGREDIENTS
from mealplan.domain.vocab import NUTRIENT_KEYS
from mealplan.io.kinds.base import Kind, state_of
from mealplan.io.kinds.context import Counts, Parsed, Row
from mealplan.io.reading import RawRow, RawTable
from mealplan.io.store import Refs, write_record


class Ingredients(Kind):
    schema = INGREDIENTS
    derived = frozenset({"per_100g"})

    def flatten_json(self, obj: Mapping[str, Any]) -> list[RawRow]:
        flat = {k: v for k, v in obj.items() if k != "per_100g"}
        per = obj.get("per_100g")
        if isinstance(per, Mapping):
            flat.update({k: per.get(k) for k in NUTRIENT_KEYS})
        return [flat]

    def export_json(self, session: Session) -> list[Row]:
        out = []
        for rec in super().export_json(session):
            per = {k: rec.pop(k) for k in NUTRIENT_KEYS}
            ordered: Row = {}
            for k, v in rec.items():
                ordered[k] = v
                if k == "edible_fraction":
                    ordered["per_100g"] = per
            out.append(ordered)
        return out


#: a dish's own columns, repeated (or left blank) on each of its recipe lines
DISH_COLUMNS = tuple(f.name for f in DISHES.fields if f.attr is not None and f.name != "code")


class Dishes(Kind):
    """Long format: one row per recipe line, the dish's own columns repeated (or left blank
    on continuation rows, as merged cells in a spreadsheet leave them)."""

    schema = DISHES
    derived = frozenset({"allergens", "halal", "vegetarian", "food_groups", "cost_fen",
                         "nutrients", "edible_grams", "recipe"})  # fmt: skip

    def flatten_json(self, obj: Mapping[str, Any]) -> list[RawRow]:
        head = {k: v for k, v in obj.items() if k != "recipe"}
        recipe = obj.get("recipe")
        if not isinstance(recipe, list) or not recipe:
            return [head]
        rows = []
        for line in recipe:
            row = dict(head)
            if isinstance(line, Mapping):
                row["ingredient"] = line.get("ingredient")
                row["grams"] = line.get("grams")
            rows.append(row)
        return rows

    def prepare(self, table: RawTable) -> None:
        """Fill down the dish code and dish columns left blank on continuation rows."""
        if "code" not in table.headers:
            return  # the missing column is reported by the parser
        previous: RawRow | None = None
        for _number, row in table.rows:
            blank_code = row.get("code") is None or str(row.get("code")).strip() == ""
            if blank_code and previous is not None:
                row["code"] = previous["code"]
            if previous is not None and row.get("code") == previous.get("code"):
                for name in DISH_COLUMNS:
                    value = row.get(name)
                    if name in row and (value is None or str(value).strip() == ""):
                        row[name] = previous.get(name)
            previous = row

    def check(self, session: Session, p: Parsed) -> None:
        self.check_refs(session, p)
        first: dict[str, tuple[int, Row]] = {}
        lines: dict[str, list[str]] = defaultdict(list)
        for number, row in p.rows:
            code = row.get("code")
            if code is None:
                continue
            if code not in first:
                first[code] = (number, row)
            else:
                first_number, head = first[code]
                for name in DISH_COLUMNS:
                    if name in p.present and row.get(name) != head.get(name):
                        p.error(number, name, row.get(name),
                                f"differs from row {first_number} of the same dish")  # fmt: skip
            ing = row.get("ingredient")
            if ing is not None:
                if ing in lines[code]:
                    p.warn(number, f"dish {code} lists ingredient {ing} more than once")
                lines[code].append(ing)
        if "base_dish" in p.present:
            known = set(first) | set(session.scalars(select(Dish.code)))
            for number, row in p.rows:
                base = row.get("base_dish")
                if base is not None and base not in known:
                    p.error(number, "base_dish", base, "unknown dish code")
                elif base is not None and base == row.get("code"):
                    p.error(number, "base_dish", base, "a dish cannot be its own base dish")

    def upsert(self, session: Session, p: Parsed) -> Counts:
        counts = Counts()
        refs = Refs(session, p.refs)
        existing = {d.code: d for d in load_dishes(session)}
        for code, number, rows in p.grouped("code"):
            obj = existing.get(code)
            given = p.given(number, rows[0], obj is not None)
            head = {k: v for k, v in given.items() if k not in ("ingredient", "grams")}
            head["recipe"] = [(r["ingredient"], float(r["grams"])) for r in rows]
            written = write_record(session, self.schema, obj, head, refs=refs)
            counts.add(state_of(written.created, bool(written.changes)))
        session.flush()
        return counts

    def export_records(self, session: Session) -> list[Row]:
        rows = []
        for dish in load_dishes(session):
            head = _dish_head(dish)
            for line in dish.recipe:
                rows.append({**head, "ingredient": line.ingredient.code, "grams": line.grams})
        return rows

    def export_json(self, session: Session) -> list[Row]:
        out = []
        for dish in load_dishes(session):
            facts = facts_of(dish)
            out.append(
                {
                    **_dish_head(dish),
                    "allergens": sorted(facts.allergens),
                    "halal": facts.halal,
                    "vegetarian": facts.vegetarian,
                    "food_groups": sorted(facts.food_groups),
                    "cost_fen": facts.cost_fen,
                    "edible_grams": facts.edible_grams,
                    "recipe": [
                        {"ingredient": line.ingredient.code, "grams": line.grams}
                        for line in dish.recipe
                    ],
                    "nutrients": {k: facts.nutrients[k] for k in NUTRIENT_KEYS},
                }
            )
        return out


def _dish_head(dish: Dish) -> Row:
    """The columns of a dish itself (without its recipe lines), as both exports write them."""
    return {
        "code": dish.code,
        "name_zh": dish.name_zh,
        "name_en": dish.name_en,
        "category": dish.category,
        "iddsi_level": dish.iddsi_level,
        "cooking_method": dish.cooking_method,
        "tags": list(dish.tags or []),
        "base_dish": dish.base_dish_code,
        "active": dish.active,
    }
