"""The menu use case and commands over the shipped catalogue: plan, store, show, explain."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.catalogue import load_catalogue
from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.models import (
    DietProfile,
    Headcount,
    Kitchen,
    Menu,
    NutrientTarget,
    NutritionGroup,
    Site,
)
from mealplan.db.session import unit_of_work
from mealplan.domain.food import percent_energy
from mealplan.planning.menus import plan_menus

pytestmark = [pytest.mark.db, pytest.mark.slow]

MONDAY = dt.date(2026, 11, 30)


@pytest.fixture
def world(settings: Settings) -> Iterator[Settings]:
    """The real catalogue, two profiles (regular, low_sodium) and a canteen's headcounts."""
    with unit_of_work(settings) as s:
        load_catalogue(s)
        groups = {g.code: g.id for g in s.scalars(select(NutritionGroup))}
        s.add_all(
            [
                DietProfile(code="regular", name_zh="普通", name_en="Regular",
                            group_id=groups["regular"], budget_fen=800),
                DietProfile(code="low_sodium", name_zh="低盐", name_en="Low sodium",
                            group_id=groups["low_sodium"], budget_fen=800),
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
        for i in range(7):
            for code, n in (("regular", 60), ("low_sodium", 20)):
                s.add(Headcount(date=MONDAY + dt.timedelta(days=i), service="lunch",
                                site_id=site.id, diet_profile_id=profiles[code], count=n))  # fmt: skip
    yield settings


def _dishes(session: Session) -> dict[str, dict[str, object]]:
    from mealplan.io.exporting import export_table

    return {d["code"]: d for d in json.loads(export_table(session, "dishes", "json"))}


def test_planned_week_meets_every_hard_rule(world: Settings) -> None:
    """Every stored meal keeps its profile's hard rules, recomputed from the dish export."""
    with unit_of_work(world) as s:
        plan = plan_menus(s, MONDAY, 7, ["lunch"], world.planning)
        assert plan.complete, plan.warnings
    result = CliRunner().invoke(main, ["menu", "show", "--start", MONDAY.isoformat(),
                                       "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    meals = json.loads(result.output)
    assert len(meals) == 14
    with unit_of_work(world) as s:
        dishes = _dishes(s)
    seen: dict[str, list[tuple[dt.date, str]]] = {}
    for meal in meals:
        assert set(meal) == {"date", "service", "profile", "dishes", "nutrients", "cost_fen",
                             "shortfalls", "locked"}  # fmt: skip
        total = {k: sum(dishes[d]["nutrients"][k] or 0 for d in meal["dishes"])  # type: ignore[index]
                 for k in meal["nutrients"]}  # fmt: skip
        for k, v in total.items():
            assert meal["nutrients"][k] == pytest.approx(v, rel=1e-3, abs=1e-2)
        cost = sum(dishes[d]["cost_fen"] for d in meal["dishes"])  # type: ignore[misc]
        assert cost <= 800  # hard budget
        if meal["profile"] == "low_sodium":
            assert total["sodium_mg"] <= 500 + 1e-6  # the hard sodium cap
            assert not any(set(dishes[d]["tags"]) & {"pickled"} for d in meal["dishes"])  # type: ignore[arg-type]
        for d in meal["dishes"]:
            assert dishes[d]["iddsi_level"] == 7 or "texture_modified" not in dishes[d]["tags"]  # type: ignore[operator]
            if dishes[d]["category"] in ("main", "side", "vegetable"):
                seen.setdefault(meal["profile"] + d, []).append(
                    (dt.date.fromisoformat(meal["date"]), d)
                )
        # every soft miss is listed, and a listed one really misses its bound
        rules = {r["rule"] for r in meal["shortfalls"]}
        fat = percent_energy(total, "fat_g")
        if fat > 30 + 0.01:
            assert "fat_pct_energy_max" in rules
    for uses in seen.values():
        assert len(uses) == 1, f"repeated within the 7-day window: {uses}"


def test_replanning_replaces_the_week(world: Settings) -> None:
    """Re-planning the same week replaces its menus instead of adding to them."""
    for _ in range(2):
        with unit_of_work(world) as s:
            plan_menus(s, MONDAY, 3, ["lunch"], world.planning)
    with unit_of_work(world) as s:
        assert s.scalar(select(func.count()).select_from(Menu)) == 6


def test_impossible_sodium_cap_is_explained_not_a_traceback(world: Settings) -> None:
    """A 50 mg low-sodium cap names the rule and profile; the other profile is planned."""
    with unit_of_work(world) as s:
        target = s.scalar(
            select(NutrientTarget)
            .join(NutritionGroup)
            .where(
                NutritionGroup.code == "low_sodium",
                NutrientTarget.service == "lunch",
                NutrientTarget.nutrient == "sodium_mg",
            )  # fmt: skip
        )
        assert target is not None and target.hard
        target.max_value = 50
    result = CliRunner().invoke(main, ["menu", "plan", "--start", MONDAY.isoformat(),
                                       "--days", "2"])  # fmt: skip
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "sodium_max" in result.output and "low_sodium" in result.output
    with unit_of_work(world) as s:
        stored = s.scalars(select(DietProfile.code).join(Menu)).all()
    assert set(stored) == {"regular"}


def test_menu_print_writes_the_public_menu_and_nutrient_report(
    world: Settings, tmp_path: Path
) -> None:
    """`menu print` writes the canteen's weekly menu and the nutrient report as PDF."""
    with unit_of_work(world) as s:
        plan_menus(s, MONDAY, 7, ["lunch"], world.planning)
    out = tmp_path / "print"
    result = CliRunner().invoke(
        main, ["menu", "print", "--start", MONDAY.isoformat(), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        f"nutrient_report_{MONDAY.isoformat()}_lunch.pdf",
        f"weekly_menu_{MONDAY.isoformat()}_lunch.pdf",
    ]
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out / names[1]), "-"], capture_output=True, text=True,
            check=True,
        ).stdout  # fmt: skip
        assert "米市巷长者食堂" in text
