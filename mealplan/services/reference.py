"""Reference data shipped with the package: nutrition groups and their default targets."""

from __future__ import annotations

import logging
import tomllib
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import NutritionGroup
from mealplan.domain.schemas import NUTRITION_GROUPS, TARGET_KEYS
from mealplan.domain.vocab import Service
from mealplan.errors import MealplanError
from mealplan.io.kinds.nutrition import GROUP_COLUMNS
from mealplan.io.store import Refs, Target, write_record, write_targets

log = logging.getLogger(__name__)


def default_nutrition_groups() -> dict[str, Any]:
    """The shipped defaults (mealplan/data/nutrition_groups.toml) as a dict."""
    text = resources.files("mealplan.data").joinpath("nutrition_groups.toml").read_text("utf-8")
    return tomllib.loads(text)


def upsert_nutrition_groups(session: Session, data: dict[str, Any], *, replace: bool) -> int:
    """Create or update groups and their targets from ``data`` (the TOML shape), through
    the same record writer and target writer as imports and the panel.

    With ``replace=False`` an existing group keeps the targets the kitchen edited; only
    missing groups are created. Returns the number of groups written.
    """
    written = 0
    refs = Refs(session)
    for code, spec in data.items():
        group = session.scalar(select(NutritionGroup).where(NutritionGroup.code == code))
        if group is not None and not replace:
            continue
        values: dict[str, Any] = {"group": code}
        values.update({k: spec[k] for k in GROUP_COLUMNS if k in spec})
        record = write_record(session, NUTRITION_GROUPS, group, values, refs=refs)
        targets: list[Target] = []
        for service in Service:
            for nutrient, bound in (spec.get(service.value) or {}).items():
                if nutrient not in TARGET_KEYS:
                    raise MealplanError(
                        f"nutrition group {code!r}, {service.value}: unknown nutrient {nutrient!r}"
                    )
                targets.append(
                    Target(
                        service=service.value,
                        nutrient=nutrient,
                        min_value=bound.get("min"),
                        max_value=bound.get("max"),
                        hard=bool(bound.get("hard", False)),
                        secondary_source=bool(bound.get("secondary_source", True)),
                    )
                )
        write_targets(session, record.obj, targets, replace=True)
        written += 1
    session.flush()
    log.info("nutrition groups written: %d", written)
    return written


def ensure_nutrition_groups(session: Session) -> int:
    """Create the shipped default groups that do not exist yet (never overwrites edits)."""
    return upsert_nutrition_groups(session, default_nutrition_groups(), replace=False)
