"""Issue-13 acceptance figures of stored weeks, recounted independently of the solver from
the stored menus (as `mealplan menu show --format json` prints them) and the dish export
(recipes' food groups, categories, costs):

    MEALPLAN_INSTANCE_PATH=... python benchmarks/menu_check.py --start 2026-11-30 [--days 7]

Prints, per profile and service and in total: meals, non-vegetarian meals without meat,
poultry, fish, shellfish or egg (vegetarian: without soy, egg or dairy), staples served
more than 3 times in a week (Monday to Sunday), soups more than 2, other dishes more than
2, dishes on two consecutive served days, stored costs that differ from the dishes' sum,
and the mean ingredient cost against the [planning] cost band.

The counting (:func:`check_meals`) imports nothing from the solver or the planner, so the
acceptance test (tests/mealplan/test_menu_acceptance.py) uses it as its independent check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The 荤 of 有荤有素 (issue 13), and its vegetarian version.
MEAT = frozenset({"pork", "beef", "mutton", "poultry", "fish", "shellfish", "egg"})
VEG_PROTEIN = frozenset({"soy", "egg", "dairy"})


@dataclass(frozen=True)
class Limits:
    """Times a dish may be served to a profile in a week (issue 13's acceptance)."""

    staple: int = 3
    soup: int = 2
    dish: int = 2

    def of(self, category: str) -> tuple[str, int]:
        """(finding key, limit) for a dish category: ``staple>3``, ``soup>2``, ``dish>2``."""
        kind = category if category in ("staple", "soup") else "dish"
        limit = getattr(self, kind)
        return f"{kind}>{limit}", limit


@dataclass(frozen=True)
class Finding:
    """One broken acceptance rule: ``key`` (``no_protein``, ``staple>3``, ``soup>2``,
    ``dish>2``, ``consecutive``, ``cost``), the profile and service, and what was found."""

    key: str
    profile: str
    service: str
    detail: str


@dataclass
class Report:
    """Findings, and per (profile, service) the meals, their total cost and the counts of
    each finding key."""

    findings: list[Finding] = field(default_factory=list)
    rows: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)

    @property
    def meals(self) -> int:
        return sum(r["meals"] for r in self.rows.values())

    @property
    def mean_cost_fen(self) -> float:
        return sum(r["cost_fen"] for r in self.rows.values()) / max(self.meals, 1)

    def count(self, key: str) -> int:
        return sum(1 for f in self.findings if f.key == key)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def check_meals(
    meals: Iterable[Mapping[str, Any]],
    dishes: Mapping[str, Mapping[str, Any]],
    vegetarian: Mapping[str, bool],
    limits: Limits = Limits(),
) -> Report:
    """Recount stored meals against issue 13's acceptance rules.

    Args:
        meals: stored meals as ``menu show --format json`` prints them (``date``,
            ``service``, ``profile``, ``dishes``, ``cost_fen``).
        dishes: the dish export (``export --format json`` of ``dishes``) by code
            (``category``, ``food_groups``, ``cost_fen``).
        vegetarian: profile code -> whether the profile is vegetarian.
        limits: times a dish may come in a week.
    """
    report = Report()
    by_profile: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for meal in meals:
        by_profile.setdefault((str(meal["profile"]), str(meal["service"])), []).append(meal)
    for (profile, service), served in sorted(by_profile.items()):
        served = sorted(served, key=lambda m: str(m["date"]))
        row: Counter[str] = Counter(meals=len(served))
        found: list[Finding] = []
        weeks: dict[dt.date, Counter[str]] = {}
        for m in served:
            week = _monday(dt.date.fromisoformat(str(m["date"])))
            weeks.setdefault(week, Counter()).update(set(m["dishes"]))
        for week, uses in sorted(weeks.items()):
            for code, n in sorted(uses.items()):
                key, limit = limits.of(str(dishes[code]["category"]))
                if n > limit:
                    found.append(
                        Finding(key, profile, service, f"{code} {n} times in the week of {week}")
                    )
        for a, b in zip(served, served[1:], strict=False):
            for code in sorted(set(a["dishes"]) & set(b["dishes"])):
                found.append(
                    Finding(
                        "consecutive", profile, service, f"{code} on {a['date']} and {b['date']}"
                    )
                )
        wanted = VEG_PROTEIN if vegetarian.get(profile) else MEAT
        for m in served:
            groups = {g for d in m["dishes"] for g in dishes[d]["food_groups"]}
            if not groups & wanted:
                found.append(Finding("no_protein", profile, service, f"{m['date']}: {m['dishes']}"))
            cost = sum(int(dishes[d]["cost_fen"]) for d in m["dishes"])
            if cost != int(m["cost_fen"]):
                found.append(
                    Finding("cost", profile, service, f"{m['date']}: {m['cost_fen']} != {cost}")
                )
            row["cost_fen"] += cost
        row.update(f.key for f in found)
        report.rows[(profile, service)] = row
        report.findings.extend(found)
    return report


def main() -> None:
    from sqlalchemy import select

    from mealplan.config import load_settings
    from mealplan.db.models import DietProfile
    from mealplan.db.session import unit_of_work
    from mealplan.io.exporting import export_table
    from mealplan.planning.menus import stored_meals

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--start", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument(
        "--grid",
        action="store_true",
        help="also build the panel's week grid per service (the live check's rule "
        "functions) and print its rule breaks by rule id and the seconds it took",
    )
    args = ap.parse_args()
    settings = load_settings()
    with unit_of_work(settings) as s:
        dishes = {d["code"]: d for d in json.loads(export_table(s, "dishes", "json"))}
        meals = [m.as_json() for m in stored_meals(s, args.start, args.days)]
        vegetarian = {p.code: p.vegetarian for p in s.scalars(select(DietProfile))}
    report = check_meals(meals, dishes, vegetarian)
    for (profile, service), row in report.rows.items():
        flags = {k: v for k, v in row.items() if k not in ("meals", "cost_fen")}
        mean = row["cost_fen"] / row["meals"]
        print(
            f"{profile + ' ' + service:<28} meals {row['meals']:>2}  mean cost {mean:6.1f} fen  {flags}"
        )
    p = settings.planning
    totals = Counter(f.key for f in report.findings)
    print(
        f"total: {report.meals} meals, mean cost {report.mean_cost_fen:.1f} fen "
        f"(band {p.cost_band_min_fen}-{p.cost_band_max_fen}), {dict(totals)}"
    )
    if args.grid:
        _grid_figures(settings, args.start, args.days, sorted({m["service"] for m in meals}))


def _grid_figures(settings: Any, start: dt.date, days: int, services: list[str]) -> None:
    """The panel's week grid of each service: breaks per rule id (cells, and the week
    minimums under the columns) and the wall time to build it."""
    import time

    from mealplan.db.session import unit_of_work
    from mealplan.services import menus

    for service in services:
        with unit_of_work(settings) as s:
            t0 = time.perf_counter()
            grid = menus.week_grid(s, start, service, days=days, planning=settings.planning)
            took = time.perf_counter() - t0
        rules = Counter(b.rule for c in grid.cells.values() for b in c.breaks)
        rules.update(b.rule for bs in grid.week_breaks.values() for b in bs)
        print(
            f"grid {service}: {len(grid.cells)} meals, built in {took:.2f} s; "
            f"cells with a break: {sum(1 for c in grid.cells.values() if c.breaks)}; "
            f"breaks by rule: {dict(sorted(rules.items()))}"
        )


if __name__ == "__main__":
    main()
