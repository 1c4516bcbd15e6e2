"""Stored rows -> the planners' and documents' plain types, in one place.

Every conversion the daily plan, the route sheets and the printed menus make from a
database row lives here: a kitchen as the sheets name it and as production times it, a
dish and an ingredient as production and purchasing see them, a diet profile with its
menu's facts, a stop's place, a stored trip as a departure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.mappers import facts_of
from mealplan.db.models import (
    Client,
    DietProfile,
    Dish,
    Ingredient,
    Kitchen,
    Menu,
    MenuItem,
    RecipeLine,
    Route,
    RouteStop,
    Site,
)
from mealplan.documents.models import KitchenInfo
from mealplan.domain.production import Departure, IngredientInfo, ProductionDish
from mealplan.domain.schedule import KitchenCapacity
from mealplan.domain.vocab import DishCategory, StopKind

# --------------------------------------------------------------------------- kitchens


def kitchen_info(kitchen: Kitchen) -> KitchenInfo:
    """The kitchen as the sheets name it (coordinates for the route map)."""
    return KitchenInfo(
        name=kitchen.name,
        address=kitchen.address,
        phone=kitchen.contact_phone,
        lat=kitchen.lat,
        lon=kitchen.lon,
        code=kitchen.code,
    )


@dataclass(frozen=True)
class KitchenFacts:
    """A kitchen as production times its cooking waves."""

    info: KitchenInfo
    cooking_minutes: int
    packing_minutes: int
    loading_minutes: int
    capacity: KitchenCapacity | None = None  # packing lines and cooking leads

    @property
    def code(self) -> str:
        return self.info.code


def kitchen_capacity(kitchen: Kitchen) -> KitchenCapacity:
    """The kitchen's packing and cooking capacity (blank category leads: its cooking lead
    time)."""
    leads = {
        c.value: getattr(kitchen, f"cook_minutes_{c.value}")
        for c in DishCategory
        if getattr(kitchen, f"cook_minutes_{c.value}", None) is not None
    }
    return KitchenCapacity(
        packing_lines=kitchen.packing_lines or 1,
        portions_per_slot=kitchen.packing_portions_per_slot or 1,
        cook_to_pack_minutes=kitchen.cook_to_pack_minutes,
        cook_minutes=leads,
        default_cook_minutes=kitchen.cooking_lead_minutes,
    )


def kitchen_facts(kitchen: Kitchen) -> KitchenFacts:
    return KitchenFacts(
        kitchen_info(kitchen),
        kitchen.cooking_lead_minutes,
        kitchen.packing_minutes,
        kitchen.loading_minutes,
        kitchen_capacity(kitchen),
    )


def load_kitchens(session: Session) -> dict[str, KitchenFacts]:
    """Every kitchen by code, in code order."""
    return {
        k.code: kitchen_facts(k) for k in session.scalars(select(Kitchen).order_by(Kitchen.code))
    }


def stop_kitchens(
    session: Session, site_ids: Iterable[int], client_ids: Iterable[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """The kitchen code serving each site and each home client: ``(by site id, by client
    id)``."""
    sites = {
        site_id: code
        for site_id, code in session.execute(
            select(Site.id, Kitchen.code)
            .join(Kitchen, Site.kitchen_id == Kitchen.id)
            .where(Site.id.in_(sorted(set(site_ids))))
        )
    }
    clients = {
        client_id: code
        for client_id, code in session.execute(
            select(Client.id, Kitchen.code)
            .join(Kitchen, Client.kitchen_id == Kitchen.id)
            .where(Client.id.in_(sorted(set(client_ids))))
        )
    }
    return sites, clients


# --------------------------------------------------------------------------- dishes


def production_dish(dish: Dish) -> ProductionDish:
    """A dish as production sees it (its recipe lines and ingredients must be loaded)."""
    return ProductionDish(
        code=dish.code,
        name_zh=dish.name_zh,
        name_en=dish.name_en,
        category=dish.category,
        iddsi_level=dish.iddsi_level,
        recipe=tuple((line.ingredient.code, line.grams) for line in dish.recipe),
        base_dish=dish.base_dish_code,
    )


def load_production_dishes(session: Session, codes: Iterable[str]) -> dict[str, ProductionDish]:
    """The dishes with these codes, by code."""
    rows = session.scalars(
        select(Dish)
        .where(Dish.code.in_(sorted(set(codes))))
        .options(selectinload(Dish.recipe).selectinload(RecipeLine.ingredient))
        .order_by(Dish.code)
    )
    return {d.code: production_dish(d) for d in rows}


def ingredient_info(ingredient: Ingredient) -> IngredientInfo:
    return IngredientInfo(
        ingredient.code,
        ingredient.name_zh,
        ingredient.food_group,
        ingredient.price_fen_per_kg,
        ingredient.name_en,
    )


def load_ingredients(session: Session, codes: Iterable[str]) -> dict[str, IngredientInfo]:
    """The ingredients with these codes, by code."""
    rows = session.scalars(select(Ingredient).where(Ingredient.code.in_(sorted(set(codes)))))
    return {i.code: ingredient_info(i) for i in rows}


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class ProfileFacts:
    """A diet profile as production and the route sheets print it, with the allergens and
    dish names of its menu on the day (none without a menu)."""

    name_zh: str
    name_en: str
    iddsi: int = 7
    halal: bool = False
    allergens: tuple[str, ...] = ()
    dishes: tuple[str, ...] = ()

    @classmethod
    def unknown(cls, code: str) -> ProfileFacts:
        """A profile code without a stored profile: printed by its code."""
        return cls(code, code)


def profile_facts(
    session: Session, date: dt.date, service: str, codes: Iterable[str] | None = None
) -> dict[str, ProfileFacts]:
    """Per profile (``codes``, default all): names, texture, halal, and the allergens and
    dish names of its menu for ``date`` and ``service``."""
    stmt = select(DietProfile).order_by(DietProfile.code)
    if codes is not None:
        stmt = stmt.where(DietProfile.code.in_(sorted(set(codes))))
    profiles = list(session.scalars(stmt))
    menus = {
        m.diet_profile_id: m
        for m in session.scalars(
            select(Menu)
            .where(
                Menu.date == date,
                Menu.service == service,
                Menu.diet_profile_id.in_([p.id for p in profiles]),
            )
            .options(
                selectinload(Menu.items)
                .selectinload(MenuItem.dish)
                .selectinload(Dish.recipe)
                .selectinload(RecipeLine.ingredient)
            )
        )
    }
    out = {}
    for p in profiles:
        menu = menus.get(p.id)
        items = menu.items if menu is not None else []
        allergens = {a for item in items for a in facts_of(item.dish).allergens}
        out[p.code] = ProfileFacts(
            p.name_zh,
            p.name_en,
            p.max_iddsi,
            p.halal,
            tuple(sorted(allergens)),
            tuple(item.dish.name_zh for item in items),
        )
    return out


# --------------------------------------------------------------------------- routes


@dataclass(frozen=True)
class Place:
    """Where a stop delivers: a site or a home client."""

    code: str
    name: str
    address: str
    phone: str
    lat: float
    lon: float
    contact_name: str = ""
    notes: str = ""


def stop_place(stop: RouteStop) -> Place:
    """The stop's site or home client (an empty place when neither is stored)."""
    if stop.site is not None:
        s = stop.site
        return Place(s.code, s.name, s.address, s.contact_phone, s.lat, s.lon,
                     s.contact_name, s.notes)  # fmt: skip
    if stop.client is not None:
        c = stop.client
        return Place(c.code, c.name, c.address, c.phone, c.lat, c.lon, "", c.driver_notes)
    return Place("", "", "", "", 0.0, 0.0)


def trip_label(vehicle_code: str, trip_seq: int) -> str:
    """A trip as the production sheet names it: ``V1-2`` is vehicle V1's second trip."""
    return f"{vehicle_code}-{trip_seq}"


def departures_by_kitchen(routes: Sequence[Route]) -> dict[str, tuple[Departure, ...]]:
    """Every stored trip as a departure (meals per profile, last arrival), per kitchen
    code."""
    out: dict[str, list[Departure]] = defaultdict(list)
    for route in routes:
        for trip in route.trips:
            meals: dict[str, int] = defaultdict(int)
            for stop in trip.stops:
                for profile, n in stop.meals.items():
                    meals[profile] += n
            out[route.kitchen.code].append(
                Departure(
                    trip=trip_label(route.vehicle.code, trip.seq),
                    vehicle=route.vehicle.code,
                    depart_min=trip.depart_min,
                    meals=dict(meals),
                    last_arrival_min=max((s.arrive_min for s in trip.stops), default=None),
                    ready_min=trip.ready_min,
                    last_bulk_arrival_min=max(
                        (s.arrive_min for s in trip.stops if s.kind != StopKind.HOME),
                        default=None,
                    ),
                    last_home_arrival_min=max(
                        (s.arrive_min for s in trip.stops if s.kind == StopKind.HOME),
                        default=None,
                    ),
                )
            )
    return {code: tuple(deps) for code, deps in sorted(out.items())}


def meals_of(values: Mapping[str, int] | None) -> dict[str, int]:
    """A stored ``meals`` JSON value as profile -> int."""
    return {str(p): int(n) for p, n in (values or {}).items()}
