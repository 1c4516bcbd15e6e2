"""The weekly menu grid: compliance colours and reasons on hand-made menus, week
navigation, re-planning as a job, the printable weekly menu and the nutrient report."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import PlanningSettings, Settings
from mealplan.db.models import (
    DietProfile,
    Dish,
    Headcount,
    Menu,
    MenuItem,
    NutrientTarget,
    NutritionGroup,
    PlanRun,
)
from mealplan.planning.menus import solver_profile
from mealplan.services import menus
from solvers import menu as ms
from solvers.menu import rules as ms_rules
from solvers.menu.patterns import MealEvaluator
from web import create_app

pytestmark = pytest.mark.db

MONDAY = dt.date(2025, 3, 3)

# A regular lunch inside every target of the regular group (lunch):
# energy 650 kcal (550-750); protein 25 g (>= 22); fat 18.06 g = 25 %E (20-30);
# carbohydrate 89.4 g = 55 %E (50-65); sodium 700 mg (<= 800); fibre 8 g (>= 7);
# calcium 250 mg (>= 200).
GOOD = {
    "energy_kcal": 650.0,
    "protein_g": 25.0,
    "fat_g": 18.06,
    "carbohydrate_g": 89.4,
    "sodium_mg": 700.0,
    "fibre_g": 8.0,
    "calcium_mg": 250.0,
}


@pytest.fixture
def week(session: Session, world: Any) -> dict[str, Any]:
    """Three hand-made menus: regular Monday within all targets, regular Tuesday with
    fibre 5 g (soft minimum 7 g: 2 g short), low-sodium Monday with sodium 650 mg (hard
    maximum 500 mg: 150 mg over) and a planner-recorded soft shortfall."""
    dishes = [
        Dish(
            code="rice",
            name_zh="米饭",
            name_en="Steamed rice",
            category="staple",
            cooking_method="steam",
        ),
        Dish(
            code="fish",
            name_zh="清蒸鲈鱼",
            name_en="Steamed perch",
            category="main",
            cooking_method="steam",
        ),
        Dish(
            code="greens",
            name_zh="蒜蓉菜心",
            name_en="Garlic greens",
            category="vegetable",
            cooking_method="stir_fry",
        ),
    ]
    session.add_all(dishes)
    session.flush()
    regular, low = world["profiles"]

    def menu(
        day: dt.date,
        profile: DietProfile,
        nutrients: dict[str, float],
        shortfalls: list[dict[str, Any]] | None = None,
    ) -> Menu:
        m = Menu(
            date=day,
            service="lunch",
            diet_profile_id=profile.id,
            cost_fen=650,
            nutrients=nutrients,
            shortfalls=shortfalls or [],
        )
        m.items = [MenuItem(position=i, dish_id=d.id) for i, d in enumerate(dishes)]
        session.add(m)
        return m

    menu(MONDAY, regular, GOOD)
    menu(
        MONDAY + dt.timedelta(days=1),
        regular,
        {**GOOD, "fibre_g": 5.0},
        [{"rule": "fibre_min", "amount": 2.0}],
    )
    menu(MONDAY, low, {**GOOD, "sodium_mg": 650.0}, [{"rule": "calcium_min", "amount": 12.5}])
    session.add(
        Headcount(
            date=MONDAY - dt.timedelta(days=7),
            service="lunch",
            site_id=world["sites"][0].id,
            diet_profile_id=regular.id,
            count=9,
        )
    )
    session.commit()
    return {"dishes": dishes}


def _login(client: FlaskClient, auth: Any, role: str = "manager", language: str = "en") -> None:
    auth.login_as(role, language=language)


def _cell(html: str, day: dt.date, profile: str) -> str:
    """The HTML of one meal of the grid (from its div to the end of its table cell)."""
    match = re.search(
        rf'<div class="meal \w+" data-day="{day.isoformat()}" data-profile="{profile}".*?</td>',
        html,
        re.S,
    )
    assert match, (day, profile)
    return match.group(0)


def test_evaluate_meal_levels(session: Session, week: Any) -> None:
    """Green within all targets, amber for a soft miss, red for a hard one, with amounts."""
    grid = menus.week_grid(session, MONDAY, "lunch")
    assert [p.code for p in grid.profiles] == ["low_sodium", "regular"]
    ok = grid.cell(MONDAY, "regular")
    soft = grid.cell(MONDAY + dt.timedelta(days=1), "regular")
    hard = grid.cell(MONDAY, "low_sodium")
    assert ok is not None and ok.level == "ok" and ok.reasons == ()
    assert soft is not None and soft.level == "soft"
    assert [(r.rule, round(r.amount, 3), r.hard) for r in soft.reasons] == [
        ("fibre_min", 2.0, False)
    ]
    assert hard is not None and hard.level == "hard"
    rules = {r.rule: r for r in hard.reasons}
    assert rules["sodium_max"].hard and rules["sodium_max"].amount == pytest.approx(150.0)
    assert rules["sodium_max"].value == 650.0 and rules["sodium_max"].bound == 500.0
    # the planner's recorded calcium shortfall is kept (no current target disagrees)
    assert not rules["calcium_min"].hard and rules["calcium_min"].amount == 12.5
    assert grid.count("ok") == grid.count("soft") == grid.count("hard") == 1


def test_budget_over_a_hard_budget_is_red(session: Session, week: Any, world: Any) -> None:
    """A meal costing 650 fen against a hard 600-fen budget is red: 50 fen over."""
    world["profiles"][0].budget_fen = 600
    session.commit()
    cell = menus.week_grid(session, MONDAY, "lunch").cell(MONDAY, "regular")
    assert cell is not None and cell.level == "hard"
    (reason,) = cell.reasons
    assert (reason.rule, reason.amount, reason.hard) == ("budget", 50, True)


def test_grid_page_colours_and_reasons(client: FlaskClient, auth: Any, week: Any) -> None:
    """The grid shows dishes by name, a colour per meal and each miss in words."""
    _login(client, auth)
    html = client.get(f"/menus/?week={MONDAY.isoformat()}").get_data(as_text=True)
    ok = _cell(html, MONDAY, "regular")
    soft = _cell(html, MONDAY + dt.timedelta(days=1), "regular")
    hard = _cell(html, MONDAY, "low_sodium")
    assert 'class="meal ok"' in ok and "Steamed perch" in ok and "reasons" not in ok
    assert 'class="meal soft"' in soft
    assert "Fibre 5 g is 2 g below the minimum of 7 g" in soft
    assert 'class="meal hard"' in hard
    assert "Sodium 650 mg is 150 mg above the maximum of 500 mg (hard limit)" in hard
    assert "Calcium 12.5 mg short of the minimum" in hard


def test_grid_in_chinese(client: FlaskClient, auth: Any, week: Any) -> None:
    """In Chinese the dishes are the Chinese names and the reasons are Chinese words."""
    _login(client, auth, language="zh_Hans_CN")
    html = client.get(f"/menus/?week={MONDAY.isoformat()}").get_data(as_text=True)
    hard = _cell(html, MONDAY, "low_sodium")
    assert "清蒸鲈鱼" in hard
    assert "钠 650 mg" in hard and "硬性" in hard


def test_week_navigation(client: FlaskClient, auth: Any, week: Any) -> None:
    """Any day of a week shows that week from Monday, with links to the weeks around it."""
    _login(client, auth)
    html = client.get("/menus/?week=2025-03-05").get_data(as_text=True)
    assert "2025-03-03 – 2025-03-09" in html
    assert "week=2025-02-24" in html and "week=2025-03-10" in html
    empty = client.get("/menus/?week=2025-03-10").get_data(as_text=True)
    assert "No menus are stored for this week." in empty


def test_replan_starts_a_menu_job(
    settings: Settings, app_config: dict[str, Any], make_user: Any, week: Any, session: Session
) -> None:
    """Re-plan (manager) queues a `menu plan` job for the week and shows its status page."""
    calls: list[list[str]] = []

    def runner(command: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        calls.append(list(command))

    app = create_app({**app_config, "MEALPLAN_SETTINGS": settings, "JOB_RUNNER": runner})
    client = app.test_client()
    user = make_user("manager", language="en")
    client.post("/login", data={"username": user.username, "password": "correct horse 1"})
    response = client.post("/menus/replan", data={"week": "2025-03-05", "service": "lunch"})
    assert response.status_code == 302 and "/plans/" in response.headers["Location"]
    (command,) = calls
    assert command[3:7] == ["menu", "plan", "--start", "2025-03-03"]
    (run,) = session.scalars(select(PlanRun)).all()
    assert (run.kind, run.date, run.service, run.status) == ("menu", MONDAY, "lunch", "queued")
    again = client.post(
        "/menus/replan", data={"week": "2025-03-03", "service": "lunch"}, follow_redirects=True
    )
    assert "already being planned" in again.get_data(as_text=True)
    assert len(calls) == 1


def test_printable_weekly_menu(client: FlaskClient, auth: Any, week: Any) -> None:
    """The public weekly menu of S1 lists the profiles it serves with the dishes and prices."""
    _login(client, auth, language="zh_Hans_CN")
    html = client.get(f"/menus/print?week={MONDAY.isoformat()}&site=S1").get_data(as_text=True)
    assert "八一社区食堂" in html and "清蒸鲈鱼" in html
    assert "普通" in html and "低盐" not in html  # S1 only served regular meals
    assert "80 岁以上老人" in html
    assert client.get(f"/menus/print?week={MONDAY.isoformat()}&site=NOPE").status_code == 404
    empty = client.get("/menus/print?week=2025-03-10&site=S1")
    assert empty.status_code == 404 and 'id="nothing"' in empty.get_data(as_text=True)


@pytest.mark.slow
def test_weekly_menu_and_nutrient_pdfs(client: FlaskClient, auth: Any, week: Any) -> None:
    """Both documents also come as PDF downloads."""
    _login(client, auth)
    for url in (
        f"/menus/print?week={MONDAY.isoformat()}&site=S1&format=pdf",
        f"/menus/nutrients?week={MONDAY.isoformat()}&format=pdf",
    ):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", url
        assert response.data.startswith(b"%PDF")


def test_nutrient_report(client: FlaskClient, auth: Any, week: Any) -> None:
    """The nutrient report has a section per profile and day plus the week's average."""
    _login(client, auth)
    html = client.get(f"/menus/nutrients?week={MONDAY.isoformat()}").get_data(as_text=True)
    assert html.count("<h3>") == 5  # regular: 2 days + average; low sodium: 1 day + average
    assert "Week average" in html or "week" in html.lower()


def test_viewer_has_no_replan_button(client: FlaskClient, auth: Any, week: Any) -> None:
    """Only managers and admins see the re-plan button."""
    _login(client, auth, role="viewer")
    html = client.get(f"/menus/?week={MONDAY.isoformat()}").get_data(as_text=True)
    assert 'id="replan-form"' not in html and 'id="menu-grid"' in html


# --------------------------------------------------------------------------- one rule set

# A lunch group with hard sodium <= 800 mg, soft fibre >= 7 g, soft fat 20-30 %E, soft
# energy 550-750 kcal; a profile with a hard 700-fen budget (all built in memory).
_TARGETS = (
    ("sodium_mg", None, 800.0, True),
    ("fibre_g", 7.0, None, False),
    ("fat_pct_energy", 20.0, 30.0, False),
    ("energy_kcal", 550.0, 750.0, False),
)


def _orm_profile(budget_hard: bool) -> DietProfile:
    group = NutritionGroup(
        code="g", name_zh="组", name_en="g", excluded_tags=[], required_staple_tags=[]
    )
    group.targets = [
        NutrientTarget(service="lunch", nutrient=k, min_value=lo, max_value=hi, hard=hard)
        for k, lo, hi, hard in _TARGETS
    ]
    return DietProfile(
        code="p",
        name_zh="p",
        name_en="p",
        group=group,
        max_iddsi=7,
        exclude_allergens=[],
        halal=False,
        vegetarian=False,
        budget_fen=700,
        budget_hard=budget_hard,
        no_repeat_days=7,
    )


@pytest.mark.parametrize(
    ("nutrients", "cost_fen", "budget_hard"),
    [
        # within every target: 9 x 20 / 650 = 27.7 %E fat
        ({"energy_kcal": 650, "fat_g": 20, "fibre_g": 8, "sodium_mg": 700}, 650, True),
        # sodium 950 (hard, 150 over), fibre 5 (2 short), fat 9 x 30 / 600 = 45 %E (15 over)
        ({"energy_kcal": 600, "fat_g": 30, "fibre_g": 5, "sodium_mg": 950}, 650, True),
        # energy 400 (150 short), no fat: 0 %E (20 short), 760 fen (60 over a hard budget)
        ({"energy_kcal": 400, "fibre_g": 9, "sodium_mg": 300}, 760, True),
        # the same cost against a soft budget
        ({"energy_kcal": 700, "fat_g": 20, "fibre_g": 7, "sodium_mg": 800}, 760, False),
    ],
)
def test_panel_reasons_equal_the_solver_rules(
    nutrients: dict[str, float], cost_fen: int, budget_hard: bool
) -> None:
    """The panel's reasons for a meal are exactly what the menu solver's meal evaluator
    (the enumeration's per-meal rules, over the planner's view of the profile) reports."""
    orm = _orm_profile(budget_hard)
    planning = PlanningSettings()
    panel = menus.evaluate_meal(
        {k: float(v) for k, v in nutrients.items()},
        cost_fen,
        orm.group.targets,
        orm,
        planning=planning,
    )
    profile = solver_profile(orm, ["lunch"], planning, None)
    # one solver dish carrying the meal's sums and cost, in a one-slot structure
    dish = ms.Dish("meal", "main", cost_fen, {k: float(v) for k, v in nutrients.items()})
    evaluator = MealEvaluator(
        profile, profile.bounds_for("lunch"), profile.budget_fen, 0.0, elastic=True
    )
    pattern = evaluator.evaluate("one", (0,), [dish])
    assert pattern is not None
    solver = {(m.rule, round(m.amount, 6), True) for m in pattern.violations} | {
        (m.rule, round(m.amount, 6), False) for m in pattern.shortfalls
    }
    assert {(r.rule, round(r.amount, 6), r.hard) for r in panel} == solver
    assert all(r.rule in ms_rules.MEAL_RULES for r in panel)
