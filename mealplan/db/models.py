"""The database schema: SQLAlchemy 2.x typed models.

Conventions: every record a person names has a unique ``code`` (the natural key used by
imports and exports); times of day are integer minutes since midnight (``*_min``), money is
integer fen (``*_fen``), masses grams, distances metres. Lists of codes (allergens, tags)
are JSON arrays. Nothing here knows about the web or the solvers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from mealplan.config import PlanningSettings
from mealplan.domain.vocab import ClientStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, list[Any]: JSON}


# --------------------------------------------------------------------------- kitchens


class Kitchen(Base):
    """A central kitchen (中央厨房): cooks, packs and dispatches."""

    __tablename__ = "kitchen"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(250), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    capacity_lunch: Mapped[int] = mapped_column(Integer, default=0)  # meals per service
    capacity_dinner: Mapped[int] = mapped_column(Integer, default=0)
    cooking_lead_minutes: Mapped[int] = mapped_column(Integer, default=90)
    packing_minutes: Mapped[int] = mapped_column(Integer, default=20)
    loading_minutes: Mapped[int] = mapped_column(Integer, default=10)
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    # packing capacity: lines, dish portions one line packs per 15 minutes; cooked food
    # waits at least cook_to_pack_minutes before it is packed
    packing_lines: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    packing_portions_per_slot: Mapped[int] = mapped_column(
        Integer, default=400, server_default="400"
    )
    cook_to_pack_minutes: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    # cook lead time per dish category (None: cooking_lead_minutes)
    cook_minutes_staple: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cook_minutes_main: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cook_minutes_side: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cook_minutes_vegetable: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cook_minutes_soup: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cook_minutes_fruit: Mapped[int | None] = mapped_column(Integer, nullable=True)

    sites: Mapped[list[Site]] = relationship(back_populates="kitchen")
    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="kitchen")


class Site(Base):
    """A community canteen (社区食堂) or dining point (助餐点) that receives bulk hot boxes."""

    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # SiteKind
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(250), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    seats: Mapped[int] = mapped_column(Integer, default=0)  # capacity of diners per service
    lunch_window_start_min: Mapped[int] = mapped_column(Integer, default=11 * 60)
    lunch_window_end_min: Mapped[int] = mapped_column(Integer, default=11 * 60 + 45)
    dinner_window_start_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dinner_window_end_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unloading_minutes: Mapped[int] = mapped_column(Integer, default=8)
    kitchen_id: Mapped[int] = mapped_column(ForeignKey("kitchen.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    district: Mapped[str] = mapped_column(String(60), default="", server_default="")  # 区
    street: Mapped[str] = mapped_column(String(60), default="", server_default="")  # 街道

    kitchen: Mapped[Kitchen] = relationship(back_populates="sites")


# --------------------------------------------------------------------------- nutrition


class NutritionGroup(Base):
    """A base nutrition group (regular, low_sodium, diabetic, renal...) with per-meal targets."""

    __tablename__ = "nutrition_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    excluded_tags: Mapped[list[str]] = mapped_column(default=list)  # e.g. added_sugar
    required_staple_tags: Mapped[list[str]] = mapped_column(default=list)  # e.g. whole_grain
    source: Mapped[str] = mapped_column(Text, default="")  # where the targets come from

    targets: Mapped[list[NutrientTarget]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="NutrientTarget.id"
    )


class NutrientTarget(Base):
    """One bound of a group for one service: ``min <= nutrient <= max``, hard or soft."""

    __tablename__ = "nutrient_target"
    __table_args__ = (UniqueConstraint("group_id", "service", "nutrient"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("nutrition_group.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(20))
    nutrient: Mapped[str] = mapped_column(String(40))  # Nutrient key or a ratio key
    min_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    hard: Mapped[bool] = mapped_column(Boolean, default=False)
    secondary_source: Mapped[bool] = mapped_column(Boolean, default=True)

    group: Mapped[NutritionGroup] = relationship(back_populates="targets")


class DietProfile(Base):
    """A diet as planned: base group + maximum IDDSI level + exclusions."""

    __tablename__ = "diet_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    group_id: Mapped[int] = mapped_column(ForeignKey("nutrition_group.id"))
    max_iddsi: Mapped[int] = mapped_column(Integer, default=7)
    exclude_allergens: Mapped[list[str]] = mapped_column(default=list)
    halal: Mapped[bool] = mapped_column(Boolean, default=False)
    vegetarian: Mapped[bool] = mapped_column(Boolean, default=False)
    # rows built in code get the configuration's default; imports and the panel set it from
    # [planning] default_budget_fen (mealplan.domain.schemas)
    budget_fen: Mapped[int] = mapped_column(Integer, default=PlanningSettings.default_budget_fen)
    budget_hard: Mapped[bool] = mapped_column(Boolean, default=True)
    no_repeat_days: Mapped[int] = mapped_column(Integer, default=7)

    group: Mapped[NutritionGroup] = relationship()


# --------------------------------------------------------------------------- food


class Ingredient(Base):
    """An ingredient with nutrients per 100 g edible portion, traced to its source row."""

    __tablename__ = "ingredient"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    source: Mapped[str] = mapped_column(String(20))  # IngredientSource
    source_id: Mapped[str] = mapped_column(String(40), default="")
    source_name: Mapped[str] = mapped_column(String(250), default="")
    edible_fraction: Mapped[float] = mapped_column(Float, default=1.0)
    energy_kcal: Mapped[float | None] = mapped_column(Float, nullable=True)
    protein_g: Mapped[float | None] = mapped_column(Float, nullable=True)
    fat_g: Mapped[float | None] = mapped_column(Float, nullable=True)
    carbohydrate_g: Mapped[float | None] = mapped_column(Float, nullable=True)
    fibre_g: Mapped[float | None] = mapped_column(Float, nullable=True)
    sodium_mg: Mapped[float | None] = mapped_column(Float, nullable=True)
    potassium_mg: Mapped[float | None] = mapped_column(Float, nullable=True)
    calcium_mg: Mapped[float | None] = mapped_column(Float, nullable=True)
    phosphorus_mg: Mapped[float | None] = mapped_column(Float, nullable=True)
    price_fen_per_kg: Mapped[int] = mapped_column(Integer, default=0)
    food_group: Mapped[str] = mapped_column(String(20))
    allergens: Mapped[list[str]] = mapped_column(default=list)
    halal: Mapped[bool] = mapped_column(Boolean, default=True)
    vegetarian: Mapped[bool] = mapped_column(Boolean, default=True)


class Dish(Base):
    """A dish with its recipe; nutrients, cost, allergens, halal and vegetarian are derived."""

    __tablename__ = "dish"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    category: Mapped[str] = mapped_column(String(20))  # DishCategory
    iddsi_level: Mapped[int] = mapped_column(Integer, default=7)
    cooking_method: Mapped[str] = mapped_column(String(20))
    tags: Mapped[list[str]] = mapped_column(default=list)
    base_dish_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    recipe: Mapped[list[RecipeLine]] = relationship(
        back_populates="dish", cascade="all, delete-orphan", order_by="RecipeLine.position"
    )


class RecipeLine(Base):
    """Grams of one ingredient per serving, as purchased (市品)."""

    __tablename__ = "recipe_line"
    __table_args__ = (UniqueConstraint("dish_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dish_id: Mapped[int] = mapped_column(ForeignKey("dish.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredient.id"))
    grams: Mapped[float] = mapped_column(Float)

    dish: Mapped[Dish] = relationship(back_populates="recipe")
    ingredient: Mapped[Ingredient] = relationship()


# --------------------------------------------------------------------------- clients


class Client(Base):
    """An elder who receives meals at home (送餐入户)."""

    __tablename__ = "client"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(250), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(40), default="")
    emergency_contact_name: Mapped[str] = mapped_column(String(80), default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(40), default="")
    diet_profile_id: Mapped[int] = mapped_column(ForeignKey("diet_profile.id"))
    lunch_days: Mapped[str] = mapped_column(String(20), default="")  # ISO weekdays "12345"
    dinner_days: Mapped[str] = mapped_column(String(20), default="")
    window_start_min: Mapped[int] = mapped_column(Integer, default=11 * 60)  # lunch
    window_end_min: Mapped[int] = mapped_column(Integer, default=12 * 60)
    dinner_window_start_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dinner_window_end_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    driver_notes: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20))  # ElderCategory
    kitchen_id: Mapped[int] = mapped_column(ForeignKey("kitchen.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    district: Mapped[str] = mapped_column(String(60), default="", server_default="")  # 区
    street: Mapped[str] = mapped_column(String(60), default="", server_default="")  # 街道
    card_number: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    site_id: Mapped[int | None] = mapped_column(  # the canteen/dining point registered at
        ForeignKey("site.id", ondelete="SET NULL"), nullable=True
    )
    # the register (ClientStatus): the one home of whether the elder gets meals; ``active``
    # above is derived from it on every flush (:func:`_sync_client`)
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    status_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # took effect
    status_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # the day district, street and registered site took effect (None: since registration);
    # each change is kept in ``jurisdictions`` (:class:`ClientJurisdiction`)
    jurisdiction_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    diet_profile: Mapped[DietProfile] = relationship()
    kitchen: Mapped[Kitchen] = relationship()
    pauses: Mapped[list[ClientPause]] = relationship(
        back_populates="client", cascade="all, delete-orphan"
    )
    jurisdictions: Mapped[list[ClientJurisdiction]] = relationship(
        back_populates="client",
        cascade="all, delete-orphan",
        order_by="ClientJurisdiction.id",
    )


class ClientJurisdiction(Base):
    """An elder's registered district, street and site from ``valid_from`` on (None: since
    registration) until the next row's date: the jurisdiction pricing and claims use for a
    meal of that day. Written on every flush that creates a client or changes its district,
    street or registered site (the panel, the importer, anything else: :func:`_sync_client`)."""

    __tablename__ = "client_jurisdiction"
    __table_args__ = (UniqueConstraint("client_id", "valid_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    district: Mapped[str] = mapped_column(String(60), default="")
    street: Mapped[str] = mapped_column(String(60), default="")
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("site.id", ondelete="SET NULL"), nullable=True
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    client: Mapped[Client] = relationship(back_populates="jurisdictions")
    site: Mapped[Site | None] = relationship()


def _old_new(obj: Client, attr: str) -> tuple[Any, Any, bool]:
    """An attribute's value before this flush, its value now, and whether it was set."""
    hist = inspect(obj).attrs[attr].history
    now = getattr(obj, attr)
    if not hist.has_changes():
        return now, now, False
    return (hist.deleted[0] if hist.deleted else None), now, True


_JURISDICTION = ("district", "street", "site_id")


def _sync_client(session: Session, obj: Client, *, new: bool) -> None:
    """Keep ``active`` derived from ``status`` (a changed status wins; an ``active`` set by an
    older caller moves the status to active or paused) and write the jurisdiction history."""
    active_value = ClientStatus.ACTIVE.value
    status = obj.status or active_value
    if new:
        if status != active_value:
            obj.active = False
        elif obj.active is False:
            status = ClientStatus.PAUSED.value
        obj.status = status
        obj.jurisdictions.append(
            ClientJurisdiction(
                valid_from=obj.jurisdiction_from,
                district=obj.district or "",
                street=obj.street or "",
                site_id=obj.site_id,
            )
        )
        return
    if _old_new(obj, "status")[2]:
        obj.active = status == active_value
    elif _old_new(obj, "active")[2]:
        if obj.active:
            obj.status = active_value
        elif status == active_value:
            obj.status = ClientStatus.PAUSED.value
    changes = [_old_new(obj, attr) for attr in _JURISDICTION]
    moved = any(set_ and old != now for old, now, set_ in changes)
    old_from, new_from, from_set = _old_new(obj, "jurisdiction_from")
    from_given = from_set and old_from != new_from
    if not moved and not from_given:
        return
    rows = list(obj.jurisdictions)
    if moved:
        valid_from = new_from if from_given else dt.date.today()
        obj.jurisdiction_from = valid_from
        row = next((r for r in rows if r.valid_from == valid_from), None)
        if row is None:
            row = ClientJurisdiction(valid_from=valid_from)
            obj.jurisdictions.append(row)
    else:  # only the date of the current jurisdiction corrected
        current = [r for r in rows if r.valid_from == old_from]
        if not current:
            return
        row = current[-1]
        if any(r.valid_from == new_from for r in rows if r is not row):
            return
        row.valid_from = new_from
    row.district, row.street, row.site_id = obj.district or "", obj.street or "", obj.site_id


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    with session.no_autoflush:
        for obj in list(session.new):
            if isinstance(obj, Client):
                _sync_client(session, obj, new=True)
        for obj in list(session.dirty):
            if isinstance(obj, Client) and session.is_modified(obj):
                _sync_client(session, obj, new=False)


class ClientPause(Base):
    """Days a home client does not want meals (hospital stay, visiting family...)."""

    __tablename__ = "client_pause"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)  # inclusive
    reason: Mapped[str] = mapped_column(String(200), default="")

    client: Mapped[Client] = relationship(back_populates="pauses")


# --------------------------------------------------------------------------- fleet


class Vehicle(Base):
    __tablename__ = "vehicle"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[str] = mapped_column(String(20))  # VehicleKind
    capacity_boxes: Mapped[int] = mapped_column(Integer)
    speed_kmh: Mapped[float] = mapped_column(Float)
    shift_start_min: Mapped[int] = mapped_column(Integer, default=9 * 60 + 30)
    shift_end_min: Mapped[int] = mapped_column(Integer, default=14 * 60)
    fixed_cost_fen: Mapped[int] = mapped_column(Integer, default=0)  # per day used
    cost_fen_per_km: Mapped[int] = mapped_column(Integer, default=0)
    kitchen_id: Mapped[int] = mapped_column(ForeignKey("kitchen.id"))
    plate: Mapped[str] = mapped_column(String(20), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    kitchen: Mapped[Kitchen] = relationship(back_populates="vehicles")


class Driver(Base):
    __tablename__ = "driver"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(40), default="")
    kitchen_id: Mapped[int] = mapped_column(ForeignKey("kitchen.id"))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    vehicle: Mapped[Vehicle | None] = relationship()


# --------------------------------------------------------------------------- demand


class Headcount(Base):
    """Meals a site needs for a date and service, per diet profile."""

    __tablename__ = "headcount"
    __table_args__ = (UniqueConstraint("date", "service", "site_id", "diet_profile_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    service: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    diet_profile_id: Mapped[int] = mapped_column(ForeignKey("diet_profile.id"))
    count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="reported")  # HeadcountSource
    reported_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    reported_by: Mapped[str] = mapped_column(String(80), default="")

    site: Mapped[Site] = relationship()
    diet_profile: Mapped[DietProfile] = relationship()


# --------------------------------------------------------------------------- plans


class PlanRun(Base):
    """One run of a planning use case (menu, routes or the daily plan) and what it found."""

    __tablename__ = "plan_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # menu | routes | daily
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    service: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # running | done | failed
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(60), default="")
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    output: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PlanLock(Base):
    """At most one writer per (kind, date, service): a row exists while a run writes."""

    __tablename__ = "plan_lock"
    __table_args__ = (UniqueConstraint("kind", "date", "service"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(Date)
    service: Mapped[str] = mapped_column(String(20))
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Menu(Base):
    """The dishes one diet profile gets on a date and service."""

    __tablename__ = "menu"
    __table_args__ = (UniqueConstraint("date", "service", "diet_profile_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    service: Mapped[str] = mapped_column(String(20))
    diet_profile_id: Mapped[int] = mapped_column(ForeignKey("diet_profile.id"))
    cost_fen: Mapped[int] = mapped_column(Integer)
    nutrients: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shortfalls: Mapped[list[Any]] = mapped_column(default=list)
    plan_run_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id"), nullable=True)
    # set by a dietitian's edit in the panel: re-planning keeps these dishes
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    diet_profile: Mapped[DietProfile] = relationship()
    items: Mapped[list[MenuItem]] = relationship(
        back_populates="menu", cascade="all, delete-orphan", order_by="MenuItem.position"
    )


class MenuItem(Base):
    __tablename__ = "menu_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    menu_id: Mapped[int] = mapped_column(ForeignKey("menu.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    dish_id: Mapped[int] = mapped_column(ForeignKey("dish.id"))

    menu: Mapped[Menu] = relationship(back_populates="items")
    dish: Mapped[Dish] = relationship()


class MealStructure(Base):
    """A set-meal structure (price tier) the kitchen serves: how many dishes of each
    category, the food groups the main and side dishes must carry one of (empty: any),
    the services and profiles (``diet``) it is for, its sale price and ingredient budget."""

    __tablename__ = "meal_structure"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80), default="")
    diet: Mapped[str] = mapped_column(String(20), default="all")  # StructureDiet
    services: Mapped[list[str]] = mapped_column(default=list)
    staple: Mapped[int] = mapped_column(Integer, default=0)
    main: Mapped[int] = mapped_column(Integer, default=0)
    side: Mapped[int] = mapped_column(Integer, default=0)
    vegetable: Mapped[int] = mapped_column(Integer, default=0)
    soup: Mapped[int] = mapped_column(Integer, default=0)
    fruit: Mapped[int] = mapped_column(Integer, default=0)
    main_food_groups: Mapped[list[str]] = mapped_column(default=list)
    side_food_groups: Mapped[list[str]] = mapped_column(default=list)
    price_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    budget_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Route(Base):
    """One vehicle's work for a date and service (one or more trips)."""

    __tablename__ = "route"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    service: Mapped[str] = mapped_column(String(20))
    plan_run_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id"), nullable=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("driver.id"), nullable=True)
    kitchen_id: Mapped[int] = mapped_column(ForeignKey("kitchen.id"))
    distance_m: Mapped[int] = mapped_column(Integer, default=0)
    drive_minutes: Mapped[int] = mapped_column(Integer, default=0)

    vehicle: Mapped[Vehicle] = relationship()
    driver: Mapped[Driver | None] = relationship()
    kitchen: Mapped[Kitchen] = relationship()
    trips: Mapped[list[Trip]] = relationship(
        back_populates="route", cascade="all, delete-orphan", order_by="Trip.seq"
    )


class Trip(Base):
    __tablename__ = "trip"
    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("route.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    ready_min: Mapped[int] = mapped_column(Integer)  # food packed and ready
    depart_min: Mapped[int] = mapped_column(Integer)
    return_min: Mapped[int] = mapped_column(Integer)
    # the kitchen's schedule (daily plan): load packed, its cooking wave's finish (None:
    # routed without a schedule, the ready time stands for both)
    packed_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cook_finish_min: Mapped[int | None] = mapped_column(Integer, nullable=True)

    route: Mapped[Route] = relationship(back_populates="trips")
    stops: Mapped[list[RouteStop]] = relationship(
        back_populates="trip", cascade="all, delete-orphan", order_by="RouteStop.seq"
    )


class RouteStop(Base):
    """A delivery: a site or a home client on a trip, with the meals per profile."""

    __tablename__ = "route_stop"
    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trip.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # StopKind
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True, index=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("client.id"), nullable=True, index=True
    )
    arrive_min: Mapped[int] = mapped_column(Integer)
    window_start_min: Mapped[int] = mapped_column(Integer)
    window_end_min: Mapped[int] = mapped_column(Integer)
    meals: Mapped[dict[str, Any]] = mapped_column(default=dict)  # profile code -> count
    distance_m_from_prev: Mapped[int] = mapped_column(Integer, default=0)
    minutes_from_prev: Mapped[int] = mapped_column(Integer, default=0)
    # a dispatcher's lock: a re-plan keeps the stop on this route's vehicle
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    locked_by: Mapped[str] = mapped_column(String(80), default="", server_default="")

    trip: Mapped[Trip] = relationship(back_populates="stops")
    site: Mapped[Site | None] = relationship()
    client: Mapped[Client | None] = relationship()


class UnservedStop(Base):
    """Meals a plan could not deliver, with the reason."""

    __tablename__ = "unserved_stop"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    service: Mapped[str] = mapped_column(String(20))
    plan_run_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id"), nullable=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), nullable=True)
    meals: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    # what the dispatcher did about it (called the elder, family collects, ...)
    action: Mapped[str] = mapped_column(Text, default="", server_default="")


class Delivery(Base):
    """What happened at a stop: delivered / no_answer / refused, with reason and time."""

    __tablename__ = "delivery"
    id: Mapped[int] = mapped_column(primary_key=True)
    route_stop_id: Mapped[int] = mapped_column(
        ForeignKey("route_stop.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(250), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    welfare_alert_open: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(80), default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    # a photo the driver took at the stop: a path under the instance folder ("" = none)
    photo_path: Mapped[str] = mapped_column(String(250), default="", server_default="")

    route_stop: Mapped[RouteStop] = relationship()


# --------------------------------------------------------------------------- people


class User(Base):
    """A person who logs in to the panel."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # admin|manager|dispatcher|site_staff|viewer
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    language: Mapped[str] = mapped_column(String(10), default="zh_Hans_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    # Part of every session and remember-me cookie; bumped on a password change or reset
    # and on logout, which ends every session that carries the old number.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # a driver login is bound to one Driver record (their vehicle's stops only)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("driver.id"), nullable=True)
    # a community worker's street (街道): their elders' orders and follow-ups ("" = all)
    street: Mapped[str] = mapped_column(String(60), default="", server_default="")

    site: Mapped[Site | None] = relationship()
    driver: Mapped[Driver | None] = relationship()


class Notification(Base):
    """A message sent (or attempted) to a person, e.g. the family contact of an elder who
    did not answer: what was said, to whom, through which backend, and the outcome."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. no_answer
    recipient_name: Mapped[str] = mapped_column(String(80), default="")
    recipient_phone: Mapped[str] = mapped_column(String(40), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    backend: Mapped[str] = mapped_column(String(40), default="log")
    status: Mapped[str] = mapped_column(String(20), default="sent")  # sent | failed
    error: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), nullable=True)
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery.id", ondelete="SET NULL"), nullable=True, index=True
    )
    actor: Mapped[str] = mapped_column(String(80), default="")


class AuditEntry(Base):
    """Who changed what, when."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    actor: Mapped[str] = mapped_column(String(80))  # username, or "cli"
    action: Mapped[str] = mapped_column(String(40))  # create | update | delete | import | plan
    entity: Mapped[str] = mapped_column(String(40))
    entity_code: Mapped[str] = mapped_column(String(120), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Rating(Base):
    """An elder's rating (1-5) of a dish or of the service, recorded by site staff."""

    __tablename__ = "rating"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    service: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), nullable=True)
    dish_id: Mapped[int | None] = mapped_column(ForeignKey("dish.id"), nullable=True)
    subject: Mapped[str] = mapped_column(String(20))  # dish | service
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


# --------------------------------------------------------------------------- ordering and follow-up


class MealOrder(Base):
    """An elder's (or family's, or a community worker's) order for one home meal, or its
    cancellation: ``wanted`` True adds the meal on ``date`` (a day outside the client's
    weekdays), False removes it (a subscribed day). The one rule in
    :mod:`mealplan.db.subscriptions` reads it."""

    __tablename__ = "meal_order"
    __table_args__ = (UniqueConstraint("client_id", "date", "service"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    service: Mapped[str] = mapped_column(String(20))
    wanted: Mapped[bool] = mapped_column(Boolean)
    via: Mapped[str] = mapped_column(String(20))  # link | worker | staff
    ordered_by: Mapped[str] = mapped_column(String(80), default="")
    ordered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class OrderLink(Base):
    """A per-elder ordering link: whoever holds the token orders for that elder (no
    password). Only the token's SHA-256 is stored; revoked or expired links are refused."""

    __tablename__ = "order_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    holder: Mapped[str] = mapped_column(String(80), default="")  # e.g. 本人, 女儿
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(80), default="")
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    client: Mapped[Client] = relationship()


class FollowUp(Base):
    """A follow-up task (回访) for a community worker, one per source event (a low rating,
    a rating comment, a welfare alert, a missed meal); closed with an outcome and kept."""

    __tablename__ = "follow_up"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # rating | welfare | missed | unserved
    source_id: Mapped[int] = mapped_column(Integer)
    # the meal's service for an unserved meal: one task per elder, day and service even
    # when a re-run of the plan stores the day's unserved stops again ("" for the others)
    service: Mapped[str] = mapped_column(String(20), default="", server_default="")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), nullable=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    event_date: Mapped[dt.date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    due_date: Mapped[dt.date] = mapped_column(Date)
    assignee: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_by: Mapped[str] = mapped_column(String(80), default="")

    client: Mapped[Client | None] = relationship()
    site: Mapped[Site | None] = relationship()


# --------------------------------------------------------------------------- money (issue 14)


class PriceTier(Base):
    """What an elder of one category pays for one service's meal over a date range, out of
    the standard meal price (the panel's and the importer's "price-tiers")."""

    __tablename__ = "price_tier"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    service: Mapped[str] = mapped_column(String(20))  # Service
    category: Mapped[str] = mapped_column(String(20))  # ElderCategory
    meal_price_fen: Mapped[int] = mapped_column(Integer)
    elder_pays_fen: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # inclusive


class SubsidyRule(Base):
    """One funder level's share of a category's meal over a date range ("subsidy-rules");
    ``amount_fen`` None: the rest of the meal price."""

    __tablename__ = "subsidy_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(String(20))  # ElderCategory
    level: Mapped[str] = mapped_column(String(20))  # FunderLevel
    funder: Mapped[str] = mapped_column(String(120))
    amount_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outside: Mapped[str] = mapped_column(String(20), default="elder_pays")  # OutsideRule
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class MealCheckin(Base):
    """One meal eaten at a canteen or dining point (就餐人次): who (None: a walk-in), the
    diet, what the elder paid and each funder level's subsidy, priced when checked in."""

    __tablename__ = "meal_checkin"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    service: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), nullable=True)
    category: Mapped[str] = mapped_column(String(20), default="")  # "" for a walk-in
    diet_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("diet_profile.id"), nullable=True
    )
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)  # second meal, same service
    full_price: Mapped[bool] = mapped_column(Boolean, default=False)
    meal_price_fen: Mapped[int] = mapped_column(Integer)
    paid_fen: Mapped[int] = mapped_column(Integer)
    city_fen: Mapped[int] = mapped_column(Integer, default=0)
    district_fen: Mapped[int] = mapped_column(Integer, default=0)
    street_fen: Mapped[int] = mapped_column(Integer, default=0)
    operator_fen: Mapped[int] = mapped_column(Integer, default=0)
    lost_levels: Mapped[str] = mapped_column(String(40), default="")  # "district;street"
    recorded_by: Mapped[str] = mapped_column(String(80), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    site: Mapped[Site] = relationship()
    client: Mapped[Client | None] = relationship()


class ClaimDecision(Base):
    """An officer's acceptance or rejection of one line of a settlement claim (a check-in
    ``checkin:<id>`` or a home delivery ``delivery:<id>``)."""

    __tablename__ = "claim_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[str] = mapped_column(String(40), unique=True)
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200), default="")
    decided_by: Mapped[str] = mapped_column(String(80), default="")
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
