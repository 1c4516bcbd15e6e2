"""Menu model: one test per rule on tiny hand-computed cases (arithmetic in comments)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pulp
import pytest

from solvers.menu import (
    DietProfile,
    Dish,
    FoodGroupRule,
    MealStructure,
    MenuParams,
    MenuProblem,
    NutrientBound,
    SolveStatus,
    rules,
    solve_menu,
)
from solvers.menu.synthetic import synthetic_problem

D0 = date(2026, 12, 1)
MINI = MealStructure("mini", ("staple", "main"))
TWO = MealStructure("two", ("main", "vegetable"))
PARAMS = MenuParams(time_limit_s=60, seed=1)


def dish(code: str, category: str, cost: int, **kw: object) -> Dish:
    nutrients = {
        k: float(kw.pop(k))  # type: ignore[arg-type]
        for k in list(kw)
        if k.endswith(("_mg", "_g", "_kcal"))
    }
    return Dish(code=code, category=category, cost_fen=cost, nutrients=nutrients, **kw)  # type: ignore[arg-type]


RICE = dish("rice", "staple", 50, sodium_mg=100, energy_kcal=200, carbohydrate_g=45)


def problem(dishes: list[Dish], profile: DietProfile, days: int = 1, **kw: object) -> MenuProblem:
    dates = tuple(D0 + timedelta(days=i) for i in range(days))
    return MenuProblem(tuple(dishes), (profile,), dates, **kw)  # type: ignore[arg-type]


def profile(**kw: object) -> DietProfile:
    kw.setdefault("structures", (MINI,))
    kw.setdefault("no_repeat_days", 0)
    return DietProfile("p", **kw)  # type: ignore[arg-type]


def only_meal(result: object) -> tuple[str, ...]:
    meals = result.meals  # type: ignore[attr-defined]
    assert len(meals) == 1
    return tuple(meals[0].dishes)


def test_sodium_max() -> None:
    """A hard sodium_max excludes the cheaper salty main."""
    # rice 100 + salty 600 = 700 > 500; rice 100 + mild 300 = 400 <= 500
    dishes = [
        RICE,
        dish("salty", "main", 100, sodium_mg=600),
        dish("mild", "main", 200, sodium_mg=300),
    ]
    p = profile(bounds=(NutrientBound("sodium_mg", max=500, hard=True),))
    r = solve_menu(problem(dishes, p), PARAMS)
    assert r.status == SolveStatus.OPTIMAL
    assert only_meal(r) == ("rice", "mild")
    assert r.meals[0].nutrients["sodium_mg"] == 400  # 100 + 300


def test_fat_pct_energy_max() -> None:
    """A hard ratio bound is computed exactly from the meal's sums."""
    # fatty: 300 kcal with 20 g fat; meal 200 + 300 = 500 kcal, fat 9*20 = 180 kcal = 36 % > 30
    # lean: 300 kcal with 10 g fat; 9*10 = 90 kcal of 500 = 18 % <= 30
    dishes = [
        RICE,
        dish("fatty", "main", 100, energy_kcal=300, fat_g=20),
        dish("lean", "main", 150, energy_kcal=300, fat_g=10),
    ]
    p = profile(bounds=(NutrientBound("fat_pct_energy", max=30, hard=True),))
    assert only_meal(solve_menu(problem(dishes, p), PARAMS)) == ("rice", "lean")


def test_budget_soft_shortfall() -> None:
    """A soft budget is exceeded at a penalty and reported as a budget shortfall."""
    # cheapest meal 50 + 280 = 330 fen > 300: 30 fen over
    dishes = [RICE, dish("pork", "main", 280)]
    p = profile(budget_fen=300)
    r = solve_menu(problem(dishes, p), PARAMS)
    assert r.is_feasible()
    (short,) = r.meals[0].shortfalls
    assert (short.rule, short.amount, short.bound) == ("budget", 30.0, 300.0)


def test_budget_hard_infeasible() -> None:
    """A hard budget below the cheapest meal is explained with the cost it would need."""
    # cheapest meal 50 + 280 = 330 fen; budget 300
    dishes = [RICE, dish("pork", "main", 280)]
    p = profile(budget_fen=300, budget_hard=True)
    r = solve_menu(problem(dishes, p), PARAMS)
    assert r.status == SolveStatus.INFEASIBLE
    (e,) = r.explanations
    assert (e.rule, e.profile, e.service, e.needed, e.bound) == ("budget", "p", "lunch", 330, 300)


def test_no_repeat() -> None:
    """A dish is not served twice within the no-repeat window."""
    # two days; cheap main a (100) can be used once only, so day 2 gets b (200)
    dishes = [RICE, dish("a", "main", 100), dish("b", "main", 200)]
    r = solve_menu(problem(dishes, profile(no_repeat_days=2), days=2), PARAMS)
    assert sorted(m.dishes[1] for m in r.meals) == ["a", "b"]
    # without the rule: 2 x (50 + 100) = 300
    r0 = solve_menu(problem(dishes, profile(no_repeat_days=0), days=2), PARAMS)
    assert [m.dishes[1] for m in r0.meals] == ["a", "a"]
    assert r0.objective == pytest.approx(300)


def test_food_group_max() -> None:
    """Pork appears in at most the allowed number of meals per week."""
    # three days, pork main 100 < fish main 300; pork <= 1 -> 1 pork + 2 fish
    dishes = [
        RICE,
        dish("pork", "main", 100, food_groups=frozenset({"pork"})),
        dish("fish", "main", 300, food_groups=frozenset({"fish"})),
    ]
    p = profile(food_group_rules=(FoodGroupRule("pork", max=1),))
    r = solve_menu(problem(dishes, p, days=3), PARAMS)
    assert sorted(m.dishes[1] for m in r.meals) == ["fish", "fish", "pork"]


def test_food_group_min() -> None:
    """Fish appears in at least the required number of meals per week."""
    # three days, fish >= 2 -> 2 fish + 1 pork: 3 x 50 + 2 x 300 + 100 = 850
    dishes = [
        RICE,
        dish("pork", "main", 100, food_groups=frozenset({"pork"})),
        dish("fish", "main", 300, food_groups=frozenset({"fish"})),
    ]
    p = profile(food_group_rules=(FoodGroupRule("fish", min=2, period_days=3),))
    r = solve_menu(problem(dishes, p, days=3), PARAMS)
    assert sorted(m.dishes[1] for m in r.meals) == ["fish", "fish", "pork"]
    assert r.objective == pytest.approx(850)


def test_food_group_soft_shortfall_reported() -> None:
    """A soft food-group minimum missed is priced and reported with the count reached."""
    # fish >= 2 soft at 100 fen per missing meal; fish costs 300 - 100 = 200 more than pork
    # so both days take pork: 2 x 150 + 2 x 100 penalty = 500
    dishes = [
        RICE,
        dish("pork", "main", 100, food_groups=frozenset({"pork"})),
        dish("fish", "main", 300, food_groups=frozenset({"fish"})),
    ]
    rule = FoodGroupRule("fish", min=2, hard=False, weight=100, period_days=2)
    r = solve_menu(problem(dishes, profile(food_group_rules=(rule,)), days=2), PARAMS)
    assert r.objective == pytest.approx(500)
    (e,) = r.explanations
    assert (e.rule, e.needed, e.bound) == ("food_group_min", 0, 2)


def test_same_cooking_method() -> None:
    """Two dishes of a meal do not share a cooking method (when the rule is on)."""
    # stir-fried main + stir-fried greens (100 + 50) is cheaper than + boiled greens (100 + 80)
    dishes = [
        dish("chicken", "main", 100, cooking_method="stir_fry"),
        dish("greens", "vegetable", 50, cooking_method="stir_fry"),
        dish("boiled", "vegetable", 80, cooking_method="boil"),
    ]
    on = profile(structures=(TWO,))
    assert only_meal(solve_menu(problem(dishes, on), PARAMS)) == ("chicken", "boiled")
    off = profile(structures=(TWO,), distinct_method_categories=frozenset())
    assert only_meal(solve_menu(problem(dishes, off), PARAMS)) == ("chicken", "greens")


@pytest.mark.parametrize(
    ("rule", "cheap", "kw"),
    [
        (
            "allergen",
            {"allergens": frozenset({"fish"})},
            {"excluded_allergens": frozenset({"fish"})},
        ),
        ("halal", {"halal": False}, {"halal": True}),
        ("vegetarian", {"vegetarian": False}, {"vegetarian": True}),
        ("texture", {"iddsi_level": 7}, {"max_iddsi": 5}),
        (
            "excluded_tag",
            {"tags": frozenset({"pickled"})},
            {"excluded_tags": frozenset({"pickled"})},
        ),
    ],
)
def test_exclusions(rule: str, cheap: dict[str, object], kw: dict[str, object]) -> None:
    """Each exclusion rule removes the cheaper main the profile must not get."""
    # cheap (100) is excluded by the rule, so the profile pays for safe (200)
    safe = dish("safe", "main", 200, halal=True, vegetarian=True, iddsi_level=5)
    rice = dataclasses.replace(RICE, halal=True, vegetarian=True, iddsi_level=5)
    bad = dish(
        "cheap", "main", 100, **{"halal": True, "vegetarian": True, "iddsi_level": 5, **cheap}
    )
    r = solve_menu(problem([rice, bad, safe], profile(**kw)), PARAMS)
    assert only_meal(r) == ("rice", "safe"), rule


def test_required_tag() -> None:
    """A required tag for a category keeps only staples that carry it."""
    # white rice (50) lacks whole_grain; brown rice (80) has it
    brown = dish("brown", "staple", 80, tags=frozenset({"whole_grain"}))
    p = profile(required_tags={"staple": frozenset({"whole_grain", "low_gi"})})
    r = solve_menu(problem([RICE, brown, dish("a", "main", 100)], p), PARAMS)
    assert only_meal(r) == ("brown", "a")


def test_soft_bound_shortfall() -> None:
    """A soft protein minimum missed is reported per meal with the amount short."""
    # rice 5 g + main 20 g = 25 g < 30 g: 5 g short
    dishes = [
        dataclasses.replace(RICE, nutrients={"protein_g": 5.0}),
        dish("a", "main", 100, protein_g=20),
    ]
    p = profile(bounds=(NutrientBound("protein_g", min=30, weight=2),))
    r = solve_menu(problem(dishes, p), PARAMS)
    (s,) = r.meals[0].shortfalls
    assert (s.rule, s.amount, s.value, s.bound) == ("protein_min", 5.0, 25.0, 30.0)
    # penalty 2 fen per % of 30 g: 2 x 100 x 5 / 30 = 33.3; cost 150
    assert r.objective == pytest.approx(150 + 100 / 3)


def test_infeasible_sodium_names_rule_and_relaxation() -> None:
    """An impossible hard sodium cap is explained with the smallest cap that would work."""
    # lowest meal: rice 100 + mild 212 = 312 mg > 50 mg
    dishes = [
        RICE,
        dish("mild", "main", 200, sodium_mg=212),
        dish("salty", "main", 100, sodium_mg=600),
    ]
    p = profile(bounds=(NutrientBound("sodium_mg", max=50, hard=True),))
    r = solve_menu(problem(dishes, p), PARAMS)
    assert r.status == SolveStatus.INFEASIBLE and not r.is_feasible()
    (e,) = r.explanations
    assert (e.rule, e.profile, e.service, e.needed, e.bound) == (
        "sodium_max",
        "p",
        "lunch",
        312,
        50,
    )
    assert "needs >= 312" in e.message


def test_infeasible_combined_bounds_closest_meal() -> None:
    """Bounds that hold alone but not together are explained by the closest meal's misses."""
    # salty main: protein 30 g, sodium 600; mild main: protein 10 g, sodium 200
    # protein >= 25 needs salty (100 + 600 = 700 mg > 500); sodium <= 500 needs mild (10 g)
    dishes = [
        RICE,
        dish("salty", "main", 100, sodium_mg=600, protein_g=30),
        dish("mild", "main", 100, sodium_mg=200, protein_g=10),
    ]
    p = profile(
        bounds=(
            NutrientBound("sodium_mg", max=500, hard=True),
            NutrientBound("protein_g", min=25, hard=True),
        )
    )
    r = solve_menu(problem(dishes, p), PARAMS)
    assert r.status == SolveStatus.INFEASIBLE
    (e,) = r.explanations
    assert e.rule in {"sodium_max", "protein_min"} and e.profile == "p"
    assert "closest meal" in e.message


def test_infeasible_empty_category_names_filters() -> None:
    """No allowed main is reported with the filters that removed them."""
    dishes = [
        dataclasses.replace(RICE, halal=True, vegetarian=True, iddsi_level=4),
        dish("tofu", "main", 100, vegetarian=True, halal=True, iddsi_level=7),
        dish("lamb", "main", 100, halal=True, iddsi_level=4),
    ]
    p = profile(halal=True, vegetarian=True, max_iddsi=4)
    r = solve_menu(problem(dishes, p), PARAMS)
    (e,) = r.explanations
    assert e.rule == "texture" and e.profile == "p" and e.service == "lunch"
    assert "main" in e.message and "iddsi<=4 leaves 0" in e.message


def test_infeasible_no_repeat_precheck() -> None:
    """Too few dishes for the no-repeat window names the window that would fit."""
    # 3 days x 1 main, 2 mains allowed -> a 2-day window fits
    dishes = [RICE, dish("a", "main", 100), dish("b", "main", 100)]
    r = solve_menu(problem(dishes, profile(no_repeat_days=3), days=3), PARAMS)
    (e,) = r.explanations
    assert (e.rule, e.profile, e.date, e.needed, e.bound) == ("no_repeat", "p", D0, 2, 3)


def test_infeasible_linking_rows_elastic() -> None:
    """An infeasible MIP is explained by the elastic pass naming the blocking row."""
    # fish >= 2 in 3 days but the only fish main may be served once (no-repeat 3 days)
    dishes = [
        RICE,
        dish("fish", "main", 300, food_groups=frozenset({"fish"})),
        dish("pork1", "main", 100, food_groups=frozenset({"pork"})),
        dish("pork2", "main", 100, food_groups=frozenset({"pork"})),
    ]
    p = profile(no_repeat_days=3, food_group_rules=(FoodGroupRule("fish", min=2, period_days=3),))
    r = solve_menu(problem(dishes, p, days=3), PARAMS)
    assert r.status == SolveStatus.INFEASIBLE
    (e,) = r.explanations
    assert e.rule in {"no_repeat", "food_group_min"} and e.profile == "p" and e.date == D0


def test_share_reward_links_profiles() -> None:
    """A sharing reward makes two profiles share a dish when it costs less than the reward."""
    # p1 may have a (100) or b (105); p2 (fish allergy) only b. Reward 10 > 5 extra -> p1 gets b
    dishes = [RICE, dish("a", "main", 100, allergens=frozenset({"fish"})), dish("b", "main", 105)]
    p1 = profile()
    p2 = dataclasses.replace(p1, code="q", excluded_allergens=frozenset({"fish"}))
    base = MenuProblem(tuple(dishes), (p1, p2), (D0,))
    assert solve_menu(base, PARAMS).meal(D0, "lunch", "p").dishes == ("rice", "a")
    shared = dataclasses.replace(base, share_reward_fen=10.0)
    r = solve_menu(shared, PARAMS)
    assert r.meal(D0, "lunch", "p").dishes == ("rice", "b")
    # rice and b are shared once each: 155 + 155 - 2 x 10 = 290
    assert r.objective == pytest.approx(290)


def test_headcount_weights_cost() -> None:
    """Headcount multiplies the profile's cost in the objective."""
    # (50 + 100) x 40 = 6000
    r = solve_menu(problem([RICE, dish("a", "main", 100)], profile(headcount=40)), PARAMS)
    assert r.objective == pytest.approx(6000)


def test_cbc_backend() -> None:
    """The CBC backend solves the same case to the same optimum."""
    dishes = [RICE, dish("a", "main", 100), dish("b", "main", 200)]
    r = solve_menu(problem(dishes, profile(no_repeat_days=2), days=2), MenuParams(backend="cbc"))
    assert r.backend == "cbc" and r.status == SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(400)  # 2 x 50 + 100 + 200


def test_cbc_fallback_without_highspy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without highspy the default backend falls back to CBC."""
    monkeypatch.setattr(pulp.HiGHS, "available", lambda self: False)
    r = solve_menu(problem([RICE, dish("a", "main", 100)], profile()), MenuParams())
    assert r.backend == "cbc" and r.is_feasible()


def test_dump_lp_writes_named_rows(tmp_path: Path) -> None:
    """dump_lp_path writes the model with rows named after the rules."""
    dishes = [RICE, dish("a", "main", 100), dish("b", "main", 200)]
    path = tmp_path / "menu.lp"
    solve_menu(
        problem(dishes, profile(no_repeat_days=2), days=2), MenuParams(dump_lp_path=str(path))
    )
    text = path.read_text()
    assert "structure(20261201,lunch,p)" in text
    assert "no_repeat(a,20261201,p)" in text


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"backend": "gurobi"}, "backend"),
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"mip_rel_gap": 1.5}, "mip_rel_gap"),
        ({"threads": 0}, "threads"),
        ({"seed": -1}, "seed"),
    ],
)
def test_params_validation(kw: dict[str, object], field: str) -> None:
    """MenuParams rejects a bad value naming the field."""
    with pytest.raises(ValueError, match=field):
        MenuParams(**kw)  # type: ignore[arg-type]


def test_input_validation() -> None:
    """Inputs are validated at construction, naming the bad field and value."""
    with pytest.raises(ValueError, match="category='dessert'"):
        dish("x", "dessert", 1)
    with pytest.raises(ValueError, match="cost_fen"):
        Dish("x", "main", 1.5, {})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="key='salt_g'"):
        NutrientBound("salt_g", max=5)
    with pytest.raises(ValueError, match="max_iddsi"):
        DietProfile("p", max_iddsi=9)


def test_summary_mentions_status_and_figures() -> None:
    """summary() is human text with status, objective and meal count."""
    r = solve_menu(problem([RICE, dish("a", "main", 100)], profile()), PARAMS)
    text = r.summary()
    assert "optimal" in text and "objective 150" in text and "1 meals" in text


@pytest.mark.slow
def test_synthetic_demo_is_feasible() -> None:
    """A small synthetic catalogue (8 profiles, 3 days, lunch) reaches a feasible plan."""
    r = solve_menu(synthetic_problem(n_days=3, services=("lunch",)), PARAMS)
    assert r.is_feasible()
    assert len(r.meals) == 8 * 3


def test_meal_violations_hand_computed() -> None:
    """meal_violations reports each missed bound side and the budget with rule ids.

    Meal: energy 600 kcal, fat 30 g (9 x 30 / 600 = 45 %E), sodium 950 mg, cost 760 fen.
    Bounds: sodium <= 800 (hard: 150 over), fat 20-30 %E (15 over), energy >= 550 (met);
    budget 700 fen (60 over)."""
    bounds = (
        NutrientBound("sodium_mg", max=800, hard=True),
        NutrientBound("fat_pct_energy", min=20, max=30),
        NutrientBound("energy_kcal", min=550),
    )
    sums = {"energy_kcal": 600.0, "fat_g": 30.0, "sodium_mg": 950.0}
    got = rules.meal_violations(sums, 760, bounds, 700, budget_hard=False)
    assert [(v.rule, v.key, v.side, round(v.amount, 6), v.hard) for v in got] == [
        ("sodium_max", "sodium_mg", "max", 150.0, True),
        ("fat_pct_energy_max", "fat_pct_energy", "max", 15.0, False),
        ("budget", "budget", "max", 60.0, False),
    ]
    assert rules.MEAL_RULES["sodium_max"] == ("sodium_mg", "max")
    assert rules.meal_violations(sums, 600, bounds[2:], 700) == []
