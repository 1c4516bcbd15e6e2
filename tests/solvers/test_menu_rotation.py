"""Menu model, issue 13: protein slots, rotation rules, history, locks, the quality
objective inside the cost band, bound kind, silent solvers (small seeded cases)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from solvers.menu import (
    MEAT_GROUPS,
    DietProfile,
    Dish,
    LockedMeal,
    MealStructure,
    MenuParams,
    MenuProblem,
    MenuResult,
    QualityWeights,
    RotationRules,
    Slot,
    SolveStatus,
    rules,
    solve_menu,
)

D0 = date(2026, 11, 23)  # a Monday
PARAMS = MenuParams(time_limit_s=60, seed=1)
MEAL = MealStructure(
    "meal", (Slot("staple"), Slot("main", MEAT_GROUPS), Slot("vegetable"), Slot("soup"))
)


def dish(code: str, category: str, cost: int, groups: tuple[str, ...] = (), **kw: object) -> Dish:
    return Dish(
        code=code,
        category=category,
        cost_fen=cost,
        nutrients={"energy_kcal": 150.0},
        food_groups=frozenset(groups),
        **kw,  # type: ignore[arg-type]
    )


def catalogue(staples: int = 4, soups: int = 4, rice: int = 2) -> list[Dish]:
    out = [
        dish(f"st{i}", "staple", 40 + i, tags=frozenset({"rice"}) if i < rice else frozenset())
        for i in range(staples)
    ]
    out += [dish(f"soup{i}", "soup", 30 + i) for i in range(soups)]
    proteins = ("pork", "poultry", "fish", "egg", "beef", "soy", "pork", "fish")
    out += [dish(f"m{i}", "main", 150 + 5 * i, (g,)) for i, g in enumerate(proteins)]
    out += [dish("tofu_veg_main", "main", 60, ("soy", "vegetable"))]  # cheap, no meat
    out += [dish(f"v{i}", "vegetable", 60 + i, ("vegetable",)) for i in range(8)]
    return out


def week(dishes: list[Dish], profile: DietProfile, days: int = 7, **kw: object) -> MenuProblem:
    dates = tuple(D0 + timedelta(days=i) for i in range(days))
    return MenuProblem(tuple(dishes), (profile,), dates, **kw)  # type: ignore[arg-type]


def profile(**kw: object) -> DietProfile:
    kw.setdefault("structures", (MEAL,))
    kw.setdefault("rotation", RotationRules())
    kw.setdefault("distinct_method_categories", frozenset())
    return DietProfile("p", **kw)  # type: ignore[arg-type]


def check_rotation(result: MenuResult, dishes: list[Dish], rot: RotationRules) -> list[str]:
    """Independent checker: recount every rotation rule from the planned meals."""
    by_code = {d.code: d for d in dishes}
    problems: list[str] = []
    meals = sorted(result.meals, key=lambda m: m.date)
    uses = Counter(c for m in meals for c in m.dishes)
    for code, n in uses.items():
        cat = by_code[code].category
        limit = {"staple": rot.staple_max, "soup": rot.soup_max}.get(cat, rot.dish_max)
        if n > limit:
            problems.append(f"{code} {n} > {limit}")
    for a, b in zip(meals, meals[1:], strict=False):
        both = set(a.dishes) & set(b.dishes)
        if both:
            problems.append(f"{sorted(both)} on {a.date} and {b.date}")
    proteins: Counter[str] = Counter()
    for m in meals:
        mains = [by_code[c] for c in m.dishes if by_code[c].category == "main"]
        for cls in {rules.main_protein(d) for d in mains} - {None}:
            proteins[str(cls)] += 1
        if not any(by_code[c].food_groups & MEAT_GROUPS for c in m.dishes if c in by_code):
            problems.append(f"{m.date}: no meat, poultry, fish or egg")
    problems += [f"protein {g} {n}" for g, n in proteins.items() if n > rot.protein_max]
    return problems


def test_protein_slot_excludes_meatless_main() -> None:
    """A main slot with the meat groups never takes the cheaper meatless main."""
    dishes = catalogue()
    r = solve_menu(week(dishes, profile(rotation=None), days=3), PARAMS)
    assert r.is_feasible()
    assert all("tofu_veg_main" not in m.dishes for m in r.meals)


def test_vegetarian_slot_takes_soy_egg_or_dairy() -> None:
    """A vegetarian structure's protein slot is filled by soy, egg or dairy only."""
    veg = MealStructure("veg", (Slot("main", frozenset({"soy", "egg", "dairy"})),))
    dishes = [
        dish("cabbage_main", "main", 10, ("vegetable",), vegetarian=True),
        dish("egg_main", "main", 90, ("egg",), vegetarian=True),
    ]
    r = solve_menu(week(dishes, profile(structures=(veg,), rotation=None), days=1), PARAMS)
    assert [m.dishes for m in r.meals] == [("egg_main",)]


def test_empty_protein_slot_is_explained() -> None:
    """A protein slot no allowed dish fills is an infeasibility naming the slot's groups."""
    dishes = [d for d in catalogue() if d.category != "main" or not d.food_groups & MEAT_GROUPS]
    r = solve_menu(week(dishes, profile(), days=1), PARAMS)
    assert r.status == SolveStatus.INFEASIBLE
    assert "fish" in r.explanations[0].message and "main" in r.explanations[0].message


def test_rotation_rules_hold_with_enough_dishes() -> None:
    """Staple <= 3, soup <= 2, dish <= 2, protein <= 3, no consecutive repeat: recounted."""
    dishes = catalogue()
    rot = RotationRules()
    r = solve_menu(week(dishes, profile(no_repeat_days=0)), PARAMS)
    assert r.is_feasible() and len(r.meals) == 7
    assert check_rotation(r, dishes, rot) == []
    rice = sum(1 for m in r.meals if any(c in ("st0", "st1") for c in m.dishes))
    assert rice >= rot.rice_min
    assert not [e for e in r.explanations if e.rule in rules.ROTATION_RULES]


def test_rotation_shortfall_is_named_not_a_crash() -> None:
    """With one staple and one soup the week is planned and each excess is named."""
    dishes = catalogue(staples=1, soups=1, rice=1)
    r = solve_menu(week(dishes, profile(no_repeat_days=0)), PARAMS)
    assert r.is_feasible() and len(r.meals) == 7
    named = {(e.rule, e.profile) for e in r.explanations}
    assert ("staple_max", "p") in named and ("soup_max", "p") in named
    staple = next(e for e in r.explanations if e.rule == "staple_max")
    assert staple.needed == 7 and staple.bound == 3 and "st0" in staple.message


def test_history_blocks_monday_repeat_of_friday() -> None:
    """The last served day's dishes are not served on the first day of the horizon."""
    dishes = catalogue()
    free = solve_menu(week(dishes, profile(no_repeat_days=0), days=1), PARAMS)
    first = free.meals[0].dishes
    friday = LockedMeal(D0 - timedelta(days=3), "lunch", "p", first)
    r = solve_menu(week(dishes, profile(no_repeat_days=0), days=1, history=(friday,)), PARAMS)
    assert not set(r.meals[0].dishes) & set(first)


def test_locked_meal_is_kept_and_marked() -> None:
    """A locked meal is served exactly, marked locked; the others plan around it."""
    dishes = catalogue()
    lock = LockedMeal(D0 + timedelta(days=1), "lunch", "p", ("st3", "m7", "v7", "soup3"))
    r = solve_menu(week(dishes, profile(no_repeat_days=0), days=3, locked=(lock,)), PARAMS)
    meal = r.meal(lock.date, "lunch", "p")
    assert set(meal.dishes) == set(lock.dishes) and meal.locked
    others = [m for m in r.meals if m.date != lock.date]
    assert not any(m.locked for m in others)
    assert all(not set(m.dishes) & set(lock.dishes) for m in others)  # no_consecutive


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"dishes": ("nope",)}, "unknown dishes"),
        ({"date": D0 + timedelta(days=9)}, "outside"),
        ({"profile": "q"}, "unknown profile"),
    ],
)
def test_lock_validation(change: dict[str, object], match: str) -> None:
    """A lock naming an unknown dish, a date outside the horizon or a profile is refused."""
    fields: dict[str, object] = {"date": D0, "service": "lunch", "profile": "p",
                                 "dishes": ("st0",)}  # fmt: skip
    fields.update(change)
    with pytest.raises(ValueError, match=match):
        week(catalogue(), profile(), days=2, locked=(LockedMeal(**fields),))  # type: ignore[arg-type]


def test_quality_objective_spends_inside_band() -> None:
    """With a quality objective the better-rated main wins although dearer, inside the band."""
    dishes = catalogue()
    dishes.append(dish("m_star", "main", 250, ("fish",), rating=5.0, rating_count=50))
    p = profile(rotation=None, cost_band_fen=(300, 450))
    q = QualityWeights()
    r = solve_menu(week(dishes, p, days=1, quality=q), PARAMS)
    assert "m_star" in r.meals[0].dishes
    assert 300 <= r.meals[0].cost_fen <= 450
    cheap = solve_menu(week(dishes, p, days=1), PARAMS)  # cost objective: the cheapest
    assert "m_star" not in cheap.meals[0].dishes


def test_quality_objective_penalises_above_band() -> None:
    """Above the band each fen costs cost_over_fen: a dearer dish must be worth it."""
    dishes = catalogue()
    dishes.append(dish("m_gold", "main", 900, ("fish",), rating=4.0, rating_count=50))
    p = profile(rotation=None, cost_band_fen=(300, 450))
    r = solve_menu(week(dishes, p, days=1, quality=QualityWeights()), PARAMS)
    assert "m_gold" not in r.meals[0].dishes


def test_summary_names_bound_kind() -> None:
    """summary() and the result say which set of menus the bound covers."""
    r = solve_menu(week(catalogue(), profile(), days=2), PARAMS)
    assert r.bound_kind in ("patterns", "global")
    assert f"({r.bound_kind})" in r.summary()


def test_solver_output_stays_out_of_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    """HiGHS's banner and log go to the debug log, not to standard output or error."""
    solve_menu(week(catalogue(), profile(), days=2), MenuParams(time_limit_s=60, msg=True))
    out, err = capfd.readouterr()
    assert "HiGHS" not in out and "HiGHS" not in err


def brute_force_week(dishes: list[Dish], p: DietProfile, days: int) -> float:
    """Independent optimum: every menu of every day, cost + rotation penalties recounted."""
    import itertools

    rot = p.rotation
    assert rot is not None
    by_cat: dict[str, list[Dish]] = {}
    for d in dishes:
        by_cat.setdefault(d.category, []).append(d)
    meals = [
        (s, m, v)
        for s in by_cat["staple"]
        for m in by_cat["main"]
        if m.food_groups & MEAT_GROUPS
        for v in by_cat["vegetable"]
    ]
    best = float("inf")
    for menu in itertools.product(meals, repeat=days):
        cost = sum(d.cost_fen for meal in menu for d in meal)
        excess = 0
        uses = Counter(d.code for meal in menu for d in meal)
        for d in dishes:
            limit = rot.staple_max if d.category == "staple" else rot.dish_max
            excess += max(0, uses[d.code] - limit)
        for a, b in zip(menu, menu[1:], strict=False):
            excess += len({d.code for d in a} & {d.code for d in b})
        prot = Counter(rules.main_protein(meal[1]) for meal in menu)
        excess += sum(max(0, n - rot.protein_max) for g, n in prot.items() if g)
        rice = sum(1 for meal in menu if "rice" in meal[0].tags)
        excess += max(0, rules.scaled(rot.rice_min, days, 7) - rice)
        best = min(best, cost + rot.weight * excess)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_global_bound_is_below_the_true_optimum(seed: int) -> None:
    """Column generation's bound is a proof: <= the brute-force optimum over all menus."""
    import random

    rng = random.Random(seed)
    rot = RotationRules(staple_max=2, dish_max=1, protein_max=1, rice_min=2, weight=40.0)
    dishes = [
        dish(f"st{i}", "staple", rng.randint(20, 60), tags=frozenset({"rice"} if i < 2 else ()))
        for i in range(3)
    ]
    groups = ("pork", "fish", "pork", "egg")
    dishes += [dish(f"m{i}", "main", rng.randint(80, 160), (g,)) for i, g in enumerate(groups)]
    dishes += [dish(f"v{i}", "vegetable", rng.randint(30, 70)) for i in range(3)]
    small = MealStructure("s", (Slot("staple"), Slot("main", MEAT_GROUPS), Slot("vegetable")))
    p = profile(structures=(small,), rotation=rot, no_repeat_days=0)
    exact = brute_force_week(dishes, p, 3)
    params = MenuParams(time_limit_s=60, seed=1, mip_rel_gap=0.0, patterns_per_dish=1)
    r = solve_menu(week(dishes, p, days=3, rating_reward_fen=0.0), params)
    assert r.bound_kind == "global" and r.bound is not None and r.objective is not None
    assert r.bound <= exact + 1e-6
    assert r.objective >= exact - 1e-6


# --------------------------------------------------------------------------------------
# The exact pricing (issue 13, item 4): the quality objective, the cost band, soft and
# hard nutrient bounds (a ratio among them) and the rotation rules, against brute force.

QUALITY = QualityWeights()
BAND = (150, 200)
SMALL = MealStructure("s", (Slot("staple"), Slot("main", MEAT_GROUPS), Slot("vegetable")))


def quality_dishes(seed: int) -> list[Dish]:
    """A seeded small catalogue with nutrients (energy, fat, sodium) and food groups."""
    import random

    rng = random.Random(seed)

    def nutr() -> dict[str, float]:
        return {
            "energy_kcal": float(rng.randint(80, 300)),
            "fat_g": float(rng.randint(1, 15)),
            "sodium_mg": float(rng.randint(50, 400)),
        }

    out = [
        Dish(f"st{i}", "staple", rng.randint(20, 60), nutr(),
             tags=frozenset({"rice"} if i < 2 else ()))
        for i in range(3)
    ]  # fmt: skip
    groups = ("pork", "fish", "pork", "egg", "poultry")
    out += [
        Dish(f"m{i}", "main", rng.randint(60, 140), nutr(), food_groups=frozenset({g}))
        for i, g in enumerate(groups)
    ]
    out += [Dish(f"v{i}", "vegetable", rng.randint(20, 60), nutr()) for i in range(4)]
    return out


def meal_coefficient(meal: tuple[Dish, ...], p: DietProfile) -> float | None:
    """Independent price of one meal (docs/menu-model.md, "Objective"): headcount x (band
    penalty per diner - quality) + soft-bound penalties; None when a hard bound fails. No ratings
    (acceptability = the prior), no season, empty history (every dish is fresh)."""
    w = float(p.headcount or 1)
    quality = 0.0
    for d in meal:
        quality += QUALITY.variety_fen
        if d.category in ("main", "side"):
            best = max((QUALITY.protein_quality.get(g, 0.0) for g in d.food_groups), default=0)
            quality += QUALITY.protein_fen * best
    cost = sum(d.cost_fen for d in meal)
    band = 0.0
    if cost < BAND[0]:
        band = QUALITY.cost_under_fen * w * (BAND[0] - cost)
    elif cost > BAND[1]:
        band = QUALITY.cost_over_fen * w * (cost - BAND[1])
    energy = sum(d.nutrients["energy_kcal"] for d in meal)
    fat = sum(d.nutrients["fat_g"] for d in meal)
    sodium = sum(d.nutrients["sodium_mg"] for d in meal)
    fat_pct = 100.0 * 9.0 * fat / energy
    penalty = 0.0
    for b in p.bounds:
        value = {"energy_kcal": energy, "sodium_mg": sodium, "fat_pct_energy": fat_pct}[b.key]
        over = 0.0 if b.max is None else max(0.0, value - b.max)
        under = 0.0 if b.min is None else max(0.0, b.min - value)
        if b.hard and (over > 1e-9 or under > 1e-9):
            return None
        if over > 1e-9:
            penalty += b.weight * 100.0 * over / b.max  # type: ignore[operator]
        if under > 1e-9:
            penalty += b.weight * 100.0 * under / b.min  # type: ignore[operator]
    return band - w * quality + penalty  # band is already per diner


def brute_force_quality(dishes: list[Dish], p: DietProfile, days: int) -> float:
    """Independent optimum over every menu: meal coefficients + rotation penalties."""
    import itertools

    rot = p.rotation
    assert rot is not None
    by_cat: dict[str, list[Dish]] = {}
    for d in dishes:
        by_cat.setdefault(d.category, []).append(d)
    meals: list[tuple[tuple[Dish, ...], float]] = []
    for s in by_cat["staple"]:
        for m in by_cat["main"]:
            for v in by_cat["vegetable"]:
                coef = meal_coefficient((s, m, v), p)
                if coef is not None:
                    meals.append(((s, m, v), coef))
    best = float("inf")
    for menu in itertools.product(meals, repeat=days):
        excess = 0
        uses = Counter(d.code for meal, _ in menu for d in meal)
        for d in dishes:
            limit = rot.staple_max if d.category == "staple" else rot.dish_max
            excess += max(0, uses[d.code] - limit)
        for (a, _), (b, _) in zip(menu, menu[1:], strict=False):
            excess += len({d.code for d in a} & {d.code for d in b})
        prot = Counter(rules.main_protein(meal[1]) for meal, _ in menu)
        excess += sum(max(0, n - rot.protein_max) for g, n in prot.items() if g)
        rice = sum(1 for meal, _ in menu if "rice" in meal[0].tags)
        excess += max(0, rules.scaled(rot.rice_min, days, 7) - rice)
        best = min(best, sum(c for _, c in menu) + rot.weight * excess)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_exact_pricing_bound_holds_for_the_quality_objective(seed: int) -> None:
    """The global bound of the exact pricing (quality inside the band, soft sodium and fat
    ratio bounds, a hard energy minimum, rotation) is <= the brute-force optimum over all
    menus, the plan is no better than that optimum, and the printed gap is what it says."""
    from solvers.menu import NutrientBound

    dishes = quality_dishes(seed)
    bounds = (
        NutrientBound("energy_kcal", min=350.0, hard=True),
        NutrientBound("sodium_mg", max=700.0, weight=5.0),
        NutrientBound("fat_pct_energy", max=30.0, weight=5.0),
    )
    rot = RotationRules(staple_max=2, dish_max=1, protein_max=1, rice_min=2, weight=40.0)
    p = profile(structures=(SMALL,), rotation=rot, no_repeat_days=0, bounds=bounds,
                headcount=3, cost_band_fen=BAND)  # fmt: skip
    exact = brute_force_quality(dishes, p, 3)
    problem = week(dishes, p, days=3, quality=QUALITY)
    params = MenuParams(seed=1, mip_rel_gap=0.0, patterns_per_dish=1, node_limit=100)
    r = solve_menu(problem, params)
    assert r.bound_kind == "global" and r.bound is not None and r.objective is not None
    assert r.bound <= exact + 1e-6
    assert r.objective >= exact - 1e-6
    assert r.gap is not None
    assert r.gap == pytest.approx(max(0.0, r.objective - r.bound) / abs(r.objective))
    # the same inputs give the same plan
    again = solve_menu(problem, params)
    assert [m.dishes for m in again.meals] == [m.dishes for m in r.meals]
    assert (again.objective, again.bound) == (r.objective, r.bound)


# --------------------------------------------------------------------------------------
# The weekly model (MenuParams.model = "weekly"): one compact MIP per profile, its HiGHS
# dual bound valid over every menu, against the same brute force.

WEEKLY = MenuParams(seed=1, mip_rel_gap=0.0, model="weekly")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weekly_model_finds_the_brute_force_optimum(seed: int) -> None:
    """Cost objective with rotation: the weekly plan is the optimum over all menus and
    its bound (global) is at most that optimum."""
    import random

    rng = random.Random(seed)
    rot = RotationRules(staple_max=2, dish_max=1, protein_max=1, rice_min=2, weight=40.0)
    dishes = [
        dish(f"st{i}", "staple", rng.randint(20, 60), tags=frozenset({"rice"} if i < 2 else ()))
        for i in range(3)
    ]
    groups = ("pork", "fish", "pork", "egg")
    dishes += [dish(f"m{i}", "main", rng.randint(80, 160), (g,)) for i, g in enumerate(groups)]
    dishes += [dish(f"v{i}", "vegetable", rng.randint(30, 70)) for i in range(3)]
    small = MealStructure("s", (Slot("staple"), Slot("main", MEAT_GROUPS), Slot("vegetable")))
    p = profile(structures=(small,), rotation=rot, no_repeat_days=0)
    exact = brute_force_week(dishes, p, 3)
    r = solve_menu(week(dishes, p, days=3, rating_reward_fen=0.0), WEEKLY)
    assert r.bound_kind == "global" and r.bound is not None and r.objective is not None
    assert r.bound <= exact + 1e-6
    assert r.objective == pytest.approx(exact)
    assert r.n_patterns == 0  # no enumeration


@pytest.mark.parametrize("ratio", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_weekly_model_bound_holds_for_the_quality_objective(seed: int, ratio: bool) -> None:
    """Quality inside the band, soft sodium (and fat-ratio) bounds, a hard energy minimum,
    rotation: bound <= brute-force optimum <= plan, the gap is what it says, two runs give
    the same plan. Without the soft ratio (the one term the model under-estimates) the
    plan is the optimum."""
    from solvers.menu import NutrientBound

    dishes = quality_dishes(seed)
    bounds = (
        NutrientBound("energy_kcal", min=350.0, hard=True),
        NutrientBound("sodium_mg", max=700.0, weight=5.0),
    )
    if ratio:
        bounds += (NutrientBound("fat_pct_energy", max=30.0, weight=5.0),)
    rot = RotationRules(staple_max=2, dish_max=1, protein_max=1, rice_min=2, weight=40.0)
    p = profile(structures=(SMALL,), rotation=rot, no_repeat_days=0, bounds=bounds,
                headcount=3, cost_band_fen=BAND)  # fmt: skip
    exact = brute_force_quality(dishes, p, 3)
    problem = week(dishes, p, days=3, quality=QUALITY)
    r = solve_menu(problem, WEEKLY)
    assert r.bound_kind == "global" and r.bound is not None and r.objective is not None
    assert r.bound <= exact + 1e-6
    assert r.objective >= exact - 1e-6
    if not ratio:
        assert r.objective == pytest.approx(exact)
    assert r.gap == pytest.approx(max(0.0, r.objective - r.bound) / abs(r.objective))
    again = solve_menu(problem, WEEKLY)
    assert [m.dishes for m in again.meals] == [m.dishes for m in r.meals]
    assert (again.objective, again.bound) == (r.objective, r.bound)


def test_weekly_model_rotation_and_locks() -> None:
    """The weekly model meets the rotation rules, keeps a locked meal, names a shortfall
    and explains an empty protein slot like the pattern route."""
    dishes = catalogue()
    r = solve_menu(week(dishes, profile(no_repeat_days=0)), WEEKLY)
    assert r.is_feasible() and len(r.meals) == 7
    assert check_rotation(r, dishes, RotationRules()) == []
    lock = LockedMeal(D0 + timedelta(days=1), "lunch", "p", ("st3", "m7", "v7", "soup3"))
    locked = solve_menu(week(dishes, profile(no_repeat_days=0), days=3, locked=(lock,)), WEEKLY)
    kept = [m for m in locked.meals if m.locked]
    assert [set(m.dishes) for m in kept] == [set(lock.dishes)] and kept[0].date == lock.date
    few = catalogue(staples=1, soups=1, rice=1)
    short = solve_menu(week(few, profile(no_repeat_days=0)), WEEKLY)
    assert short.is_feasible() and len(short.meals) == 7
    staple = next(e for e in short.explanations if e.rule == "staple_max")
    assert staple.needed == 7 and staple.bound == 3 and "st0" in staple.message
    no_meat = [d for d in dishes if d.category != "main" or not d.food_groups & MEAT_GROUPS]
    bad = solve_menu(week(no_meat, profile(), days=1), WEEKLY)
    assert bad.status == SolveStatus.INFEASIBLE
    assert "fish" in bad.explanations[0].message and "main" in bad.explanations[0].message


def test_weekly_model_keeps_the_relaxation_report() -> None:
    """A hard no-repeat the catalogue cannot meet: the weekly model has no plan and the
    pattern route's elastic model names the rule, as it does without the weekly model."""
    dishes = catalogue(staples=1, soups=1, rice=1)
    p = profile(rotation=None, no_repeat_days=7, no_repeat_categories=frozenset({"staple"}))
    problem = week(dishes, p, days=3)
    r = solve_menu(problem, WEEKLY)
    before = solve_menu(problem, MenuParams(seed=1, mip_rel_gap=0.0))
    assert r.status == before.status == SolveStatus.INFEASIBLE
    assert [e.rule for e in r.explanations] == [e.rule for e in before.explanations]
    assert "no_repeat" in {e.rule for e in r.explanations}
