"""View models of the printed documents: plain frozen dataclasses the use cases fill.

Nothing here reads the database; the daily-plan use case builds these from its results and
hands them to :mod:`mealplan.documents.render`. Times are minutes since midnight of the
document's date (>= 1440 is a later day), money integer fen, distances metres.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mealplan.domain.production import (  # the sheets carry these as they are
    CookingWave,
    ProductionLine,
    ProfileTotal,
    PurchaseLine,
    RetentionSample,
)


@dataclass(frozen=True)
class KitchenInfo:
    """The central kitchen named on every sheet (coordinates for the route map)."""

    name: str
    address: str = ""
    phone: str = ""
    lat: float | None = None
    lon: float | None = None
    code: str = ""


# --------------------------------------------------------------------------- route sheet


@dataclass(frozen=True)
class StopMeals:
    """Meals of one diet profile delivered at a stop.

    Attributes:
        profile: diet profile code.
        profile_name: profile name as printed (Chinese).
        count: meals.
        iddsi_level: texture level of the profile's meals (7 regular ... 4 pureed).
        allergens: allergen codes (``Allergen`` values) the meals contain.
        halal: halal meals (separately prepared).
        profile_name_en: English name (English sheets fall back to ``profile_name``).
        dishes: dish names, for labels (optional).
    """

    profile: str
    profile_name: str
    count: int
    iddsi_level: int = 7
    allergens: tuple[str, ...] = ()
    halal: bool = False
    profile_name_en: str = ""
    dishes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteStopView:
    """One stop on a trip, in delivery order.

    Attributes:
        seq: 1-based delivery order.
        kind: ``canteen``, ``dining_point`` or ``home`` (``StopKind``).
        name: site name, or the elder's name for a home delivery.
        address, phone: where and whom to call.
        window_start_min, window_end_min: delivery window.
        eta_min: planned arrival.
        meals: meals per diet profile.
        lat, lon: coordinates (route map).
        contact_name: person who receives (site staff).
        boxes: hot boxes unloaded here (``None``: one box per meal).
        cold_items: cold items (fruit, milk) carried apart from the hot boxes.
        eat_by_min: eat-by time (``None``: the sheet's ready time + hold limit).
        notes: driver notes (gate code, floor, dog, call before arriving...).
        distance_m_from_prev: metres from the previous stop (or the kitchen).
        emergency_name, emergency_phone: a home elder's emergency contact.
    """

    seq: int
    kind: str
    name: str
    address: str
    phone: str
    window_start_min: int
    window_end_min: int
    eta_min: int
    meals: tuple[StopMeals, ...]
    lat: float
    lon: float
    contact_name: str = ""
    boxes: int | None = None
    cold_items: int = 0
    eat_by_min: int | None = None
    notes: str = ""
    distance_m_from_prev: int = 0
    emergency_name: str = ""
    emergency_phone: str = ""

    @property
    def total_meals(self) -> int:
        return sum(m.count for m in self.meals)

    @property
    def box_count(self) -> int:
        return self.total_meals if self.boxes is None else self.boxes


@dataclass(frozen=True)
class RouteSheet:
    """A driver's sheet for one vehicle and trip.

    Attributes:
        date, service: the plan's date and ``lunch``/``dinner``.
        kitchen: where the trip loads.
        vehicle: vehicle name or code; ``vehicle_plate`` its plate.
        driver, driver_phone: who drives.
        ready_min, depart_min, return_min: load packed, departure, back at the kitchen.
        stops: in delivery order.
        trip_seq, trip_count: this is trip ``trip_seq`` of ``trip_count`` for the vehicle.
        distance_m, drive_minutes: totals for the trip.
        hold_limit_minutes: cooked-to-eaten limit used for stops without ``eat_by_min``.
        trip: the trip as the production sheet names it (``V1-2``; empty: unknown).
        cook_finish_min: when its wave's cooking finished (None: not scheduled).
        one_meal_reason, one_meal_other: why the trip carries a single meal (empty: it
            carries more).
    """

    date: dt.date
    service: str
    kitchen: KitchenInfo
    vehicle: str
    driver: str
    driver_phone: str
    ready_min: int
    depart_min: int
    return_min: int
    stops: tuple[RouteStopView, ...]
    trip_seq: int = 1
    trip_count: int = 1
    vehicle_plate: str = ""
    distance_m: int = 0
    drive_minutes: int = 0
    hold_limit_minutes: int = 120
    trip: str = ""
    cook_finish_min: int | None = None
    one_meal_reason: str = ""  # a one-meal trip: a code of solvers.routing ONE_MEAL_REASONS
    one_meal_other: str = ""  # could_join, next_trip_fixed: the trip that could take it

    @property
    def total_meals(self) -> int:
        return sum(s.total_meals for s in self.stops)

    @property
    def total_boxes(self) -> int:
        return sum(s.box_count for s in self.stops)

    def eat_by(self, stop: RouteStopView) -> int:
        """The stop's eat-by minute (its own, or ready time + hold limit)."""
        if stop.eat_by_min is not None:
            return stop.eat_by_min
        return self.ready_min + self.hold_limit_minutes

    def box_ranges(self) -> tuple[tuple[int, int], ...]:
        """Box numbers per stop, consecutive over the trip in delivery order: stop 1 gets
        boxes 1..n1, stop 2 n1+1..n1+n2, ... (a stop with no box gets ``(k, k-1)``)."""
        ranges = []
        first = 1
        for stop in self.stops:
            last = first + stop.box_count - 1
            ranges.append((first, last))
            first = last + 1
        return tuple(ranges)

    def loading_order(self) -> tuple[RouteStopView, ...]:
        """Stops in loading order: the last delivery is loaded first (deepest in the van)."""
        return tuple(reversed(self.stops))


# --------------------------------------------------------------------------- production


@dataclass(frozen=True)
class ProductionSheet:
    """The kitchen's production sheet for a date (and service, if one only)."""

    date: dt.date
    kitchen: KitchenInfo
    lines: tuple[ProductionLine, ...]
    waves: tuple[CookingWave, ...] = ()
    samples: tuple[RetentionSample, ...] = ()
    profile_totals: tuple[ProfileTotal, ...] = ()
    service: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def total_portions(self) -> int:
        return sum(t.portions for t in self.profile_totals)

    def profile_names(self) -> dict[str, tuple[str, str]]:
        """Profile code -> (Chinese, English) name, from the profile totals."""
        return {t.profile: (t.name_zh, t.name_en) for t in self.profile_totals}


@dataclass(frozen=True)
class PurchaseListSheet:
    """The purchase list: ingredients to buy, grouped by supplier category."""

    date: dt.date
    kitchen: KitchenInfo
    lines: tuple[PurchaseLine, ...]
    waste_allowance: float
    service: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def total_cost_fen(self) -> int:
        return sum(p.cost_fen for p in self.lines)


# --------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class BoxLabel:
    """One box label: a site's box group of one profile, or one elder's meal.

    Attributes:
        recipient: site name or the elder's name.
        kind: ``StopKind`` of the stop.
        profile_name: diet profile as printed; ``profile_name_en`` in English.
        count: meals in this box group.
        iddsi_level: texture level.
        allergens: allergen codes contained.
        cooked_min: when the food was cooked; ``eat_by_min`` = cooked + hold limit.
        halal: prints the halal mark.
        dishes: dish names (optional).
        boxes: box numbers as printed, e.g. ``"1-12"`` (optional).
        vehicle, trip_seq, stop_seq: where the box travels (optional; printed when
            ``vehicle`` is set).
    """

    recipient: str
    kind: str
    profile_name: str
    count: int
    iddsi_level: int
    allergens: tuple[str, ...]
    cooked_min: int
    eat_by_min: int
    halal: bool = False
    dishes: tuple[str, ...] = ()
    boxes: str = ""
    vehicle: str = ""
    trip_seq: int = 0
    stop_seq: int = 0
    profile_name_en: str = ""


@dataclass(frozen=True)
class LabelSheet:
    """Labels printed on A4 label sheets of ``columns`` x ``rows``."""

    date: dt.date
    service: str
    kitchen: KitchenInfo
    labels: tuple[BoxLabel, ...]
    columns: int = 2
    rows: int = 5

    def __post_init__(self) -> None:
        if not (1 <= self.columns <= 4 and 1 <= self.rows <= 10):
            raise ValueError(
                f"labels per sheet must be 1-4 columns x 1-10 rows, got "
                f"{self.columns} x {self.rows}"
            )

    def pages(self) -> tuple[tuple[tuple[BoxLabel, ...], ...], ...]:
        """Labels cut into pages of rows, each row ``columns`` labels (the last padded by
        leaving it short)."""
        per_page = self.columns * self.rows
        pages = []
        for start in range(0, len(self.labels), per_page):
            chunk = self.labels[start : start + per_page]
            pages.append(
                tuple(chunk[r : r + self.columns] for r in range(0, len(chunk), self.columns))
            )
        return tuple(pages)


# --------------------------------------------------------------------------- public menu


@dataclass(frozen=True)
class MenuProfile:
    """A diet profile served at the canteen (a column of the weekly menu)."""

    code: str
    name_zh: str
    name_en: str = ""
    price_fen: int | None = None  # price per meal; an entry may override it


@dataclass(frozen=True)
class MenuEntry:
    """The dishes of one profile on one day."""

    day: dt.date
    profile: str
    dishes: tuple[str, ...]
    price_fen: int | None = None


@dataclass(frozen=True)
class PriceNote:
    """A line of the price notice, e.g. ``80 岁以上老人`` pays 500 fen."""

    label: str
    price_fen: int


@dataclass(frozen=True)
class WeeklyMenu:
    """The public weekly menu of one canteen or dining point (公示菜谱)."""

    site_name: str
    kitchen: KitchenInfo
    week_start: dt.date
    days: tuple[dt.date, ...]
    profiles: tuple[MenuProfile, ...]
    entries: tuple[MenuEntry, ...]
    service: str = "lunch"
    prices: tuple[PriceNote, ...] = ()
    notes: tuple[str, ...] = ()

    def entry(self, day: dt.date, profile: str) -> MenuEntry | None:
        for e in self.entries:
            if e.day == day and e.profile == profile:
                return e
        return None

    def price(self, day: dt.date, profile: MenuProfile) -> int | None:
        e = self.entry(day, profile.code)
        if e is not None and e.price_fen is not None:
            return e.price_fen
        return profile.price_fen


# --------------------------------------------------------------------------- nutrients


@dataclass(frozen=True)
class NutrientRow:
    """One nutrient against its target: ``status`` is ``low``, ``high``, ``ok`` or
    ``no_target``."""

    nutrient: str
    value: float
    min_value: float | None = None
    max_value: float | None = None
    hard: bool = False

    @property
    def status(self) -> str:
        if self.min_value is None and self.max_value is None:
            return "no_target"
        if self.min_value is not None and self.value < self.min_value:
            return "low"
        if self.max_value is not None and self.value > self.max_value:
            return "high"
        return "ok"


@dataclass(frozen=True)
class NutrientSection:
    """Nutrients of one profile's meal on one day, or the week's average (``day=None``)."""

    profile: str
    profile_name: str
    day: dt.date | None
    rows: tuple[NutrientRow, ...]
    profile_name_en: str = ""

    @property
    def out_of_range(self) -> int:
        return sum(r.status in ("low", "high") for r in self.rows)


@dataclass(frozen=True)
class NutrientReport:
    """Nutrients per profile per day and per week against the targets."""

    kitchen: KitchenInfo
    week_start: dt.date
    sections: tuple[NutrientSection, ...]
    service: str = "lunch"
    site_name: str = ""
