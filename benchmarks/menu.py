"""Menu model benchmark: prints build time, solve time, objective, bound, gap and status.

    python benchmarks/menu.py [--time-limit 30] [--threads 2] [--backends highs,cbc]
                              [--share 0,30] [--days 7] [--demo | --demo-only]

(a) synthetic catalogue: 300 seeded dishes x 8 diet profiles x N days x lunch and dinner;
(b) with --demo: the shipped demo catalogue (mealplan/data/dishes.csv + ingredients.csv;
    nutrients per serving = sum grams x edible_fraction x per_100g / 100, cost = sum
    grams x price_fen_per_kg / 1000) with the 13 demo profiles built from
    mealplan/data/nutrition_groups.toml: each profile alone (status, soft misses), then
    all together.
Timings are wall-clock on a shared machine: other jobs on the same cores make them noisy.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import logging
import platform
import subprocess
import tomllib
from datetime import date, timedelta
from pathlib import Path

from solvers.menu import (
    MEAT_GROUPS,
    NUTRIENT_KEYS,
    RATIO_KEYS,
    STANDARD_STRUCTURE,
    DietProfile,
    Dish,
    FoodGroupRule,
    MealStructure,
    MenuParams,
    MenuProblem,
    MenuResult,
    NutrientBound,
    QualityWeights,
    RotationRules,
    Slot,
    solve_menu,
)
from solvers.menu.synthetic import synthetic_problem
from solvers.menu.types import MENU_MODELS

DATA = Path(__file__).resolve().parent.parent / "mealplan" / "data"


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return platform.processor()
    for line in out.splitlines():
        if line.startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _split(text: str) -> frozenset[str]:
    for sep in ("|", ";", ","):
        if sep in text:
            return frozenset(t.strip() for t in text.split(sep) if t.strip())
    return frozenset({text.strip()}) if text.strip() else frozenset()


def _truthy(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "y", "t"}


def demo_dishes() -> tuple[Dish, ...] | None:
    """Dishes of the shipped demo catalogue, or None when the CSV files are missing."""
    dishes_csv, ingredients_csv = DATA / "dishes.csv", DATA / "ingredients.csv"
    if not (dishes_csv.exists() and ingredients_csv.exists()):
        return None
    with ingredients_csv.open(encoding="utf-8") as fh:
        ingredients = {row["code"]: row for row in csv.DictReader(fh)}
    lines: dict[str, list[dict[str, str]]] = {}
    with dishes_csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            lines.setdefault(row["code"], []).append(row)
    out = []
    for code, rows in lines.items():
        head = rows[0]
        nutrients = dict.fromkeys(NUTRIENT_KEYS, 0.0)
        cost = 0.0
        allergens: set[str] = set()
        groups: set[str] = set()
        halal = vegetarian = True
        for row in rows:
            ing = ingredients[row["ingredient"]]
            grams = float(row["grams"])
            edible = float(ing.get("edible_fraction") or 1.0)
            for key in NUTRIENT_KEYS:
                nutrients[key] += grams * edible * float(ing.get(key) or 0.0) / 100.0
            cost += grams * float(ing.get("price_fen_per_kg") or 0.0) / 1000.0
            allergens |= _split(ing.get("allergens", ""))
            if ing.get("food_group"):
                groups.add(ing["food_group"])
            halal = halal and _truthy(ing.get("halal", ""))
            vegetarian = vegetarian and _truthy(ing.get("vegetarian", ""))
        out.append(
            Dish(
                code=code,
                category=head["category"],
                cost_fen=round(cost),
                nutrients={k: round(v, 2) for k, v in nutrients.items()},
                iddsi_level=int(head.get("iddsi_level") or 7),
                allergens=frozenset(allergens),
                halal=halal,
                vegetarian=vegetarian,
                food_groups=frozenset(groups),
                cooking_method=head.get("cooking_method", ""),
                tags=_split(head.get("tags", "")),
            )
        )
    return tuple(out)


#: Demo profiles: code, nutrition group, max IDDSI, exclusion ("-": none), headcount,
#: dinner too.
_DEMO_PROFILE_TABLE = """
regular            regular    7  -          120  yes
low_sodium         low_sodium 7  -           60  yes
diabetic           diabetic   7  -           45  yes
renal              renal      7  -           10  no
soft               regular    6  -           30  yes
minced             regular    5  -           15  no
pureed             regular    4  -            8  no
low_sodium_minced  low_sodium 5  -            6  no
diabetic_soft      diabetic   6  -           12  no
halal              regular    7  halal       20  no
halal_low_sodium   low_sodium 7  halal        8  no
vegetarian         regular    7  vegetarian  12  no
no_seafood         regular    7  seafood     15  no
"""
DEMO_PROFILES: dict[str, tuple[str, int, str, int, bool]] = {
    code: (group, int(iddsi), "" if exclusion == "-" else exclusion, int(heads), dinner == "yes")
    for code, group, iddsi, exclusion, heads, dinner in (
        line.split() for line in _DEMO_PROFILE_TABLE.strip().splitlines()
    )
}
#: 一荤两素一饭一汤 and the small-meat-dish tier (a side instead of the main).
SMALL_MEAT = MealStructure("small_meat", ("staple", "side", "vegetable", "vegetable", "soup"))
DEMO_STRUCTURES = (STANDARD_STRUCTURE, SMALL_MEAT)
#: Weekly food-group rules, soft: a profile without fish dishes gets a shortfall.
DEMO_WEEK = (
    FoodGroupRule("fish", min=2, hard=False, weight=300),
    FoodGroupRule("pork", max=3, hard=False, weight=300),
)


def demo_bounds(group: dict[str, object]) -> tuple[NutrientBound, ...]:
    """Per-service bounds of one nutrition group of nutrition_groups.toml."""
    out = []
    for service in ("lunch", "dinner"):
        table = group.get(service)
        if not isinstance(table, dict):
            continue
        for key, spec in table.items():
            if key not in NUTRIENT_KEYS + RATIO_KEYS:
                raise ValueError(f"nutrition_groups.toml: unknown key {key!r}")
            out.append(
                NutrientBound(
                    key,
                    min=spec.get("min"),
                    max=spec.get("max"),
                    hard=bool(spec.get("hard", False)),
                    service=service,
                )
            )
    return tuple(out)


def demo_profiles(services: tuple[str, ...] = ("lunch", "dinner")) -> tuple[DietProfile, ...]:
    """The 13 demo profiles with the targets of mealplan/data/nutrition_groups.toml."""
    with (DATA / "nutrition_groups.toml").open("rb") as fh:
        groups = tomllib.load(fh)
    out = []
    for code, (group, iddsi, exclusion, headcount, dinner) in DEMO_PROFILES.items():
        g = groups[group]
        staple_tags = frozenset(g.get("required_staple_tags", []))
        served = frozenset(s for s in services if s == "lunch" or dinner)
        out.append(
            DietProfile(
                code,
                demo_bounds(g),
                excluded_allergens=(
                    frozenset({"fish", "crustacean", "mollusc"})
                    if exclusion == "seafood"
                    else frozenset()
                ),
                halal=exclusion == "halal",
                vegetarian=exclusion == "vegetarian",
                max_iddsi=iddsi,
                excluded_tags=frozenset(g.get("excluded_tags", [])),
                required_tags={"staple": staple_tags} if staple_tags else {},
                budget_fen=700,
                budget_hard=True,
                no_repeat_days=7,
                food_group_rules=DEMO_WEEK,
                headcount=headcount,
                structures=DEMO_STRUCTURES,
                services=served or frozenset({"lunch"}),
            )
        )
    return tuple(out)


def demo_problem(
    days: int = 7, share: float = 0.0, profiles: tuple[DietProfile, ...] | None = None
) -> MenuProblem | None:
    """The demo catalogue and profiles over ``days`` days, or None without the CSV files."""
    dishes = demo_dishes()
    if dishes is None:
        return None
    start = date(2026, 12, 7)
    return MenuProblem(
        dishes=dishes,
        profiles=profiles or demo_profiles(),
        dates=tuple(start + timedelta(days=i) for i in range(days)),
        services=("lunch", "dinner"),
        share_reward_fen=share,
        penalty_per_diner=True,
    )


def run(name: str, problem: MenuProblem, params: MenuParams) -> MenuResult:
    r = solve_menu(problem, params)
    solve_s = r.wall_s - r.build_s
    gap = "n/a" if r.gap is None else f"{100 * r.gap:.3f}%"
    obj = "n/a" if r.objective is None else f"{r.objective:.0f}"
    bound = "n/a" if r.bound is None else f"{r.bound:.0f}"
    print(
        f"{name:<34} {params.backend:<6} build {r.build_s:5.1f} s  solve {solve_s:5.1f} s  "
        f"total {r.wall_s:5.1f} s  obj {obj:>9}  bound {bound:>9}  gap {gap:>8}  "
        f"{r.status.value:<11} patterns {r.n_patterns}{'' if r.complete else ' (capped)'} "
        f"bound_kind {r.bound_kind}"
    )
    for e in r.explanations[:8]:
        print(f"    {e.message}")
    return r


def command_line_params(args: argparse.Namespace, backend: str) -> MenuParams:
    """The solver limits given on the command line (the demo runs keep the default column
    generation settings)."""
    return MenuParams(
        backend=backend,
        time_limit_s=args.time_limit,
        total_time_s=args.total,
        threads=args.threads,
        seed=args.seed,
        node_limit=args.node_limit,
        model=args.model,
        mip_node_limit=args.mip_node_limit,
        polish_passes=args.polish_passes,
    )


def run_demo(args: argparse.Namespace, backend: str) -> None:
    params = command_line_params(args, backend)
    problem = demo_problem(args.days)
    if problem is None:
        print("demo catalogue: mealplan/data/dishes.csv or ingredients.csv missing, skipped")
        return
    print(f"demo catalogue: {len(problem.dishes)} dishes, {len(problem.profiles)} profiles")
    ok: list[DietProfile] = []
    for profile in problem.profiles:
        alone = dataclasses.replace(problem, profiles=(profile,))
        r = solve_menu(alone, params)
        if r.is_feasible():
            ok.append(profile)
        misses = sum(len(m.shortfalls) for m in r.meals)
        services = "+".join(s for s in problem.services if s in profile.services)
        group_notes = [e for e in r.explanations if e.rule.startswith("food_group")]
        print(
            f"  {profile.code:<18} {services:<12} {r.status.value:<11} {len(r.meals):>2} meals "
            f"{r.wall_s:5.1f} s  per-meal soft misses {misses:>3}  "
            f"food-group shortfalls {len(group_notes)}"
        )
        for e in r.explanations:
            if not r.is_feasible() or e.rule.startswith("food_group"):
                print(f"      {e.message}")
    if len(ok) < len(problem.profiles):
        print(f"  together: the {len(ok)} profiles with a feasible menu alone")
    for share in (float(s) for s in args.share.split(",")):
        together = dataclasses.replace(problem, profiles=tuple(ok), share_reward_fen=share)
        run(f"demo {len(problem.dishes)}x{len(ok)}x{args.days} share={share:g}", together, params)


def with_issue13_rules(problem: MenuProblem) -> MenuProblem:
    """The issue-13 rules on a problem: the main (or side) slot takes a protein dish,
    rotation rules, the quality objective inside a 450-600 fen band."""

    def protein(st: MealStructure) -> MealStructure:
        slots = tuple(
            Slot(s.category, MEAT_GROUPS) if s.category in ("main", "side") else s for s in st.slots
        )
        return dataclasses.replace(st, slots=slots)

    profiles = tuple(
        dataclasses.replace(
            p,
            structures=tuple(protein(st) for st in p.structures)
            if not p.vegetarian
            else p.structures,
            rotation=RotationRules(),
            cost_band_fen=(450, 600),
        )  # fmt: skip
        for p in problem.profiles
    )
    return dataclasses.replace(problem, profiles=profiles, quality=QualityWeights())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--total", type=float, default=30.0, help="whole-call budget (s)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backends", default="highs,cbc")
    ap.add_argument("--share", default="0,30", help="sharing rewards (fen) to run")
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--node-limit", type=int, default=MenuParams.node_limit)
    ap.add_argument("--demo", action="store_true", help="also run the demo catalogue")
    ap.add_argument("--demo-only", action="store_true", help="run the demo catalogue only")
    ap.add_argument("--cg-rounds", type=int, default=MenuParams.cg_rounds)
    ap.add_argument("--pricing-node-limit", type=int, default=MenuParams.pricing_node_limit)
    ap.add_argument("--patterns-per-dish", type=int, default=MenuParams.patterns_per_dish)
    ap.add_argument("--cg-gap", type=float, default=MenuParams.cg_gap)
    ap.add_argument(
        "--model",
        choices=MENU_MODELS,
        default=MenuParams.model,
        help="patterns: enumeration + column generation; weekly: one compact MIP per profile",
    )
    ap.add_argument("--mip-node-limit", type=int, default=MenuParams.mip_node_limit)
    ap.add_argument(
        "--polish-passes",
        type=int,
        default=MenuParams.polish_passes,
        help="weekly model: local-search passes after the MIP",
    )
    ap.add_argument(
        "--rules",
        action="store_true",
        help="issue 13 rules: protein slots, rotation, quality objective in a 450-600 band",
    )
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    print(f"machine: {cpu_model()}, {args.threads} threads, Python {platform.python_version()}")
    for backend in args.backends.split(","):
        params = dataclasses.replace(
            command_line_params(args, backend),
            cg_rounds=args.cg_rounds,
            pricing_node_limit=args.pricing_node_limit,
            patterns_per_dish=args.patterns_per_dish,
            cg_gap=args.cg_gap,
        )
        if not args.demo_only:
            for share in (float(s) for s in args.share.split(",")):
                problem = synthetic_problem(
                    n_days=args.days, seed=args.seed, share_reward_fen=share
                )
                if args.rules:
                    problem = with_issue13_rules(problem)
                run(f"synthetic 300x8x{args.days}x2 share={share:g}", problem, params)
        if args.demo or args.demo_only:
            run_demo(args, backend)


if __name__ == "__main__":
    main()
