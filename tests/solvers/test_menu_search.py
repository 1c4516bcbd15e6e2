"""Menu model: pattern search, enumeration sharing, per-diner penalties, sharing bound."""

from __future__ import annotations

import dataclasses
import itertools
import random
from datetime import date, timedelta

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
    solve_menu,
)
from solvers.menu import patterns as pt
from solvers.menu import solve as solve_mod

D0 = date(2026, 12, 1)
MINI = MealStructure("mini", ("staple", "main"))
FOUR = MealStructure("four", ("staple", "main", "vegetable", "vegetable"))
PARAMS = MenuParams(time_limit_s=60, seed=1)


def dish(code: str, category: str, cost: int, **kw: object) -> Dish:
    nutrients = {
        k: float(kw.pop(k))  # type: ignore[arg-type]
        for k in list(kw)
        if k.endswith(("_mg", "_g", "_kcal"))
    }
    return Dish(code=code, category=category, cost_fen=cost, nutrients=nutrients, **kw)  # type: ignore[arg-type]


def random_catalogue(seed: int) -> tuple[Dish, ...]:
    rng = random.Random(seed)
    out = []
    for category, n in (("staple", 4), ("main", 6), ("vegetable", 7)):
        for j in range(n):
            out.append(
                dish(
                    f"{category[:3]}{j}",
                    category,
                    rng.randint(20, 300),
                    energy_kcal=rng.uniform(40, 300),
                    protein_g=rng.uniform(1, 20),
                    fat_g=rng.uniform(0, 12),
                    sodium_mg=rng.uniform(20, 400),
                    cooking_method=rng.choice(["boil", "steam", "stir_fry"]),
                    rating=rng.choice([None, 2.0, 4.5]),
                )
            )
    return tuple(out)


def brute_force(
    dishes: tuple[Dish, ...], ev: pt.MealEvaluator, cands: dict[str, list[int]]
) -> list[pt.Pattern]:
    """Every meal of FOUR meeting the hard rules, priced by the same evaluator."""
    out = []
    for s, m in itertools.product(cands["staple"], cands["main"]):
        for v1, v2 in itertools.combinations(cands["vegetable"], 2):
            idx = tuple(sorted((s, m, v1, v2)))
            meal = [dishes[i] for i in idx]
            if not pt.rules.same_cooking_method(meal, ev.profile):
                continue
            pat = ev.evaluate("four", idx, meal)
            if pat is not None:
                out.append(pat)
    return sorted(out, key=lambda p: (p.coef, p.dishes))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_search_matches_brute_force(seed: int) -> None:
    """The pruned search returns exactly the k cheapest meals a brute force finds."""
    dishes = random_catalogue(seed)
    profile = DietProfile(
        "p",
        bounds=(
            NutrientBound("sodium_mg", max=900, hard=True),
            NutrientBound("protein_g", min=30, weight=20),
            NutrientBound("energy_kcal", 400, 700, weight=10),
            NutrientBound("fat_pct_energy", max=30, weight=5),
        ),
        budget_fen=600,
        headcount=3,
        structures=(FOUR,),
    )
    cands = pt.candidates(dishes, profile)
    ev = pt.MealEvaluator(profile, profile.bounds_for("lunch"), 600, 20.0, penalty_scale=2.0)
    width = len(ev.prune)
    groups = [
        pt._group(pt._entries(ev, dishes, cands.get(c, [])), k, width)
        for c, k in (("staple", 1), ("main", 1), ("vegetable", 2))
    ]
    heap: list[tuple[float, tuple[int, ...], pt.Pattern]] = []
    nodes, finished = pt._search(ev, "four", groups, dishes, 10, 10**6, heap, set())
    found = sorted((e[2] for e in heap), key=lambda p: (p.coef, p.dishes))
    expected = brute_force(dishes, ev, cands)[:10]
    assert finished and nodes > 0
    assert [p.dishes for p in found] == [p.dishes for p in expected]
    assert [p.coef for p in found] == pytest.approx([p.coef for p in expected])


def test_enumeration_shared_by_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two profiles with the same rules and candidates share one enumeration."""
    calls = []
    real = pt.enumerate_patterns

    def counting(*args: object, **kw: object) -> pt.PatternSet:
        calls.append(args[1])
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(solve_mod.pt, "enumerate_patterns", counting)
    dishes = (dish("rice", "staple", 50), dish("a", "main", 100), dish("b", "main", 120))
    p = DietProfile("p", structures=(MINI,), no_repeat_days=0)
    q = dataclasses.replace(p, code="q")
    r = solve_menu(MenuProblem(dishes, (p, q), (D0,)), PARAMS)
    assert r.is_feasible() and len(calls) == 1


def test_profile_services_lunch_only() -> None:
    """A lunch-only profile gets no dinner in a lunch-and-dinner problem."""
    dishes = (dish("rice", "staple", 50), dish("a", "main", 100), dish("b", "main", 120))
    p = DietProfile("p", structures=(MINI,), no_repeat_days=0)
    q = dataclasses.replace(p, code="q", services=frozenset({"lunch"}))
    r = solve_menu(MenuProblem(dishes, (p, q), (D0,), ("lunch", "dinner")), PARAMS)
    assert sorted((m.profile, m.service) for m in r.meals) == [
        ("p", "dinner"),
        ("p", "lunch"),
        ("q", "lunch"),
    ]
    with pytest.raises(ValueError, match="services"):
        DietProfile("p", services=frozenset({"supper"}))


def test_penalty_per_diner() -> None:
    """With penalty_per_diner a soft miss is weighted by the headcount like the cost."""
    # protein 25 g < 30 g: 2 fen x 100 x 5 / 30 = 33.3 per diner; cost 150 per diner
    # headcount 10: 10 x 150 + 10 x 33.3 = 1833.3 (once per meal: 1500 + 33.3)
    dishes = (
        dish("rice", "staple", 50, protein_g=5),
        dish("a", "main", 100, protein_g=20),
    )
    p = DietProfile(
        "p",
        bounds=(NutrientBound("protein_g", min=30, weight=2),),
        structures=(MINI,),
        no_repeat_days=0,
        headcount=10,
    )
    base = MenuProblem(dishes, (p,), (D0,))
    assert solve_menu(base, PARAMS).objective == pytest.approx(1500 + 100 / 3)
    per_diner = dataclasses.replace(base, penalty_per_diner=True)
    assert solve_menu(per_diner, PARAMS).objective == pytest.approx(1500 + 1000 / 3)


def test_food_group_soft_weight_per_diner() -> None:
    """A soft food-group slack is weighted by the headcount with penalty_per_diner."""
    # fish >= 1 soft at 40 fen per missing meal; fish costs 30 fen more per diner, 5 diners
    dishes = (
        dish("rice", "staple", 50),
        dish("pork", "main", 100, food_groups=frozenset({"pork"})),
        dish("fish", "main", 130, food_groups=frozenset({"fish"})),
    )
    rule = FoodGroupRule("fish", min=1, hard=False, weight=40, period_days=1)
    p = DietProfile(
        "p", structures=(MINI,), no_repeat_days=0, food_group_rules=(rule,), headcount=5
    )
    base = MenuProblem(dishes, (p,), (D0,))
    # once per meal: pork 5 x 150 + 40 = 790 < fish 5 x 180 = 900
    assert solve_menu(base, PARAMS).meals[0].dishes == ("rice", "pork")
    # per diner: pork 750 + 5 x 40 = 950 > fish 900
    r = solve_menu(dataclasses.replace(base, penalty_per_diner=True), PARAMS)
    assert r.meals[0].dishes == ("rice", "fish") and r.objective == pytest.approx(900)


def three_profile_problem(reward: float) -> MenuProblem:
    # mains a (100), b (104), c (110); q cannot eat a (fish allergen), r (IDDSI 6) not a
    dishes = (
        dish("rice", "staple", 50, iddsi_level=6),
        dish("a", "main", 100, allergens=frozenset({"fish"})),
        dish("b", "main", 104, iddsi_level=6),
        dish("c", "main", 110, iddsi_level=6),
    )
    p = DietProfile("p", structures=(MINI,), no_repeat_days=2, headcount=2)
    q = dataclasses.replace(p, code="q", excluded_allergens=frozenset({"fish"}), headcount=1)
    r = dataclasses.replace(p, code="r", max_iddsi=6, headcount=1)
    dates = tuple(D0 + timedelta(days=i) for i in range(2))
    return MenuProblem(dishes, (p, q, r), dates, share_reward_fen=reward)


def test_share_bound_is_valid_and_objective_exact() -> None:
    """With sharing, bound <= objective and the objective is the exact joint value."""
    reward = 5.0
    res = solve_menu(three_profile_problem(reward), PARAMS)
    assert res.is_feasible() and res.bound is not None and res.objective is not None
    assert res.bound <= res.objective + 1e-6
    # recompute: headcount x cost, minus reward per extra serving of a dish in a cell
    weights = {"p": 2, "q": 1, "r": 1}
    cost = sum(weights[m.profile] * m.cost_fen for m in res.meals)
    served: dict[tuple[date, str], int] = {}
    for m in res.meals:
        for code in m.dishes:
            served[m.date, code] = served.get((m.date, code), 0) + 1
    extra = sum(n - 1 for n in served.values())
    assert res.objective == pytest.approx(cost - reward * extra)


def test_share_reaches_brute_force_optimum() -> None:
    """On a tiny case the sharing plan matches the joint optimum found by brute force."""
    reward = 5.0
    problem = three_profile_problem(reward)
    res = solve_menu(problem, PARAMS)
    # brute force: each profile picks 2 distinct allowed mains (no-repeat 2 days), rice
    allowed = {"p": ["a", "b", "c"], "q": ["b", "c"], "r": ["b", "c"]}
    cost = {"a": 100, "b": 104, "c": 110}
    weights = {"p": 2, "q": 1, "r": 1}
    best = float("inf")
    for plans in itertools.product(*(itertools.permutations(allowed[k], 2) for k in "pqr")):
        total = sum(
            weights[k] * (2 * 50 + sum(cost[x] for x in pl))
            for k, pl in zip("pqr", plans, strict=True)
        )
        for day in range(2):
            mains = [pl[day] for pl in plans]
            extra = 2 + len(mains) - len(set(mains))  # rice shared by 3 profiles: 2 extra
            total -= reward * extra
        best = min(best, total)
    assert res.objective == pytest.approx(best)
    assert res.status == SolveStatus.OPTIMAL


def test_summary_flags_capped_enumeration() -> None:
    """summary() says when the bound covers only the enumerated patterns."""
    # 6 meals > 4 x patterns_per_dish (1): the cheapest-meals search is capped
    dishes = tuple(dish(f"s{i}", "staple", 50 + i) for i in range(2)) + tuple(
        dish(f"m{i}", "main", 100 + i) for i in range(3)
    )
    p = DietProfile("p", structures=(MINI,), no_repeat_days=0)
    r = solve_menu(MenuProblem(dishes, (p,), (D0,)), MenuParams(patterns_per_dish=1, cg_rounds=0))
    assert not r.complete and "complete=False" in r.summary()
    assert r.bound_kind == "patterns"
    priced = solve_menu(MenuProblem(dishes, (p,), (D0,)), MenuParams(patterns_per_dish=1))
    assert priced.bound_kind == "global" and "complete=False" not in priced.summary()
    full = solve_menu(MenuProblem(dishes, (p,), (D0,)), PARAMS)
    assert full.complete and "complete=False" not in full.summary()


def test_share_rounds_validation() -> None:
    """MenuParams rejects a negative number of best-response rounds."""
    with pytest.raises(ValueError, match="share_rounds"):
        MenuParams(share_rounds=-1)
