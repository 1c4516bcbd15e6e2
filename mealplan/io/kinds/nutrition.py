"""Nutrition groups with their targets (one row per target in files) and diet profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.models import NutrientTarget, NutritionGroup
from mealplan.domain.schemas import DIET_PROFILES, NUTRITION_GROUPS
from mealplan.io.kinds.base import Kind, state_of
from mealplan.io.kinds.context import Counts, Parsed, Row
from mealplan.io.reading import RawRow
from mealplan.io.store import Refs, Target, write_record, write_targets


def targets_by_service(targets: Sequence[NutrientTarget]) -> dict[str, dict[str, Row]]:
    out: dict[str, dict[str, Row]] = {}
    for t in targets:
        out.setdefault(t.service, {})[t.nutrient] = {
            "min": t.min_value,
            "max": t.max_value,
            "hard": t.hard,
            "secondary_source": t.secondary_source,
        }
    return out


#: a group's own columns, repeated on each of its target rows
GROUP_COLUMNS = ("name_zh", "name_en", "source", "excluded_tags", "required_staple_tags")


class NutritionGroups(Kind):
    """Long format: one row per target (group, service, nutrient, min, max, hard), the
    group's own columns repeated; a group without targets is one row with blank targets."""

    schema = NUTRITION_GROUPS

    def flatten_json(self, obj: Mapping[str, Any]) -> list[RawRow]:
        head = {k: v for k, v in obj.items() if k != "targets"}
        rows = []
        targets = obj.get("targets")
        if isinstance(targets, Mapping):
            for service, bounds in targets.items():
                if not isinstance(bounds, Mapping):
                    rows.append({**head, "service": service, "nutrient": bounds})
                    continue
                for nutrient, bound in bounds.items():
                    b = bound if isinstance(bound, Mapping) else {"min": bound}
                    rows.append({**head, "service": service, "nutrient": nutrient, **b})
        return rows or [head]

    def check(self, session: Session, p: Parsed) -> None:
        self.check_duplicates(p)
        first: dict[str, tuple[int, Row]] = {}
        for number, row in p.rows:
            code = row.get("group")
            if code is not None and code not in first:
                first[code] = (number, row)
            elif code is not None:
                first_number, head = first[code]
                for name in GROUP_COLUMNS:
                    if name in p.present and row.get(name) != head.get(name):
                        p.error(number, name, row.get(name),
                                f"differs from row {first_number} of the same group")  # fmt: skip
            service, nutrient = row.get("service"), row.get("nutrient")
            lo, hi = row.get("min"), row.get("max")
            if (service is None) != (nutrient is None):
                missing = "service" if service is None else "nutrient"
                p.error(number, missing, None, "a target needs both a service and a nutrient")
            unparsed = {(number, "min"), (number, "max")} & p.failed
            if nutrient is not None and lo is None and hi is None and not unparsed:
                p.error(number, "min", None, "a target needs a min, a max or both")
            if lo is not None and hi is not None and lo > hi:
                p.error(number, "max", hi, f"max is below min {lo:g}")

    def upsert(self, session: Session, p: Parsed) -> Counts:
        counts = Counts()
        refs = Refs(session, p.refs)
        stmt = select(NutritionGroup).options(selectinload(NutritionGroup.targets))
        existing = {g.code: g for g in session.scalars(stmt)}
        for code, number, rows in p.grouped("group"):
            obj = existing.get(code)
            given = p.given(number, rows[0], obj is not None)
            head = {k: v for k, v in given.items() if k in ("group", *GROUP_COLUMNS)}
            written = write_record(session, self.schema, obj, head, refs=refs)
            targets = [
                Target(r["service"], r["nutrient"], r.get("min"), r.get("max"),
                       bool(r.get("hard")), bool(r.get("secondary_source", True)))
                for r in rows if r.get("nutrient") is not None
            ]  # fmt: skip
            changed = write_targets(session, written.obj, targets, replace=True)
            counts.add(state_of(written.created, bool(written.changes or changed)))
        session.flush()
        return counts

    def export_records(self, session: Session) -> list[Row]:
        stmt = (
            select(NutritionGroup)
            .options(selectinload(NutritionGroup.targets))
            .order_by(NutritionGroup.code)
        )
        rows = []
        for g in session.scalars(stmt):
            head: Row = {
                "group": g.code,
                "name_zh": g.name_zh,
                "name_en": g.name_en,
                "source": g.source,
                "excluded_tags": list(g.excluded_tags or []),
                "required_staple_tags": list(g.required_staple_tags or []),
            }
            targets = sorted(g.targets, key=lambda t: (t.service, t.nutrient))
            if not targets:
                rows.append({**head, "service": None, "nutrient": None, "min": None,
                             "max": None, "hard": None, "secondary_source": None})  # fmt: skip
            for t in targets:
                rows.append({**head, "service": t.service, "nutrient": t.nutrient,
                             "min": t.min_value, "max": t.max_value, "hard": t.hard,
                             "secondary_source": t.secondary_source})  # fmt: skip
        return rows

    def export_json(self, session: Session) -> list[Row]:
        stmt = (
            select(NutritionGroup)
            .options(selectinload(NutritionGroup.targets))
            .order_by(NutritionGroup.code)
        )
        return [
            {
                "code": g.code,
                "name_zh": g.name_zh,
                "name_en": g.name_en,
                "source": g.source,
                "excluded_tags": list(g.excluded_tags or []),
                "required_staple_tags": list(g.required_staple_tags or []),
                "targets": targets_by_service(g.targets),
            }
            for g in session.scalars(stmt)
        ]


class DietProfiles(Kind):
    schema = DIET_PROFILES
    derived = frozenset({"excluded_tags", "required_staple_tags", "targets"})

    def export_json(self, session: Session) -> list[Row]:
        stmt = select(NutritionGroup).options(selectinload(NutritionGroup.targets))
        groups = {g.code: g for g in session.scalars(stmt)}
        out = []
        for rec in super().export_json(session):
            g = groups[rec["group"]]
            rec["excluded_tags"] = list(g.excluded_tags or [])
            rec["required_staple_tags"] = list(g.required_staple_tags or [])
            rec["targets"] = {
                service: {k: {"min": v["min"], "max": v["max"], "hard": v["hard"]}
                          for k, v in bounds.items()}
                for service, bounds in targets_by_service(g.targets).items()
            }  # fmt: skip
            out.append(rec)
        return out
