"""The importable and exportable kinds of table, one class per kind.

- :mod:`.context`: what an import carries (typed rows, errors, warnings, counts);
- :mod:`.base`: the base class (row checks, upsert through the one record writer,
  export in the import format);
- :mod:`.places`, :mod:`.fleet`, :mod:`.food`, :mod:`.nutrition`, :mod:`.demand`: the
  kinds, each adding what its schema (``mealplan.domain.schemas``) cannot say.

Writing never starts before every row is valid (see ``mealplan.io.validation``).
"""

from __future__ import annotations

from mealplan.domain.schemas import KIND_NAMES
from mealplan.io.kinds.base import Kind
from mealplan.io.kinds.context import Counts, Parsed
from mealplan.io.kinds.demand import Headcounts
from mealplan.io.kinds.fleet import Drivers, Vehicles
from mealplan.io.kinds.food import Dishes, Ingredients
from mealplan.io.kinds.money import PriceTiers, SubsidyRules
from mealplan.io.kinds.nutrition import DietProfiles, NutritionGroups
from mealplan.io.kinds.places import Clients, Kitchens, Sites
from mealplan.io.kinds.structures import MealStructures

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kitchens(),
        Sites(),
        Clients(),
        Ingredients(),
        Dishes(),
        DietProfiles(),
        NutritionGroups(),
        Vehicles(),
        Drivers(),
        Headcounts(),
        MealStructures(),
        PriceTiers(),
        SubsidyRules(),
    )
}
assert tuple(KINDS) == KIND_NAMES

__all__ = ["KINDS", "KIND_NAMES", "Counts", "Kind", "Parsed"]
