"""The menu rules, one function per rule; the function name is the rule id.

Two kinds of rule:

* per-meal rules (exclusions, nutrient and ratio bounds, budget, cooking methods) are
  applied exactly to each enumerated meal pattern: a pattern breaking a hard one is never
  generated, a soft one is priced into the pattern's objective coefficient and reported
  as a :class:`Shortfall`;
* linking rules (``structure``, ``no_repeat``, ``food_group_min``/``food_group_max``,
  ``share``) are rows of the MIP, named ``rule(index,...)`` (PuLP turns ``[`` ``]`` and
  ``-`` into ``_``, so indices use parentheses and dates are written ``20261201``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pulp

from solvers.energy import RATIO_SOURCES, percent_energy
from solvers.menu.types import (
    BOUND_KEYS,
    PROTEIN_GROUPS,
    DietProfile,
    Dish,
    FoodGroupRule,
    NutrientBound,
    RotationRules,
    key_stem,
)

# --------------------------------------------------------------------------------------
# Exclusions: (dish, profile) -> True when the dish may be served to the profile.


def allergen(dish: Dish, profile: DietProfile) -> bool:
    """The dish carries none of the profile's excluded allergens."""
    return not (dish.allergens & profile.excluded_allergens)


def halal(dish: Dish, profile: DietProfile) -> bool:
    """A halal profile gets halal dishes only."""
    return dish.halal or not profile.halal


def vegetarian(dish: Dish, profile: DietProfile) -> bool:
    """A vegetarian profile gets vegetarian dishes only."""
    return dish.vegetarian or not profile.vegetarian


def texture(dish: Dish, profile: DietProfile) -> bool:
    """The dish's IDDSI level is at or below the profile's level."""
    return dish.iddsi_level <= profile.max_iddsi


def excluded_tag(dish: Dish, profile: DietProfile) -> bool:
    """The dish carries none of the profile's excluded tags (``added_sugar``, ``pickled``)."""
    return not (dish.tags & profile.excluded_tags)


def required_tag(dish: Dish, profile: DietProfile) -> bool:
    """The dish carries one of the tags the profile requires for its category."""
    needed = profile.required_tags.get(dish.category)
    return needed is None or bool(dish.tags & needed)


#: Exclusion rules in the order the infeasibility report applies them.
EXCLUSION_RULES: tuple[Callable[[Dish, DietProfile], bool], ...] = (
    allergen,
    halal,
    vegetarian,
    texture,
    excluded_tag,
    required_tag,
)


def exclusion_label(rule: Callable[[Dish, DietProfile], bool], profile: DietProfile) -> str:
    """Short text naming what an exclusion rule asks of a profile."""
    name = rule.__name__
    if name == "allergen":
        return "no " + "/".join(sorted(profile.excluded_allergens))
    if name == "texture":
        return f"iddsi<={profile.max_iddsi}"
    if name == "excluded_tag":
        return "no " + "/".join(sorted(profile.excluded_tags))
    if name == "required_tag":
        return "required tags"
    return name


def rule_is_active(rule: Callable[[Dish, DietProfile], bool], profile: DietProfile) -> bool:
    """True when an exclusion rule restricts anything for the profile."""
    return {
        "allergen": bool(profile.excluded_allergens),
        "halal": profile.halal,
        "vegetarian": profile.vegetarian,
        "texture": profile.max_iddsi < 7,
        "excluded_tag": bool(profile.excluded_tags),
        "required_tag": bool(profile.required_tags),
    }[rule.__name__]


# --------------------------------------------------------------------------------------
# Per-meal rules over a meal's dishes.


def same_cooking_method(dishes: Sequence[Dish], profile: DietProfile) -> bool:
    """No two dishes of the profile's method-checked categories share a cooking method."""
    methods = [
        d.cooking_method
        for d in dishes
        if d.category in profile.distinct_method_categories and d.cooking_method
    ]
    return len(methods) == len(set(methods))


def bound_value(key: str, sums: Mapping[str, float]) -> float:
    """Value of a bound key for a meal: a nutrient sum or a percent of energy."""
    source = RATIO_SOURCES.get(key)
    if source is None:
        return sums.get(key, 0.0)
    return percent_energy(sums, source[0])


def nutrient_min(bound: NutrientBound, value: float) -> float:
    """Amount by which a meal falls short of the bound's minimum (0 when met)."""
    return 0.0 if bound.min is None else max(0.0, bound.min - value)


def nutrient_max(bound: NutrientBound, value: float) -> float:
    """Amount by which a meal exceeds the bound's maximum (0 when met)."""
    return 0.0 if bound.max is None else max(0.0, value - bound.max)


def budget(cost_fen: int, budget_fen: int | None) -> int:
    """Fen by which a meal's ingredient cost exceeds the budget (0 when within)."""
    return 0 if budget_fen is None else max(0, cost_fen - budget_fen)


def bound_rule_id(bound: NutrientBound, side: str) -> str:
    """Rule id of one side of a bound: ``sodium_max``, ``fat_pct_energy_min``."""
    return f"{bound.stem}_{side}"


#: Every per-meal rule id -> (bound key, side): ``sodium_max`` -> (``sodium_mg``, ``max``);
#: the budget is ``budget`` -> (``budget``, ``max``).
MEAL_RULES: Mapping[str, tuple[str, str]] = {
    **{f"{key_stem(k)}_{side}": (k, side) for k in BOUND_KEYS for side in ("min", "max")},
    "budget": ("budget", "max"),
}


@dataclass(frozen=True)
class Violation:
    """A per-meal rule a meal misses: ``amount`` beyond ``bound`` (``value`` reached), in
    the rule's unit (fen for the budget); ``key`` is the bound key or ``budget``."""

    rule: str
    key: str
    side: str  # "min" | "max"
    amount: float
    value: float
    bound: float
    hard: bool


def meal_violations(
    sums: Mapping[str, float],
    cost_fen: int,
    bounds: Iterable[NutrientBound],
    budget_fen: int | None = None,
    budget_hard: bool = False,
    tolerance: float = 1e-9,
) -> list[Violation]:
    """Every bound (``nutrient_min``/``nutrient_max`` of ``bound_value``) and the ``budget``
    a meal with these nutrient sums and cost misses by more than ``tolerance``, in order."""
    out: list[Violation] = []
    for b in bounds:
        value = bound_value(b.key, sums)
        for side, limit, amount in (
            ("min", b.min, nutrient_min(b, value)),
            ("max", b.max, nutrient_max(b, value)),
        ):
            if limit is not None and amount > tolerance:
                out.append(
                    Violation(bound_rule_id(b, side), b.key, side, amount, value, limit, b.hard)
                )
    over = budget(cost_fen, budget_fen)
    if over > tolerance and budget_fen is not None:
        out.append(
            Violation(
                "budget",
                "budget",
                "max",
                float(over),
                float(cost_fen),
                float(budget_fen),
                budget_hard,
            )
        )
    return out


def soft_penalty(amount: float, reference: float | None, weight: float) -> float:
    """Penalty in fen of a soft violation: ``weight`` per percent of the bound."""
    if amount <= 0:
        return 0.0
    if reference is None or reference <= 0:
        return weight * amount
    return weight * 100.0 * amount / reference


# --------------------------------------------------------------------------------------
# Linking rules: rows of the MIP.


def row_name(rule: str, *index: object) -> str:
    """LP row name ``rule(i,j,...)`` with dates written ``YYYYMMDD``."""
    parts = [i.strftime("%Y%m%d") if isinstance(i, date) else str(i) for i in index]
    return f"{rule}({','.join(parts)})"


Meal = tuple[date, str, str]  # (date, service, profile)


def structure(prob: pulp.LpProblem, meal: Meal, columns: Sequence[Any]) -> None:
    """Each (date, service, profile) gets exactly one meal pattern of an allowed structure."""
    prob += (pulp.lpSum(columns) == 1, row_name("structure", *meal))


def no_repeat(
    prob: pulp.LpProblem,
    profile: str,
    dish: str,
    start: date,
    uses: Sequence[Any],
    slack: Any = None,
) -> None:
    """A dish is served at most once to a profile within the no-repeat window."""
    lhs = pulp.lpSum(uses) if slack is None else pulp.lpSum(uses) - slack
    prob += (lhs <= 1, row_name("no_repeat", dish, start, profile))


def food_group_min(
    prob: pulp.LpProblem,
    profile: str,
    group: str,
    start: date,
    uses: Sequence[Any],
    minimum: int,
    slack: Any = None,
) -> None:
    """At least ``minimum`` meals in the period contain the food group."""
    lhs = pulp.lpSum(uses) if slack is None else pulp.lpSum(uses) + slack
    prob += (lhs >= minimum, row_name("food_group_min", group, start, profile))


def food_group_max(
    prob: pulp.LpProblem,
    profile: str,
    group: str,
    start: date,
    uses: Sequence[Any],
    maximum: int,
    slack: Any = None,
) -> None:
    """At most ``maximum`` meals in the period contain the food group."""
    lhs = pulp.lpSum(uses) if slack is None else pulp.lpSum(uses) - slack
    prob += (lhs <= maximum, row_name("food_group_max", group, start, profile))


def share(
    prob: pulp.LpProblem,
    day: date,
    service: str,
    dish: str,
    profile: str,
    uses: Sequence[Any],
    cooked: Any,
) -> None:
    """``cooked`` (the dish is produced for the service) covers each profile's use of it."""
    prob += (
        pulp.lpSum(uses) - cooked <= 0,
        row_name("share", day, service, dish, profile),
    )


# --------------------------------------------------------------------------------------
# Windows of the linking rules.


@dataclass(frozen=True)
class Window:
    """A set of horizon dates a linking rule counts over, named by its first date."""

    start: date
    dates: frozenset[date]


def no_repeat_windows(dates: Sequence[date], days: int) -> list[Window]:
    """Sliding windows of ``days`` consecutive days; windows inside another are dropped."""
    if days <= 0:
        return []
    windows: list[Window] = []
    for start in dates:
        inside = frozenset(d for d in dates if start <= d < start + timedelta(days=days))
        if windows and inside <= windows[-1].dates:
            continue
        windows.append(Window(start, inside))
    return windows


def food_group_periods(
    dates: Sequence[date], rule: FoodGroupRule
) -> list[tuple[Window, int | None, int | None]]:
    """Consecutive blocks of ``period_days`` from the first date, with (min, max) per block.

    A block shorter than the period gets ``min`` scaled down (rounded down)."""
    first = dates[0]
    blocks: dict[int, set[date]] = {}
    for d in dates:
        blocks.setdefault((d - first).days // rule.period_days, set()).add(d)
    out: list[tuple[Window, int | None, int | None]] = []
    for k in sorted(blocks):
        block = blocks[k]
        span = min(rule.period_days, (dates[-1] - first).days + 1 - k * rule.period_days)
        minimum = rule.min
        if minimum is not None and span < rule.period_days:
            minimum = (minimum * span) // rule.period_days
        out.append((Window(min(block), frozenset(block)), minimum, rule.max))
    return out


def meal_has_group(dishes: Iterable[Dish], group: str) -> bool:
    """True when one of the meal's dishes carries the food group."""
    return any(group in d.food_groups for d in dishes)


# --------------------------------------------------------------------------------------
# Rotation rules (per profile and service; :class:`RotationRules`): soft rows of the MIP
# whose slack is the shortfall reported (rule id, profile, how far).

#: Which protein class of a main dish counts when it carries several groups (meat first).
PROTEIN_ORDER: tuple[str, ...] = (
    "fish",
    "shellfish",
    "beef",
    "mutton",
    "poultry",
    "pork",
    "egg",
    "soy",
)


def main_protein(dish: Dish) -> str | None:
    """Protein class of a main dish (``PROTEIN_GROUPS``: beef and mutton are one), None
    for another category or a main without a protein group."""
    if dish.category != "main":
        return None
    for group in PROTEIN_ORDER:
        if group in dish.food_groups:
            return PROTEIN_GROUPS[group]
    return None


def meal_proteins(dishes: Iterable[Dish]) -> frozenset[str]:
    """Protein classes of a meal's mains (each counts once per meal)."""
    return frozenset(p for d in dishes if (p := main_protein(d)) is not None)


def is_rice(dish: Dish, rotation: RotationRules) -> bool:
    """A staple of the rice family (米饭: tagged ``rotation.rice_tag``)."""
    return dish.category == "staple" and rotation.rice_tag in dish.tags


def rice_allowed(dishes: Iterable[Dish], profile: DietProfile) -> bool:
    """``rice_min`` applies to the profile: it has rotation rules and may eat one of the
    rice staples among ``dishes`` (every exclusion rule passes)."""
    rot = profile.rotation
    return rot is not None and any(
        is_rice(d, rot) and all(rule(d, profile) for rule in EXCLUSION_RULES) for d in dishes
    )


def rotation_covered(dish: Dish, profile: DietProfile, days: int) -> bool:
    """The hard ``no_repeat`` rows already allow the dish at most once in ``days`` days, so
    a rotation row over ``days`` days (``dish_max``..., ``no_consecutive``) is not needed."""
    return dish.category in profile.no_repeat_categories and profile.no_repeat_days >= days


def dish_limit(dish: Dish, rotation: RotationRules) -> tuple[str, int]:
    """(rule id, times a period) of the rotation limit that applies to a dish."""
    if dish.category == "staple":
        return "staple_max", rotation.staple_max
    if dish.category == "soup":
        return "soup_max", rotation.soup_max
    return "dish_max", rotation.dish_max


def _soft_le(prob: pulp.LpProblem, name: str, uses: Sequence[Any], limit: int, slack: Any) -> None:
    prob += (pulp.lpSum(uses) - slack <= limit, name)


def staple_max(
    prob: pulp.LpProblem, name: str, uses: Sequence[Any], limit: int, slack: Any
) -> None:
    """A staple dish at most ``limit`` times in a period (per profile and service)."""
    _soft_le(prob, name, uses, limit, slack)


def soup_max(prob: pulp.LpProblem, name: str, uses: Sequence[Any], limit: int, slack: Any) -> None:
    """A soup dish at most ``limit`` times in a period (per profile and service)."""
    _soft_le(prob, name, uses, limit, slack)


def dish_max(prob: pulp.LpProblem, name: str, uses: Sequence[Any], limit: int, slack: Any) -> None:
    """Any other dish at most ``limit`` times in a period (per profile and service)."""
    _soft_le(prob, name, uses, limit, slack)


def protein_max(
    prob: pulp.LpProblem, name: str, uses: Sequence[Any], limit: int, slack: Any
) -> None:
    """Meals whose main protein is one class at most ``limit`` times in a period."""
    _soft_le(prob, name, uses, limit, slack)


def no_consecutive(
    prob: pulp.LpProblem, name: str, uses: Sequence[Any], limit: int, slack: Any
) -> None:
    """A dish on at most one of two consecutive served days (``limit`` 1; 0 on the first
    day when the last served day of the history had it)."""
    _soft_le(prob, name, uses, limit, slack)


def no_repeat_history(
    prob: pulp.LpProblem, name: str, uses: Sequence[Any], limit: int, slack: Any
) -> None:
    """A no-repeat dish of the last served menu is not served again inside its window."""
    _soft_le(prob, name, uses, limit, slack)


def rice_min(prob: pulp.LpProblem, name: str, uses: Sequence[Any], limit: int, slack: Any) -> None:
    """At least ``limit`` meals of a period have a rice staple (where one is allowed)."""
    prob += (pulp.lpSum(uses) + slack >= limit, name)


#: Rotation rule ids, in the order the docs list them.
ROTATION_RULES: tuple[str, ...] = (
    "staple_max",
    "soup_max",
    "dish_max",
    "protein_max",
    "no_consecutive",
    "rice_min",
    "no_repeat_history",
)


def rotation_periods(dates: Sequence[date], period_days: int) -> list[tuple[Window, int]]:
    """Blocks of ``period_days`` from the first date with their length in days."""
    first = dates[0]
    blocks: dict[int, set[date]] = {}
    for d in dates:
        blocks.setdefault((d - first).days // period_days, set()).add(d)
    out = []
    for k in sorted(blocks):
        span = min(period_days, (dates[-1] - first).days + 1 - k * period_days)
        out.append((Window(min(blocks[k]), frozenset(blocks[k])), span))
    return out


def scaled(limit: int, span: int, period_days: int) -> int:
    """A minimum for a short block: scaled down, rounded down."""
    return limit if span >= period_days else (limit * span) // period_days
