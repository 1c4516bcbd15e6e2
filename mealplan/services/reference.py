"""Reference data shipped with the package: nutrition groups and their default targets."""

from __future__ import annotations

import logging
import tomllib
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import NutrientTarget, NutritionGroup
from mealplan.domain.vocab import NUTRIENT_KEYS, RATIO_KEYS, Service
from mealplan.errors import MealplanError

log = logging.getLogger(__name__)

TARGET_KEYS = frozenset(NUTRIENT_KEYS) | frozenset(RATIO_KEYS)
_GROUP_FIELDS = {"name_zh", "name_en", "source", "excluded_tags", "required_staple_tags"}


def default_nutrition_groups() -> dict[str, Any]:
    """The shipped defaults (mealplan/data/nutrition_groups.toml) as a dict."""
    text = resources.files("mealplan.data").joinpath("nutrition_groups.toml").read_text("utf-8")
    return tomllib.loads(text)


def upsert_nutrition_groups(session: Session, data: dict[str, Any], *, replace: bool) -> int:
    """Create or update groups and their targets from ``data`` (the TOML shape).

    With ``replace=False`` an existing group keeps the targets the kitchen edited; only
    missing groups are created. Returns the number of groups written.
    """
    written = 0
    for code, spec in data.items():
        group = session.scalar(select(NutritionGroup).where(NutritionGroup.code == code))
        if group is not None and not replace:
            continue
        if group is None:
            group = NutritionGroup(code=code, name_zh=spec["name_zh"], name_en=spec["name_en"])
            session.add(group)
        for key in _GROUP_FIELDS:
            if key in spec:
                setattr(group, key, spec[key])
        group.targets.clear()
        session.flush()
        for service in Service:
            for nutrient, bound in (spec.get(service.value) or {}).items():
                if nutrient not in TARGET_KEYS:
                    raise MealplanError(
                        f"nutrition group {code!r}, {service.value}: unknown nutrient {nutrient!r}"
                    )
                group.targets.append(
                    NutrientTarget(
                        service=service.value,
                        nutrient=nutrient,
                        min_value=bound.get("min"),
                        max_value=bound.get("max"),
                        hard=bool(bound.get("hard", False)),
                        secondary_source=bool(bound.get("secondary_source", True)),
                    )
                )
        written += 1
    session.flush()
    log.info("nutrition groups written: %d", written)
    return written


def ensure_nutrition_groups(session: Session) -> int:
    """Create the shipped default groups that do not exist yet (never overwrites edits)."""
    return upsert_nutrition_groups(session, default_nutrition_groups(), replace=False)
