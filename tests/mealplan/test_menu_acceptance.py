"""Issue 13 acceptance on the shipped catalogue, by an independent checker that recounts
the stored menus from the dish export (recipes' food groups, categories, costs): 有荤有素,
rotation, last week's menu, the cost band, a profile short of dishes planned with the
rotation rule relaxed and named, solver output kept out of the command. The checker is
benchmarks/menu_check.py's ``check_meals`` (it imports nothing from the solver)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from benchmarks.menu_check import check_meals
from mealplan.catalogue import load_catalogue
from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.models import DietProfile, Headcount, Kitchen, NutritionGroup, Site
from mealplan.db.session import unit_of_work
from mealplan.io.exporting import export_table
from mealplan.io.importing import import_table
from mealplan.planning.menus import plan_menus
from mealplan.services import menus
from solvers.menu.rules import ROTATION_RULES

pytestmark = [pytest.mark.db, pytest.mark.slow]

MONDAY = dt.date(2026, 11, 30)


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


def _show(start: dt.date) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["menu", "show", "--start", start.isoformat(),
                                       "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def _dishes(settings: Settings) -> dict[str, dict[str, Any]]:
    with unit_of_work(settings) as s:
        return {d["code"]: d for d in json.loads(export_table(s, "dishes", "json"))}


def test_two_weeks_meet_the_acceptance_rules(world: Settings) -> None:
    """Two planned weeks: protein in every meal, no staple > 3, soup > 2 or other dish > 2
    a week, no dish on consecutive days (Sunday to Monday included), costs as the dishes
    add up, mean cost inside the band; recounted by benchmarks/menu_check.py's counting
    from `menu show --format json` and the dish export, not from solver code."""
    with unit_of_work(world) as s:
        plan = plan_menus(s, MONDAY, 7, ["lunch"], world.planning)
        assert plan.complete, plan.warnings
    with unit_of_work(world) as s:
        plan = plan_menus(s, MONDAY + dt.timedelta(days=7), 7, ["lunch"], world.planning)
        assert plan.complete, plan.warnings
    first, second = _show(MONDAY), _show(MONDAY + dt.timedelta(days=7))
    assert len(first) == len(second) == 14
    report = check_meals(first + second, _dishes(world), {"regular": False, "veg": True})
    assert report.findings == []
    assert report.meals == 28
    for profile in ("regular", "veg"):
        sunday = next(m for m in first if m["profile"] == profile and m["date"] == "2026-12-06")
        monday = next(m for m in second if m["profile"] == profile and m["date"] == "2026-12-07")
        assert not set(sunday["dishes"]) & set(monday["dishes"])  # type: ignore[call-overload]
    band = (world.planning.cost_band_min_fen, world.planning.cost_band_max_fen)
    assert band[0] <= report.mean_cost_fen <= band[1]


def test_profile_short_of_dishes_gets_a_week_with_the_rotation_rule_relaxed_and_named(
    world: Settings,
) -> None:
    """A profile whose group asks a pickled staple (one dish in the catalogue) cannot keep
    a staple to 3 days a week: `menu plan` still plans its 7 lunches (exit 0) and names
    `staple_max` with the profile and the days reached; the recount finds that staple 7
    times, 4 over the rule, and nothing else wrong but consecutive days; the panel's week
    grid (the live check's rule functions) names the same rules as the plan."""
    with unit_of_work(world) as s:
        regular = next(
            g
            for g in json.loads(export_table(s, "nutrition-groups", "json"))
            if g["code"] == "regular"
        )
        group = {**regular, "code": "one_staple", "name_zh": "指定主食",
                 "name_en": "One staple", "required_staple_tags": ["pickled"]}  # fmt: skip
        import_table(s, "nutrition-groups", json.dumps([group]).encode(), filename="g.json")
        group_id = s.scalar(select(NutritionGroup.id).where(NutritionGroup.code == "one_staple"))
        s.add(DietProfile(code="one_staple", name_zh="指定主食", name_en="One staple",
                          group_id=group_id, budget_fen=800))  # fmt: skip
        s.flush()
        profile_id = s.scalar(select(DietProfile.id).where(DietProfile.code == "one_staple"))
        site_id = s.scalar(select(Site.id).where(Site.code == "C1"))
        for i in range(7):
            s.add(Headcount(date=MONDAY + dt.timedelta(days=i), service="lunch",
                            site_id=site_id, diet_profile_id=profile_id, count=8))  # fmt: skip
    dishes = _dishes(world)
    pickled = [c for c, d in dishes.items() if d["category"] == "staple" and "pickled" in d["tags"]]
    assert len(pickled) == 1
    result = CliRunner().invoke(main, ["menu", "plan", "--start", MONDAY.isoformat(),
                                       "--days", "7", "--profiles", "one_staple"])  # fmt: skip
    assert result.exit_code == 0, result.output
    named = [line for line in result.output.splitlines() if "staple_max for one_staple" in line]
    assert named and pickled[0] in named[0] and "7 times" in named[0], result.output
    week = [m for m in _show(MONDAY) if m["profile"] == "one_staple"]
    assert len(week) == 7
    report = check_meals(week, dishes, {"one_staple": False})
    assert [(f.key, f.detail) for f in report.findings if f.key != "consecutive"] == [
        ("staple>3", f"{pickled[0]} 7 times in the week of {MONDAY}")
    ]
    # the panel's week grid names the same rotation rules as the plan, with how far
    solver_named = {
        rule
        for line in result.output.splitlines()
        for rule in (*ROTATION_RULES, "food_group_min", "food_group_max")
        if line.startswith(f"- {rule} ") and " for one_staple " in line
    }
    with unit_of_work(world) as s:
        grid = menus.week_grid(s, MONDAY, "lunch", planning=world.planning)
    breaks = [b for (_d, p), c in grid.cells.items() if p == "one_staple" for b in c.breaks]
    breaks += list(grid.week_breaks.get("one_staple", ()))
    assert {b.rule for b in breaks} == solver_named, result.output
    staple = {(b.dish, b.count, b.limit, b.over) for b in breaks if b.rule == "staple_max"}
    assert staple == {(pickled[0], 7, 3, 4)}


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
