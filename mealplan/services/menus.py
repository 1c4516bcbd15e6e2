"""The week's menus as the panel shows them: a grid of days x diet profiles with each
meal's nutrient compliance. (The printed weekly menu and nutrient report come from
:mod:`mealplan.planning.menu_documents`.)

Compliance of a meal, against the *current* targets of its profile's nutrition group for
the service and the profile's budget:

- ``hard``: a hard target (or a hard budget) is missed -- shown red;
- ``soft``: only soft targets are missed (or the planner recorded a soft shortfall) --
  amber;
- ``ok``: within every target -- green.

Each miss is a :class:`Reason` (rule id, value, bound, amount) the panel puts into words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.config import PlanningSettings, Settings
from mealplan.db.mappers import load_dishes, load_meal_structures
from mealplan.db.models import (
    DietProfile,
    Dish,
    Headcount,
    Menu,
    MenuItem,
    NutrientTarget,
    NutritionGroup,
    Site,
)
from mealplan.documents.models import MenuEntry, MenuProfile, PriceNote, WeeklyMenu
from mealplan.domain import menu_rules
from mealplan.domain.pricing import PricingError, tier_in_force
from mealplan.domain.values import N_
from mealplan.domain.vocab import NUTRIENT_KEYS, RATIO_KEYS
from mealplan.errors import MealplanError, NotFoundError
from mealplan.planning.menu_documents import ELDER_LABELS, kitchen_info
from mealplan.planning.menus import HISTORY_DAYS, solver_dishes, solver_profile
from mealplan.services import audit
from mealplan.services.checkins import pricing_inputs
from solvers import menu as ms
from solvers.menu import rules

OK, SOFT, HARD = "ok", "soft", "hard"
_RANK = {OK: 0, SOFT: 1, HARD: 2}

#: Target keys in display order, and the unit each is measured in.
TARGET_KEYS: tuple[str, ...] = NUTRIENT_KEYS + RATIO_KEYS
UNITS: dict[str, str] = {
    **{k: k.rsplit("_", 1)[-1] for k in NUTRIENT_KEYS},
    **dict.fromkeys(RATIO_KEYS, "%"),
    "budget": "fen",
}


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Reason:
    """One rule a meal misses. ``amount`` is how far beyond ``bound`` it is, in ``unit``
    (fen for the budget); ``value``/``bound`` are None when only the planner's record of
    the shortfall is known."""

    rule: str
    key: str
    side: str  # min | max
    amount: float
    hard: bool
    value: float | None = None
    bound: float | None = None

    @property
    def unit(self) -> str:
        return UNITS.get(self.key, "")

    @property
    def level(self) -> str:
        return HARD if self.hard else SOFT


@dataclass(frozen=True)
class DishName:
    code: str
    name_zh: str
    name_en: str


#: Rules counted over a block of the week that the block falls short of (a minimum), not
#: about one meal's dishes: the grid shows them once per profile, under its column.
MIN_RULES: frozenset[str] = frozenset({"rice_min", "food_group_min"})


@dataclass(frozen=True)
class RuleBreak:
    """A rule a meal (or its week) breaks beyond the per-meal bounds: ``rule`` is the
    solver's rule id (``allergen``, ``structure``, ``no_repeat``, ``staple_max``,
    ``rice_min``, ``food_group_min``...); ``dish`` the dish it is about, or the protein
    class (``protein_max``) or food group (``food_group_min``/``_max``), empty for the
    meal as a whole; ``count``/``limit`` for counted rules (meals of the rotation block);
    ``other`` the other date that clashes (no-repeat, consecutive served days)."""

    rule: str
    dish: str = ""
    hard: bool = True
    count: int | None = None
    limit: int | None = None
    other: dt.date | None = None

    @property
    def over(self) -> int | None:
        """How far: meals beyond a maximum, or short of a minimum (``MIN_RULES``)."""
        if self.count is None or self.limit is None:
            return None
        return self.limit - self.count if self.rule in MIN_RULES else self.count - self.limit

    @property
    def level(self) -> str:
        return HARD if self.hard else SOFT


@dataclass(frozen=True)
class MealCell:
    """One profile's meal on one day."""

    day: dt.date
    profile: str
    dishes: tuple[DishName, ...]
    cost_fen: int
    nutrients: dict[str, float]
    reasons: tuple[Reason, ...] = ()
    locked: bool = False  # a dietitian's edit: re-planning keeps it
    #: exclusions, structure, cooking methods and the weekly rules about this meal's dishes
    breaks: tuple[RuleBreak, ...] = ()

    @property
    def level(self) -> str:
        levels = [r.level for r in self.reasons] + [b.level for b in self.breaks]
        return max(levels, key=_RANK.__getitem__, default=OK)


@dataclass(frozen=True)
class ProfileColumn:
    code: str
    name_zh: str
    name_en: str
    budget_fen: int


@dataclass
class WeekGrid:
    start: dt.date
    service: str
    days: tuple[dt.date, ...]
    profiles: list[ProfileColumn] = field(default_factory=list)
    cells: dict[tuple[dt.date, str], MealCell] = field(default_factory=dict)
    #: per profile: the minimums its week falls short of (``MIN_RULES``)
    week_breaks: dict[str, tuple[RuleBreak, ...]] = field(default_factory=dict)

    def cell(self, day: dt.date, profile: str) -> MealCell | None:
        return self.cells.get((day, profile))

    def count(self, level: str) -> int:
        return sum(1 for c in self.cells.values() if c.level == level)


#: Amounts within this of a bound are met (the stored nutrients are rounded to 3 decimals).
TOLERANCE = 1e-6


def evaluate_meal(
    nutrients: dict[str, float],
    cost_fen: int,
    targets: Iterable[NutrientTarget],
    profile: DietProfile,
    recorded: Iterable[dict[str, object]] = (),
    *,
    planning: PlanningSettings | None = None,
) -> tuple[Reason, ...]:
    """Every rule the meal misses: its group's targets for the service and the budget (the
    menu solver's own rule functions, :func:`solvers.menu.rules.meal_violations`, over the
    bounds the planner builds), and shortfalls the planner recorded for rules not checked
    here."""
    planning = planning or PlanningSettings()
    targets = list(targets)
    bounds = menu_rules.nutrient_targets(
        targets, {t.service for t in targets}, planning.soft_bound_weight_fen
    )
    budget = menu_rules.meal_budget(profile.budget_fen, planning.default_budget_fen)
    reasons = [
        Reason(v.rule, v.key, v.side, v.amount, v.hard, v.value, v.bound)
        for v in rules.meal_violations(
            nutrients, cost_fen, bounds, budget, profile.budget_hard, tolerance=TOLERANCE
        )
    ]
    checked = {r.rule for r in reasons}
    for item in recorded:
        rule = str(item.get("rule", ""))
        if not rule or rule in checked or rule not in rules.MEAL_RULES:
            continue
        key, side = rules.MEAL_RULES[rule]
        amount = item.get("amount", 0.0)
        reasons.append(
            Reason(
                rule, key, side, float(amount) if isinstance(amount, int | float) else 0.0, False
            )
        )
        checked.add(rule)
    reasons.sort(
        key=lambda r: (not r.hard, TARGET_KEYS.index(r.key) if r.key in TARGET_KEYS else 99)
    )
    return tuple(reasons)


def _menus(session: Session, start: dt.date, days: int, service: str) -> list[Menu]:
    end = start + dt.timedelta(days=days - 1)
    stmt = (
        select(Menu)
        .where(Menu.date >= start, Menu.date <= end, Menu.service == service)
        .options(
            selectinload(Menu.items).selectinload(MenuItem.dish),
            selectinload(Menu.diet_profile)
            .selectinload(DietProfile.group)
            .selectinload(NutritionGroup.targets),
        )
        .order_by(Menu.date, Menu.id)
    )
    return list(session.scalars(stmt))


def week_grid(
    session: Session,
    start: dt.date,
    service: str,
    *,
    days: int = 7,
    planning: PlanningSettings | None = None,
) -> WeekGrid:
    """The stored menus of ``days`` days from ``start`` for ``service``, evaluated against
    the current targets and budgets (``planning``: the settings the planner uses) and,
    with the live check's rule functions, against the exclusions, structures, cooking
    methods and weekly rules the solver plans with (``MealCell.breaks``; the minimums a
    profile's week misses in ``WeekGrid.week_breaks``)."""
    planning = planning or PlanningSettings()
    grid = WeekGrid(start, service, tuple(start + dt.timedelta(days=i) for i in range(days)))
    menus = _menus(session, start, days, service)
    profiles = {m.diet_profile.code: m.diet_profile for m in menus}
    rules_of = _ProfileRules(session, service, planning)
    views = {code: rules_of.view(p) for code, p in profiles.items()}
    span = max((_span(v) for v in views.values()), default=1)
    served = _served_meals(
        session,
        service,
        start - dt.timedelta(days=span),
        start + dt.timedelta(days=days - 1 + span),
        [p.id for p in profiles.values()],
    )
    catalogue = rules_of.dishes(
        {c for by_day in served.values() for cs in by_day.values() for c in cs}
    )
    meals_of = {
        code: {
            d: [catalogue[c] for c in codes if c in catalogue]
            for d, codes in served.get(p.id, {}).items()
        }
        for code, p in profiles.items()
    }
    rice_ok = {code: rules_of.rice_ok(view) for code, view in views.items()}
    columns: dict[str, ProfileColumn] = {}
    for menu in menus:
        profile = menu.diet_profile
        view, meals = views[profile.code], meals_of[profile.code]
        columns.setdefault(
            profile.code,
            ProfileColumn(profile.code, profile.name_zh, profile.name_en, profile.budget_fen),
        )
        meal = meals.get(menu.date, [])
        targets = [t for t in profile.group.targets if t.service == service]
        nutrients = {str(k): float(v) for k, v in (menu.nutrients or {}).items()}
        grid.cells[(menu.date, profile.code)] = MealCell(
            day=menu.date,
            profile=profile.code,
            dishes=tuple(
                DishName(i.dish.code, i.dish.name_zh, i.dish.name_en or "") for i in menu.items
            ),
            cost_fen=menu.cost_fen,
            nutrients=nutrients,
            reasons=evaluate_meal(
                nutrients,
                menu.cost_fen,
                targets,
                profile,
                [s for s in (menu.shortfalls or []) if isinstance(s, dict)],
                planning=planning,
            ),
            locked=menu.locked,
            breaks=tuple(
                # a dish the planner would leave out (inactive, no recipe): no meal-level check
                (meal_breaks(meal, view, service) if len(meal) == len(menu.items) else [])
                + dish_breaks(menu.date, meals, view)
            ),
        )
        found = list(grid.week_breaks.get(profile.code, ()))
        for item in min_breaks(menu.date, meals, view, rice_ok[profile.code]):
            if item not in found:
                found.append(item)
        if found:
            grid.week_breaks[profile.code] = tuple(found)
    grid.profiles = sorted(columns.values(), key=lambda c: c.code)
    return grid


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class SiteChoice:
    code: str
    name: str
    kind: str


def printable_sites(session: Session) -> list[SiteChoice]:
    """Active sites (for the 'print the weekly menu of...' choice)."""
    rows = session.execute(
        select(Site.code, Site.name, Site.kind).where(Site.active.is_(True)).order_by(Site.code)
    )
    return [SiteChoice(code, name, kind) for code, name, kind in rows]


# --------------------------------------------------------------------------- print


def site_profiles(
    session: Session, site_code: str, start: dt.date, service: str, *, weeks: int = 4
) -> set[str]:
    """Profiles a site serves in the week from ``start``: those of its headcounts (reported
    or forecast) in the week and in the ``weeks`` weeks before it (the forecast's history).
    One query instead of forecasting every site."""
    rows = session.execute(
        select(DietProfile.code)
        .join(Headcount, Headcount.diet_profile_id == DietProfile.id)
        .join(Site, Headcount.site_id == Site.id)
        .where(
            Site.code == site_code,
            Headcount.service == service,
            Headcount.date >= start - dt.timedelta(weeks=weeks),
            Headcount.date <= start + dt.timedelta(days=6),
            Headcount.count > 0,
        )
        .distinct()
    )
    return {code for (code,) in rows}


def weekly_menu_doc(
    session: Session, settings: Settings, start: dt.date, site_code: str, service: str
) -> WeeklyMenu | None:
    """The public weekly menu of one site (None when the site has no planned profile
    that week)."""
    site = session.scalar(
        select(Site).where(Site.code == site_code).options(selectinload(Site.kitchen))
    )
    if site is None:
        raise NotFoundError(f"no site with code {site_code!r}")
    planning = settings.planning
    served = site_profiles(session, site_code, start, service, weeks=planning.forecast_weeks)
    meals = [m for m in _menus(session, start, 7, service) if m.diet_profile.code in served]
    if not meals:
        return None
    profiles = {m.diet_profile.code: m.diet_profile for m in meals}
    # the price tier in force at the week's start (issue 14), else the configured prices
    elder_fen, meal_fen = dict(planning.elder_price_fen), planning.meal_price_fen
    try:
        tier = tier_in_force(pricing_inputs(session)[0], on=start, service=service)
        elder_fen, meal_fen = dict(tier.elder_pays_fen), tier.meal_price_fen
    except PricingError:
        pass
    prices = tuple(
        PriceNote(ELDER_LABELS.get(cat, cat), fen)
        for cat, fen in sorted(elder_fen.items(), key=lambda kv: kv[1])
    )
    return WeeklyMenu(
        site_name=site.name,
        kitchen=kitchen_info(site.kitchen),
        week_start=start,
        days=tuple(start + dt.timedelta(days=i) for i in range(7)),
        profiles=tuple(
            MenuProfile(p.code, p.name_zh, p.name_en, meal_fen)
            for p in sorted(profiles.values(), key=lambda p: p.code)
        ),
        entries=tuple(
            MenuEntry(m.date, m.diet_profile.code, tuple(i.dish.name_zh for i in m.items))
            for m in meals
        ),
        service=service,
        prices=prices,
    )


# --------------------------------------------------------------------------- a dietitian's edits
#
# A dietitian swaps a dish of one stored meal by hand. The chooser lists the dishes of the
# same category the solver's exclusion rules allow for the profile; the live check names
# every rule the edited meal would break, with the solver's own rule functions: the
# exclusions (``rules.EXCLUSION_RULES``), cooking methods (``rules.same_cooking_method``),
# the meal structures (``Slot.accepts``), nutrient bounds and budget (``evaluate_meal`` ->
# ``rules.meal_violations``) and every weekly rule of the profile (``dish_breaks``,
# ``min_breaks``: no-repeat inside the week and against last week's menu, the rotation
# limits, the main protein, the weekly fish minimum and pork maximum, rice on most days,
# consecutive served days). The week grid shows the same breaks for every stored meal.
# Saving stores the meal, locks it (re-planning keeps it) and writes an audit entry.


class MenuEditError(MealplanError):
    """An edit that cannot be saved (unknown dish, wrong category, an excluded dish);
    nothing was changed. ``message`` is an English template (marked for the panel's
    catalogue), ``params`` fill it."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


@dataclass(frozen=True)
class DishChoice:
    """A dish the chooser offers for one position of a meal."""

    code: str
    name_zh: str
    name_en: str
    cost_fen: int


@dataclass(frozen=True)
class MealCheck:
    """What an edited meal would be: its cost and nutrients, and every rule it breaks."""

    dishes: tuple[DishName, ...]
    cost_fen: int
    nutrients: dict[str, float]
    reasons: tuple[Reason, ...]  # nutrient bounds and budget
    breaks: tuple[RuleBreak, ...]  # exclusions, structure, methods, weekly rules

    @property
    def level(self) -> str:
        if any(b.hard for b in self.breaks) or any(r.hard for r in self.reasons):
            return HARD
        return SOFT if self.breaks or self.reasons else OK

    @property
    def rules(self) -> tuple[str, ...]:
        """Every rule id broken, in order (exclusions and weekly rules, then bounds)."""
        return tuple(dict.fromkeys([b.rule for b in self.breaks] + [r.rule for r in self.reasons]))


@dataclass(frozen=True)
class MealEdit:
    """A stored meal opened for editing: its dishes, and per position the choices."""

    day: dt.date
    service: str
    profile: ProfileColumn
    locked: bool
    dishes: tuple[DishName, ...]
    categories: tuple[str, ...]
    choices: tuple[tuple[DishChoice, ...], ...]
    check: MealCheck


def _stored_menu(session: Session, day: dt.date, service: str, profile_code: str) -> Menu:
    menu = session.scalar(
        select(Menu)
        .join(DietProfile, Menu.diet_profile_id == DietProfile.id)
        .where(Menu.date == day, Menu.service == service, DietProfile.code == profile_code)
        .options(
            selectinload(Menu.items).selectinload(MenuItem.dish),
            selectinload(Menu.diet_profile)
            .selectinload(DietProfile.group)
            .selectinload(NutritionGroup.targets),
        )
    )
    if menu is None:
        raise NotFoundError(f"no menu stored for {profile_code} on {day} ({service})")
    return menu


class _ProfileRules:
    """The solver's view of diet profiles for one service (the planner's own conversion,
    with the kitchen's stored meal structures as the planner reads them), and the solver
    dishes the checks need; loads each thing once per request."""

    def __init__(self, session: Session, service: str, planning: PlanningSettings) -> None:
        self.session, self.service, self.planning = session, service, planning
        self._structures: dict[bool, tuple[ms.MealStructure, ...]] = {}
        self._staples: tuple[ms.Dish, ...] | None = None

    def view(self, profile: DietProfile) -> ms.DietProfile:
        if profile.vegetarian not in self._structures:
            self._structures[profile.vegetarian] = load_meal_structures(
                self.session, vegetarian=profile.vegetarian
            )
        stored = self._structures[profile.vegetarian]
        return solver_profile(
            profile, (self.service,), self.planning, None, stored_structures=stored
        )

    def dishes(self, codes: Iterable[str]) -> dict[str, ms.Dish]:
        return _solver_dishes(self.session, codes)

    def rice_ok(self, profile: ms.DietProfile) -> bool:
        """``rules.rice_allowed`` over the active staples."""
        if self._staples is None:
            codes = self.session.scalars(
                select(Dish.code).where(Dish.category == "staple", Dish.active.is_(True))
            )
            self._staples = tuple(self.dishes(list(codes)).values())
        return rules.rice_allowed(self._staples, profile)


def _solver_view(
    session: Session, profile: DietProfile, service: str, planning: PlanningSettings
) -> ms.DietProfile:
    """The profile as the solver plans it for the service."""
    return _ProfileRules(session, service, planning).view(profile)


def _solver_dishes(session: Session, codes: Iterable[str]) -> dict[str, ms.Dish]:
    """Solver dishes (the planner's own conversion) by code; inactive dishes and dishes
    without a recipe are left out, as the planner leaves them out."""
    codes = list(codes)
    if not codes:
        return {}
    return {d.code: d for d in solver_dishes(load_dishes(session, codes), {})}


def dish_choices(
    session: Session,
    day: dt.date,
    service: str,
    profile_code: str,
    category: str,
    *,
    planning: PlanningSettings | None = None,
) -> tuple[DishChoice, ...]:
    """The dishes of ``category`` the solver's exclusion rules allow for the profile
    (allergens, halal, vegetarian, texture, excluded and required tags), by code."""
    planning = planning or PlanningSettings()
    menu = _stored_menu(session, day, service, profile_code)
    return _choices(session, _solver_view(session, menu.diet_profile, service, planning), category)


def _choices(session: Session, profile: ms.DietProfile, category: str) -> tuple[DishChoice, ...]:
    rows = session.execute(
        select(Dish.code, Dish.name_zh, Dish.name_en)
        .where(Dish.category == category, Dish.active.is_(True))
        .order_by(Dish.code)
    ).all()
    solver = _solver_dishes(session, [r[0] for r in rows])
    return tuple(
        DishChoice(code, name_zh, name_en or "", solver[code].cost_fen)
        for code, name_zh, name_en in rows
        if code in solver and all(rule(solver[code], profile) for rule in rules.EXCLUSION_RULES)
    )


def _fits_structure(dishes: Sequence[ms.Dish], structure: ms.MealStructure) -> bool:
    """The dishes fill the structure's slots one each (``Slot.accepts``; a small
    matching: a meal has at most a handful of dishes)."""
    if len(dishes) != len(structure.slots):
        return False
    taken: list[int | None] = [None] * len(structure.slots)

    def place(i: int, seen: set[int]) -> bool:
        for j, slot in enumerate(structure.slots):
            if j in seen or not slot.accepts(dishes[i]):
                continue
            seen.add(j)
            holder = taken[j]
            if holder is None or place(holder, seen):
                taken[j] = i
                return True
        return False

    return all(place(i, set()) for i in range(len(dishes)))


def _served_meals(
    session: Session,
    service: str,
    first: dt.date,
    last: dt.date,
    profile_ids: Collection[int],
) -> dict[int, dict[dt.date, tuple[str, ...]]]:
    """The stored meals of ``service`` from ``first`` to ``last``: profile id -> date ->
    dish codes in position order."""
    rows = session.execute(
        select(Menu.diet_profile_id, Menu.date, Dish.code)
        .join(MenuItem, MenuItem.menu_id == Menu.id)
        .join(Dish, MenuItem.dish_id == Dish.id)
        .where(
            Menu.diet_profile_id.in_(list(profile_ids)),
            Menu.service == service,
            Menu.date >= first,
            Menu.date <= last,
        )
        .order_by(Menu.diet_profile_id, Menu.date, MenuItem.position)
    )
    out: dict[int, dict[dt.date, list[str]]] = {}
    for profile_id, day, code in rows:
        out.setdefault(profile_id, {}).setdefault(day, []).append(code)
    return {p: {d: tuple(c) for d, c in by_day.items()} for p, by_day in out.items()}


# --------------------------------------------------------------------------- the rules of a meal
#
# Pure functions over solver dishes and the solver's view of the profile; every test is a
# function of ``solvers.menu.rules`` (the one the solver plans with). The week of a meal is
# its Monday to Sunday (the panel plans weeks from Monday), counted in the solver's blocks
# (``rules.rotation_periods``, ``rules.food_group_periods``); the stored meals before the
# week are its history, as ``plan_menus`` hands them to the solver.


def _week(day: dt.date) -> tuple[dt.date, ...]:
    first = week_start(day)
    return tuple(first + dt.timedelta(days=i) for i in range(7))


def _span(profile: ms.DietProfile) -> int:
    """Days around a meal whose stored meals its weekly rules look at."""
    rotation = profile.rotation
    return max(profile.no_repeat_days, rotation.period_days if rotation else 0, HISTORY_DAYS, 1)


def _has(meal: Iterable[ms.Dish], code: str) -> bool:
    return any(d.code == code for d in meal)


def meal_breaks(meal: Sequence[ms.Dish], profile: ms.DietProfile, service: str) -> list[RuleBreak]:
    """The rules of one meal beyond its nutrient bounds: the exclusion rules per dish
    (``rules.EXCLUSION_RULES``), the meal structures of the service (``Slot.accepts``) and
    ``rules.same_cooking_method``."""
    out = [
        RuleBreak(rule.__name__, dish.code)
        for dish in meal
        for rule in rules.EXCLUSION_RULES
        if not rule(dish, profile)
    ]
    structures = [s for s in profile.structures if service in s.services]
    if structures and not any(_fits_structure(meal, s) for s in structures):
        out.append(RuleBreak("structure"))
    if not rules.same_cooking_method(meal, profile):
        out.append(RuleBreak("same_cooking_method"))
    return out


def dish_breaks(
    day: dt.date, meals: Mapping[dt.date, Sequence[ms.Dish]], profile: ms.DietProfile
) -> list[RuleBreak]:
    """The weekly rules about the dishes of the meal on ``day`` (``meals``: the profile's
    meals of the service by date, that one included), as the solver's rows count them:
    ``no_repeat`` inside the week (hard), ``no_repeat_history`` across weeks, the rotation
    limits (``rules.dish_limit``, skipped where ``rules.rotation_covered``),
    ``protein_max`` (``rules.meal_proteins``), ``food_group_max``
    (``rules.food_group_periods``, ``rules.meal_has_group``) and ``no_consecutive`` with the
    nearest served day before and after (within ``HISTORY_DAYS``)."""
    meal = meals.get(day, ())
    week = _week(day)
    out: list[RuleBreak] = []
    if profile.no_repeat_days > 0:
        near = sorted(
            (d for d in meals if d != day and abs((d - day).days) < profile.no_repeat_days),
            key=lambda d: (d not in week, abs((d - day).days), d),
        )
        for dish in meal:
            if dish.category not in profile.no_repeat_categories:
                continue
            other = next((d for d in near if _has(meals[d], dish.code)), None)
            if other is not None and other in week:
                out.append(RuleBreak("no_repeat", dish.code, True, other=other))
            elif other is not None and profile.rotation is not None:
                out.append(RuleBreak("no_repeat_history", dish.code, False, other=other))
    for fg in profile.food_group_rules:
        for window, _lo, hi in rules.food_group_periods(week, fg):
            if day not in window.dates or hi is None or not rules.meal_has_group(meal, fg.group):
                continue
            count = sum(
                1 for d in window.dates if d in meals and rules.meal_has_group(meals[d], fg.group)
            )
            if count > hi:
                out.append(RuleBreak("food_group_max", fg.group, fg.hard, count, hi))
    rot = profile.rotation
    if rot is None:
        return out
    block = next(w for w, _days in rules.rotation_periods(week, rot.period_days) if day in w.dates)
    served = [meals[d] for d in sorted(block.dates) if d in meals]
    for dish in meal:
        if rules.rotation_covered(dish, profile, rot.period_days):
            continue
        rule, limit = rules.dish_limit(dish, rot)
        count = sum(1 for m in served if _has(m, dish.code))
        if count > limit:
            out.append(RuleBreak(rule, dish.code, False, count, limit))
    for protein in sorted(rules.meal_proteins(meal)):
        count = sum(1 for m in served if protein in rules.meal_proteins(m))
        if count > rot.protein_max:
            out.append(RuleBreak("protein_max", protein, False, count, rot.protein_max))
    if rot.no_consecutive:
        reach = dt.timedelta(days=HISTORY_DAYS)
        before = [d for d in meals if day - reach <= d < day]
        after = [d for d in meals if day < d <= day + reach]
        neighbours = ([max(before)] if before else []) + ([min(after)] if after else [])
        for dish in meal:
            if rules.rotation_covered(dish, profile, 2):
                continue
            other = next((d for d in neighbours if _has(meals[d], dish.code)), None)
            if other is not None:
                out.append(RuleBreak("no_consecutive", dish.code, False, other=other))
    return out


def min_breaks(
    day: dt.date,
    meals: Mapping[dt.date, Sequence[ms.Dish]],
    profile: ms.DietProfile,
    rice_ok: bool,
) -> list[RuleBreak]:
    """The minimums the block of ``day``'s week falls short of: ``food_group_min`` (the
    weekly fish) and, where the profile may eat a rice staple (``rice_ok``:
    ``rules.rice_allowed``), ``rice_min`` (scaled for a short block, ``rules.scaled``)."""
    week = _week(day)
    out: list[RuleBreak] = []
    for fg in profile.food_group_rules:
        for window, lo, _hi in rules.food_group_periods(week, fg):
            if day not in window.dates or not lo:
                continue
            count = sum(
                1 for d in window.dates if d in meals and rules.meal_has_group(meals[d], fg.group)
            )
            if count < lo:
                out.append(RuleBreak("food_group_min", fg.group, fg.hard, count, lo))
    rot = profile.rotation
    if rot is not None and rice_ok:
        for window, span in rules.rotation_periods(week, rot.period_days):
            want = rules.scaled(rot.rice_min, span, rot.period_days)
            if day not in window.dates or want <= 0:
                continue
            count = sum(
                1
                for d in window.dates
                if d in meals and any(rules.is_rice(x, rot) for x in meals[d])
            )
            if count < want:
                out.append(RuleBreak("rice_min", "", False, count, want))
    return out


def _check(
    session: Session,
    menu: Menu,
    codes: Sequence[str],
    planning: PlanningSettings,
) -> MealCheck:
    profile = menu.diet_profile
    rules_of = _ProfileRules(session, menu.service, planning)
    view = rules_of.view(profile)
    stored = {d.code: d for d in load_dishes(session, codes)}
    unknown = [c for c in codes if c not in stored]
    if unknown:
        raise MenuEditError(N_("unknown dish %(dish)s"), dish=", ".join(unknown))
    solver = rules_of.dishes(codes)
    missing = [c for c in codes if c not in solver]
    if missing:
        raise MenuEditError(
            N_("dish %(dish)s is inactive or has no recipe"), dish=", ".join(missing)
        )
    meal = [solver[c] for c in codes]
    nutrients: dict[str, float] = {}
    for dish in meal:
        for key, value in dish.nutrients.items():
            nutrients[key] = nutrients.get(key, 0.0) + float(value)
    cost = sum(d.cost_fen for d in meal)
    span = dt.timedelta(days=_span(view))
    others = _served_meals(
        session, menu.service, menu.date - span, menu.date + span, [profile.id]
    ).get(profile.id, {})
    catalogue = rules_of.dishes({c for d, cs in others.items() if d != menu.date for c in cs})
    meals: dict[dt.date, Sequence[ms.Dish]] = {
        d: [catalogue[c] for c in cs if c in catalogue]
        for d, cs in others.items()
        if d != menu.date
    }
    meals[menu.date] = meal
    breaks = (
        meal_breaks(meal, view, menu.service)
        + dish_breaks(menu.date, meals, view)
        + min_breaks(menu.date, meals, view, rules_of.rice_ok(view))
    )
    targets = [t for t in profile.group.targets if t.service == menu.service]
    return MealCheck(
        dishes=tuple(DishName(c, stored[c].name_zh, stored[c].name_en or "") for c in codes),
        cost_fen=cost,
        nutrients={k: round(v, 3) for k, v in nutrients.items()},
        reasons=evaluate_meal(nutrients, cost, targets, profile, planning=planning),
        breaks=tuple(breaks),
    )


def check_meal(
    session: Session,
    day: dt.date,
    service: str,
    profile_code: str,
    dishes: Sequence[str],
    *,
    planning: PlanningSettings | None = None,
) -> MealCheck:
    """Every rule the stored meal would break with ``dishes`` instead of its own (the
    live check of the panel's editor). Raises NotFoundError (no such meal) or
    MenuEditError (an unknown, inactive or repeated dish)."""
    planning = planning or PlanningSettings()
    codes = [c.strip() for c in dishes if c and c.strip()]
    if not codes:
        raise MenuEditError(N_("a meal needs at least one dish"))
    if len(set(codes)) != len(codes):
        raise MenuEditError(N_("a dish is given twice"))
    return _check(session, _stored_menu(session, day, service, profile_code), codes, planning)


def meal_edit(
    session: Session,
    day: dt.date,
    service: str,
    profile_code: str,
    *,
    planning: PlanningSettings | None = None,
) -> MealEdit:
    """A stored meal with the chooser of every position (the dishes the solver's
    exclusion rules allow in the position's category) and its check."""
    planning = planning or PlanningSettings()
    menu = _stored_menu(session, day, service, profile_code)
    profile = menu.diet_profile
    view = _solver_view(session, profile, service, planning)
    categories = tuple(i.dish.category for i in menu.items)
    by_category = {c: _choices(session, view, c) for c in dict.fromkeys(categories)}
    codes = [i.dish.code for i in menu.items]
    return MealEdit(
        day=day,
        service=service,
        profile=ProfileColumn(profile.code, profile.name_zh, profile.name_en, profile.budget_fen),
        locked=menu.locked,
        dishes=tuple(
            DishName(i.dish.code, i.dish.name_zh, i.dish.name_en or "") for i in menu.items
        ),
        categories=categories,
        choices=tuple(by_category[c] for c in categories),
        check=_check(session, menu, codes, planning),
    )


def save_meal(
    session: Session,
    day: dt.date,
    service: str,
    profile_code: str,
    dishes: Sequence[str],
    *,
    actor: str,
    planning: PlanningSettings | None = None,
) -> MealCheck:
    """Store the meal with ``dishes`` (one per position, each of the category of the dish
    it replaces) and lock it, so that re-planning keeps it; audit the change. A dish an
    exclusion rule forbids for the profile (allergen, halal, vegetarian, texture, tags) is
    refused: those are safety rules. Other broken rules are stored and shown (the check
    returned says which). Raises MenuEditError; nothing is changed then."""
    planning = planning or PlanningSettings()
    menu = _stored_menu(session, day, service, profile_code)
    codes = [c.strip() for c in dishes if c and c.strip()]
    if len(codes) != len(menu.items):
        raise MenuEditError(
            N_("the meal has %(n)s dishes, %(given)s given"), n=len(menu.items), given=len(codes)
        )
    if len(set(codes)) != len(codes):
        raise MenuEditError(N_("a dish is given twice"))
    check = _check(session, menu, codes, planning)
    stored = {d.code: d for d in load_dishes(session, codes)}
    for item, code in zip(menu.items, codes, strict=True):
        if stored[code].category != item.dish.category:
            raise MenuEditError(
                N_("%(dish)s is not of the category of the dish it replaces (%(category)s)"),
                dish=code,
                category=item.dish.category,
            )
    excluded = [b for b in check.breaks if b.rule in EXCLUSION_RULE_IDS]
    if excluded:
        raise MenuEditError(
            N_("not allowed for this diet profile: %(dishes)s"),
            dishes=", ".join(f"{b.dish} ({b.rule})" for b in excluded),
        )
    before = [i.dish.code for i in menu.items]
    for item, code in zip(menu.items, codes, strict=True):
        if item.dish.code != code:
            item.dish_id = stored[code].id
            item.dish = stored[code]
    menu.cost_fen = check.cost_fen
    menu.nutrients = dict(check.nutrients)
    menu.shortfalls = []  # the planner's record no longer applies; the grid recomputes
    was_locked = menu.locked
    menu.locked = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="menu",
        entity_code=f"{day.isoformat()}/{service}/{profile_code}",
        details={
            "dishes": [before, codes],
            "locked": [was_locked, True],
            "broken": list(check.rules),
        },
    )
    return check


def set_locked(
    session: Session, day: dt.date, service: str, profile_code: str, locked: bool, *, actor: str
) -> bool:
    """Lock or unlock a stored meal (re-planning keeps a locked meal); audit a change.
    Returns whether anything changed."""
    menu = _stored_menu(session, day, service, profile_code)
    if menu.locked == locked:
        return False
    menu.locked = locked
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="lock" if locked else "unlock",
        entity="menu",
        entity_code=f"{day.isoformat()}/{service}/{profile_code}",
        details={"locked": [not locked, locked]},
    )
    return True


#: the rule ids of the solver's exclusion rules (safety: an edit may not break them)
EXCLUSION_RULE_IDS: frozenset[str] = frozenset(r.__name__ for r in rules.EXCLUSION_RULES)
