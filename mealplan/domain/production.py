"""Production and purchasing for one day: portions per dish variant, the purchase list,
retention samples (留样) and cooking waves timed to the vehicles' departures.

Pure functions over plain frozen dataclasses; nothing here reads the database. Times are
integer minutes since midnight of the plan date (a value >= 1440 is on a later day), masses
grams unless a name says ``kg``, money integer fen.

Variants. A dish's texture variant is named from its own IDDSI level (``regular`` 7,
``soft`` 6, ``minced`` 5, ``pureed`` 4, ``liquidised`` 3); texture-modified dishes are
separate dish codes whose ``base_dish`` names the regular dish they are made from. Portions
for a halal diet profile are cooked separately (own utensils and pans), so they form a
separate batch with ``+halal`` appended to the variant (``regular+halal``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from mealplan.domain.schedule import KitchenCapacity, TripLoad, TripPack, schedule_kitchen
from mealplan.domain.vocab import DishCategory, FoodGroup, Service

log = logging.getLogger(__name__)

#: Texture variant label per IDDSI level.
TEXTURE_VARIANTS: dict[int, str] = {
    7: "regular",
    6: "soft",
    5: "minced",
    4: "pureed",
    3: "liquidised",
}

HALAL_SUFFIX = "+halal"

#: Retention-sample defaults (留样): grams per dish and variant, hours kept refrigerated.
RETENTION_GRAMS = 125
RETENTION_HOURS = 48

_CATEGORY_ORDER = {c.value: i for i, c in enumerate(DishCategory)}
_SERVICE_ORDER = {s.value: i for i, s in enumerate(Service)}


@dataclass(frozen=True)
class SupplierCategory:
    """A purchasing category (what one supplier or market stall delivers)."""

    code: str
    name_zh: str
    name_en: str
    food_groups: frozenset[str]


#: Supplier categories in the order the purchase list prints them.
SUPPLIER_CATEGORIES: tuple[SupplierCategory, ...] = (
    SupplierCategory(
        "meat", "畜肉", "Meat", frozenset({FoodGroup.PORK, FoodGroup.BEEF, FoodGroup.MUTTON})
    ),
    SupplierCategory(
        "poultry_egg", "禽蛋", "Poultry and eggs", frozenset({FoodGroup.POULTRY, FoodGroup.EGG})
    ),
    SupplierCategory(
        "aquatic", "水产", "Fish and shellfish", frozenset({FoodGroup.FISH, FoodGroup.SHELLFISH})
    ),
    SupplierCategory(
        "vegetable",
        "蔬菜菌藻",
        "Vegetables and fungi",
        frozenset({FoodGroup.VEGETABLE, FoodGroup.FUNGI}),
    ),
    SupplierCategory("soy", "豆制品", "Soy products", frozenset({FoodGroup.SOY})),
    SupplierCategory(
        "grain_oil",
        "粮油",
        "Grain and oil",
        frozenset({FoodGroup.GRAIN, FoodGroup.TUBER, FoodGroup.LEGUME, FoodGroup.OIL}),
    ),
    SupplierCategory(
        "condiment",
        "调味品",
        "Condiments",
        frozenset({FoodGroup.CONDIMENT, FoodGroup.SUGAR}),
    ),
    SupplierCategory("fruit", "水果", "Fruit", frozenset({FoodGroup.FRUIT})),
    SupplierCategory("dairy", "奶", "Dairy", frozenset({FoodGroup.DAIRY})),
    SupplierCategory("nut", "坚果", "Nuts", frozenset({FoodGroup.NUT})),
)
#: Where an ingredient with an unknown food group goes (printed last).
OTHER_CATEGORY = SupplierCategory("other", "其他", "Other", frozenset())

SUPPLIER_ORDER: dict[str, int] = {
    c.code: i for i, c in enumerate((*SUPPLIER_CATEGORIES, OTHER_CATEGORY))
}


def supplier_category(food_group: str) -> SupplierCategory:
    """The supplier category of an ingredient's food group (``other`` if unknown)."""
    for cat in SUPPLIER_CATEGORIES:
        if food_group in cat.food_groups:
            return cat
    return OTHER_CATEGORY


def supplier_category_by_code(code: str) -> SupplierCategory:
    """The supplier category with this code (``other`` if unknown)."""
    for cat in SUPPLIER_CATEGORIES:
        if cat.code == code:
            return cat
    return OTHER_CATEGORY


def texture_variant(iddsi_level: int) -> str:
    """Texture label of an IDDSI level (``regular`` for 7)."""
    try:
        return TEXTURE_VARIANTS[iddsi_level]
    except KeyError:
        raise ValueError(f"iddsi_level {iddsi_level!r} is not one of 7, 6, 5, 4, 3") from None


def variant_label(iddsi_level: int, halal: bool) -> str:
    """Variant of a batch: texture label, plus ``+halal`` for a separate halal preparation."""
    return texture_variant(iddsi_level) + (HALAL_SUFFIX if halal else "")


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class ProductionDish:
    """What production needs to know about a dish.

    Attributes:
        code: the dish code.
        name_zh: Chinese name as printed on the sheets.
        category: a :class:`~mealplan.domain.vocab.DishCategory` value.
        iddsi_level: the dish's own texture level (7 regular ... 4 pureed).
        recipe: ``(ingredient code, grams as purchased per serving)`` lines.
        base_dish: the regular dish a texture-modified variant is made from, if any.
        name_en: English name (optional).
    """

    code: str
    name_zh: str
    category: str
    iddsi_level: int = 7
    recipe: tuple[tuple[str, float], ...] = ()
    base_dish: str | None = None
    name_en: str = ""

    def __post_init__(self) -> None:
        texture_variant(self.iddsi_level)
        for ingredient, grams in self.recipe:
            if grams < 0:
                raise ValueError(f"dish {self.code}: grams of {ingredient} must be >= 0")


@dataclass(frozen=True)
class ProfileMeal:
    """The dishes one diet profile gets at one service, and how many portions.

    Attributes:
        service: ``lunch`` or ``dinner``.
        profile: diet profile code.
        dishes: dish codes on this profile's menu.
        portions: meals ordered for this profile (headcounts plus home clients).
        halal: the profile is halal: its portions are cooked as a separate batch.
        name_zh: profile name for the sheets (defaults to the code).
        name_en: English name (optional).
    """

    service: str
    profile: str
    dishes: tuple[str, ...]
    portions: int
    halal: bool = False
    name_zh: str = ""
    name_en: str = ""

    def __post_init__(self) -> None:
        if self.portions < 0:
            raise ValueError(f"profile {self.profile}: portions must be >= 0, got {self.portions}")


@dataclass(frozen=True)
class IngredientInfo:
    """What purchasing needs to know about an ingredient."""

    code: str
    name_zh: str
    food_group: str
    price_fen_per_kg: int
    name_en: str = ""


@dataclass(frozen=True)
class Departure:
    """One trip leaving the kitchen: its id, vehicle, departure minute and meals per profile.

    ``last_arrival_min`` (optional) is the minute the trip reaches its last stop; with a hold
    limit it keeps a late trip out of a wave whose food would then be too old.
    """

    trip: str
    vehicle: str
    depart_min: int
    meals: Mapping[str, int]
    last_arrival_min: int | None = None
    ready_min: int | None = None  # when the router wants the load ready
    last_bulk_arrival_min: int | None = None  # its last canteen or dining point
    last_home_arrival_min: int | None = None  # its last home


# --------------------------------------------------------------------------- output


@dataclass(frozen=True)
class ProductionLine:
    """Portions of one dish variant to cook, summed over the diet profiles that eat it."""

    dish: str
    name_zh: str
    variant: str
    portions: int
    profiles: tuple[str, ...]
    service: str = Service.LUNCH.value
    category: str = ""
    iddsi_level: int = 7
    halal: bool = False
    base_dish: str | None = None
    name_en: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """``(service, dish, variant)``: one batch."""
        return (self.service, self.dish, self.variant)


@dataclass(frozen=True)
class ProfileTotal:
    """Meals of one diet profile at one service (the production sheet's totals)."""

    service: str
    profile: str
    name_zh: str
    portions: int
    halal: bool = False
    name_en: str = ""


@dataclass(frozen=True)
class PurchaseLine:
    """One ingredient to buy: kg with the waste allowance, and its cost at today's price."""

    ingredient: str
    name_zh: str
    supplier_category: str
    kg: float
    cost_fen: int
    price_fen_per_kg: int = 0
    name_en: str = ""


@dataclass(frozen=True)
class RetentionSample:
    """A retention sample (留样) of one dish variant: taken when the batch is finished,
    kept refrigerated and discarded no earlier than ``discard_after_min``."""

    dish: str
    name_zh: str
    variant: str
    grams: int
    taken_min: int
    discard_after_min: int
    service: str = Service.LUNCH.value
    wave: int | None = None
    name_en: str = ""


@dataclass(frozen=True)
class CookingWave:
    """A cooking batch timed to the departures it feeds.

    Attributes:
        number: 1-based wave number in time order.
        start_min: when cooking starts (``finish - cooking - packing``).
        finish_min: when the food is cooked and packed (``first departure - loading``).
        departures: the trips this wave feeds.
        lines: portions per dish and variant cooked in this wave.
        eat_by_min: ``finish + hold limit`` when a hold limit was given.
        latest_arrival_min: the last arrival over the departures, when known.
    """

    number: int
    start_min: int
    finish_min: int
    departures: tuple[Departure, ...]
    lines: tuple[ProductionLine, ...]
    service: str = Service.LUNCH.value
    eat_by_min: int | None = None
    latest_arrival_min: int | None = None
    packs: tuple[TripPack, ...] = ()  # when each trip is packed (scheduled waves)
    forecast: bool = False  # cooking starts before the headcount cut-off
    home_hold_limit_minutes: int | None = None

    def pack_of(self, trip: str) -> TripPack | None:
        return next((p for p in self.packs if p.trip == trip), None)

    def home_eat_by_min(self, trip: str) -> int | None:
        """A home box of ``trip`` is eaten by its packed time plus the home hold limit."""
        pack = self.pack_of(trip)
        if pack is None or self.home_hold_limit_minutes is None:
            return None
        return pack.pack_finish_min + self.home_hold_limit_minutes

    @property
    def first_departure_min(self) -> int:
        return min(d.depart_min for d in self.departures)

    @property
    def last_departure_min(self) -> int:
        return max(d.depart_min for d in self.departures)

    @property
    def meals(self) -> int:
        """Meals (not portions of dishes) leaving with this wave."""
        return sum(sum(d.meals.values()) for d in self.departures)

    @property
    def within_hold(self) -> bool:
        """Every known last arrival is no later than its eat-by time (scheduled waves: a
        bulk stop's cook finish + bulk hold, a home's packed time + home hold)."""
        if self.packs:
            for d in self.departures:
                bulk, home = d.last_bulk_arrival_min, d.last_home_arrival_min
                if bulk is None and home is None:  # kinds unknown: checked as bulk
                    bulk = d.last_arrival_min
                if bulk is not None and self.eat_by_min is not None and bulk > self.eat_by_min:
                    return False
                home_by = self.home_eat_by_min(d.trip)
                if home is not None and home_by is not None and home > home_by:
                    return False
            return True
        if self.eat_by_min is None or self.latest_arrival_min is None:
            return True
        return self.latest_arrival_min <= self.eat_by_min


# --------------------------------------------------------------------------- functions


def _nonneg(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")


def _dish(dishes: Mapping[str, ProductionDish], code: str, where: str) -> ProductionDish:
    try:
        return dishes[code]
    except KeyError:
        raise ValueError(f"{where}: unknown dish {code!r}") from None


def _line_sort_key(line: ProductionLine) -> tuple[int, int, str, int, bool, str]:
    return (
        _SERVICE_ORDER.get(line.service, len(_SERVICE_ORDER)),
        _CATEGORY_ORDER.get(line.category, len(_CATEGORY_ORDER)),
        line.base_dish or line.dish,
        -line.iddsi_level,
        line.halal,
        line.dish,
    )


def production_lines(
    meals: Iterable[ProfileMeal], dishes: Mapping[str, ProductionDish]
) -> list[ProductionLine]:
    """Portions per dish and variant, summed over the diet profiles that eat the dish.

    Args:
        meals: per service and diet profile, the dish codes and the portions.
        dishes: every dish named in ``meals``, by code.

    Returns:
        One line per (service, dish, variant) with at least one portion, sorted by service,
        category (staple, main, side, vegetable, soup, fruit), base dish (so a dish's texture
        variants print together), texture (regular first), halal last, dish code.

    Raises:
        ValueError: a meal names a dish missing from ``dishes``.
    """
    portions: dict[tuple[str, str, bool], int] = defaultdict(int)
    profiles: dict[tuple[str, str, bool], set[str]] = defaultdict(set)
    for meal in meals:
        if meal.portions == 0:
            continue
        for code in dict.fromkeys(meal.dishes):  # a dish listed twice is still one portion
            _dish(dishes, code, f"profile {meal.profile}")
            key = (meal.service, code, meal.halal)
            portions[key] += meal.portions
            profiles[key].add(meal.profile)
    lines = []
    for (service, code, halal), n in portions.items():
        dish = dishes[code]
        lines.append(
            ProductionLine(
                dish=code,
                name_zh=dish.name_zh,
                variant=variant_label(dish.iddsi_level, halal),
                portions=n,
                profiles=tuple(sorted(profiles[(service, code, halal)])),
                service=service,
                category=dish.category,
                iddsi_level=dish.iddsi_level,
                halal=halal,
                base_dish=dish.base_dish,
                name_en=dish.name_en,
            )
        )
    return sorted(lines, key=_line_sort_key)


def profile_totals(meals: Iterable[ProfileMeal]) -> list[ProfileTotal]:
    """Meals per service and diet profile (profiles with zero meals left out)."""
    totals: dict[tuple[str, str], ProfileTotal] = {}
    for meal in meals:
        key = (meal.service, meal.profile)
        old = totals.get(key)
        totals[key] = ProfileTotal(
            service=meal.service,
            profile=meal.profile,
            name_zh=meal.name_zh or meal.profile,
            portions=meal.portions + (old.portions if old else 0),
            halal=meal.halal,
            name_en=meal.name_en,
        )
    return sorted(
        (t for t in totals.values() if t.portions > 0),
        key=lambda t: (_SERVICE_ORDER.get(t.service, 99), t.profile),
    )


def recipes_of(dishes: Iterable[ProductionDish]) -> dict[str, tuple[tuple[str, float], ...]]:
    """The ``recipes`` argument of :func:`purchase_list` from the dishes."""
    return {d.code: d.recipe for d in dishes}


def purchase_list(
    lines: Iterable[ProductionLine],
    recipes: Mapping[str, Sequence[tuple[str, float]]],
    ingredients: Mapping[str, IngredientInfo],
    waste_allowance: float,
) -> list[PurchaseLine]:
    """What to buy for the production lines.

    ``kg = sum over lines of grams as purchased x portions x (1 + waste_allowance) / 1000``,
    rounded half up to 0.001 kg (one gram); ``cost_fen = kg (rounded) x price_fen_per_kg``,
    rounded half up to a fen, so that the printed quantity times the printed price gives the
    printed cost. Ingredients with zero grams are left out.

    Args:
        lines: production lines (any services; halal and texture variants use their own
            dish's recipe).
        recipes: dish code -> ``(ingredient code, grams as purchased per serving)``.
        ingredients: ingredient code -> :class:`IngredientInfo`.
        waste_allowance: fraction added for trimming and spillage, e.g. 0.05.

    Returns:
        Lines sorted by supplier category (meat, poultry & eggs, aquatic, vegetables, soy,
        grain & oil, condiments, fruit, dairy, nuts, other) then ingredient code.

    Raises:
        ValueError: negative allowance, a dish without a recipe, an unknown ingredient.
    """
    if not 0 <= waste_allowance < 1:
        raise ValueError(f"waste_allowance must be in [0, 1), got {waste_allowance!r}")
    # Decimal arithmetic so that e.g. 5302.5 g rounds up as printed, not to float noise
    grams: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.dish not in recipes:
            raise ValueError(f"dish {line.dish!r} has no recipe")
        for ingredient, per_serving in recipes[line.dish]:
            if ingredient not in ingredients:
                raise ValueError(f"dish {line.dish!r}: unknown ingredient {ingredient!r}")
            grams[ingredient] += Decimal(repr(float(per_serving))) * line.portions
    factor = 1 + Decimal(repr(float(waste_allowance)))
    result = []
    for code, total in grams.items():
        if total <= 0:
            continue
        info = ingredients[code]
        kg = (total * factor / 1000).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        cost = (kg * info.price_fen_per_kg).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        result.append(
            PurchaseLine(
                ingredient=code,
                name_zh=info.name_zh,
                supplier_category=supplier_category(info.food_group).code,
                kg=float(kg),
                cost_fen=int(cost),
                price_fen_per_kg=info.price_fen_per_kg,
                name_en=info.name_en,
            )
        )
    return sorted(result, key=lambda p: (SUPPLIER_ORDER[p.supplier_category], p.ingredient))


def trip_loads(
    departures: Iterable[Departure],
    meals: Iterable[ProfileMeal],
    dishes: Mapping[str, ProductionDish],
    capacity: KitchenCapacity,
    *,
    service: str = Service.LUNCH.value,
) -> list[TripLoad]:
    """Each trip as the scheduler sees it: its ready time (``ready_min``, else its departure),
    the dish portions it carries and the longest cooking lead of them.

    Raises:
        ValueError: a trip carries a profile without a menu for ``service``.
    """
    menus = {m.profile: m for m in meals if m.service == service}
    out = []
    for d in departures:
        portions = 0
        lead = 0
        for profile, n in d.meals.items():
            if not n:
                continue
            if profile not in menus:
                raise ValueError(f"trip {d.trip}: no {service} menu for profile {profile!r}")
            codes = tuple(dict.fromkeys(menus[profile].dishes))
            portions += n * len(codes)
            for code in codes:
                lead = max(lead, capacity.lead(_dish(dishes, code, f"trip {d.trip}").category))
        ready = d.ready_min if d.ready_min is not None else d.depart_min
        out.append(
            TripLoad(
                d.trip, ready, portions, lead, d.last_bulk_arrival_min, d.last_home_arrival_min
            )
        )
    return out


def scheduled_waves(
    departures: Iterable[Departure],
    meals: Iterable[ProfileMeal],
    dishes: Mapping[str, ProductionDish],
    capacity: KitchenCapacity,
    *,
    hold_limit_bulk_minutes: int,
    hold_limit_home_minutes: int,
    cutoff_min: int | None = None,
    group_within_minutes: int = 30,
    service: str = Service.LUNCH.value,
) -> list[CookingWave]:
    """Cooking waves from the kitchen's packing and cooking schedule
    (:func:`mealplan.domain.schedule.schedule_kitchen`): each wave cooks from
    ``start_min`` to ``finish_min``, its trips are packed in their ``packs`` windows; the
    bulk eat-by is ``finish + hold_limit_bulk_minutes`` (cook -> eat) and a home box's is
    its trip's packed time + ``hold_limit_home_minutes`` (pack -> arrive)."""
    meals = list(meals)
    deps = {d.trip: d for d in departures}
    loads = trip_loads(deps.values(), meals, dishes, capacity, service=service)
    schedule = schedule_kitchen(
        loads,
        capacity,
        cutoff_min=cutoff_min,
        bulk_hold_minutes=hold_limit_bulk_minutes,
        home_hold_minutes=hold_limit_home_minutes,
        group_within_minutes=group_within_minutes,
    )
    menus = {m.profile: m for m in meals if m.service == service}
    waves = []
    for w in schedule.waves:
        group = tuple(deps[p.trip] for p in w.packs)
        per_profile: dict[str, int] = defaultdict(int)
        for dep in group:
            for profile, n in dep.meals.items():
                per_profile[profile] += n
        wave_meals = [
            ProfileMeal(service, p, menus[p].dishes, n, halal=menus[p].halal)
            for p, n in per_profile.items()
            if n
        ]
        arrivals = [d.last_arrival_min for d in group if d.last_arrival_min is not None]
        wave = CookingWave(
            number=w.number,
            start_min=w.cook_start_min,
            finish_min=w.cook_finish_min,
            departures=group,
            lines=tuple(production_lines(wave_meals, dishes)),
            service=service,
            eat_by_min=w.cook_finish_min + hold_limit_bulk_minutes,
            latest_arrival_min=max(arrivals) if arrivals else None,
            packs=w.packs,
            forecast=w.forecast,
            home_hold_limit_minutes=hold_limit_home_minutes,
        )
        if not wave.within_hold:
            log.warning("wave %d: a stop is reached after its eat-by time", w.number)
        waves.append(wave)
    return waves


def retention_samples(
    lines: Iterable[ProductionLine],
    *,
    waves: Sequence[CookingWave] = (),
    finish_min: int | None = None,
    grams: int = RETENTION_GRAMS,
    keep_hours: int = RETENTION_HOURS,
    per_wave: bool = False,
) -> list[RetentionSample]:
    """Retention samples (留样): one of ``grams`` per dish and variant cooked.

    The sample is taken when its batch is finished: the finish of the first wave that cooks
    the dish variant, or ``finish_min`` for a line no wave covers. It is kept refrigerated
    for ``keep_hours`` (``discard_after_min = taken_min + keep_hours x 60``). With
    ``per_wave=True`` each wave's batch gets its own sample (stricter local rules).

    Raises:
        ValueError: ``grams`` or ``keep_hours`` not positive, or a line has no finish time.
    """
    if grams <= 0:
        raise ValueError(f"grams must be > 0, got {grams!r}")
    if keep_hours <= 0:
        raise ValueError(f"keep_hours must be > 0, got {keep_hours!r}")
    keep = keep_hours * 60

    def sample(line: ProductionLine, taken: int, wave: int | None) -> RetentionSample:
        return RetentionSample(
            dish=line.dish,
            name_zh=line.name_zh,
            variant=line.variant,
            grams=grams,
            taken_min=taken,
            discard_after_min=taken + keep,
            service=line.service,
            wave=wave,
            name_en=line.name_en,
        )

    ordered_waves = sorted(waves, key=lambda w: (w.finish_min, w.number))
    result: list[RetentionSample] = []
    for line in lines:
        covering = [w for w in ordered_waves if any(wl.key == line.key for wl in w.lines)]
        if covering and per_wave:
            result.extend(sample(line, w.finish_min, w.number) for w in covering)
        elif covering:
            result.append(sample(line, covering[0].finish_min, covering[0].number))
        elif finish_min is not None:
            result.append(sample(line, finish_min, None))
        else:
            raise ValueError(
                f"dish {line.dish} ({line.variant}): no wave cooks it and no finish_min given"
            )
    return result
