"""Input and output types of the menu model: frozen, validated at construction.

Units at the boundary: money in integer fen (1 yuan = 100 fen), nutrients as floats per
serving with the unit in the key (``sodium_mg``), texture as the IDDSI level number.
String codes use the same values as ``mealplan.domain.vocab`` (not imported: solvers stay
pure).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from solvers.energy import RATIO_SOURCES
from solvers.status import SolveStatus

NUTRIENT_KEYS: tuple[str, ...] = (
    "energy_kcal",
    "protein_g",
    "fat_g",
    "carbohydrate_g",
    "fibre_g",
    "sodium_mg",
    "potassium_mg",
    "calcium_mg",
    "phosphorus_mg",
)
#: Share of energy from a macronutrient, in percent (Atwater factors: :mod:`solvers.energy`).
RATIO_KEYS: tuple[str, ...] = tuple(RATIO_SOURCES)
BOUND_KEYS: tuple[str, ...] = NUTRIENT_KEYS + RATIO_KEYS
CATEGORIES: tuple[str, ...] = ("staple", "main", "side", "vegetable", "soup", "fruit")
SERVICES: tuple[str, ...] = ("lunch", "dinner")
IDDSI_LEVELS: tuple[int, ...] = (3, 4, 5, 6, 7)


def key_stem(key: str) -> str:
    """A bound key without its unit, the stem of its rule ids (``sodium_mg`` -> ``sodium``)."""
    for unit in ("_kcal", "_mg", "_g"):
        if key.endswith(unit):
            return key[: -len(unit)]
    return key


def _fail(owner: str, name: str, value: object, why: str) -> ValueError:
    return ValueError(f"{owner}.{name}={value!r}: {why}")


def _check_code(owner: str, name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise _fail(owner, name, value, "must be a non-empty string")


def _check_weight(owner: str, name: str, value: float) -> None:
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise _fail(owner, name, value, "must be a finite number >= 0")


@dataclass(frozen=True)
class Dish:
    """A dish as served: one serving's nutrients and ingredient cost.

    ``nutrients`` maps keys of ``NUTRIENT_KEYS`` to amounts per serving (missing keys are
    0). ``food_groups`` are the groups of its ingredients (``pork``, ``fish``, ...), used by
    the weekly food-group rules. ``rating`` (1-5, optional) is the diners' mean rating
    over ``rating_count`` ratings; ``in_season_months`` (1-12) the months its vegetables
    are in season (empty: not seasonal).
    """

    code: str
    category: str
    cost_fen: int
    nutrients: Mapping[str, float]
    iddsi_level: int = 7
    allergens: frozenset[str] = frozenset()
    halal: bool = False
    vegetarian: bool = False
    food_groups: frozenset[str] = frozenset()
    cooking_method: str = ""
    tags: frozenset[str] = frozenset()
    rating: float | None = None
    rating_count: int = 0
    in_season_months: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        _check_code("Dish", "code", self.code)
        if isinstance(self.rating_count, bool) or self.rating_count < 0:
            raise _fail("Dish", "rating_count", self.rating_count, "must be an int >= 0")
        if not self.in_season_months <= frozenset(range(1, 13)):
            raise _fail("Dish", "in_season_months", self.in_season_months, "months 1-12")
        if self.category not in CATEGORIES:
            raise _fail("Dish", "category", self.category, f"must be one of {CATEGORIES}")
        if isinstance(self.cost_fen, bool) or not isinstance(self.cost_fen, int):
            raise _fail("Dish", "cost_fen", self.cost_fen, "must be an int (fen)")
        if self.cost_fen < 0:
            raise _fail("Dish", "cost_fen", self.cost_fen, "must be >= 0")
        for key, amount in self.nutrients.items():
            if key not in NUTRIENT_KEYS:
                raise _fail("Dish", "nutrients", key, f"unknown key; use {NUTRIENT_KEYS}")
            if not math.isfinite(amount) or amount < 0:
                raise _fail("Dish", f"nutrients[{key!r}]", amount, "must be finite and >= 0")
        if self.iddsi_level not in IDDSI_LEVELS:
            raise _fail("Dish", "iddsi_level", self.iddsi_level, f"must be in {IDDSI_LEVELS}")
        if self.rating is not None and not 1 <= self.rating <= 5:
            raise _fail("Dish", "rating", self.rating, "must be between 1 and 5")
        for name in ("allergens", "food_groups", "tags"):
            if not isinstance(getattr(self, name), frozenset):
                raise _fail("Dish", name, getattr(self, name), "must be a frozenset")

    def amount(self, key: str) -> float:
        """Amount of a nutrient per serving (0 when not given)."""
        return float(self.nutrients.get(key, 0.0))


@dataclass(frozen=True)
class Slot:
    """One dish of a meal structure: its category and, optionally, the food groups the dish
    must carry one of (the 荤 of 一荤两素: ``{"pork", "poultry", "fish", "egg", ...}``).

    ``food_groups`` None (or empty) accepts any dish of the category.
    """

    category: str
    food_groups: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise _fail("Slot", "category", self.category, f"must be in {CATEGORIES}")
        if self.food_groups is not None:
            if not isinstance(self.food_groups, frozenset):
                raise _fail("Slot", "food_groups", self.food_groups, "must be a frozenset")
            for group in self.food_groups:
                _check_code("Slot", "food_groups", group)
            if not self.food_groups:
                object.__setattr__(self, "food_groups", None)

    def accepts(self, dish: Dish) -> bool:
        """True when the dish may fill this slot (category and food-group set)."""
        if dish.category != self.category:
            return False
        return self.food_groups is None or bool(dish.food_groups & self.food_groups)

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        """Hashable, ordered identity of the slot (category, sorted food groups)."""
        return (self.category, tuple(sorted(self.food_groups or ())))


@dataclass(frozen=True)
class MealStructure:
    """A set-meal structure (price tier): the slots to fill, one dish per slot.

    ``slots`` lists a :class:`Slot` per dish (a plain category string is read as a slot
    without food-group requirement): 一荤两素一饭一汤 is
    ``(Slot("staple"), Slot("main", MEAT), Slot("vegetable"), Slot("vegetable"),
    Slot("soup"))``. ``services`` limits the structure to some services; ``budget_fen``
    overrides the profile's budget for this tier; ``price_fen`` is the tier's sale price
    (information for the printed menu; the solver does not use it).
    """

    code: str
    slots: tuple[Slot, ...]
    services: frozenset[str] = frozenset(SERVICES)
    budget_fen: int | None = None
    price_fen: int | None = None

    def __post_init__(self) -> None:
        _check_code("MealStructure", "code", self.code)
        if not self.slots:
            raise _fail("MealStructure", "slots", self.slots, "needs at least one slot")
        slots = tuple(Slot(s) if isinstance(s, str) else s for s in self.slots)
        for slot in slots:
            if not isinstance(slot, Slot):
                raise _fail("MealStructure", "slots", slot, "must be a Slot or a category")
        object.__setattr__(self, "slots", slots)
        if not self.services or not self.services <= set(SERVICES):
            raise _fail("MealStructure", "services", self.services, f"subset of {SERVICES}")
        if self.budget_fen is not None and self.budget_fen <= 0:
            raise _fail("MealStructure", "budget_fen", self.budget_fen, "must be > 0")
        if self.price_fen is not None and self.price_fen < 0:
            raise _fail("MealStructure", "price_fen", self.price_fen, "must be >= 0")

    def count(self, category: str) -> int:
        """Number of slots of a category."""
        return sum(1 for s in self.slots if s.category == category)

    @property
    def categories(self) -> tuple[str, ...]:
        """The category of every slot, in order."""
        return tuple(s.category for s in self.slots)


#: Food groups that make a dish 荤 (meat, poultry, fish, shellfish, egg).
MEAT_GROUPS: frozenset[str] = frozenset(
    {"pork", "beef", "mutton", "poultry", "fish", "shellfish", "egg"}
)
#: Protein groups of a vegetarian 荤 slot (soy, egg, dairy).
VEGETARIAN_PROTEIN_GROUPS: frozenset[str] = frozenset({"soy", "egg", "dairy"})

#: 一荤两素一饭一汤: one main, two vegetables, a staple and a soup (no food-group rule; the
#: product's default structures are data: ``mealplan/data/meal_structures.toml``).
STANDARD_STRUCTURE = MealStructure(
    "standard", (Slot("staple"), Slot("main"), Slot("vegetable"), Slot("vegetable"), Slot("soup"))
)


@dataclass(frozen=True)
class RotationRules:
    """How often a profile may meet the same dish or protein, per service (rule ids in
    :mod:`solvers.menu.rules`). Counted per block of ``period_days`` from the first date;
    every rule is soft at ``weight`` fen per unit of excess (per diner when penalties are),
    so a profile with too few dishes gets a menu and a named shortfall.

    Arguments:
        staple_max: a staple dish at most this many times per period (``staple_max``).
        soup_max: a soup dish at most this many times per period (``soup_max``).
        dish_max: any other dish at most this many times per period (``dish_max``).
        protein_max: meals whose main protein is one group (``PROTEIN_GROUPS``) at most
            this many per period (``protein_max``).
        no_consecutive: no dish on two consecutive served days, history included
            (``no_consecutive``).
        rice_tag: tag of the rice family (米饭); ``rice_min`` meals per period carry a
            staple with it where the profile may eat one (``rice_min``; 0 disables).
        weight: fen per unit of excess (a meal too many, a day repeated).
    """

    staple_max: int = 3
    soup_max: int = 2
    dish_max: int = 2
    protein_max: int = 3
    no_consecutive: bool = True
    rice_tag: str = "rice"
    rice_min: int = 4
    weight: float = 300.0
    period_days: int = 7

    def __post_init__(self) -> None:
        for name in ("staple_max", "soup_max", "dish_max", "protein_max", "rice_min"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _fail("RotationRules", name, value, "must be an int >= 0")
        _check_weight("RotationRules", "weight", self.weight)
        if self.period_days < 1:
            raise _fail("RotationRules", "period_days", self.period_days, "must be >= 1")


#: Main-protein groups the ``protein_max`` rule counts (beef and mutton count as one).
PROTEIN_GROUPS: Mapping[str, str] = {
    "pork": "pork",
    "poultry": "poultry",
    "fish": "fish",
    "shellfish": "fish",
    "egg": "egg",
    "beef": "beef_mutton",
    "mutton": "beef_mutton",
    "soy": "soy",
}


@dataclass(frozen=True)
class QualityWeights:
    """The quality score the menu maximises inside the cost band (fen-equivalents per
    meal and diner; docs/menu-model.md, "Objective").

    Arguments:
        rating_fen: per star of a dish's acceptability above 3 (below: a penalty); the
            acceptability is the rating shrunk to ``prior_rating`` with ``prior_count``
            pseudo-ratings: (prior_count x prior_rating + n x mean) / (prior_count + n).
        seasonal_fen: per vegetable or fruit dish in season in the horizon's month.
        protein_fen: per unit of protein quality of the meal's protein dishes
            (``protein_quality``: fish 1.0 ... pork 0.6).
        variety_fen: per dish the profile was not served in the ``history`` given.
        cost_under_fen: per fen of ingredient cost below the band's minimum.
        cost_over_fen: per fen above the band's maximum.
        protein_quality: quality per food group (the best group of a dish counts).
    """

    rating_fen: float = 40.0
    prior_rating: float = 3.0
    prior_count: float = 5.0
    seasonal_fen: float = 15.0
    protein_fen: float = 40.0
    variety_fen: float = 10.0
    cost_under_fen: float = 1.0
    cost_over_fen: float = 2.0
    protein_quality: Mapping[str, float] = field(
        default_factory=lambda: {
            "fish": 1.0,
            "shellfish": 0.9,
            "egg": 0.9,
            "dairy": 0.8,
            "poultry": 0.8,
            "beef": 0.8,
            "mutton": 0.8,
            "soy": 0.7,
            "pork": 0.6,
        }
    )

    def __post_init__(self) -> None:
        for name in (
            "rating_fen",
            "prior_count",
            "seasonal_fen",
            "protein_fen",
            "variety_fen",
            "cost_under_fen",
            "cost_over_fen",
        ):
            _check_weight("QualityWeights", name, getattr(self, name))
        if not 1 <= self.prior_rating <= 5:
            raise _fail("QualityWeights", "prior_rating", self.prior_rating, "must be in 1-5")
        for group, q in self.protein_quality.items():
            _check_weight("QualityWeights", f"protein_quality[{group!r}]", q)


@dataclass(frozen=True)
class LockedMeal:
    """A meal fixed by the dietitian: the profile gets exactly these dishes on that date
    and service (the solver plans the other meals around it). Also the shape of a served
    meal passed as ``MenuProblem.history``."""

    date: date
    service: str
    profile: str
    dishes: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.service not in SERVICES:
            raise _fail("LockedMeal", "service", self.service, f"must be in {SERVICES}")
        _check_code("LockedMeal", "profile", self.profile)
        if not self.dishes:
            raise _fail("LockedMeal", "dishes", self.dishes, "needs at least one dish")
        for code in self.dishes:
            _check_code("LockedMeal", "dishes", code)


@dataclass(frozen=True)
class NutrientBound:
    """Per-meal bound on a nutrient sum or an energy ratio.

    ``key`` is a nutrient key or a ratio key (``fat_pct_energy``: percent of the meal's
    energy from fat). ``service`` limits the bound to ``lunch`` or ``dinner`` (None: every
    service). A hard bound must hold; a soft bound may be missed at a penalty of
    ``weight`` fen per percent of violation relative to the bound (a bound of 0 is
    penalised per unit instead).
    """

    key: str
    min: float | None = None
    max: float | None = None
    hard: bool = False
    weight: float = 10.0
    service: str | None = None

    def __post_init__(self) -> None:
        if self.key not in BOUND_KEYS:
            raise _fail("NutrientBound", "key", self.key, f"must be one of {BOUND_KEYS}")
        if self.min is None and self.max is None:
            raise _fail("NutrientBound", "min", self.min, "give min, max or both")
        for name in ("min", "max"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise _fail("NutrientBound", name, value, "must be finite and >= 0")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise _fail("NutrientBound", "min", self.min, f"exceeds max={self.max}")
        _check_weight("NutrientBound", "weight", self.weight)
        if self.service is not None and self.service not in SERVICES:
            raise _fail("NutrientBound", "service", self.service, f"must be in {SERVICES}")

    @property
    def stem(self) -> str:
        """Rule stem: the key without its unit (``sodium_mg`` -> ``sodium``)."""
        return key_stem(self.key)


@dataclass(frozen=True)
class FoodGroupRule:
    """How many meals per period (default a week) may or must contain a food group.

    Counted per profile over consecutive blocks of ``period_days`` days from the first
    date of the horizon; a meal counts once however many of its dishes carry the group.
    A shorter last block gets the minimum scaled down (rounded down). Soft rules cost
    ``weight`` fen per meal missing or in excess.
    """

    group: str
    min: int | None = None
    max: int | None = None
    hard: bool = True
    weight: float = 200.0
    period_days: int = 7

    def __post_init__(self) -> None:
        _check_code("FoodGroupRule", "group", self.group)
        if self.min is None and self.max is None:
            raise _fail("FoodGroupRule", "min", self.min, "give min, max or both")
        for name in ("min", "max"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise _fail("FoodGroupRule", name, value, "must be an int >= 0")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise _fail("FoodGroupRule", "min", self.min, f"exceeds max={self.max}")
        _check_weight("FoodGroupRule", "weight", self.weight)
        if self.period_days < 1:
            raise _fail("FoodGroupRule", "period_days", self.period_days, "must be >= 1")


@dataclass(frozen=True)
class DietProfile:
    """A diet group that gets its own menu variant (base group + texture + exclusions).

    Arguments:
        code: stable id (``regular``, ``low_sodium_minced_halal``).
        bounds: per-meal nutrient and ratio bounds.
        excluded_allergens: a dish carrying any of them is excluded.
        halal, vegetarian: when True only halal / vegetarian dishes are allowed.
        max_iddsi: highest IDDSI level allowed (7 regular ... 3 liquidised).
        excluded_tags: a dish carrying any of them is excluded (``added_sugar``).
        required_tags: per category, a dish must carry at least one of the tags
            (``{"staple": frozenset({"whole_grain", "low_gi"})}``).
        budget_fen: ingredient budget per meal (None: no budget); ``budget_hard`` makes it
            a hard rule, else each fen over costs ``budget_weight`` fen of penalty.
        no_repeat_days: a dish of ``no_repeat_categories`` is served at most once in any
            window of that many consecutive days (0 disables).
        food_group_rules: weekly food-group bounds (fish >= 2, pork <= 3).
        distinct_method_categories: dishes of these categories in one meal must use
            different cooking methods (empty disables the rule).
        headcount: meals served (weights this profile's cost; None counts as 1).
        structures: alternative meal structures (price tiers); the solver picks one per
            meal among those valid for the service.
        services: services this profile is served (default both); a lunch-only profile
            gets no dinner in a lunch-and-dinner problem.
        rotation: the rotation rules (staple, soup, dish, protein, consecutive days, rice);
            None disables them.
        cost_band_fen: (min, max) ingredient cost per meal the kitchen means to spend; with
            ``MenuProblem.quality`` set, cost inside the band is free, outside it is
            priced (``QualityWeights.cost_under_fen`` / ``cost_over_fen``).
    """

    code: str
    bounds: tuple[NutrientBound, ...] = ()
    excluded_allergens: frozenset[str] = frozenset()
    halal: bool = False
    vegetarian: bool = False
    max_iddsi: int = 7
    excluded_tags: frozenset[str] = frozenset()
    required_tags: Mapping[str, frozenset[str]] = field(default_factory=dict)
    budget_fen: int | None = None
    budget_hard: bool = False
    budget_weight: float = 1.0
    no_repeat_days: int = 7
    no_repeat_categories: frozenset[str] = frozenset({"main", "side", "vegetable"})
    food_group_rules: tuple[FoodGroupRule, ...] = ()
    distinct_method_categories: frozenset[str] = frozenset({"main", "side", "vegetable"})
    headcount: int | None = None
    structures: tuple[MealStructure, ...] = (STANDARD_STRUCTURE,)
    services: frozenset[str] = frozenset(SERVICES)
    rotation: RotationRules | None = None
    cost_band_fen: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        _check_code("DietProfile", "code", self.code)
        if self.cost_band_fen is not None:
            lo, hi = self.cost_band_fen
            if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi):
                raise _fail("DietProfile", "cost_band_fen", self.cost_band_fen, "0 <= min <= max")
        if not self.services or not self.services <= set(SERVICES):
            raise _fail("DietProfile", "services", self.services, f"subset of {SERVICES}")
        if self.max_iddsi not in IDDSI_LEVELS:
            raise _fail("DietProfile", "max_iddsi", self.max_iddsi, f"must be in {IDDSI_LEVELS}")
        for category, tags in self.required_tags.items():
            if category not in CATEGORIES:
                raise _fail("DietProfile", "required_tags", category, f"not in {CATEGORIES}")
            if not tags:
                raise _fail("DietProfile", f"required_tags[{category!r}]", tags, "is empty")
        if self.budget_fen is not None and self.budget_fen <= 0:
            raise _fail("DietProfile", "budget_fen", self.budget_fen, "must be > 0")
        _check_weight("DietProfile", "budget_weight", self.budget_weight)
        if self.no_repeat_days < 0:
            raise _fail("DietProfile", "no_repeat_days", self.no_repeat_days, "must be >= 0")
        for name in ("no_repeat_categories", "distinct_method_categories"):
            bad = set(getattr(self, name)) - set(CATEGORIES)
            if bad:
                raise _fail("DietProfile", name, sorted(bad), f"not in {CATEGORIES}")
        if self.headcount is not None and self.headcount < 0:
            raise _fail("DietProfile", "headcount", self.headcount, "must be >= 0")
        if not self.structures:
            raise _fail("DietProfile", "structures", self.structures, "needs one structure")
        codes = [s.code for s in self.structures]
        if len(set(codes)) != len(codes):
            raise _fail("DietProfile", "structures", codes, "codes must be unique")
        seen: set[tuple[str, str | None]] = set()
        for bound in self.bounds:
            if (bound.key, bound.service) in seen:
                raise _fail("DietProfile", "bounds", bound.key, "given twice for a service")
            seen.add((bound.key, bound.service))

    def bounds_for(self, service: str) -> tuple[NutrientBound, ...]:
        """Bounds that apply to a service (a service-specific bound beats a general one)."""
        specific = {b.key for b in self.bounds if b.service == service}
        return tuple(
            b
            for b in self.bounds
            if b.service == service or (b.service is None and b.key not in specific)
        )

    def structures_for(self, service: str) -> tuple[MealStructure, ...]:
        """Structures allowed for a service."""
        return tuple(s for s in self.structures if service in s.services)

    @property
    def cost_weight(self) -> float:
        """Multiplier of this profile's ingredient cost in the objective."""
        return 1.0 if self.headcount is None else float(self.headcount)


@dataclass(frozen=True)
class MenuProblem:
    """Everything the menu model plans over.

    Arguments:
        dishes: the catalogue (codes unique).
        profiles: diet profiles to plan a menu variant for (codes unique).
        dates: the horizon, ascending, no duplicates.
        services: ``("lunch",)`` or ``("lunch", "dinner")``.
        rating_reward_fen: objective reward in fen per rating star above 3 (penalty below).
        share_reward_fen: objective reward in fen each time one more profile is served a
            dish another profile already gets in the same date and service (production
            simplicity). 0 lets the solver plan each profile separately.
        penalty_per_diner: when True every soft penalty (nutrient bounds, soft budget,
            soft food-group rules) is multiplied by the profile's headcount like its cost,
            so a missed target weighs per diner; when False (default) a penalty counts
            once per meal whatever the headcount.
        quality: when given, the objective is the quality score inside each profile's
            cost band (maximised; cost inside the band is free) instead of the cost.
        locked: meals fixed by the dietitian (exactly these dishes); validated against
            the catalogue, profiles, dates and services; the plan keeps them.
        history: meals served before the first date (the last week's menu): they count
            for ``no_repeat``, ``no_consecutive`` and the variety score.
    """

    dishes: tuple[Dish, ...]
    profiles: tuple[DietProfile, ...]
    dates: tuple[date, ...]
    services: tuple[str, ...] = ("lunch",)
    rating_reward_fen: float = 20.0
    share_reward_fen: float = 0.0
    penalty_per_diner: bool = False
    quality: QualityWeights | None = None
    locked: tuple[LockedMeal, ...] = ()
    history: tuple[LockedMeal, ...] = ()

    def __post_init__(self) -> None:
        if not self.dishes:
            raise _fail("MenuProblem", "dishes", self.dishes, "is empty")
        codes = [d.code for d in self.dishes]
        if len(set(codes)) != len(codes):
            dup = sorted({c for c in codes if codes.count(c) > 1})
            raise _fail("MenuProblem", "dishes", dup, "duplicate dish codes")
        if not self.profiles:
            raise _fail("MenuProblem", "profiles", self.profiles, "is empty")
        pcodes = [p.code for p in self.profiles]
        if len(set(pcodes)) != len(pcodes):
            raise _fail("MenuProblem", "profiles", pcodes, "duplicate profile codes")
        if not self.dates:
            raise _fail("MenuProblem", "dates", self.dates, "is empty")
        if list(self.dates) != sorted(set(self.dates)):
            raise _fail("MenuProblem", "dates", self.dates, "must be ascending and unique")
        if not self.services or len(set(self.services)) != len(self.services):
            raise _fail("MenuProblem", "services", self.services, "non-empty and unique")
        for service in self.services:
            if service not in SERVICES:
                raise _fail("MenuProblem", "services", service, f"must be in {SERVICES}")
        _check_weight("MenuProblem", "rating_reward_fen", self.rating_reward_fen)
        _check_weight("MenuProblem", "share_reward_fen", self.share_reward_fen)
        known = set(codes)
        by_code = {p.code: p for p in self.profiles}
        cells: set[tuple[date, str, str]] = set()
        for lock in self.locked:
            where = f"locked meal {lock.date} {lock.service} {lock.profile}"
            profile = by_code.get(lock.profile)
            if profile is None:
                raise _fail("MenuProblem", "locked", where, "names an unknown profile")
            if lock.date not in self.dates:
                raise _fail("MenuProblem", "locked", where, "is outside the dates planned")
            if lock.service not in self.served(profile):
                raise _fail("MenuProblem", "locked", where, "service not served to the profile")
            unknown = sorted(set(lock.dishes) - known)
            if unknown:
                raise _fail("MenuProblem", "locked", where, f"unknown dishes {unknown}")
            if len(set(lock.dishes)) != len(lock.dishes):
                raise _fail("MenuProblem", "locked", where, "a dish is given twice")
            cell = (lock.date, lock.service, lock.profile)
            if cell in cells:
                raise _fail("MenuProblem", "locked", where, "is locked twice")
            cells.add(cell)
        for past in self.history:
            if past.date >= self.dates[0]:
                raise _fail("MenuProblem", "history", past.date, "must be before the first date")

    def served(self, profile: DietProfile) -> tuple[str, ...]:
        """Services of the problem the profile is served, in the problem's order."""
        return tuple(s for s in self.services if s in profile.services)

    def penalty_scale(self, profile: DietProfile) -> float:
        """Multiplier of a profile's soft penalties: its headcount when counted per diner."""
        return profile.cost_weight if self.penalty_per_diner else 1.0


BACKENDS: tuple[str, ...] = ("highs", "cbc")
#: The menu formulations of :class:`MenuParams` ``model``.
MENU_MODELS: tuple[str, ...] = ("patterns", "weekly")


@dataclass(frozen=True)
class MenuParams:
    """Solver control.

    Arguments:
        backend: ``highs`` (default; HiGHS through highspy) or ``cbc`` (PuLP's CBC);
            ``highs`` falls back to ``cbc`` when highspy is not installed.
        time_limit_s: wall-clock safety net for the MIP solves and the column generation of
            the whole call (pattern building comes on top). The work budgets below
            (``mip_node_limit``, ``node_limit``, ``pricing_node_limit``, ``cg_rounds``) bound
            the work, so the same inputs give the same menus on a busy machine; the clock
            only stops a run the budgets would let go on too long (a warning is logged,
            and the plan may then depend on the machine's load).
        mip_rel_gap: relative gap at which the solver may stop and call the plan optimal.
        threads: solver threads.
        seed: random seed passed to the solver (plans are deterministic for a seed).
        msg: show the solver log.
        dump_lp_path: write the MIP in LP format here before solving (with decomposition
            by profile, one file per profile with the profile code appended).
        patterns_per_dish: meal patterns kept per anchor dish when enumerating
            (larger: closer to the full problem, bigger MIP).
        node_limit: search nodes per anchor dish in the pattern enumeration.
        share_rounds: with a sharing reward, rounds of best-response re-planning (each
            profile re-solved with the other plans fixed) after the Lagrangian split.
        total_time_s: optional wall-clock safety net for the whole call (enumeration
            included); the MIP solves stop at the earlier of this and ``time_limit_s``.
        mip_node_limit: branch-and-bound nodes per MIP solve (the work budget of a
            profile's MIP; HiGHS ``mip_max_nodes``, CBC ``maxNodes``).
        cg_rounds: column-generation rounds per profile (LP of the master, exact pricing
            of every meal cell from its duals); 0 disables it (bound over the patterns).
        pricing_node_limit: branch-and-bound nodes of one pricing MIP (a cell and
            structure, HiGHS ``mip_max_nodes``); a pricing stopped by it still gives a
            valid bound (its dual bound), only a weaker one.
        cg_gap: column generation of a profile stops once its master LP is within this
            relative distance of its Lagrangian bound (no column can gain more).
        model: ``patterns`` (enumerated meal patterns, column generation, one
            set-partitioning MIP per profile) or ``weekly`` (one compact MIP per profile
            over the whole horizon, dish binaries per meal, its HiGHS dual bound valid over
            every menu; a profile it finds no plan for falls back to ``patterns``).
        polish_passes: passes of the weekly model's local search after its MIP (each
            re-optimises every cell, then every two adjacent cells; 0: none).
    """

    backend: str = "highs"
    time_limit_s: float = 30.0
    mip_rel_gap: float = 0.005
    threads: int = 2
    seed: int = 0
    msg: bool = False
    dump_lp_path: str | None = None
    patterns_per_dish: int = 4
    node_limit: int = 2_000
    share_rounds: int = 2
    total_time_s: float | None = None
    cg_rounds: int = 12
    pricing_node_limit: int = 500
    mip_node_limit: int = 5_000
    cg_gap: float = 0.001
    model: str = "patterns"
    polish_passes: int = 3

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise _fail("MenuParams", "backend", self.backend, f"must be one of {BACKENDS}")
        if not math.isfinite(self.time_limit_s) or self.time_limit_s <= 0:
            raise _fail("MenuParams", "time_limit_s", self.time_limit_s, "must be > 0")
        if not 0 <= self.mip_rel_gap < 1:
            raise _fail("MenuParams", "mip_rel_gap", self.mip_rel_gap, "must be in [0, 1)")
        if self.threads < 1:
            raise _fail("MenuParams", "threads", self.threads, "must be >= 1")
        if self.seed < 0:
            raise _fail("MenuParams", "seed", self.seed, "must be >= 0")
        if self.patterns_per_dish < 1:
            raise _fail("MenuParams", "patterns_per_dish", self.patterns_per_dish, "must be >= 1")
        if self.node_limit < 100:
            raise _fail("MenuParams", "node_limit", self.node_limit, "must be >= 100")
        if self.cg_rounds < 0:
            raise _fail("MenuParams", "cg_rounds", self.cg_rounds, "must be >= 0")
        if self.pricing_node_limit < 100:
            raise _fail("MenuParams", "pricing_node_limit", self.pricing_node_limit, ">= 100")
        if not 0 <= self.cg_gap < 1:
            raise _fail("MenuParams", "cg_gap", self.cg_gap, "must be in [0, 1)")
        if self.model not in MENU_MODELS:
            raise _fail("MenuParams", "model", self.model, f"must be one of {MENU_MODELS}")
        if self.polish_passes < 0:
            raise _fail("MenuParams", "polish_passes", self.polish_passes, "must be >= 0")
        if self.mip_node_limit < 1:
            raise _fail("MenuParams", "mip_node_limit", self.mip_node_limit, "must be >= 1")
        if self.share_rounds < 0:
            raise _fail("MenuParams", "share_rounds", self.share_rounds, "must be >= 0")
        if self.total_time_s is not None and not (
            math.isfinite(self.total_time_s) and self.total_time_s > 0
        ):
            raise _fail("MenuParams", "total_time_s", self.total_time_s, "must be > 0")


@dataclass(frozen=True)
class Shortfall:
    """A soft rule missed by a meal: ``amount`` beyond ``bound`` in the rule's unit."""

    rule: str
    amount: float
    value: float
    bound: float


@dataclass(frozen=True)
class Explanation:
    """Why a plan is infeasible or where it bends a rule, for a kitchen manager.

    ``needed`` is the smallest value the bound would have to take to restore a menu
    (or the value reached), ``bound`` the current one.
    """

    rule: str
    message: str
    profile: str | None = None
    date: date | None = None
    service: str | None = None
    needed: float | None = None
    bound: float | None = None


@dataclass(frozen=True)
class PlannedMeal:
    """The meal one profile gets on one date and service."""

    date: date
    service: str
    profile: str
    structure: str
    dishes: tuple[str, ...]
    nutrients: Mapping[str, float]
    cost_fen: int
    shortfalls: tuple[Shortfall, ...] = ()
    locked: bool = False


#: ``MenuResult.bound_kind``: the bound holds over the enumerated patterns only, or over
#: every menu (column generation priced every meal exactly, or the enumeration was full).
BOUND_KINDS: tuple[str, ...] = ("patterns", "global")


@dataclass(frozen=True)
class MenuResult:
    """Outcome of :func:`solve_menu`.

    ``objective`` and ``bound`` are in fen (cost weighted by headcount + penalties -
    rewards); ``gap`` = (objective - bound) / |objective|. ``bound_kind`` says what the
    bound covers: ``global`` (every menu: the Lagrangian bound of the column generation
    with exact pricing, or a complete enumeration), so the gap is a proof, or
    ``patterns`` (the MIP's dual bound over the enumerated patterns only). ``complete`` is
    True when the pattern enumeration hit no cap.
    """

    status: SolveStatus
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    meals: tuple[PlannedMeal, ...] = ()
    explanations: tuple[Explanation, ...] = ()
    wall_s: float = 0.0
    build_s: float = 0.0
    backend: str = ""
    n_patterns: int = 0
    complete: bool = False
    bound_kind: str = "patterns"

    def is_feasible(self) -> bool:
        """True when the result carries a plan that meets every hard rule."""
        return self.status.has_solution and bool(self.meals)

    def meal(self, day: date, service: str, profile: str) -> PlannedMeal:
        """The meal of a profile on a date and service (KeyError when absent)."""
        for meal in self.meals:
            if meal.date == day and meal.service == service and meal.profile == profile:
                return meal
        raise KeyError((day, service, profile))

    def summary(self) -> str:
        """Human-readable summary: status, figures, soft-rule misses, explanations."""
        lines = [f"menu plan: {self.status.value} ({self.backend}, {self.wall_s:.1f} s)"]
        if self.objective is not None:
            gap = "n/a" if self.gap is None else f"{100 * self.gap:.2f}%"
            bound = "n/a" if self.bound is None else f"{self.bound:.0f}"
            lines.append(
                f"objective {self.objective:.0f} fen, bound {bound} ({self.bound_kind}), gap {gap}"
            )
            if self.bound_kind != "global":
                lines.append(
                    "note: the bound and gap cover the enumerated meal patterns only "
                    f"({self.n_patterns} patterns, enumeration capped: complete=False); a "
                    "cheaper menu from meals never enumerated is not ruled out"
                )
        if self.meals:
            cost = sum(m.cost_fen for m in self.meals)
            misses = sum(len(m.shortfalls) for m in self.meals)
            lines.append(
                f"{len(self.meals)} meals, ingredient cost {cost / 100:.2f} yuan, "
                f"{misses} soft-rule misses"
            )
        lines.extend(f"- {e.message}" for e in self.explanations)
        return "\n".join(lines)
