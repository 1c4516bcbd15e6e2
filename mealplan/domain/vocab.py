"""Controlled vocabularies shared by the catalogue, the database and the planners.

Every code here is stable: it is stored in the database, written to exports and read by
imports. Labels are Simplified Chinese first, English second.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class Nutrient(StrEnum):
    """Nutrient keys, per serving or per 100 g edible portion, with the unit in the name."""

    ENERGY_KCAL = "energy_kcal"
    PROTEIN_G = "protein_g"
    FAT_G = "fat_g"
    CARBOHYDRATE_G = "carbohydrate_g"
    FIBRE_G = "fibre_g"
    SODIUM_MG = "sodium_mg"
    POTASSIUM_MG = "potassium_mg"
    CALCIUM_MG = "calcium_mg"
    PHOSPHORUS_MG = "phosphorus_mg"


NUTRIENT_KEYS: tuple[str, ...] = tuple(n.value for n in Nutrient)

#: Derived, ratio-type target keys (share of energy from a macronutrient, in percent).
RATIO_KEYS: tuple[str, ...] = ("fat_pct_energy", "carbohydrate_pct_energy", "protein_pct_energy")


class Allergen(StrEnum):
    """Allergens named by China's prepackaged-food labelling standard (GB 7718), plus sesame
    and molluscs which its newest revision and most other standards add."""

    GLUTEN = "gluten"  # 含麸质的谷物
    CRUSTACEAN = "crustacean"  # 甲壳类
    FISH = "fish"  # 鱼类
    EGG = "egg"  # 蛋类
    PEANUT = "peanut"  # 花生
    SOY = "soy"  # 大豆
    MILK = "milk"  # 乳及乳制品
    TREE_NUT = "tree_nut"  # 坚果
    SESAME = "sesame"  # 芝麻
    MOLLUSC = "mollusc"  # 软体动物


class DishCategory(StrEnum):
    STAPLE = "staple"  # 主食: rice, congee, noodles, buns
    MAIN = "main"  # 荤菜/主菜: the protein dish (meat, fish, poultry, egg, bean curd)
    SIDE = "side"  # 小荤/半荤: a smaller protein-with-vegetable dish
    VEGETABLE = "vegetable"  # 素菜
    SOUP = "soup"  # 汤/羹
    FRUIT = "fruit"  # 水果/甜品


class CookingMethod(StrEnum):
    STEAM = "steam"  # 蒸
    BOIL = "boil"  # 煮/汆
    STEW = "stew"  # 炖/煲
    BRAISE = "braise"  # 烧/焖/烩
    STIR_FRY = "stir_fry"  # 炒
    PAN_FRY = "pan_fry"  # 煎
    DEEP_FRY = "deep_fry"  # 炸
    COLD_MIX = "cold_mix"  # 凉拌
    BAKE = "bake"  # 烤
    RAW = "raw"  # 生食 (fruit)


class FoodGroup(StrEnum):
    """Food group of an ingredient; a dish's groups are those of its ingredients."""

    GRAIN = "grain"  # 谷物
    TUBER = "tuber"  # 薯类
    LEGUME = "legume"  # 杂豆
    SOY = "soy"  # 大豆及豆制品
    VEGETABLE = "vegetable"  # 蔬菜
    FUNGI = "fungi"  # 菌藻
    FRUIT = "fruit"  # 水果
    PORK = "pork"  # 猪肉
    BEEF = "beef"  # 牛肉
    MUTTON = "mutton"  # 羊肉
    POULTRY = "poultry"  # 禽肉
    FISH = "fish"  # 鱼
    SHELLFISH = "shellfish"  # 虾蟹贝
    EGG = "egg"  # 蛋
    DAIRY = "dairy"  # 奶
    NUT = "nut"  # 坚果
    OIL = "oil"  # 油脂
    CONDIMENT = "condiment"  # 调味品
    SUGAR = "sugar"  # 糖


class IddsiLevel(int):
    """IDDSI food levels used here (https://iddsi.org): 7 regular, 6 soft & bite-sized,
    5 minced & moist, 4 pureed, 3 liquidised. Only names and numbers are used."""

    REGULAR = 7
    SOFT_BITE_SIZED = 6
    MINCED_MOIST = 5
    PUREED = 4
    LIQUIDISED = 3


IDDSI_LEVELS: tuple[int, ...] = (7, 6, 5, 4, 3)


class Service(StrEnum):
    LUNCH = "lunch"
    DINNER = "dinner"


class SiteKind(StrEnum):
    CANTEEN = "canteen"  # 社区食堂/长者食堂
    DINING_POINT = "dining_point"  # 助餐点/老年餐桌


class StopKind(StrEnum):
    CANTEEN = "canteen"
    DINING_POINT = "dining_point"
    HOME = "home"


class HeadcountSource(StrEnum):
    REPORTED = "reported"
    FORECAST = "forecast"


class ElderCategory(StrEnum):
    """Subsidy category of an elder; the elder's share of the meal price depends on it."""

    HARDSHIP = "hardship"  # 特困/低保
    AGE_80 = "age_80"  # 80 岁以上
    AGE_60 = "age_60"  # 60-79 岁
    DISABLED = "disabled"  # 失能/残疾


class ClientStatus(StrEnum):
    """Where an elder stands in the register (在册状态); only ``active`` receives meals.

    ``paused``: meals stopped with no end date (dated pauses are ``ClientPause`` rows);
    ``moved_out``: moved out of the network's area (迁出); ``deceased``: died (去世). The
    date it took effect is the client's ``status_date``."""

    ACTIVE = "active"
    PAUSED = "paused"
    MOVED_OUT = "moved_out"
    DECEASED = "deceased"


#: From how many days after its ``status_date`` a register status stops the elder's meals
#: (the one rule, :func:`status_on`; SQL: ``mealplan.db.subscriptions``): a pause from its
#: day on; a move or a death from the day after (that day's meal was still due). A status
#: with no date stops meals on every day; a future date stops them only from then.
STOPS_MEALS_AFTER_DAYS: dict[str, int] = {
    ClientStatus.PAUSED.value: 0,
    ClientStatus.MOVED_OUT.value: 1,
    ClientStatus.DECEASED.value: 1,
}


def status_on(status: str | None, since: dt.date | None, on: dt.date) -> str | None:
    """The register status that stops the elder's meal on ``on``, or None (see
    :data:`STOPS_MEALS_AFTER_DAYS`)."""
    after = STOPS_MEALS_AFTER_DAYS.get(status or ClientStatus.ACTIVE.value)
    if after is None or status is None:
        return None
    if since is None or on >= since + dt.timedelta(days=after):
        return status
    return None


class VehicleKind(StrEnum):
    VAN = "van"
    E_TRICYCLE = "e_tricycle"


class IngredientSource(StrEnum):
    USDA_SR28 = "usda_sr28"
    TFDA_2024 = "tfda_2024"
    CUSTOM = "custom"


class FunderLevel(StrEnum):
    """Who pays a share of a subsidised meal (资金来源层级)."""

    CITY = "city"  # 市级
    DISTRICT = "district"  # 区级
    STREET = "street"  # 街道


class OutsideRule(StrEnum):
    """What happens to a funder level's share when an elder eats outside that level's area
    (跨区域就餐): kept, paid by the elder, or absorbed by the operator."""

    KEPT = "kept"
    ELDER_PAYS = "elder_pays"
    OPERATOR_PAYS = "operator_pays"
