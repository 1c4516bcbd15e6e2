"""Check the shipped dish catalogue against the ingredient table and the demo diet profiles.

Loads ``mealplan/data/ingredients.csv`` and ``mealplan/data/dishes.csv``, computes nutrients
and ingredient cost per serving (grams as purchased x edible fraction x per-100 g values;
cost = grams / 1000 x price per kg as purchased), prints one line per dish, then, for every
demo profile, counts the distinct feasible lunches and how many distinct dishes of each
course appear in at least one of them.

A lunch is staple + soup + either (main + two different vegetables) or (side + vegetable),
plus optionally one fruit. Every combination is enumerated (vectorised with numpy).

Usage::

    python scripts/check_catalogue.py [--data-dir PATH] [--quiet] [--profile NAME ...]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mealplan.domain.vocab import NUTRIENT_KEYS

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "mealplan" / "data"

NUTRIENTS: tuple[str, ...] = NUTRIENT_KEYS
SEAFOOD = {"fish", "crustacean", "mollusc"}
CATEGORIES = ("staple", "main", "side", "vegetable", "soup", "fruit")
BUDGET_FEN = 800
#: what a profile needs to count as "a month of variety"
MIN_MAINS, MIN_VEGETABLES, MIN_STAPLES, MIN_SOUPS = 7, 10, 3, 3


@dataclass
class Dish:
    code: str
    name_zh: str
    category: str
    iddsi: int
    tags: set[str]
    base_dish: str
    lines: list[tuple[str, float]] = field(default_factory=list)
    nutrients: dict[str, float] = field(default_factory=dict)
    cost_fen: float = 0.0
    halal: bool = True
    vegetarian: bool = True
    allergens: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Bounds:
    energy: tuple[float, float]
    protein: tuple[float, float]
    fat_pct: tuple[float, float]
    carb_pct: tuple[float, float]
    sodium_max: float
    carb_max_g: float | None = None
    fibre_min: float | None = None
    calcium_min: float | None = None
    potassium_max: float | None = None
    phosphorus_max: float | None = None


REGULAR = Bounds((550, 750), (22, 1e9), (20, 30), (50, 65), 800, fibre_min=7, calcium_min=200)
LOW_SODIUM = Bounds((550, 750), (22, 1e9), (20, 30), (50, 65), 500, fibre_min=7, calcium_min=200)
DIABETIC = Bounds((500, 700), (22, 1e9), (20, 30), (45, 55), 800, carb_max_g=75, fibre_min=9)
RENAL = Bounds((500, 700), (12, 18), (25, 35), (50, 65), 700, potassium_max=700, phosphorus_max=300)


@dataclass(frozen=True)
class Profile:
    name: str
    bounds: Bounds
    max_iddsi: int = 7
    halal: bool = False
    vegetarian: bool = False
    no_seafood: bool = False
    forbid_tags: frozenset[str] = frozenset()
    staple_tag: str | None = None


PROFILES: tuple[Profile, ...] = (
    Profile("regular", REGULAR),
    Profile("low_sodium", LOW_SODIUM, forbid_tags=frozenset({"pickled"})),
    Profile("diabetic", DIABETIC, forbid_tags=frozenset({"added_sugar"}), staple_tag="whole_grain"),
    Profile("renal", RENAL),
    Profile("soft", REGULAR, max_iddsi=6),
    Profile("minced", REGULAR, max_iddsi=5),
    Profile("pureed", REGULAR, max_iddsi=4),
    Profile("low_sodium+minced", LOW_SODIUM, max_iddsi=5, forbid_tags=frozenset({"pickled"})),
    Profile(
        "diabetic+soft",
        DIABETIC,
        max_iddsi=6,
        forbid_tags=frozenset({"added_sugar"}),
        staple_tag="whole_grain",
    ),
    Profile("halal", REGULAR, halal=True),
    Profile("halal+low_sodium", LOW_SODIUM, halal=True, forbid_tags=frozenset({"pickled"})),
    Profile("vegetarian", REGULAR, vegetarian=True),
    Profile("no_seafood", REGULAR, no_seafood=True),
)


def load_ingredients(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def load_dishes(path: Path, ingredients: dict[str, dict[str, str]]) -> dict[str, Dish]:
    """Dishes with per-serving nutrients, cost and dietary flags computed from the recipe."""
    dishes: dict[str, Dish] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code"]
            dish = dishes.get(code)
            if dish is None:
                dish = Dish(
                    code=code,
                    name_zh=row["name_zh"],
                    category=row["category"],
                    iddsi=int(row["iddsi_level"]),
                    tags={t for t in row["tags"].split(";") if t},
                    base_dish=row["base_dish"],
                    nutrients=dict.fromkeys(NUTRIENTS, 0.0),
                )
                dishes[code] = dish
            ingredient = ingredients[row["ingredient"]]
            grams = float(row["grams"])
            dish.lines.append((row["ingredient"], grams))
            eaten = grams * float(ingredient["edible_fraction"])
            for key in NUTRIENTS:
                value = ingredient[key]
                if value:
                    dish.nutrients[key] += eaten * float(value) / 100
            dish.cost_fen += grams / 1000 * int(ingredient["price_fen_per_kg"])
            dish.halal &= ingredient["halal"] == "true"
            dish.vegetarian &= ingredient["vegetarian"] == "true"
            dish.allergens |= {a for a in ingredient["allergens"].split(";") if a}
    return dishes


def print_dishes(dishes: dict[str, Dish]) -> None:
    header = (
        f"{'code':34} {'cat':9} {'L':>1} {'kcal':>5} {'prot':>5} {'fat':>5} {'carb':>5} "
        f"{'fib':>4} {'Na':>5} {'K':>5} {'Ca':>5} {'P':>5} {'fen':>5}  flags"
    )
    print(header)
    for d in sorted(dishes.values(), key=lambda d: (d.category, d.code)):
        n = d.nutrients
        flags = ("H" if d.halal else "-") + ("V" if d.vegetarian else "-")
        print(
            f"{d.code:34} {d.category:9} {d.iddsi:>1} {n['energy_kcal']:5.0f} "
            f"{n['protein_g']:5.1f} {n['fat_g']:5.1f} {n['carbohydrate_g']:5.1f} "
            f"{n['fibre_g']:4.1f} {n['sodium_mg']:5.0f} {n['potassium_mg']:5.0f} "
            f"{n['calcium_mg']:5.0f} {n['phosphorus_mg']:5.0f} {d.cost_fen:5.0f}  {flags} "
            f"{';'.join(sorted(d.tags))}"
        )


def allowed(dish: Dish, profile: Profile) -> bool:
    if dish.iddsi > profile.max_iddsi:
        return False
    if profile.halal and not dish.halal:
        return False
    if profile.vegetarian and not dish.vegetarian:
        return False
    if profile.no_seafood and dish.allergens & SEAFOOD:
        return False
    if dish.tags & profile.forbid_tags:
        return False
    return not (
        dish.category == "staple"
        and profile.staple_tag is not None
        and profile.staple_tag not in dish.tags
    )


def vector(dishes: Sequence[Dish]) -> np.ndarray:
    """Rows of [nutrients..., cost] per dish."""
    if not dishes:
        return np.zeros((0, len(NUTRIENTS) + 1))
    return np.array([[d.nutrients[k] for k in NUTRIENTS] + [d.cost_fen] for d in dishes])


def feasible_mask(total: np.ndarray, b: Bounds) -> np.ndarray:
    """Which summed lunches (last axis = nutrients + cost) satisfy the bounds."""
    idx = {k: i for i, k in enumerate(NUTRIENTS)}
    kcal = total[..., idx["energy_kcal"]]
    prot = total[..., idx["protein_g"]]
    fat = total[..., idx["fat_g"]] * 9
    carb_g = total[..., idx["carbohydrate_g"]]
    carb = carb_g * 4
    ok = (kcal >= b.energy[0]) & (kcal <= b.energy[1])
    ok &= (prot >= b.protein[0]) & (prot <= b.protein[1])
    ok &= (fat >= b.fat_pct[0] / 100 * kcal) & (fat <= b.fat_pct[1] / 100 * kcal)
    ok &= (carb >= b.carb_pct[0] / 100 * kcal) & (carb <= b.carb_pct[1] / 100 * kcal)
    ok &= total[..., idx["sodium_mg"]] <= b.sodium_max
    ok &= total[..., -1] <= BUDGET_FEN
    if b.carb_max_g is not None:
        ok &= carb_g <= b.carb_max_g
    if b.fibre_min is not None:
        ok &= total[..., idx["fibre_g"]] >= b.fibre_min
    if b.calcium_min is not None:
        ok &= total[..., idx["calcium_mg"]] >= b.calcium_min
    if b.potassium_max is not None:
        ok &= total[..., idx["potassium_mg"]] <= b.potassium_max
    if b.phosphorus_max is not None:
        ok &= total[..., idx["phosphorus_mg"]] <= b.phosphorus_max
    return ok


def violation(total: np.ndarray, b: Bounds) -> np.ndarray:
    """Sum of relative bound violations per summed lunch (0 = feasible)."""
    idx = {k: i for i, k in enumerate(NUTRIENTS)}
    kcal = np.maximum(total[..., idx["energy_kcal"]], 1.0)
    fat_pct = total[..., idx["fat_g"]] * 900 / kcal
    carb_pct = total[..., idx["carbohydrate_g"]] * 400 / kcal
    checks: list[tuple[np.ndarray, float | None, float | None]] = [
        (kcal, *b.energy),
        (total[..., idx["protein_g"]], *b.protein),
        (fat_pct, *b.fat_pct),
        (carb_pct, *b.carb_pct),
        (total[..., idx["sodium_mg"]], None, b.sodium_max),
        (total[..., -1], None, BUDGET_FEN),
        (total[..., idx["carbohydrate_g"]], None, b.carb_max_g),
        (total[..., idx["fibre_g"]], b.fibre_min, None),
        (total[..., idx["calcium_mg"]], b.calcium_min, None),
        (total[..., idx["potassium_mg"]], None, b.potassium_max),
        (total[..., idx["phosphorus_mg"]], None, b.phosphorus_max),
    ]
    out = np.zeros(total.shape[:-1])
    for value, lo, hi in checks:
        if lo is not None:
            out += np.maximum(lo - value, 0) / max(lo, 1.0)
        if hi is not None and hi < 1e8:
            out += np.maximum(value - hi, 0) / max(hi, 1.0)
    return out


@dataclass
class ProfileResult:
    combinations: int = 0
    estimated: float = 0.0
    found: set[tuple[int, ...]] = field(default_factory=set)
    mains: set[str] = field(default_factory=set)
    sides: set[str] = field(default_factory=set)
    vegetables: set[str] = field(default_factory=set)
    staples: set[str] = field(default_factory=set)
    soups: set[str] = field(default_factory=set)
    fruits: set[str] = field(default_factory=set)

    @property
    def month_of_variety(self) -> bool:
        return (
            len(self.found) >= 30
            and len(self.mains | self.sides) >= MIN_MAINS
            and len(self.vegetables) >= MIN_VEGETABLES
            and len(self.staples) >= MIN_STAPLES
            and len(self.soups) >= MIN_SOUPS
        )


def evaluate(
    dishes: dict[str, Dish],
    profile: Profile,
    samples: int = 200_000,
    per_dish: int = 2_000,
    restarts: int = 20,
) -> ProfileResult:
    """Sample lunches allowed for the profile and collect the feasible ones.

    A uniform sample estimates how many of all combinations are feasible; a further sample
    per main, side and vegetable (lunches forced to contain that dish), followed by a greedy
    repair search from random starts when sampling finds nothing, finds which dishes can be
    part of a feasible lunch at all. Fixed seed, so the output is reproducible.
    """
    pool: dict[str, list[Dish]] = {c: [] for c in CATEGORIES}
    for d in sorted(dishes.values(), key=lambda d: d.code):
        if allowed(d, profile):
            pool[d.category].append(d)
    result = ProfileResult()
    mains, sides, vegs = pool["main"], pool["side"], pool["vegetable"]
    staples, soups, fruits = pool["staple"], pool["soup"], pool["fruit"]
    proteins = mains + sides
    if not (staples and soups and vegs and proteins):
        return result
    width = len(NUTRIENTS) + 1
    zero = np.zeros((1, width))
    p_vec = vector(proteins)
    v_vec = np.vstack([vector(vegs), zero])  # last row = "no second vegetable"
    s_vec, so_vec = vector(staples), vector(soups)
    f_vec = np.vstack([zero, vector(fruits)])  # row 0 = no fruit
    n_v, n_rest = len(vegs), len(staples) * len(soups) * (len(fruits) + 1)
    combos_a = len(mains) * (n_v * (n_v - 1) // 2) * n_rest
    combos_b = len(sides) * n_v * n_rest
    result.combinations = combos_a + combos_b
    rng = np.random.default_rng(20250101)

    def draw(n: int, protein: int | None = None, veg: int | None = None) -> np.ndarray:
        """n lunches as rows (protein, veg1, veg2, staple, soup, fruit)."""
        if protein is not None:
            is_main = np.full(n, protein < len(mains))
            p = np.full(n, protein)
        else:
            share_a = combos_a / max(result.combinations, 1)
            is_main = rng.random(n) < share_a
            p = np.where(
                is_main,
                rng.integers(0, max(len(mains), 1), n),
                len(mains) + rng.integers(0, max(len(sides), 1), n),
            )
        if n_v < 2:
            is_main &= False
        v1 = rng.integers(0, n_v, n) if veg is None else np.full(n, veg)
        v2 = (v1 + rng.integers(1, max(n_v, 2), n)) % n_v
        v2 = np.where(is_main, v2, n_v)
        s = rng.integers(0, len(staples), n)
        so = rng.integers(0, len(soups), n)
        f = rng.integers(0, len(fruits) + 1, n)
        return np.stack([p, v1, v2, s, so, f], axis=1)

    def check(idx: np.ndarray) -> np.ndarray:
        total = p_vec[idx[:, 0]] + v_vec[idx[:, 1]] + v_vec[idx[:, 2]]
        total += s_vec[idx[:, 3]] + so_vec[idx[:, 4]] + f_vec[idx[:, 5]]
        return idx[feasible_mask(total, profile.bounds)]

    slot_vecs = [p_vec, v_vec, v_vec, s_vec, so_vec, f_vec]

    def search(start: np.ndarray, fixed: int) -> np.ndarray:
        """Greedy repair of one lunch: re-pick each free course to reduce the bound
        violation until feasible or stuck. Returns the lunch (or an empty array)."""
        row = start.copy()
        is_main = row[2] < n_v
        for _ in range(8):
            improved = False
            for slot in range(1, 6):
                if slot == fixed or (slot == 2 and not is_main):
                    continue
                options = np.arange(slot_vecs[slot].shape[0])
                if slot in (1, 2):
                    other = row[3 - slot]
                    options = options[(options < n_v) & (options != other)]
                trial = np.repeat(row[None, :], len(options), axis=0)
                trial[:, slot] = options
                total = sum(slot_vecs[k][trial[:, k]] for k in range(6))
                v = violation(total, profile.bounds)
                best = int(np.argmin(v))
                if trial[best, slot] != row[slot]:
                    current = violation(
                        sum(slot_vecs[k][row[k]] for k in range(6))[None, :], profile.bounds
                    )[0]
                    if v[best] < current - 1e-12:
                        row = trial[best]
                        improved = True
                if v[best] <= 0:
                    return row[None, :]
            if not improved:
                break
        return np.zeros((0, 6), dtype=int)

    uniform = check(draw(samples))
    result.estimated = len(uniform) / samples * result.combinations
    batches = [uniform]
    targets = [(i, None) for i in range(len(proteins)) if i >= len(mains) or n_v >= 2]
    targets += [(None, j) for j in range(n_v)]
    for protein_i, veg_j in targets:
        found = check(draw(per_dish, protein=protein_i, veg=veg_j))
        if not len(found):  # rare dish: greedy search from random starts
            fixed = 0 if protein_i is not None else 1
            starts = draw(restarts, protein=protein_i, veg=veg_j)
            found = np.vstack([search(r, fixed) for r in starts])
        batches.append(found)
    batches.append(check(draw(per_dish * 10)))
    for idx in batches:
        for row in idx:
            p, v1, v2, s, so, f = (int(x) for x in row)
            veg_set = tuple(sorted(v for v in (v1, v2) if v < n_v))
            result.found.add((p, *veg_set, s, so, f))
            (result.mains if p < len(mains) else result.sides).add(proteins[p].code)
            result.vegetables.update(vegs[v].code for v in veg_set)
            result.staples.add(staples[s].code)
            result.soups.add(soups[so].code)
            if f:
                result.fruits.add(fruits[f - 1].code)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--quiet", action="store_true", help="skip the per-dish table")
    parser.add_argument("--profile", action="append", help="only these profiles")
    args = parser.parse_args(argv)
    ingredients = load_ingredients(args.data_dir / "ingredients.csv")
    dishes = load_dishes(args.data_dir / "dishes.csv", ingredients)
    if not args.quiet:
        print_dishes(dishes)
        print()
    print(
        f"{'profile':20} {'combinations':>13} {'est.feasible':>12} {'found':>7} {'mains':>5} "
        f"{'sides':>5} "
        f"{'vegs':>5} {'staples':>7} {'soups':>5} {'fruits':>6}  month?"
    )
    all_ok = True
    for profile in PROFILES:
        if args.profile and profile.name not in args.profile:
            continue
        r = evaluate(dishes, profile)
        all_ok &= r.month_of_variety
        print(
            f"{profile.name:20} {r.combinations:>13} {r.estimated:>12.0f} {len(r.found):>7} "
            f"{len(r.mains):>5} {len(r.sides):>5} {len(r.vegetables):>5} {len(r.staples):>7} {len(r.soups):>5} "
            f"{len(r.fruits):>6}  {'yes' if r.month_of_variety else 'NO'}"
        )
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
