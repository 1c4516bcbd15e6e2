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
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.config import PlanningSettings, Settings
from mealplan.db.models import (
    DietProfile,
    Headcount,
    Menu,
    MenuItem,
    NutrientTarget,
    NutritionGroup,
    Site,
)
from mealplan.documents.models import MenuEntry, MenuProfile, PriceNote, WeeklyMenu
from mealplan.domain import menu_rules
from mealplan.domain.vocab import NUTRIENT_KEYS, RATIO_KEYS
from mealplan.errors import NotFoundError
from mealplan.planning.menu_documents import ELDER_LABELS, kitchen_info
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


@dataclass(frozen=True)
class MealCell:
    """One profile's meal on one day."""

    day: dt.date
    profile: str
    dishes: tuple[DishName, ...]
    cost_fen: int
    nutrients: dict[str, float]
    reasons: tuple[Reason, ...] = ()

    @property
    def level(self) -> str:
        return max((r.level for r in self.reasons), key=_RANK.__getitem__, default=OK)


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
    the current targets and budgets (``planning``: the settings the planner uses)."""
    grid = WeekGrid(start, service, tuple(start + dt.timedelta(days=i) for i in range(days)))
    columns: dict[str, ProfileColumn] = {}
    for menu in _menus(session, start, days, service):
        profile = menu.diet_profile
        columns.setdefault(
            profile.code,
            ProfileColumn(profile.code, profile.name_zh, profile.name_en, profile.budget_fen),
        )
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
        )
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
    prices = tuple(
        PriceNote(ELDER_LABELS.get(cat, cat), fen)
        for cat, fen in sorted(planning.elder_price_fen.items(), key=lambda kv: kv[1])
    )
    return WeeklyMenu(
        site_name=site.name,
        kitchen=kitchen_info(site.kitchen),
        week_start=start,
        days=tuple(start + dt.timedelta(days=i) for i in range(7)),
        profiles=tuple(
            MenuProfile(p.code, p.name_zh, p.name_en, planning.meal_price_fen)
            for p in sorted(profiles.values(), key=lambda p: p.code)
        ),
        entries=tuple(
            MenuEntry(m.date, m.diet_profile.code, tuple(i.dish.name_zh for i in m.items))
            for m in meals
        ),
        service=service,
        prices=prices,
    )
