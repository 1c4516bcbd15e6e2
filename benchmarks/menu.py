"""Menu model benchmark: prints build time, solve time, objective, bound, gap and status.

    python benchmarks/menu.py [--time-limit 30] [--threads 2] [--backends highs,cbc]
                              [--share 0,30] [--days 7]

(a) synthetic catalogue: 300 seeded dishes x 8 diet profiles x N days x lunch and dinner;
(b) the shipped demo catalogue when mealplan/data/dishes.csv and ingredients.csv exist
    (nutrients per serving = sum grams x edible_fraction x per_100g / 100).
Timings are wall-clock on a shared machine: other jobs on the same cores make them noisy.
"""

from __future__ import annotations

import argparse
import csv
import logging
import platform
import subprocess
from datetime import date, timedelta
from pathlib import Path

from solvers.menu import NUTRIENT_KEYS, Dish, MenuParams, MenuProblem, solve_menu
from solvers.menu.synthetic import synthetic_problem, synthetic_profiles

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


def run(name: str, problem: MenuProblem, params: MenuParams) -> None:
    r = solve_menu(problem, params)
    solve_s = r.wall_s - r.build_s
    gap = "n/a" if r.gap is None else f"{100 * r.gap:.3f}%"
    obj = "n/a" if r.objective is None else f"{r.objective:.0f}"
    bound = "n/a" if r.bound is None else f"{r.bound:.0f}"
    print(
        f"{name:<34} {params.backend:<6} build {r.build_s:6.1f} s  solve {solve_s:6.1f} s  "
        f"obj {obj:>9}  bound {bound:>9}  gap {gap:>8}  {r.status.value:<11} "
        f"patterns {r.n_patterns}"
    )
    for e in r.explanations[:5]:
        print(f"    {e.message}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backends", default="highs,cbc")
    ap.add_argument("--share", default="0,30", help="sharing rewards (fen) to run")
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    print(f"machine: {cpu_model()}, {args.threads} threads, Python {platform.python_version()}")
    for backend in args.backends.split(","):
        params = MenuParams(
            backend=backend, time_limit_s=args.time_limit, threads=args.threads, seed=args.seed
        )
        for share in (float(s) for s in args.share.split(",")):
            problem = synthetic_problem(n_days=args.days, seed=args.seed, share_reward_fen=share)
            run(f"synthetic 300x8x{args.days}x2 share={share:g}", problem, params)
        demo = demo_dishes()
        if demo is None:
            print("demo catalogue: mealplan/data/dishes.csv or ingredients.csv missing, skipped")
            continue
        start = date(2026, 12, 7)
        problem = MenuProblem(
            dishes=demo,
            profiles=synthetic_profiles(),
            dates=tuple(start + timedelta(days=i) for i in range(args.days)),
            services=("lunch", "dinner"),
        )
        run(f"demo {len(demo)} dishes x8x{args.days}x2", problem, params)


if __name__ == "__main__":
    main()
