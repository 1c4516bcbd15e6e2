"""Issue 13 acceptance on the shipped catalogue, by an independent checker that recounts
the stored menus from the dish export (recipes' food groups, categories, costs): 有荤有素,
rotation, last week's menu, the cost band, solver output kept out of the command."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mealplan.catalogue import load_catalogue
from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.models import DietProfile, Headcount, Kitchen, NutritionGroup, Site
from mealplan.db.session import unit_of_work
from mealplan.io.exporting import export_table
from mealplan.planning.menus import plan_menus

pytestmark = [pytest.mark.db, pytest.mark.slow]

MONDAY = dt.date(2026, 11, 30)
MEAT = {"pork", "beef", "mutton", "poultry", "fish", "shellfish", "egg"}


@pytest.fixture
def world(settings: Settings) -> Iterator[Settings]:
    """The real catalogue, a regular and a vegetarian profile, two weeks of headcounts."""
    with unit_of_work(settings) as s:
        load_catalogue(s)
        groups = {g.code: g.id for g in s.scalars(select(NutritionGroup))}
        s.add_all(
            [
                DietProfile(code="regular", name_zh="普通", name_en="Regular",
                            group_id=groups["regular"], budget_fen=800),
                DietProfile(code="veg", name_zh="素食", name_en="Vegetarian",
                            group_id=groups["regular"], budget_fen=800, vegetarian=True),
            ]
        )  # fmt: skip
        kitchen = Kitchen(code="K1", name="拱墅中央厨房", lat=30.32, lon=120.14)
        s.add(kitchen)
        s.flush()
        site = Site(code="C1", kind="canteen", name="米市巷长者食堂", lat=30.31, lon=120.15,
                    kitchen_id=kitchen.id, seats=120)  # fmt: skip
        s.add(site)
        s.flush()
        profiles = {p.code: p.id for p in s.scalars(select(DietProfile))}
        for i in range(14):
            for code, n in (("regular", 60), ("veg", 10)):
                s.add(Headcount(date=MONDAY + dt.timedelta(days=i), service="lunch",
                                site_id=site.id, diet_profile_id=profiles[code], count=n))  # fmt: skip
    yield settings


def check_week(meals: list[dict[str, object]], dishes: dict[str, dict[str, object]]) -> list[str]:
    """Every acceptance rule of issue 13, recounted from stored meals and the dish export."""
    problems: list[str] = []
    by_profile: dict[str, list[dict[str, object]]] = {}
    for meal in meals:
        by_profile.setdefault(str(meal["profile"]), []).append(meal)
    for profile, week in by_profile.items():
        week.sort(key=lambda m: str(m["date"]))
        uses = Counter(d for m in week for d in m["dishes"])  # type: ignore[attr-defined]
        for code, n in uses.items():
            cat = dishes[code]["category"]
            limit = {"staple": 3, "soup": 2}.get(str(cat), 2)
            if n > limit:
                problems.append(f"{profile}: {cat} {code} {n} times > {limit}")
        for a, b in zip(week, week[1:], strict=False):
            both = set(a["dishes"]) & set(b["dishes"])  # type: ignore[call-overload]
            if both:
                problems.append(f"{profile}: {sorted(both)} on {a['date']} and {b['date']}")
        for m in week:
            groups = {g for d in m["dishes"] for g in dishes[d]["food_groups"]}  # type: ignore[attr-defined]
            wanted = {"soy", "egg", "dairy"} if profile == "veg" else MEAT
            if not groups & wanted:
                problems.append(f"{profile} {m['date']}: no protein dish {m['dishes']}")
            cost = sum(dishes[d]["cost_fen"] for d in m["dishes"])  # type: ignore[attr-defined, misc]
            if cost != m["cost_fen"]:
                problems.append(f"{profile} {m['date']}: cost {m['cost_fen']} != {cost}")
    return problems


def _show(start: dt.date) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["menu", "show", "--start", start.isoformat(),
                                       "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def test_two_weeks_meet_the_acceptance_rules(world: Settings) -> None:
    """Two planned weeks: protein in every meal, rotation limits, no Monday repeat of
    Sunday, mean cost inside the band; all recounted from the stored menus."""
    with unit_of_work(world) as s:
        plan = plan_menus(s, MONDAY, 7, ["lunch"], world.planning)
        assert plan.complete, plan.warnings
    with unit_of_work(world) as s:
        plan = plan_menus(s, MONDAY + dt.timedelta(days=7), 7, ["lunch"], world.planning)
        assert plan.complete, plan.warnings
        dishes = {d["code"]: d for d in json.loads(export_table(s, "dishes", "json"))}
    first, second = _show(MONDAY), _show(MONDAY + dt.timedelta(days=7))
    assert len(first) == len(second) == 14
    assert check_week(first, dishes) == [] and check_week(second, dishes) == []
    for profile in ("regular", "veg"):
        sunday = next(m for m in first if m["profile"] == profile and m["date"] == "2026-12-06")
        monday = next(m for m in second if m["profile"] == profile and m["date"] == "2026-12-07")
        assert not set(sunday["dishes"]) & set(monday["dishes"])  # type: ignore[call-overload]
    band = (world.planning.cost_band_min_fen, world.planning.cost_band_max_fen)
    mean = sum(int(m["cost_fen"]) for m in first + second) / len(first + second)  # type: ignore[call-overload]
    assert band[0] <= mean <= band[1]


def test_menu_plan_prints_no_solver_banner(
    world: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    """`menu plan` output, down to the file descriptors, carries no HiGHS banner or log
    (the debug log gets it)."""
    result = CliRunner().invoke(main, ["menu", "plan", "--start", MONDAY.isoformat(),
                                       "--days", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    out, err = capfd.readouterr()
    for text in (result.output, out, err):
        assert "Running HiGHS" not in text and "Copyright" not in text
