"""A dietitian's swap that breaks a weekly rule the solver plans with (issue 13, items 1-2),
through HTTP: the live check and, after saving, the week grid name the rule (its id and
how far) in Chinese and English: a staple a 4th time, a soup a 3rd time, a non-vegetarian
main without meat, fish or egg, a dish on consecutive days, a Monday repeat of last
Friday, the week's fish and rice minimums."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mealplan.db.models import DietProfile, Dish, Ingredient, Menu, MenuItem, RecipeLine

pytestmark = pytest.mark.db

MONDAY = dt.date(2025, 3, 3)
LAST_FRIDAY = MONDAY - dt.timedelta(days=3)
DAYS = [MONDAY + dt.timedelta(days=i) for i in range(7)]
MON, TUE, WED, THU, FRI, SAT, SUN = DAYS

#: (code, food group, allergens)
INGREDIENTS = (
    ("rice_raw", "grain", []),
    ("flour_raw", "grain", ["gluten"]),
    ("perch_raw", "fish", ["fish"]),
    ("pork_raw", "pork", []),
    ("chicken_raw", "poultry", []),
    ("beef_raw", "beef", []),
    ("mutton_raw", "mutton", []),
    ("tofu_raw", "soy", ["soy"]),
    ("egg_raw", "egg", ["egg"]),
    ("greens_raw", "vegetable", []),
)
#: (code, name_zh, name_en, category, method, ingredient, tags)
DISHES = [
    ("rice", "米饭", "Steamed rice", "staple", "steam", "rice_raw", ["rice"]),
    ("grain_rice", "杂粮饭", "Mixed-grain rice", "staple", "steam", "rice_raw", ["rice"]),
    ("bun", "馒头", "Steamed bun", "staple", "steam", "flour_raw", []),
    ("roll", "花卷", "Flower roll", "staple", "steam", "flour_raw", []),
    ("noodles", "面条", "Noodles", "staple", "boil", "flour_raw", []),
    ("pork", "红烧肉", "Braised pork", "main", "braise", "pork_raw", []),
    ("chicken", "白切鸡", "Poached chicken", "main", "braise", "chicken_raw", []),
    ("duck", "酱鸭", "Braised duck", "main", "braise", "chicken_raw", []),
    ("fish", "清蒸鲈鱼", "Steamed perch", "main", "braise", "perch_raw", []),
    ("fish2", "红烧鲈鱼", "Braised perch", "main", "braise", "perch_raw", []),
    ("egg", "番茄炒蛋", "Tomato and egg", "main", "braise", "egg_raw", []),
    ("beef", "土豆牛肉", "Beef and potato", "main", "braise", "beef_raw", []),
    ("mutton", "萝卜羊肉", "Mutton and radish", "main", "braise", "mutton_raw", []),
    ("tofu", "家常豆腐", "Home-style tofu", "main", "braise", "tofu_raw", []),
    *[(f"soup{c}", f"汤{c}", f"Soup {c}", "soup", "boil", "greens_raw", []) for c in "ABCDE"],
    *[
        (
            f"v{i}",
            f"青菜{i}",
            f"Greens {i}",
            "vegetable",
            "stir_fry" if i % 2 else "boil",
            "greens_raw",
            [],
        )
        for i in range(1, 17)
    ],  # fmt: skip
]
#: A week inside every weekly rule: rice on Mon, Wed, Fri (3 times) and mixed-grain rice on
#: Sat (rice 4 days), no staple or soup on consecutive days, soups at most twice, fish on
#: Wed and Fri, no main protein more than twice; last Friday's meal is all different from
#: Monday's.
WEEK = {
    LAST_FRIDAY: ["bun", "beef", "v15", "v16", "soupC"],
    MON: ["rice", "pork", "v1", "v2", "soupA"],
    TUE: ["bun", "chicken", "v3", "v4", "soupB"],
    WED: ["rice", "fish", "v5", "v6", "soupA"],
    THU: ["noodles", "egg", "v7", "v8", "soupB"],
    FRI: ["rice", "fish2", "v9", "v10", "soupC"],
    SAT: ["grain_rice", "duck", "v11", "v12", "soupD"],
    SUN: ["bun", "mutton", "v13", "v14", "soupE"],
}
WEEKLY_RULES = (
    "no_repeat", "no_repeat_history", "staple_max", "soup_max", "dish_max", "protein_max",
    "no_consecutive", "rice_min", "food_group_min", "food_group_max", "structure",
)  # fmt: skip


@pytest.fixture
def week(session: Session, world: Any) -> DietProfile:
    """The dishes with recipes and the regular profile's stored lunches of ``WEEK``."""
    ingredients = {}
    for code, group, allergens in INGREDIENTS:
        ingredients[code] = Ingredient(
            code=code, name_zh=code, source="custom", food_group=group, allergens=allergens,
            halal=group != "pork", vegetarian=group in ("grain", "soy", "vegetable"),
            energy_kcal=150, protein_g=8, fat_g=4, carbohydrate_g=20, sodium_mg=100,
            price_fen_per_kg=10_000,
        )  # fmt: skip
    session.add_all(ingredients.values())
    session.flush()
    dishes = {}
    for code, zh, en, category, method, ingredient, tags in DISHES:
        dishes[code] = Dish(code=code, name_zh=zh, name_en=en, category=category,
                            cooking_method=method, tags=tags)  # fmt: skip
        dishes[code].recipe = [
            RecipeLine(position=0, ingredient_id=ingredients[ingredient].id, grams=120)
        ]
    session.add_all(dishes.values())
    session.flush()
    regular = world["profiles"][0]
    for day, codes in WEEK.items():
        menu = Menu(date=day, service="lunch", diet_profile_id=regular.id, cost_fen=600,
                    nutrients={"energy_kcal": 600.0}, shortfalls=[])  # fmt: skip
        menu.items = [MenuItem(position=i, dish_id=dishes[c].id) for i, c in enumerate(codes)]
        session.add(menu)
    session.commit()
    return regular


def _url(path: str, day: dt.date, dishes: list[str] | None = None) -> str:
    url = f"/menus/meal{path}?date={day.isoformat()}&service=lunch&profile=regular"
    return url + "".join(f"&dish={d}" for d in dishes or [])


def _swap(day: dt.date, **changes: str) -> list[str]:
    """The stored meal of ``day`` with dishes replaced (old code -> new code)."""
    return [changes.get(code, code) for code in WEEK[day]]


def _save(client: FlaskClient, day: dt.date, dishes: list[str]) -> None:
    response = client.post(_url("", day), data={"dish": dishes})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _grid(client: FlaskClient) -> str:
    return client.get(f"/menus/?week={MONDAY.isoformat()}&service=lunch").get_data(as_text=True)


def _cell(html: str, day: dt.date) -> str:
    match = re.search(
        rf'<div class="meal \w+" data-day="{day.isoformat()}" data-profile="regular".*?</td>',
        html,
        re.S,
    )
    assert match, day
    return match.group(0)


def _rules(html: str) -> set[str]:
    return set(re.findall(r'data-rule="(\w+)"', html)) & set(WEEKLY_RULES)


def _text(html: str, rule: str) -> list[str]:
    """The visible texts of the grid items of ``rule`` (tags stripped)."""
    items = re.findall(rf'<li class="\w+" data-rule="{rule}">(.*?)</li>', html, re.S)
    return [
        html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", i))).strip() for i in items
    ]


def test_a_week_inside_the_rules_shows_no_break(client: FlaskClient, auth: Any, week: Any) -> None:
    """The fixture's week breaks none of the weekly rules: the grid names none."""
    auth.login_as("manager", language="en")
    assert _rules(_grid(client)) == set()


def test_fourth_staple_is_named_in_the_live_check_and_the_grid(
    client: FlaskClient, auth: Any, week: Any
) -> None:
    """Rice on Sunday too is its 4th day (Mon, Wed, Fri, Sun; at most 3): the live check
    answers `staple_max` 4/3; after saving, Sunday's cell and the other rice days name it
    with the rule id and '1 too many', in English and Chinese."""
    auth.login_as("manager", language="en")
    dishes = _swap(SUN, bun="rice")
    data = client.get(_url("/check", SUN, dishes)).get_json()
    assert "staple_max" in data["rules"]
    item = next(i for i in data["items"] if i["rule"] == "staple_max")
    assert item["text"] == "Steamed rice is served 4 times in the week (at most 3), 1 too many"
    assert item["level"] == "soft" and item["over"] == 1
    _save(client, SUN, dishes)
    html = _grid(client)
    sunday = _cell(html, SUN)
    assert _rules(sunday) == {"staple_max"}
    assert _text(sunday, "staple_max") == [
        "staple_max Steamed rice is served 4 times in the week (at most 3), 1 too many"
    ]
    for day in (MON, WED, FRI):
        assert "staple_max" in _rules(_cell(html, day))
    assert _rules(_cell(html, TUE)) == set()
    auth.logout()
    auth.login_as("manager", language="zh_Hans_CN")
    sunday = _cell(_grid(client), SUN)
    assert _text(sunday, "staple_max") == ["staple_max 米饭 本周供应 4 次（最多 3 次），多 1"]


def test_third_soup_is_named(client: FlaskClient, auth: Any, week: Any) -> None:
    """Soup A on Friday as well as Monday and Wednesday: `soup_max` 3/2 in the grid."""
    auth.login_as("manager", language="en")
    _save(client, FRI, _swap(FRI, soupC="soupA"))
    friday = _cell(_grid(client), FRI)
    assert _rules(friday) == {"soup_max"}
    assert _text(friday, "soup_max") == [
        "soup_max Soup A is served 3 times in the week (at most 2), 1 too many"
    ]


def test_meatless_main_for_a_non_vegetarian_profile_is_named(
    client: FlaskClient, auth: Any, week: Any
) -> None:
    """Tofu as the regular lunch's main fits no structure: the shipped 一荤两素一饭一汤
    asks meat, poultry, fish, shellfish or egg in the main (`structure`, a hard rule);
    the swap is stored (not an exclusion) and the grid names it."""
    auth.login_as("manager", language="zh_Hans_CN")
    dishes = _swap(TUE, chicken="tofu")
    data = client.get(_url("/check", TUE, dishes)).get_json()
    assert "structure" in data["rules"] and data["level"] == "hard"
    _save(client, TUE, dishes)
    tuesday = _cell(_grid(client), TUE)
    assert "structure" in _rules(tuesday)
    assert _text(tuesday, "structure") == [
        "structure 这一餐不符合此膳食类型的任何餐标结构 （硬性限制）"
    ]


def test_same_staple_on_consecutive_days_is_named(
    client: FlaskClient, auth: Any, week: Any
) -> None:
    """Rice on Tuesday after Monday's rice: `no_consecutive` naming Monday (and Monday's
    cell names Tuesday), besides rice's 4th day."""
    auth.login_as("manager", language="en")
    _save(client, TUE, _swap(TUE, bun="rice"))
    html = _grid(client)
    assert _text(_cell(html, TUE), "no_consecutive") == [
        "no_consecutive Steamed rice is also served on 2025-03-03, the day next to it"
    ]
    assert "2025-03-04" in _text(_cell(html, MON), "no_consecutive")[0]
    assert "staple_max" in _rules(_cell(html, TUE))


def test_monday_repeat_of_last_friday_is_named(client: FlaskClient, auth: Any, week: Any) -> None:
    """Last Friday's soup and main again on Monday (no meals at the weekend between, so
    Friday is the served day before): the soup breaks `no_consecutive`, the main
    `no_repeat_history` (last week's menu inside the 7-day window), both naming Friday."""
    auth.login_as("manager", language="en")
    dishes = _swap(MON, soupA="soupC", pork="beef")
    data = client.get(_url("/check", MON, dishes)).get_json()
    assert {"no_consecutive", "no_repeat_history"} <= set(data["rules"])
    _save(client, MON, dishes)
    monday = _cell(_grid(client), MON)
    assert _text(monday, "no_consecutive") == [
        "no_consecutive Soup C is also served on 2025-02-28, the day next to it"
    ]
    assert _text(monday, "no_repeat_history") == [
        "no_repeat_history Beef and potato was also served on 2025-02-28, in the previous "
        "or next week's menu (no-repeat window)"
    ]


def test_week_minimums_are_named_under_the_column(
    client: FlaskClient, auth: Any, week: Any
) -> None:
    """Beef instead of Friday's fish and a flower roll instead of its rice leave the week
    with fish once (at least 2: `food_group_min`) and rice on 3 days (at least 4:
    `rice_min`); the grid's week row names both, with how far, in Chinese."""
    auth.login_as("manager", language="zh_Hans_CN")
    _save(client, FRI, _swap(FRI, fish2="beef", rice="roll"))
    html = _grid(client)
    row = html[html.index('id="week-rules"') :]
    assert _text(row, "food_group_min") == ["food_group_min 本周仅 1 餐含鱼类（至少 2 餐），少 1"]
    assert _text(row, "rice_min") == ["rice_min 本周仅 3 天有米饭（至少 4 天），少 1"]
    # last Friday's beef is 7 days before: outside the no-repeat window
    assert _rules(_cell(html, FRI)) == set()
