"""Menu rules a diet profile implies beyond the solver's own: one function per rule.

The function name is the rule's stable id. Each turns plain facts of a profile, its
nutrition group and the ``[planning]`` settings into the solver's inputs (bounds, tags,
food-group rules, budget); :func:`mealplan.planning.menus.solver_profile` only assembles
them into a :class:`solvers.menu.DietProfile`, and the panel's compliance check builds its
bounds with :func:`nutrient_targets` too, so both check the same rules.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol

from solvers.menu import BOUND_KEYS, FoodGroupRule, NutrientBound, QualityWeights, RotationRules

#: Categories whose dishes in one meal must use different cooking methods.
METHOD_CHECKED = frozenset({"main", "side", "vegetable"})
#: Tag of minced and pureed dish versions (IDDSI 4-5).
TEXTURE_MODIFIED = "texture_modified"


class Target(Protocol):
    """A nutrition group's target for a service (the database row, or any look-alike)."""

    @property
    def nutrient(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def min_value(self) -> float | None: ...
    @property
    def max_value(self) -> float | None: ...
    @property
    def hard(self) -> bool: ...


def nutrient_targets(
    targets: Iterable[Target], services: Collection[str], weight_fen: float
) -> tuple[NutrientBound, ...]:
    """The group's targets for the services as per-meal bounds (soft: weight_fen per %)."""
    return tuple(
        NutrientBound(
            key=t.nutrient,
            min=t.min_value,
            max=t.max_value,
            hard=t.hard,
            service=t.service,
            weight=weight_fen,
        )
        for t in targets
        if t.service in services
        and t.nutrient in BOUND_KEYS
        and (t.min_value is not None or t.max_value is not None)
    )


def fish_weekly_min(
    minimum: int, vegetarian: bool, excluded_allergens: Collection[str]
) -> FoodGroupRule | None:
    """At least ``minimum`` meals a week with fish (soft), for profiles that eat fish."""
    if minimum <= 0 or vegetarian or "fish" in excluded_allergens:
        return None
    return FoodGroupRule("fish", min=minimum, hard=False)


def pork_weekly_max(maximum: int) -> FoodGroupRule | None:
    """At most ``maximum`` meals a week with pork (soft); a negative maximum disables it."""
    if maximum < 0:
        return None
    return FoodGroupRule("pork", max=maximum, hard=False)


def staple_required_tags(tags: Iterable[str]) -> dict[str, frozenset[str]]:
    """The staple must carry one of the group's required tags (whole grain, low GI)."""
    required = frozenset(tags)
    return {"staple": required} if required else {}


def group_excluded_tags(tags: Iterable[str]) -> frozenset[str]:
    """No dish carrying one of the group's excluded tags (added sugar, pickled)."""
    return frozenset(tags)


def no_texture_modified(max_iddsi: int) -> frozenset[str]:
    """Minced and pureed versions only for those who need them (not for IDDSI >= 6)."""
    return frozenset({TEXTURE_MODIFIED}) if max_iddsi >= 6 else frozenset()


def distinct_cooking_methods(max_iddsi: int) -> frozenset[str]:
    """Main, side and vegetable of a meal use different methods, except minced or pureed.

    Minced and pureed dishes are all steamed, boiled or braised: mixing cooking methods
    within a meal means nothing for them and would starve their menus.
    """
    return frozenset() if max_iddsi <= 5 else METHOD_CHECKED


def meal_budget(budget_fen: int | None, default_budget_fen: int) -> int:
    """Ingredient budget per meal: the profile's, or ``[planning] default_budget_fen``."""
    return budget_fen if budget_fen else default_budget_fen


class RotationSettings(Protocol):
    """The ``[planning]`` keys of the rotation rules and the objective (PlanningSettings)."""

    @property
    def staple_max_per_week(self) -> int: ...
    @property
    def soup_max_per_week(self) -> int: ...
    @property
    def dish_max_per_week(self) -> int: ...
    @property
    def protein_max_per_week(self) -> int: ...
    @property
    def rice_min_per_week(self) -> int: ...
    @property
    def rotation_weight_fen(self) -> float: ...
    @property
    def cost_band_min_fen(self) -> int: ...
    @property
    def cost_band_max_fen(self) -> int: ...
    @property
    def cost_under_band_fen(self) -> float: ...
    @property
    def cost_over_band_fen(self) -> float: ...
    @property
    def quality_rating_fen(self) -> float: ...
    @property
    def rating_prior_count(self) -> float: ...
    @property
    def quality_seasonal_fen(self) -> float: ...
    @property
    def quality_protein_fen(self) -> float: ...
    @property
    def quality_variety_fen(self) -> float: ...


#: Tag of the rice family (米饭) in dishes.csv; ``rice_min`` counts meals with one.
RICE_TAG = "rice"


def rotation(settings: RotationSettings) -> RotationRules:
    """Rotation per profile and service: staple <= 3, soup <= 2, other dishes <= 2, one
    main protein <= 3 meals a week, no dish on consecutive days, rice on >= 4 days where
    a rice staple is allowed (the ``[planning]`` keys; soft, shortfalls named)."""
    return RotationRules(
        staple_max=settings.staple_max_per_week,
        soup_max=settings.soup_max_per_week,
        dish_max=settings.dish_max_per_week,
        protein_max=settings.protein_max_per_week,
        rice_tag=RICE_TAG,
        rice_min=settings.rice_min_per_week,
        weight=settings.rotation_weight_fen,
    )


def cost_band(settings: RotationSettings) -> tuple[int, int]:
    """Ingredient cost per meal the kitchen means to spend (``[planning] cost_band_*``)."""
    return (settings.cost_band_min_fen, settings.cost_band_max_fen)


def quality_weights(settings: RotationSettings) -> QualityWeights:
    """The weights of the quality score the menu maximises inside the cost band."""
    return QualityWeights(
        rating_fen=settings.quality_rating_fen,
        prior_count=settings.rating_prior_count,
        seasonal_fen=settings.quality_seasonal_fen,
        protein_fen=settings.quality_protein_fen,
        variety_fen=settings.quality_variety_fen,
        cost_under_fen=settings.cost_under_band_fen,
        cost_over_fen=settings.cost_over_band_fen,
    )
