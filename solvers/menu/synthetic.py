"""Seeded synthetic catalogues and diet profiles for benchmarks and smoke tests.

Nutrient ranges per serving follow typical Chinese canteen portions (staple ~150 g cooked
grain, main ~90 g meat/fish/egg/bean curd, vegetable ~150 g, soup ~250 ml); energy is
4 kcal/g protein and carbohydrate, 9 kcal/g fat, 2 kcal/g fibre. Not real data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from solvers.menu.types import (
    STANDARD_STRUCTURE,
    DietProfile,
    Dish,
    FoodGroupRule,
    MealStructure,
    MenuProblem,
    NutrientBound,
    Slot,
)

__all__ = ["synthetic_dishes", "synthetic_problem", "synthetic_profiles"]

# category: count share, (protein, fat, carbohydrate, fibre) ranges g, sodium, potassium,
# calcium, phosphorus ranges mg, cost range fen
_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "staple": {
        "p": (3, 8),
        "f": (0.3, 3),
        "c": (38, 62),
        "fi": (0.3, 4),
        "na": (2, 180),
        "k": (40, 200),
        "ca": (5, 40),
        "ph": (40, 150),
        "cost": (30, 100),
    },
    "main": {
        "p": (13, 24),
        "f": (5, 15),
        "c": (2, 12),
        "fi": (0, 2),
        "na": (120, 450),
        "k": (200, 420),
        "ca": (15, 160),
        "ph": (140, 270),
        "cost": (180, 450),
    },
    "side": {
        "p": (6, 13),
        "f": (3, 10),
        "c": (4, 14),
        "fi": (1, 3),
        "na": (100, 380),
        "k": (180, 380),
        "ca": (20, 120),
        "ph": (70, 170),
        "cost": (110, 280),
    },
    "vegetable": {
        "p": (1, 4),
        "f": (1.5, 5),
        "c": (3, 12),
        "fi": (1.5, 4.5),
        "na": (40, 240),
        "k": (140, 420),
        "ca": (20, 170),
        "ph": (25, 90),
        "cost": (40, 140),
    },
    "soup": {
        "p": (1, 6),
        "f": (0.5, 4),
        "c": (2, 10),
        "fi": (0.3, 2),
        "na": (60, 300),
        "k": (60, 240),
        "ca": (10, 90),
        "ph": (20, 90),
        "cost": (20, 90),
    },
    "fruit": {
        "p": (0.3, 1),
        "f": (0, 0.5),
        "c": (10, 22),
        "fi": (1, 3),
        "na": (0, 5),
        "k": (100, 300),
        "ca": (5, 30),
        "ph": (10, 30),
        "cost": (40, 120),
    },
}
_SHARE = {"staple": 30, "main": 80, "side": 40, "vegetable": 90, "soup": 40, "fruit": 20}
_METHODS = {
    "staple": ["steam", "boil"],
    "main": ["braise", "steam", "stir_fry", "stew", "pan_fry", "deep_fry"],
    "side": ["stir_fry", "braise", "steam", "cold_mix"],
    "vegetable": ["stir_fry", "stir_fry", "boil", "cold_mix", "steam", "braise"],
    "soup": ["boil", "stew"],
    "fruit": ["raw"],
}
_MAIN_GROUPS = (
    ["pork"] * 6
    + ["poultry"] * 4
    + ["fish"] * 3
    + ["beef", "mutton"]
    + ["egg"] * 2
    + ["soy"] * 2
    + ["shellfish"]
)
_IDDSI_CYCLE = [7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 5, 5, 5, 5, 5, 4, 4]


def synthetic_dishes(n: int = 300, seed: int = 0) -> tuple[Dish, ...]:
    """``n`` dishes split over the categories like a 300-dish catalogue (seeded)."""
    rng = random.Random(seed)
    total = sum(_SHARE.values())
    counts = {c: max(2, round(n * s / total)) for c, s in _SHARE.items()}
    counts["vegetable"] += n - sum(counts.values())
    out: list[Dish] = []
    k = 0
    for category, count in counts.items():
        r = _RANGES[category]
        for j in range(count):
            u = {key: rng.uniform(*bounds) for key, bounds in r.items()}
            groups: set[str] = set()
            allergens: set[str] = set()
            tags: set[str] = set()
            if category == "staple":
                groups.add("grain")
                if j % 10 < 3:
                    tags.add("whole_grain")
                    u["fi"] += 2.0
                if j % 10 == 9:
                    tags.add("added_sugar")
                if j % 4 == 1:
                    allergens.add("gluten")
            elif category in ("main", "side"):
                g = _MAIN_GROUPS[(j * 7 + 3) % len(_MAIN_GROUPS)]
                groups.add(g)
                if category == "side":
                    groups.add("vegetable")
                allergen = {"fish": "fish", "egg": "egg", "soy": "soy", "shellfish": "crustacean"}
                if g in allergen:
                    allergens.add(allergen[g])
            elif category == "vegetable":
                groups.add("vegetable")
                if j % 10 == 4:
                    groups.add("pork")  # cooked with minced pork or lard
                if j % 7 == 2:
                    groups.add("fungi")
            elif category == "soup":
                groups.add(["vegetable", "egg", "soy", "pork", "poultry", "fish"][j % 6])
            else:
                groups.add("fruit")
            if category in ("main", "vegetable", "side") and j % 10 == 7:
                tags.add("pickled")
                u["na"] *= 1.6
            if category in ("main", "soup") and j % 12 == 5:
                tags.add("added_sugar")
            meat = groups & {"pork", "poultry", "fish", "beef", "mutton", "shellfish"}
            halal = "pork" not in groups and (not meat or j % 5 != 0)
            method = _METHODS[category][rng.randrange(len(_METHODS[category]))]
            if method == "cold_mix" and j % 2:
                allergens.add("sesame")
            energy = 4 * u["p"] + 9 * u["f"] + 4 * u["c"] + 2 * u["fi"]
            iddsi = 7 if category == "fruit" and j % 3 else _IDDSI_CYCLE[(k * 3) % 20]
            out.append(
                Dish(
                    code=f"{category[:3]}{j:03d}",
                    category=category,
                    cost_fen=round(u["cost"]),
                    nutrients={
                        "energy_kcal": round(energy, 1),
                        "protein_g": round(u["p"], 1),
                        "fat_g": round(u["f"], 1),
                        "carbohydrate_g": round(u["c"], 1),
                        "fibre_g": round(u["fi"], 1),
                        "sodium_mg": round(u["na"]),
                        "potassium_mg": round(u["k"]),
                        "calcium_mg": round(u["ca"]),
                        "phosphorus_mg": round(u["ph"]),
                    },
                    iddsi_level=iddsi,
                    allergens=frozenset(allergens),
                    halal=halal,
                    vegetarian=not meat,
                    food_groups=frozenset(groups),
                    cooking_method=method,
                    tags=frozenset(tags),
                    rating=round(rng.uniform(2.5, 5.0), 1),
                )
            )
            k += 1
    return tuple(out)


def _lunch_bounds(sodium_max: float = 800, sodium_hard: bool = False) -> tuple[NutrientBound, ...]:
    return (
        NutrientBound("energy_kcal", 550, 750, weight=10),
        NutrientBound("protein_g", min=22, weight=10),
        NutrientBound("fat_pct_energy", 20, 30, weight=5),
        NutrientBound("carbohydrate_pct_energy", 50, 65, weight=5),
        NutrientBound("sodium_mg", max=sodium_max, hard=sodium_hard, weight=10),
        NutrientBound("fibre_g", min=7, weight=5),
        NutrientBound("calcium_mg", min=200, weight=3),
    )


def synthetic_profiles() -> tuple[DietProfile, ...]:
    """Eight diet profiles after the project's suggested lunch defaults."""
    regular = _lunch_bounds()
    week = (FoodGroupRule("fish", min=2), FoodGroupRule("pork", max=3))
    small_meat = MealStructure(
        "small_meat",
        (Slot("staple"), Slot("side"), Slot("vegetable"), Slot("vegetable"), Slot("soup")),
    )
    diabetic = tuple(b for b in regular if b.key not in ("carbohydrate_pct_energy", "fibre_g"))
    diabetic += (
        NutrientBound("carbohydrate_pct_energy", 45, 55, weight=5),
        NutrientBound("carbohydrate_g", max=75, weight=10),
        NutrientBound("fibre_g", min=9, weight=5),
    )
    renal = tuple(b for b in regular if b.key not in ("protein_g", "fat_pct_energy"))
    renal += (
        NutrientBound("protein_g", 12, 18, weight=5),
        NutrientBound("fat_pct_energy", 25, 35, weight=5),
        NutrientBound("potassium_mg", max=700, weight=5),
        NutrientBound("phosphorus_mg", max=300, weight=5),
    )
    return (
        DietProfile("regular", regular, budget_fen=700, food_group_rules=week, headcount=120),
        DietProfile(
            "soft", regular, max_iddsi=6, budget_fen=700, food_group_rules=week, headcount=30
        ),
        DietProfile(
            "minced",
            regular,
            max_iddsi=5,
            budget_fen=750,
            no_repeat_days=3,
            food_group_rules=(FoodGroupRule("fish", min=1),),
            headcount=15,
        ),
        DietProfile(
            "low_sodium",
            _lunch_bounds(500, sodium_hard=True),
            excluded_tags=frozenset({"pickled"}),
            budget_fen=700,
            food_group_rules=week,
            headcount=60,
        ),
        DietProfile(
            "diabetic",
            diabetic,
            excluded_tags=frozenset({"added_sugar"}),
            required_tags={"staple": frozenset({"whole_grain", "low_gi"})},
            budget_fen=700,
            food_group_rules=week,
            headcount=45,
        ),
        DietProfile(
            "renal",
            renal,
            budget_fen=700,
            structures=(small_meat, STANDARD_STRUCTURE),
            food_group_rules=week,
            headcount=10,
        ),
        DietProfile(
            "halal",
            regular,
            halal=True,
            budget_fen=750,
            food_group_rules=(FoodGroupRule("fish", min=2),),
            headcount=20,
        ),
        DietProfile(
            "vegetarian",
            regular,
            vegetarian=True,
            budget_fen=650,
            no_repeat_days=5,
            excluded_allergens=frozenset({"sesame"}),
            headcount=12,
        ),
    )


def synthetic_problem(
    n_dishes: int = 300,
    n_days: int = 7,
    services: tuple[str, ...] = ("lunch", "dinner"),
    seed: int = 0,
    share_reward_fen: float = 0.0,
    start: date = date(2026, 12, 7),
) -> MenuProblem:
    """The benchmark case: ``n_dishes`` x 8 profiles x ``n_days`` x services."""
    return MenuProblem(
        dishes=synthetic_dishes(n_dishes, seed),
        profiles=synthetic_profiles(),
        dates=tuple(start + timedelta(days=i) for i in range(n_days)),
        services=services,
        share_reward_fen=share_reward_fen,
    )
