"""Issue-13 acceptance figures of a stored week, recounted independently from the stored
menus and the dish export (recipes' food groups, categories, costs):

    MEALPLAN_INSTANCE_PATH=... python benchmarks/menu_check.py --start 2026-11-30 [--days 7]

Prints, per profile and in total: meals, non-vegetarian meals without meat, poultry, fish,
shellfish or egg (vegetarian: without soy, egg or dairy), staples served > 3 times, soups
> 2, other dishes > 2, dishes on two consecutive days, and the mean ingredient cost
against the [planning] cost band.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter

from sqlalchemy import select

from mealplan.config import load_settings
from mealplan.db.models import DietProfile
from mealplan.db.session import unit_of_work
from mealplan.io.exporting import export_table
from mealplan.planning.menus import stored_meals

MEAT = {"pork", "beef", "mutton", "poultry", "fish", "shellfish", "egg"}
VEG_PROTEIN = {"soy", "egg", "dairy"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--start", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--days", type=int, default=7)
    args = ap.parse_args()
    settings = load_settings()
    with unit_of_work(settings) as s:
        dishes = {d["code"]: d for d in json.loads(export_table(s, "dishes", "json"))}
        meals = stored_meals(s, args.start, args.days)
        vegetarian = {p.code: p.vegetarian for p in s.scalars(select(DietProfile))}
    by_profile: dict[str, list] = {}
    for m in meals:
        by_profile.setdefault(f"{m.profile} {m.service}", []).append(m)
    totals: Counter[str] = Counter()
    for key, week in sorted(by_profile.items()):
        week.sort(key=lambda m: m.date)
        row: Counter[str] = Counter(meals=len(week))
        uses = Counter(d for m in week for d in m.dishes)
        for code, n in uses.items():
            cat = dishes[code]["category"]
            limit = {"staple": 3, "soup": 2}.get(cat, 2)
            if n > limit:
                row[
                    f"{'staple' if cat == 'staple' else 'soup' if cat == 'soup' else 'dish'}>{limit}"
                ] += 1
        for a, b in zip(week, week[1:], strict=False):
            row["consecutive"] += len(set(a.dishes) & set(b.dishes))
        wanted = VEG_PROTEIN if vegetarian.get(key.split()[0]) else MEAT
        for m in week:
            groups = {g for d in m.dishes for g in dishes[d]["food_groups"]}
            if not groups & wanted:
                row["no_protein"] += 1
            row["cost_fen"] += sum(dishes[d]["cost_fen"] for d in m.dishes)
        totals.update(row)
        flags = {k: v for k, v in row.items() if k not in ("meals", "cost_fen")}
        print(
            f"{key:<28} meals {row['meals']:>2}  mean cost {row['cost_fen'] / row['meals']:6.1f} fen  {flags}"
        )
    p = settings.planning
    n = totals["meals"] or 1
    flags = {k: v for k, v in totals.items() if k not in ("meals", "cost_fen")}
    print(
        f"total: {totals['meals']} meals, mean cost {totals['cost_fen'] / n:.1f} fen "
        f"(band {p.cost_band_min_fen}-{p.cost_band_max_fen}), {flags}"
    )


if __name__ == "__main__":
    main()
