"""Translatable labels for record fields, vocabulary codes and statuses."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "kitchens": _l("Kitchens"),
    "sites": _l("Sites"),
    "clients": _l("Home clients"),
    "dishes": _l("Dishes"),
    "ingredients": _l("Ingredients"),
    "vehicles": _l("Vehicles"),
    "drivers": _l("Drivers"),
    "profiles": _l("Diet profiles"),
}

FIELD_LABELS: dict[str, Any] = {
    "code": _l("Code"),
    "name": _l("Name"),
    "name_zh": _l("Chinese name"),
    "name_en": _l("English name"),
    "address": _l("Address"),
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "capacity_lunch": _l("Lunch capacity (meals)"),
    "capacity_dinner": _l("Dinner capacity (meals)"),
    "cooking_lead_minutes": _l("Cooking lead time (min)"),
    "packing_minutes": _l("Packing time (min)"),
    "loading_minutes": _l("Loading time (min)"),
    "contact_name": _l("Contact person"),
    "contact_phone": _l("Contact phone"),
    "kind": _l("Type"),
    "seats": _l("Seats"),
    "lunch_window_start_min": _l("Lunch delivery from"),
    "lunch_window_end_min": _l("Lunch delivery until"),
    "dinner_window_start_min": _l("Dinner delivery from"),
    "dinner_window_end_min": _l("Dinner delivery until"),
    "unloading_minutes": _l("Unloading time (min)"),
    "kitchen": _l("Kitchen"),
    "active": _l("Active"),
    "notes": _l("Notes"),
    "phone": _l("Phone"),
    "emergency_contact_name": _l("Emergency contact"),
    "emergency_contact_phone": _l("Emergency contact phone"),
    "diet_profile": _l("Diet profile"),
    "category": _l("Category"),
    "lunch_days": _l("Lunch days"),
    "dinner_days": _l("Dinner days"),
    "window_start_min": _l("Delivery from"),
    "window_end_min": _l("Delivery until"),
    "driver_notes": _l("Notes for the driver"),
    "source": _l("Source table"),
    "source_id": _l("Source ID"),
    "source_name": _l("Source name"),
    "edible_fraction": _l("Edible fraction (0-1)"),
    "energy_kcal": _l("Energy (kcal)"),
    "protein_g": _l("Protein (g)"),
    "fat_g": _l("Fat (g)"),
    "carbohydrate_g": _l("Carbohydrate (g)"),
    "fibre_g": _l("Fibre (g)"),
    "sodium_mg": _l("Sodium (mg)"),
    "potassium_mg": _l("Potassium (mg)"),
    "calcium_mg": _l("Calcium (mg)"),
    "phosphorus_mg": _l("Phosphorus (mg)"),
    "fat_pct_energy": _l("Fat, percent of energy"),
    "carbohydrate_pct_energy": _l("Carbohydrate, percent of energy"),
    "protein_pct_energy": _l("Protein, percent of energy"),
    "price_fen_per_kg": _l("Price (fen per kg)"),
    "food_group": _l("Food group"),
    "allergens": _l("Allergens"),
    "halal": _l("Halal"),
    "vegetarian": _l("Vegetarian"),
    "iddsi_level": _l("IDDSI level"),
    "cooking_method": _l("Cooking method"),
    "tags": _l("Tags (comma-separated)"),
    "base_dish_code": _l("Base dish code"),
    "capacity_boxes": _l("Capacity (boxes)"),
    "speed_kmh": _l("Speed (km/h)"),
    "shift_start_min": _l("Shift start"),
    "shift_end_min": _l("Shift end"),
    "fixed_cost_fen": _l("Fixed cost per day (fen)"),
    "cost_fen_per_km": _l("Cost per km (fen)"),
    "plate": _l("Number plate"),
    "vehicle": _l("Vehicle"),
    "group": _l("Nutrition group"),
    "max_iddsi": _l("Highest IDDSI level"),
    "exclude_allergens": _l("Excluded allergens"),
    "budget_fen": _l("Budget per meal (fen)"),
    "budget_hard": _l("Budget is a hard limit"),
    "no_repeat_days": _l("Days before a dish repeats"),
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
    # site kinds / stop kinds
    "canteen": _l("Community canteen"),
    "dining_point": _l("Dining point"),
    "home": _l("Home delivery"),
    # services
    "lunch": _l("Lunch"),
    "dinner": _l("Dinner"),
    # elder categories
    "hardship": _l("Hardship"),
    "age_80": _l("Aged 80+"),
    "age_60": _l("Aged 60-79"),
    "disabled": _l("Disabled"),
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
