"""The daily plan's pure stages on a tiny two-kitchen day: demand split by kitchen,
production, waves, purchase, the documents' view models and plan.json."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from types import SimpleNamespace
from typing import Any

from mealplan.documents import KitchenInfo, RouteSheet, RouteStopView, StopMeals
from mealplan.domain.production import Departure, IngredientInfo, ProductionDish
from mealplan.planning.adapters import KitchenFacts, ProfileFacts
from mealplan.planning.daily import stages
from mealplan.planning.demand import DayDemand, HomeDemand, SiteDemand

DAY = dt.date(2026, 12, 2)
REQUEST = stages.DayRequest(DAY, "lunch")
K1 = KitchenFacts(KitchenInfo("拱墅区中央厨房", code="K1"), 60, 15, 10)
K2 = KitchenFacts(KitchenInfo("西湖区中央厨房", code="K2"), 45, 10, 5)
KITCHENS = {"K1": K1, "K2": K2}

DISHES = {
    d.code: d
    for d in (
        ProductionDish("rice", "米饭", "staple", 7, (("rice", 100.0),)),
        ProductionDish("pork", "红烧肉", "main", 7, (("pork", 80.0),)),
        ProductionDish("fish", "清蒸鱼", "main", 7, (("fish", 90.0),)),
    )
}
MENUS = stages.MenusStage(
    menus={"low_sodium": ("rice", "fish"), "regular": ("rice", "pork")},
    profiles={
        "low_sodium": ProfileFacts("低盐", "Low sodium"),
        "regular": ProfileFacts("普通", "Regular"),
    },
    dishes=DISHES,
    unplanned=(),
)
INGREDIENTS = {
    "rice": IngredientInfo("rice", "大米", "grain", 600),
    "pork": IngredientInfo("pork", "猪肉", "pork", 2800),
    "fish": IngredientInfo("fish", "鲈鱼", "fish", 4000),
}


def _demand() -> stages.DemandStage:
    """K1: site S1 (30 regular, 8 low sodium) and home H1 (low sodium); K2: site S2 (12
    regular, forecast) and home H2 (regular)."""
    day = DayDemand(
        DAY,
        "lunch",
        sites=[
            SiteDemand("S1", 1, "canteen", {"regular": 30, "low_sodium": 8}, "reported"),
            SiteDemand("S2", 2, "dining_point", {"regular": 12}, "forecast"),
        ],
        homes=[HomeDemand("H1", 11, "low_sodium"), HomeDemand("H2", 12, "regular")],
    )
    by_site, by_client = {1: "K1", 2: "K2"}, {11: "K1", 12: "K2"}
    return stages.DemandStage(
        day, stages.split_by_kitchen(day, KITCHENS, by_site, by_client), by_site, by_client
    )


def test_demand_is_split_by_the_kitchen_of_each_site_and_home() -> None:
    """K1 cooks 30 + 0 regular and 8 + 1 low sodium; K2 12 + 1 regular; S2 forecast."""
    k1, k2 = _demand().kitchens
    assert (k1.kitchen, dict(k1.meals), k1.forecast_sites) == (
        K1,
        {"low_sodium": 9, "regular": 30},
        (),
    )
    assert (k2.kitchen, dict(k2.meals), k2.forecast_sites) == (K2, {"regular": 13}, ("S2",))
    assert k1.total + k2.total == _demand().demand.total_meals == 52


def test_production_per_kitchen_adds_up_to_the_day() -> None:
    """Each kitchen's lines count its own meals; summed over kitchens they are the day's
    lines (rice: 39 + 13 = 52 portions)."""
    production = stages.production_stage("lunch", _demand(), MENUS)
    assert production.several
    k1, k2 = production.kitchens
    assert {ln.dish: ln.portions for ln in k1.lines} == {"rice": 39, "pork": 30, "fish": 9}
    assert {ln.dish: ln.portions for ln in k2.lines} == {"rice": 13, "pork": 13}
    summed: Counter[tuple[str, str, str]] = Counter()
    for kp in production.kitchens:
        for ln in kp.lines:
            summed[ln.key] += ln.portions
    assert summed == Counter({ln.key: ln.portions for ln in production.lines})
    assert k2.forecast_sites == ("S2",)


def test_waves_are_timed_and_numbered_per_kitchen() -> None:
    """Each kitchen's waves start at 1 and use its own durations: K2's van leaving 10:40
    is ready at 10:35 (5 min loading), its 26 portions take one minute of a 1,200-portion
    slot (10:34-10:35), so cooking finishes at 10:24 (10 min cook-to-pack) and starts at
    09:39 (45 min lead); a late arrival names the wave with its kitchen."""
    production = stages.production_stage("lunch", _demand(), MENUS)
    departures = {
        "K1": (
            Departure("V1-1", "V1", 630, {"regular": 30, "low_sodium": 8}, 680),
            Departure("V2-1", "V2", 700, {"low_sodium": 1}, 720),
        ),
        "K2": (Departure("V9-1", "V9", 640, {"regular": 13}, 900),),
    }
    waves = stages.waves_stage("lunch", 120, production, departures, {"K1": 630, "K2": 640})
    k1, k2 = waves.of("K1"), waves.of("K2")
    assert [w.number for w in k1.waves] == [1, 2] and [w.number for w in k2.waves] == [1]
    assert (k2.waves[0].start_min, k2.waves[0].finish_min) == (579, 624)
    (pack,) = k2.waves[0].packs
    assert (pack.pack_start_min, pack.pack_finish_min, pack.portions) == (634, 635, 26)
    assert (k1.waves[0].start_min, k1.waves[0].finish_min) == (549, 609)
    assert waves.count == 3
    assert waves.warnings == ("cooking wave K2-1: a stop is reached after its eat-by time",)
    # one sample per dish variant a kitchen cooks, taken at its first wave's finish
    assert {s.dish: s.taken_min for s in k2.samples} == {"rice": 624, "pork": 624}
    assert {s.dish for s in k1.samples} == {"rice", "pork", "fish"}


def test_waves_without_routes_and_meals_without_a_menu() -> None:
    """A kitchen with no trip samples half an hour before its earliest window; a trip
    carrying a profile without a menu is cooked for the profiles that have one."""
    production = stages.production_stage("lunch", _demand(), MENUS)
    departures = {"K1": (Departure("V1-1", "V1", 630, {"regular": 30, "soft": 2}, 680),)}
    waves = stages.waves_stage("lunch", 120, production, departures, {"K2": 660})
    assert waves.of("K2").waves == ()
    assert {s.taken_min for s in waves.of("K2").samples} == {630}
    (wave,) = waves.of("K1").waves
    assert wave.meals == 30


def test_purchase_per_kitchen_costs_add_up() -> None:
    """Each kitchen buys for its own lines: K2 buys 13 x 100 g rice x 1.05 = 1.365 kg
    (819 fen at 600 fen/kg); the day's cost is the sum of the kitchens'."""
    production = stages.production_stage("lunch", _demand(), MENUS)
    purchase = stages.purchase_stage(production, INGREDIENTS, 0.05)
    k2 = {p.ingredient: p for p in purchase.of("K2").lines}
    assert (k2["rice"].kg, k2["rice"].cost_fen) == (1.365, 819)
    assert "fish" not in k2
    assert purchase.cost_fen == purchase.of("K1").cost_fen + purchase.of("K2").cost_fen
    assert stages.ingredient_codes(production) == {"rice", "pork", "fish"}


def _sheet(kitchen: KitchenInfo, vehicle: str) -> RouteSheet:
    stop = RouteStopView(1, "canteen", "米市巷长者食堂", "", "", 630, 690, 650,
                         (StopMeals("regular", "普通", 3),), 30.3, 120.1)  # fmt: skip
    return RouteSheet(DAY, "lunch", kitchen, vehicle, "", "", 600, 610, 700, (stop,))


def _day() -> tuple[Any, ...]:
    demand = _demand()
    production = stages.production_stage("lunch", demand, MENUS)
    waves = stages.waves_stage(
        "lunch", 120, production, {"K2": (Departure("V9-1", "V9", 640, {"regular": 13}),)}, {}
    )
    purchase = stages.purchase_stage(production, INGREDIENTS, 0.05)
    return demand, production, waves, purchase


def test_each_kitchens_documents_are_headed_with_that_kitchen() -> None:
    """Production sheet, purchase list, labels and route sheets of K2 name K2 and carry
    only K2's lines, trips and meals; a kitchen without trips has no labels."""
    _, production, waves, purchase = _day()
    sheets = [_sheet(K1.info, "V1"), _sheet(K2.info, "V9"), _sheet(K2.info, "V8")]
    d1, d2 = stages.kitchen_documents(REQUEST, production, waves, purchase, sheets)
    for doc, k in ((d1, K1), (d2, K2)):
        assert doc.kitchen == k
        assert doc.production.kitchen == doc.purchase.kitchen == k.info
        assert doc.labels is not None and doc.labels.kitchen == k.info
    assert [s.vehicle for s in d2.route_sheets] == ["V9", "V8"]
    assert d2.production.total_portions == 13 and d1.production.total_portions == 39
    assert d2.production.waves == waves.of("K2").waves
    assert d2.production.notes == ("预测 forecast: S2",)
    assert d2.purchase.lines == purchase.of("K2").lines
    assert len(d2.labels.labels) == 2  # type: ignore[union-attr]
    (alone,) = stages.kitchen_documents(
        REQUEST, stages.ProductionStage((), (), production.kitchens[:1], DISHES), waves,
        purchase, [],
    )  # fmt: skip
    assert alone.labels is None and alone.route_sheets == ()


def test_file_names_carry_the_kitchen_code_only_with_several_kitchens() -> None:
    """One kitchen keeps the historical names; several get ``key@CODE`` and
    ``name-CODE.ext`` (the code made safe for a file name)."""
    assert (stages.file_key("production", None), stages.file_name("production", None)) == (
        "production",
        "production.pdf",
    )
    assert stages.file_key("purchase_xlsx", "K2") == "purchase_xlsx@K2"
    assert stages.file_name("purchase_xlsx", "K2") == "purchase-K2.xlsx"
    assert stages.file_name("labels", "西/1") == "labels-__1.pdf"
    assert stages.wave_label("K2", 3, True) == "K2-3" and stages.wave_label("K2", 3, False) == "3"


def test_plan_json_entries_name_their_kitchen() -> None:
    """plan.json keeps its keys; production, purchase, waves and demand entries name their
    kitchen, and ``kitchens`` sums each kitchen up with its own files."""
    demand, production, waves, purchase = _day()
    routes: Any = SimpleNamespace(document={"routes": [], "unserved": []})
    files = {"production@K1": "production-K1.pdf", "production@K2": "production-K2.pdf"}
    plan = stages.plan_document(REQUEST, demand, MENUS, production, routes, waves, purchase,
                                files, ["w"])  # fmt: skip
    for key in ("routes", "unserved", "demand", "menus", "production", "purchase",
                "purchase_waste_allowance", "waves", "warnings", "kitchens"):  # fmt: skip
        assert key in plan
    assert {e["kitchen"] for e in plan["production"]} == {"K1", "K2"}
    assert sum(e["portions"] for e in plan["production"]) == sum(
        ln.portions for ln in production.lines
    )
    assert [(w["kitchen"], w["wave"], w["finish"]) for w in plan["waves"]] == [("K2", 1, "10:24")]
    assert {e["stop"]: e["kitchen"] for e in plan["demand"]} == {
        "S1": "K1",
        "S2": "K2",
        "H1": "K1",
        "H2": "K2",
    }
    k2 = plan["kitchens"][1]
    assert k2["kitchen"] == "K2" and k2["meals"] == 13
    assert k2["files"] == {"production@K2": "production-K2.pdf"}
    assert sum(k["purchase_cost_fen"] for k in plan["kitchens"]) == purchase.cost_fen
