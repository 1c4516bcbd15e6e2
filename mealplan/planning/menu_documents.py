"""The printed side of menus: the public weekly menu per canteen (公示菜谱) and the
nutrient report per profile per day and per week against the targets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.models import DietProfile, Kitchen, NutrientTarget, NutritionGroup
from mealplan.documents import (
    KitchenInfo,
    NutrientReport,
    NutrientRow,
    NutrientSection,
    WeeklyMenu,
    nutrient_report_pdf,
    weekly_menu_pdf,
)
from mealplan.domain.vocab import NUTRIENT_KEYS
from mealplan.planning.adapters import kitchen_info
from mealplan.planning.menus import StoredMeal, meal_ratios, stored_meals

__all__ = ["ELDER_LABELS", "kitchen_info", "nutrient_report", "write_week_documents"]

ELDER_LABELS = {
    "hardship": "特困、低保老人",
    "disabled": "失能、残疾老人",
    "age_80": "80 岁以上老人",
    "age_60": "60-79 岁老人",
}
REPORT_KEYS = (*NUTRIENT_KEYS, "protein_pct_energy", "fat_pct_energy", "carbohydrate_pct_energy")


def _rows(values: dict[str, float], targets: dict[str, NutrientTarget]) -> tuple[NutrientRow, ...]:
    out = []
    for key in REPORT_KEYS:
        if key not in values:
            continue
        t = targets.get(key)
        out.append(
            NutrientRow(
                key,
                round(values[key], 1),
                t.min_value if t else None,
                t.max_value if t else None,
                bool(t and t.hard),
            )
        )
    return tuple(out)


def nutrient_report(
    session: Session, start: dt.date, service: str, days: int = 7
) -> NutrientReport | None:
    """Nutrients of every stored meal and the week's mean, against the group targets."""
    meals = stored_meals(session, start, days, [service])
    if not meals:
        return None
    profiles = {
        p.code: p
        for p in session.scalars(
            select(DietProfile).options(
                selectinload(DietProfile.group).selectinload(NutritionGroup.targets)
            )
        )
    }
    kitchen = session.scalar(select(Kitchen).order_by(Kitchen.code))
    by_profile: dict[str, list[StoredMeal]] = defaultdict(list)
    for m in meals:
        by_profile[m.profile].append(m)
    sections: list[NutrientSection] = []
    for code in sorted(by_profile):
        profile = profiles[code]
        targets = {t.nutrient: t for t in profile.group.targets if t.service == service}

        week: dict[str, float] = defaultdict(float)
        for m in by_profile[code]:
            values = {**m.nutrients, **meal_ratios(m.nutrients)}
            for k, v in values.items():
                week[k] += v / len(by_profile[code])
            sections.append(
                NutrientSection(
                    code, profile.name_zh, m.date, _rows(values, targets), profile.name_en
                )
            )
        sections.append(
            NutrientSection(code, profile.name_zh, None, _rows(week, targets), profile.name_en)
        )
    return NutrientReport(
        kitchen=kitchen_info(kitchen) if kitchen else KitchenInfo(name=""),
        week_start=start,
        sections=tuple(sections),
        service=service,
    )


def write_week_documents(
    session: Session,
    start: dt.date,
    service: str,
    out_dir: Path,
    menus: list[WeeklyMenu],
    *,
    lang: str = "zh",
) -> list[Path]:
    """Write ``menus`` (one page per site) as the public weekly menu and the week's
    nutrient report as PDF."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if menus:
        path = out_dir / f"weekly_menu_{start.isoformat()}_{service}.pdf"
        path.write_bytes(weekly_menu_pdf(menus, lang=lang))
        files.append(path)
    report = nutrient_report(session, start, service)
    if report is not None:
        path = out_dir / f"nutrient_report_{start.isoformat()}_{service}.pdf"
        path.write_bytes(nutrient_report_pdf(report, lang=lang))
        files.append(path)
    return files
