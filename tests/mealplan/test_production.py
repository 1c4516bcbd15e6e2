"""Production lines, purchase list, retention samples and the daily plan's cooking waves on
a tiny day."""

from __future__ import annotations

import pytest

from mealplan.domain.production import (
    CookingWave,
    Departure,
    IngredientInfo,
    ProductionDish,
    ProfileMeal,
    production_lines,
    profile_totals,
    purchase_list,
    recipes_of,
    retention_samples,
    scheduled_waves,
    supplier_category,
    variant_label,
)
from mealplan.domain.schedule import KitchenCapacity

DISHES = {
    d.code: d
    for d in (
        ProductionDish("rice", "米饭", "staple", 7, (("rice", 100.0),)),
        ProductionDish("congee", "白粥", "staple", 4, (("rice", 50.0),)),
        ProductionDish("pork", "红烧肉", "main", 7, (("pork", 80.0), ("soy_sauce", 10.0))),
        ProductionDish(
            "pork_minced",
            "红烧肉（碎）",
            "main",
            5,
            (("pork", 80.0), ("soy_sauce", 10.0)),
            base_dish="pork",
        ),
        ProductionDish("chicken", "土豆烧鸡", "main", 7, (("chicken", 90.0), ("oil", 5.0))),
        ProductionDish("greens", "清炒青菜", "vegetable", 7, (("bok_choy", 150.0), ("oil", 8.0))),
        ProductionDish(
            "greens_soft",
            "青菜（软）",
            "vegetable",
            6,
            (("bok_choy", 150.0), ("oil", 8.0)),
            base_dish="greens",
        ),
    )
}

MEALS = (
    ProfileMeal("lunch", "regular", ("rice", "pork", "greens"), 30, name_zh="普通餐"),
    ProfileMeal("lunch", "low_sodium", ("rice", "pork", "greens"), 10, name_zh="低盐餐"),
    ProfileMeal("lunch", "minced", ("congee", "pork_minced", "greens_soft"), 5, name_zh="细碎餐"),
    ProfileMeal("lunch", "halal", ("rice", "chicken", "greens"), 8, halal=True, name_zh="清真餐"),
)

INGREDIENTS = {
    i.code: i
    for i in (
        IngredientInfo("rice", "大米", "grain", 600),
        IngredientInfo("pork", "猪肉", "pork", 2800),
        IngredientInfo("soy_sauce", "酱油", "condiment", 1200),
        IngredientInfo("chicken", "鸡腿", "poultry", 1800),
        IngredientInfo("oil", "菜籽油", "oil", 1500),
        IngredientInfo("bok_choy", "小白菜", "vegetable", 500),
    )
}


def _by_key() -> dict[tuple[str, str], int]:
    return {(ln.dish, ln.variant): ln.portions for ln in production_lines(MEALS, DISHES)}


def test_portions_summed_over_profiles() -> None:
    """A dish eaten by several profiles is one line with the sum of their portions."""
    lines = {(ln.dish, ln.variant): ln for ln in production_lines(MEALS, DISHES)}
    # regular 30 + low_sodium 10 = 40
    assert lines[("pork", "regular")].portions == 40
    assert lines[("pork", "regular")].profiles == ("low_sodium", "regular")
    assert lines[("rice", "regular")].portions == 40


def test_halal_portions_are_a_separate_batch() -> None:
    """Halal profiles' portions form their own +halal variant, never mixed in."""
    portions = _by_key()
    assert portions[("rice", "regular+halal")] == 8
    assert portions[("greens", "regular+halal")] == 8
    assert portions[("chicken", "regular+halal")] == 8
    assert ("chicken", "regular") not in portions
    assert variant_label(6, True) == "soft+halal"


def test_texture_variants_named_from_iddsi_level() -> None:
    """Texture-modified dishes get soft/minced/pureed variants from their own IDDSI level."""
    portions = _by_key()
    assert portions[("pork_minced", "minced")] == 5
    assert portions[("greens_soft", "soft")] == 5
    assert portions[("congee", "pureed")] == 5


def test_lines_sorted_by_category_then_dish() -> None:
    """Staples first, then mains, then vegetables; variants follow their base dish."""
    order = [(ln.dish, ln.variant) for ln in production_lines(MEALS, DISHES)]
    assert order == [
        ("congee", "pureed"),
        ("rice", "regular"),
        ("rice", "regular+halal"),
        ("chicken", "regular+halal"),
        ("pork", "regular"),
        ("pork_minced", "minced"),
        ("greens", "regular"),
        ("greens", "regular+halal"),
        ("greens_soft", "soft"),
    ]


def test_unknown_dish_is_rejected() -> None:
    """A menu naming a dish that is not supplied raises ValueError naming it."""
    meal = ProfileMeal("lunch", "regular", ("nope",), 3)
    with pytest.raises(ValueError, match="nope"):
        production_lines([meal], DISHES)


def test_profile_totals() -> None:
    """Profile totals count meals per profile, not portions of dishes."""
    totals = {t.profile: t.portions for t in profile_totals(MEALS)}
    assert totals == {"regular": 30, "low_sodium": 10, "minced": 5, "halal": 8}


def test_purchase_quantities_follow_recipe_portions_and_allowance() -> None:
    """kg = grams x portions x (1 + allowance) / 1000, rounded half up to 1 g; cost on it."""
    lines = production_lines(MEALS, DISHES)
    buy = {
        p.ingredient: p
        for p in purchase_list(lines, recipes_of(DISHES.values()), INGREDIENTS, 0.05)
    }
    # pork: 80 g x (40 regular + 5 minced) = 3600 g; x 1.05 = 3780 g = 3.780 kg;
    # 3.780 kg x 2800 fen/kg = 10584 fen
    assert buy["pork"].kg == pytest.approx(3.780)
    assert buy["pork"].cost_fen == 10584
    # oil: greens 8 g x (40 + 8 halal) + greens_soft 8 g x 5 + chicken 5 g x 8
    #    = 384 + 40 + 40 = 464 g; x 1.05 = 487.2 g -> 0.487 kg; x 1500 = 730.5 -> 731 fen
    assert buy["oil"].kg == pytest.approx(0.487)
    assert buy["oil"].cost_fen == 731
    # rice: 100 g x (40 + 8) + congee 50 g x 5 = 5050 g; x 1.05 = 5302.5 g -> 5.303 kg (half up)
    assert buy["rice"].kg == pytest.approx(5.303)
    # soy sauce: 10 g x 45 = 450 g; x 1.05 = 472.5 g -> 0.473 kg; x 1200 = 567.6 -> 568 fen
    assert buy["soy_sauce"].kg == pytest.approx(0.473)
    assert buy["soy_sauce"].cost_fen == 568
    # every line: within half a gram of the unrounded quantity
    for p in buy.values():
        grams = sum(
            g * ln.portions
            for ln in lines
            for code, g in DISHES[ln.dish].recipe
            if code == p.ingredient
        )
        assert abs(p.kg * 1000 - grams * 1.05) <= 0.5 + 1e-9


def test_purchase_zero_allowance_is_exact_recipe_sum() -> None:
    """With no allowance the kg are exactly the recipe grams x portions."""
    lines = production_lines(MEALS, DISHES)
    buy = {
        p.ingredient: p.kg
        for p in purchase_list(lines, recipes_of(DISHES.values()), INGREDIENTS, 0.0)
    }
    # chicken: 90 g x 8 = 720 g
    assert buy["chicken"] == pytest.approx(0.720)
    # bok choy: 150 g x (40 + 8 + 5) = 7950 g
    assert buy["bok_choy"] == pytest.approx(7.950)


def test_purchase_grouped_by_supplier_category() -> None:
    """Lines come in supplier order: meat, poultry & eggs, vegetables, grain & oil, condiments."""
    lines = production_lines(MEALS, DISHES)
    buy = purchase_list(lines, recipes_of(DISHES.values()), INGREDIENTS, 0.05)
    assert [(p.supplier_category, p.ingredient) for p in buy] == [
        ("meat", "pork"),
        ("poultry_egg", "chicken"),
        ("vegetable", "bok_choy"),
        ("grain_oil", "oil"),
        ("grain_oil", "rice"),
        ("condiment", "soy_sauce"),
    ]
    assert supplier_category("shellfish").name_zh == "水产"
    assert supplier_category("fungi").code == "vegetable"
    assert supplier_category("sugar").code == "condiment"
    assert supplier_category("unknown").code == "other"


def test_purchase_rejects_bad_allowance() -> None:
    """A negative waste allowance is refused with the value in the message."""
    with pytest.raises(ValueError, match="-0.1"):
        purchase_list([], {}, INGREDIENTS, -0.1)


def test_retention_sample_per_dish_and_variant() -> None:
    """One 125 g sample per dish variant, taken at batch finish, kept 48 h."""
    lines = production_lines(MEALS, DISHES)
    samples = retention_samples(lines, finish_min=10 * 60 + 20)
    assert [(s.dish, s.variant) for s in samples] == [(ln.dish, ln.variant) for ln in lines]
    assert len({(s.dish, s.variant) for s in samples}) == len(samples) == 9
    for s in samples:
        assert s.grams == 125
        assert s.taken_min == 620
        assert s.discard_after_min == 620 + 48 * 60


def test_retention_sample_grams_configurable_and_time_required() -> None:
    """Grams and hours are configurable; a line with no batch time is an error."""
    lines = production_lines(MEALS, DISHES)
    samples = retention_samples(lines, finish_min=600, grams=150, keep_hours=72)
    assert {s.grams for s in samples} == {150}
    assert {s.discard_after_min for s in samples} == {600 + 72 * 60}
    with pytest.raises(ValueError, match="no wave"):
        retention_samples(lines)


#: trips ready at 10:20, 10:35 and 11:30 (the last far from the others: its own wave)
DEPARTURES = (
    Departure("T1", "van-1", 630, {"regular": 20, "halal": 8}, ready_min=620),
    Departure("T2", "van-2", 645, {"regular": 10, "low_sodium": 10}, ready_min=635),
    Departure("T3", "trike-1", 700, {"minced": 5}, ready_min=690),
)
#: a kitchen that packs any trip within one 15-minute slot
ROOMY = KitchenCapacity(packing_lines=2, portions_per_slot=500, cook_to_pack_minutes=10)


def _waves() -> list[CookingWave]:
    return scheduled_waves(
        DEPARTURES, MEALS, DISHES, ROOMY, hold_limit_bulk_minutes=120, hold_limit_home_minutes=60
    )


def test_wave_portions_come_from_the_trips() -> None:
    """A wave cooks what its trips carry; over all waves that is the day's production."""
    waves = _waves()
    assert [sorted(d.trip for d in w.departures) for w in waves] == [["T1", "T2"], ["T3"]]
    first = {(ln.dish, ln.variant): ln.portions for ln in waves[0].lines}
    # rice: regular 20 + 10, low_sodium 10 = 40; halal 8 separately
    assert first[("rice", "regular")] == 40
    assert first[("rice", "regular+halal")] == 8
    assert ("pork_minced", "minced") not in first
    total: dict[tuple[str, str], int] = {}
    for w in waves:
        for ln in w.lines:
            total[(ln.dish, ln.variant)] = total.get((ln.dish, ln.variant), 0) + ln.portions
    assert total == _by_key()


def test_retention_samples_take_wave_finish() -> None:
    """With waves, a variant's sample is taken at the cook finish of the first wave cooking
    it; per wave, every wave's batch has its own."""
    lines = production_lines(MEALS, DISHES)
    waves = _waves()
    samples = {(s.dish, s.variant): s for s in retention_samples(lines, waves=waves)}
    assert samples[("rice", "regular")].taken_min == waves[0].finish_min
    assert samples[("pork_minced", "minced")].taken_min == waves[1].finish_min
    assert samples[("pork_minced", "minced")].wave == 2
    assert waves[0].finish_min < waves[1].finish_min
    per_wave = retention_samples(lines, waves=waves, per_wave=True)
    assert len(per_wave) == sum(len(w.lines) for w in waves)


def test_waves_reject_unknown_profile() -> None:
    """A trip carrying a profile with no menu raises ValueError naming the profile."""
    with pytest.raises(ValueError, match="vegan"):
        scheduled_waves(
            [Departure("T9", "van", 600, {"vegan": 3})],
            MEALS,
            DISHES,
            ROOMY,
            hold_limit_bulk_minutes=120,
            hold_limit_home_minutes=60,
        )
