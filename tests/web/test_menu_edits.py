"""A dietitian's edits of the weekly menu (issue 13, item 5): the chooser, the live check
(naming every broken rule with the solver's rule ids), save + lock, unlock, re-planning
around locks, `menu show --format json` marking locked meals, and who may do what."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.cli import main
from mealplan.config import PlanningSettings
from mealplan.db.models import (
    AuditEntry,
    DietProfile,
    Dish,
    Headcount,
    Ingredient,
    Menu,
    MenuItem,
    RecipeLine,
)
from mealplan.planning import menus as planning_menus
from mealplan.services import menus, records
from solvers import menu as ms

pytestmark = pytest.mark.db

MONDAY = dt.date(2025, 3, 3)
TUESDAY = MONDAY + dt.timedelta(days=1)

#: (code, name, food group, allergens, halal, vegetarian, kcal, protein, fat, carb, sodium)
INGREDIENTS = (
    ("rice_raw", "大米", "grain", [], True, True, 346, 7.4, 0.8, 77.9, 3.8),
    ("perch_raw", "鲈鱼", "fish", ["fish"], True, False, 105, 18.6, 3.4, 0.0, 144),
    ("pork_raw", "猪瘦肉", "pork", [], False, False, 143, 20.3, 6.2, 1.5, 57),
    ("tofu_raw", "豆腐", "soy", ["soy"], True, True, 82, 8.1, 3.7, 4.2, 7),
    ("greens_raw", "菜心", "vegetable", [], True, True, 28, 2.8, 0.5, 4.0, 26),
    ("egg_raw", "鸡蛋", "egg", ["egg"], True, False, 144, 13.3, 8.8, 2.8, 131),
)
#: (code, name_zh, name_en, category, method, [(ingredient, grams)])
DISHES = (
    ("rice", "米饭", "Steamed rice", "staple", "steam", [("rice_raw", 90)]),
    ("fish", "清蒸鲈鱼", "Steamed perch", "main", "steam", [("perch_raw", 120)]),
    ("pork", "红烧肉", "Braised pork", "main", "braise", [("pork_raw", 100)]),
    ("tofu", "家常豆腐", "Home-style tofu", "main", "braise", [("tofu_raw", 150)]),
    ("greens", "蒜蓉菜心", "Garlic greens", "vegetable", "stir_fry", [("greens_raw", 150)]),
    ("greens2", "白灼菜心", "Blanched greens", "vegetable", "boil", [("greens_raw", 150)]),
    ("soup", "蛋花汤", "Egg drop soup", "soup", "boil", [("egg_raw", 30)]),
)


@pytest.fixture
def week(session: Session, world: Any) -> dict[str, Any]:
    """Dishes with recipes, a third profile without fish, and lunches: regular Monday
    (rice, pork, greens, greens2, soup), regular Tuesday (rice, fish, ...), no_fish
    Monday (rice, tofu, ...); headcounts for the regular profile on every day."""
    ingredients = {}
    for code, name, group, allergens, halal, veg, kcal, prot, fat, carb, na in INGREDIENTS:
        ingredients[code] = Ingredient(
            code=code, name_zh=name, source="custom", food_group=group, allergens=allergens,
            halal=halal, vegetarian=veg, energy_kcal=kcal, protein_g=prot, fat_g=fat,
            carbohydrate_g=carb, sodium_mg=na, price_fen_per_kg=20_000,
        )  # fmt: skip
    session.add_all(ingredients.values())
    session.flush()
    dishes = {}
    for code, zh, en, category, method, lines in DISHES:
        dish = Dish(code=code, name_zh=zh, name_en=en, category=category, cooking_method=method)
        dish.recipe = [
            RecipeLine(position=i, ingredient_id=ingredients[ing].id, grams=grams)
            for i, (ing, grams) in enumerate(lines)
        ]
        dishes[code] = dish
    session.add_all(dishes.values())
    session.flush()
    regular, _low = world["profiles"]
    no_fish = records.create_profile(
        session,
        {"code": "no_fish", "name_zh": "忌鱼", "name_en": "No fish", "group": "regular",
         "exclude_allergens": "fish"},
        actor="test",
    )  # fmt: skip

    def meal(day: dt.date, profile: DietProfile, codes: list[str]) -> None:
        m = Menu(date=day, service="lunch", diet_profile_id=profile.id, cost_fen=600,
                 nutrients={"energy_kcal": 600.0}, shortfalls=[])  # fmt: skip
        m.items = [MenuItem(position=i, dish_id=dishes[c].id) for i, c in enumerate(codes)]
        session.add(m)

    meal(MONDAY, regular, ["rice", "pork", "greens", "greens2", "soup"])
    meal(TUESDAY, regular, ["rice", "fish", "greens", "greens2", "soup"])
    meal(MONDAY, no_fish, ["rice", "tofu", "greens", "greens2", "soup"])
    for i in range(7):
        session.add(Headcount(date=MONDAY + dt.timedelta(days=i), service="lunch",
                              site_id=world["sites"][0].id, diet_profile_id=regular.id,
                              count=20))  # fmt: skip
    session.commit()
    return {"dishes": dishes, "regular": regular, "no_fish": no_fish}


def _meal_url(path: str, day: dt.date, profile: str, dishes: list[str] | None = None) -> str:
    url = f"/menus/meal{path}?date={day.isoformat()}&service=lunch&profile={profile}"
    return url + "".join(f"&dish={d}" for d in dishes or [])


def _stored(session: Session, day: dt.date, profile: str) -> tuple[list[str], bool]:
    session.expire_all()
    menu = session.scalar(
        select(Menu).join(DietProfile).where(Menu.date == day, DietProfile.code == profile)
    )
    assert menu is not None
    return [i.dish.code for i in menu.items], menu.locked


# --------------------------------------------------------------------------- service


def test_chooser_lists_only_dishes_the_exclusion_rules_allow(session: Session, week: Any) -> None:
    """The main-dish chooser of the no-fish profile leaves the fish out (allergen rule)."""
    edit = menus.meal_edit(session, MONDAY, "lunch", "no_fish")
    mains = [c.code for c in edit.choices[edit.categories.index("main")]]
    assert "fish" not in mains and {"pork", "tofu"} <= set(mains)
    regular = menus.meal_edit(session, MONDAY, "lunch", "regular")
    assert "fish" in [c.code for c in regular.choices[1]]


def test_check_names_allergen_and_no_repeat(session: Session, week: Any) -> None:
    """Fish for the no-fish profile breaks `allergen`; Monday's pork again on Tuesday
    breaks `no_repeat` (7-day window) and names Monday."""
    check = menus.check_meal(
        session, MONDAY, "lunch", "no_fish", ["rice", "fish", "greens", "greens2", "soup"]
    )
    assert "allergen" in check.rules and check.level == menus.HARD
    check = menus.check_meal(
        session, TUESDAY, "lunch", "regular", ["rice", "pork", "greens", "greens2", "soup"]
    )
    repeats = [b for b in check.breaks if b.rule == "no_repeat" and b.dish == "pork"]
    assert repeats and repeats[0].other == MONDAY


def test_check_names_cooking_method_and_structure(session: Session, week: Any) -> None:
    """Two braised dishes break `same_cooking_method`; a meal missing the soup slot fits
    no structure (`structure`), through the solver's own rule functions."""
    check = menus.check_meal(
        session, MONDAY, "lunch", "regular", ["rice", "tofu", "greens", "greens2", "soup"]
    )
    assert "same_cooking_method" not in check.rules
    check = menus.check_meal(session, MONDAY, "lunch", "regular", ["rice", "pork", "greens"])
    assert "structure" in check.rules


def test_check_nutrients_match_the_planner_bounds(session: Session, week: Any) -> None:
    """The live check's nutrient reasons are evaluate_meal's over the summed dish facts."""
    check = menus.check_meal(
        session, MONDAY, "lunch", "regular", ["rice", "pork", "greens", "greens2", "soup"]
    )
    profile = week["regular"]
    targets = [t for t in profile.group.targets if t.service == "lunch"]
    again = menus.evaluate_meal(check.nutrients, check.cost_fen, targets, profile)
    assert [r.rule for r in check.reasons] == [r.rule for r in again]


def test_save_locks_and_audits_and_unlock(session: Session, week: Any) -> None:
    """Saving stores the dishes, locks the meal and writes an audit entry; unlocking
    clears the lock (audited too)."""
    check = menus.save_meal(
        session, TUESDAY, "lunch", "regular", ["rice", "tofu", "greens", "greens2", "soup"],
        actor="dietitian",
    )  # fmt: skip
    session.commit()
    assert _stored(session, TUESDAY, "regular") == (
        ["rice", "tofu", "greens", "greens2", "soup"], True,
    )  # fmt: skip
    assert check.cost_fen > 0
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "menu")).one()
    assert entry.actor == "dietitian" and entry.details["locked"] == [False, True]
    assert menus.set_locked(session, TUESDAY, "lunch", "regular", False, actor="dietitian")
    session.commit()
    assert _stored(session, TUESDAY, "regular")[1] is False


def test_save_refuses_an_excluded_dish_and_changes_nothing(session: Session, week: Any) -> None:
    """Fish for the no-fish profile, or a vegetable in the main's place, is refused with
    a clear error; the stored meal stays as it was."""
    with pytest.raises(menus.MenuEditError, match="allergen"):
        menus.save_meal(
            session, MONDAY, "lunch", "no_fish", ["rice", "fish", "greens", "greens2", "soup"],
            actor="x",
        )  # fmt: skip
    with pytest.raises(menus.MenuEditError, match="category"):
        menus.save_meal(
            session, MONDAY, "lunch", "no_fish", ["rice", "greens", "tofu", "greens2", "soup"],
            actor="x",
        )  # fmt: skip
    session.rollback()
    assert _stored(session, MONDAY, "no_fish") == (
        ["rice", "tofu", "greens", "greens2", "soup"], False,
    )  # fmt: skip


def test_replan_keeps_the_locked_meal(
    session: Session, week: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-planning passes the locked meal to the solver as fixed and keeps it as stored;
    the unlocked meal of the same profile is replaced by the plan."""
    menus.save_meal(
        session, TUESDAY, "lunch", "regular", ["rice", "tofu", "greens", "greens2", "soup"],
        actor="dietitian",
    )  # fmt: skip
    session.commit()
    seen: list[ms.MenuProblem] = []

    def fake_solve(problem: ms.MenuProblem, params: ms.MenuParams) -> ms.MenuResult:
        seen.append(problem)
        meals = tuple(
            ms.PlannedMeal(day, "lunch", p.code, "standard",
                           ("rice", "fish", "greens", "greens2", "soup"), {}, 500)
            for day in problem.dates for p in problem.profiles
        )  # fmt: skip
        return ms.MenuResult(status=ms.SolveStatus.OPTIMAL, objective=0.0, bound=0.0, gap=0.0,
                             meals=meals)  # fmt: skip

    monkeypatch.setattr(planning_menus.ms, "solve_menu", fake_solve)
    plan = planning_menus.plan_menus(session, MONDAY, 7, ["lunch"], PlanningSettings())
    session.commit()
    assert seen and seen[0].locked == (
        ms.LockedMeal(TUESDAY, "lunch", "regular", ("rice", "tofu", "greens", "greens2", "soup")),
    )
    assert plan.complete
    assert _stored(session, TUESDAY, "regular") == (
        ["rice", "tofu", "greens", "greens2", "soup"], True,
    )  # fmt: skip
    assert _stored(session, MONDAY, "regular") == (
        ["rice", "fish", "greens", "greens2", "soup"], False,
    )  # fmt: skip


def test_menu_show_json_marks_locked_meals(session: Session, week: Any) -> None:
    """`mealplan menu show --format json` has `locked` true on the locked meal only."""
    menus.set_locked(session, TUESDAY, "lunch", "regular", True, actor="dietitian")
    session.commit()
    result = CliRunner().invoke(
        main, ["menu", "show", "--start", MONDAY.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    locked = {(m["date"], m["profile"]): m["locked"] for m in json.loads(result.output)}
    assert locked == {
        (MONDAY.isoformat(), "regular"): False,
        (TUESDAY.isoformat(), "regular"): True,
        (MONDAY.isoformat(), "no_fish"): False,
    }
    table = CliRunner().invoke(main, ["menu", "show", "--start", MONDAY.isoformat()])
    assert table.output.count("[locked]") == 1


# --------------------------------------------------------------------------- HTTP


def test_live_check_json_names_the_broken_rule(client: FlaskClient, auth: Any, week: Any) -> None:
    """GET /menus/meal/check answers JSON naming `no_repeat` with a sentence (English and
    Chinese)."""
    auth.login_as("manager", language="en")
    url = _meal_url("/check", TUESDAY, "regular", ["rice", "pork", "greens", "greens2", "soup"])
    data = client.get(url).get_json()
    assert "no_repeat" in data["rules"]
    item = next(i for i in data["items"] if i["rule"] == "no_repeat")
    assert "Braised pork" in item["text"] and "2025-03-03" in item["text"]
    auth.logout()
    auth.login_as("manager", language="zh_Hans_CN")
    data = client.get(url).get_json()
    item = next(i for i in data["items"] if i["rule"] == "no_repeat")
    assert "红烧肉" in item["text"] and "不重复" in item["text"]


def test_live_check_bad_dish_is_a_400_not_a_500(client: FlaskClient, auth: Any, week: Any) -> None:
    """An unknown dish code gets a JSON error naming it."""
    auth.login_as("manager", language="en")
    response = client.get(_meal_url("/check", TUESDAY, "regular", ["rice", "nope"]))
    assert response.status_code == 400 and "nope" in response.get_json()["error"]


def test_edit_page_save_lock_and_unlock(
    client: FlaskClient, auth: Any, week: Any, session: Session
) -> None:
    """The editor shows a chooser per dish and the live-check script; saving locks the
    meal (the grid marks it), unlocking clears it."""
    auth.login_as("manager", language="en")
    page = client.get(_meal_url("", TUESDAY, "regular")).get_data(as_text=True)
    assert page.count('name="dish"') == 5 and "menu_edit.js" in page
    assert "<script>" not in page  # CSP: no inline script
    assert 'data-kcal="{n} kcal"' in page and " kcal</div>" in page
    auth.logout()
    auth.login_as("manager")
    zh = client.get(_meal_url("", TUESDAY, "regular")).get_data(as_text=True)
    assert 'data-kcal="{n} 千卡"' in zh and " 千卡</div>" in zh and "kcal<" not in zh
    auth.logout()
    auth.login_as("manager", language="en")
    response = client.post(
        _meal_url("", TUESDAY, "regular"),
        data={"dish": ["rice", "tofu", "greens", "greens2", "soup"]},
    )
    assert response.status_code == 302
    assert _stored(session, TUESDAY, "regular") == (
        ["rice", "tofu", "greens", "greens2", "soup"], True,
    )  # fmt: skip
    grid = client.get(f"/menus/?week={MONDAY.isoformat()}").get_data(as_text=True)
    assert grid.count('data-locked="1"') == 1 and "Swap a dish" in grid
    assert client.post(_meal_url("/unlock", TUESDAY, "regular")).status_code == 302
    assert _stored(session, TUESDAY, "regular")[1] is False


def test_refused_save_is_flashed_in_chinese(
    client: FlaskClient, auth: Any, week: Any, session: Session
) -> None:
    """A refused edit redirects back with a Chinese message; nothing is stored."""
    auth.login_as("manager", language="zh_Hans_CN")
    response = client.post(
        _meal_url("", MONDAY, "no_fish"),
        data={"dish": ["rice", "fish", "greens", "greens2", "soup"]},
        follow_redirects=True,
    )
    assert "未保存" in response.get_data(as_text=True)
    assert _stored(session, MONDAY, "no_fish")[1] is False


def test_site_staff_reads_the_menu_but_cannot_swap(
    client: FlaskClient, auth: Any, week: Any, session: Session
) -> None:
    """Canteen staff see the week's menu (no swap link) but get 403 on the editor, the
    live check, saving and unlocking."""
    auth.login_as("site_staff", site="S1", language="en")
    grid = client.get(f"/menus/?week={MONDAY.isoformat()}")
    assert grid.status_code == 200 and "Swap a dish" not in grid.get_data(as_text=True)
    assert client.get(_meal_url("", TUESDAY, "regular")).status_code == 403
    assert client.get(_meal_url("/check", TUESDAY, "regular", ["rice"])).status_code == 403
    post = client.post(_meal_url("", TUESDAY, "regular"), data={"dish": ["rice"]})
    assert post.status_code == 403
    assert client.post(_meal_url("/lock", TUESDAY, "regular")).status_code == 403
    assert _stored(session, TUESDAY, "regular")[1] is False


def test_check_names_rotation_rules(
    session: Session, week: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the profile's rotation rules (soup and main protein at most once a week, no
    dish on consecutive days), the check names `soup_max`, `protein_max` and
    `no_consecutive` with the counts, from the solver's rule helpers."""
    plain = menus.solver_profile

    def with_rotation(*args: Any, **kwargs: Any) -> ms.DietProfile:
        rotation = ms.RotationRules(soup_max=1, protein_max=1)
        return replace(plain(*args, **kwargs), rotation=rotation)

    monkeypatch.setattr(menus, "solver_profile", with_rotation)
    check = menus.check_meal(
        session, TUESDAY, "lunch", "regular", ["rice", "pork", "greens", "greens2", "soup"]
    )
    by_rule = {(b.rule, b.dish): b for b in check.breaks}
    assert (by_rule[("soup_max", "soup")].count, by_rule[("soup_max", "soup")].limit) == (2, 1)
    assert by_rule[("protein_max", "pork")].count == 2
    assert by_rule[("no_consecutive", "rice")].other == MONDAY
    fish = menus.check_meal(
        session, TUESDAY, "lunch", "regular", ["rice", "fish", "greens", "greens2", "soup"]
    )
    assert "protein_max" not in fish.rules


def test_check_uses_the_kitchens_stored_structures(session: Session, week: Any) -> None:
    """With the kitchen's 一荤两素一饭一汤 stored (meat, fish or egg in the main), tofu as
    the regular profile's main breaks `structure`; pork does not."""
    from mealplan.io.importing import import_table

    csv = (
        "code,name_zh,diet,staple,main,vegetable,soup,main_food_groups\n"
        "std,一荤两素一饭一汤,non_vegetarian,1,1,2,1,pork;poultry;fish;egg\n"
    )
    import_table(session, "meal-structures", csv.encode(), filename="s.csv")
    tofu = menus.check_meal(
        session, MONDAY, "lunch", "regular", ["rice", "tofu", "greens", "greens2", "soup"]
    )
    pork = menus.check_meal(
        session, MONDAY, "lunch", "regular", ["rice", "pork", "greens", "greens2", "soup"]
    )
    assert "structure" in tofu.rules and "structure" not in pork.rules
