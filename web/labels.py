"""Translatable labels for record fields, vocabulary codes and statuses.

The labels of record fields come from the record schemas (``mealplan.domain.schemas``,
which also make the Chinese labels import headers); the others are listed here.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from mealplan.domain.schemas import SCHEMAS
from mealplan.services.records import PANEL_KINDS

KIND_LABELS = {
    "kitchens": _l("Kitchens"),
    "sites": _l("Sites"),
    "clients": _l("Home clients"),
    "dishes": _l("Dishes"),
    "ingredients": _l("Ingredients"),
    "vehicles": _l("Vehicles"),
    "drivers": _l("Drivers"),
    "diet-profiles": _l("Diet profiles"),
    "nutrition-groups": _l("Nutrition groups"),
    "headcounts": _l("Headcounts"),
    "meal-structures": _l("Meal structures"),
    "price-tiers": _l("Price tiers"),
    "subsidy-rules": _l("Subsidy rules"),
}

#: labels of record fields by panel key, from the schemas of the kinds the panel edits
SCHEMA_LABELS: dict[str, Any] = {
    f.key: _l(f.label) for kind in PANEL_KINDS for f in SCHEMAS[kind].fields if f.label and f.panel
}

#: ratio targets of nutrition groups (edited with the group's targets)
_TARGET_LABELS: dict[str, Any] = {
    "fat_pct_energy": _l("Fat, percent of energy"),
    "carbohydrate_pct_energy": _l("Carbohydrate, percent of energy"),
    "protein_pct_energy": _l("Protein, percent of energy"),
}

FIELD_LABELS: dict[str, Any] = {
    **SCHEMA_LABELS,
    **_TARGET_LABELS,
    "recipe": _l("Recipe"),
    "status": _l("Status"),
    "reason": _l("Reason"),
    "note": _l("Note"),
    "service": _l("Service"),
    "score": _l("Score"),
    "subject": _l("Subject"),
    "dish": _l("Dish"),
}

CHOICE_LABELS: dict[str, Any] = {
    # meal structures: the diets a structure is for
    "all": _l("All diets"),
    "non_vegetarian": _l("Non-vegetarian"),
    "vegetarian": _l("Vegetarian"),
    # site kinds / stop kinds
    "canteen": _l("Community canteen"),
    "dining_point": _l("Dining point"),
    "home": _l("Home delivery"),
    # services (breakfast: a service some sites ask for, which mealplan does not plan)
    "breakfast": _l("Breakfast"),
    "lunch": _l("Lunch"),
    "dinner": _l("Dinner"),
    # elder categories
    "hardship": _l("Hardship"),
    "age_80": _l("Aged 80+"),
    "age_60": _l("Aged 60-79"),
    "disabled": _l("Disabled"),
    # funder levels and the cross-jurisdiction rule (price tiers, subsidy rules, claims)
    "city": _l("City"),
    "district": _l("District"),
    "street": _l("Street"),
    "kept": _l("Share kept"),
    "elder_pays": _l("Elder pays the lost share"),
    "operator_pays": _l("Operator pays the lost share"),
    # vehicles
    "van": _l("Van"),
    "e_tricycle": _l("Electric tricycle"),
    # dish categories
    "staple": _l("Staple"),
    "main": _l("Main dish"),
    "side": _l("Side dish"),
    "vegetable": _l("Vegetable"),
    "soup": _l("Soup"),
    "fruit": _l("Fruit"),
    # cooking methods
    "steam": _l("Steam"),
    "boil": _l("Boil"),
    "stew": _l("Stew"),
    "braise": _l("Braise"),
    "stir_fry": _l("Stir-fry"),
    "pan_fry": _l("Pan-fry"),
    "deep_fry": _l("Deep-fry"),
    "cold_mix": _l("Cold mix"),
    "bake": _l("Bake"),
    "raw": _l("Raw"),
    # food groups
    "grain": _l("Grain"),
    "tuber": _l("Tuber"),
    "legume": _l("Legume"),
    "soy": _l("Soy"),
    "fungi": _l("Fungi and algae"),
    "pork": _l("Pork"),
    "beef": _l("Beef"),
    "mutton": _l("Mutton"),
    "poultry": _l("Poultry"),
    "fish": _l("Fish"),
    "shellfish": _l("Shellfish"),
    "egg": _l("Egg"),
    "dairy": _l("Dairy"),
    "nut": _l("Nuts"),
    "oil": _l("Oil"),
    "condiment": _l("Condiment"),
    "sugar": _l("Sugar"),
    # allergens
    "gluten": _l("Gluten"),
    "crustacean": _l("Crustaceans"),
    "peanut": _l("Peanut"),
    "milk": _l("Milk"),
    "tree_nut": _l("Tree nuts"),
    "sesame": _l("Sesame"),
    "mollusc": _l("Molluscs"),
    # ingredient sources
    "usda_sr28": _l("USDA SR28"),
    "tfda_2024": _l("TFDA 2024"),
    "custom": _l("Custom"),
    # an elder's register status (ClientStatus)
    "active": _l("In the register"),
    "paused": _l("Paused"),
    "moved_out": _l("Moved out"),
    "deceased": _l("Deceased"),
    # delivery statuses and headcount statuses
    "delivered": _l("Delivered"),
    "no_answer": _l("No answer"),
    "refused": _l("Refused"),
    "not_recorded": _l("Not recorded"),
    "reported": _l("Reported"),
    "forecast": _l("Forecast"),
    "missing": _l("Missing"),
    # plan runs
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    # rating subjects
    "service": _l("Service"),
    "dish": _l("Dish"),
}

WEEKDAYS = (
    ("1", _l("Mon")),
    ("2", _l("Tue")),
    ("3", _l("Wed")),
    ("4", _l("Thu")),
    ("5", _l("Fri")),
    ("6", _l("Sat")),
    ("7", _l("Sun")),
)


def field_label(name: str) -> Any:
    return FIELD_LABELS.get(name, name)


def choice_label(code: object) -> Any:
    """The label of a vocabulary code (dish category, allergen, status...), else the code."""
    return CHOICE_LABELS.get(str(code), str(code))
