"""Menu planning use case: from stored dishes, diet profiles and the week's demand to
stored menus, through the pure menu model in :mod:`solvers.menu`.

``plan_menus`` plans every diet profile that occurs in the week's headcounts (reported
or forecast) and home subscriptions, per service, and replaces the stored menus of those
dates, services and profiles in the caller's transaction. An infeasible profile is a
result: its explanation names the rule, profile and day, and the smallest relaxation.
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from mealplan.config import PlanningSettings
from mealplan.db.mappers import facts_of, load_dishes, load_locked_meals, load_meal_structures
from mealplan.db.models import DietProfile, Dish, Menu, MenuItem, NutritionGroup, Rating
from mealplan.domain import menu_rules
from mealplan.domain.food import percent_energy
from mealplan.domain.vocab import Service
from mealplan.planning.demand import day_demand
from solvers import menu as ms

log = logging.getLogger(__name__)


@dataclass
class MenuPlan:
    """What ``plan_menus`` did."""

    start: dt.date
    dates: tuple[dt.date, ...]
    services: tuple[str, ...]
    profiles: dict[str, list[str]]  # service -> profile codes planned
    result: ms.MenuResult
    stored: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every (date, service, profile) asked for got a menu."""
        wanted = sum(len(p) for p in self.profiles.values()) * len(self.dates)
        return self.stored == wanted

    def unplanned(self) -> list[tuple[dt.date, str, str]]:
        have = {(m.date, m.service, m.profile) for m in self.result.meals}
        return [
            (d, s, p)
            for s, profiles in self.profiles.items()
            for p in profiles
            for d in self.dates
            if (d, s, p) not in have
        ]


def week_profiles(
    session: Session, dates: Sequence[dt.date], services: Sequence[str]
) -> dict[str, Counter[str]]:
    """Meals per profile per service over ``dates`` (headcounts, forecasts, subscriptions)."""
    out: dict[str, Counter[str]] = {}
    for service in services:
        total: Counter[str] = Counter()
        for day in dates:
            total.update(day_demand(session, day, service).meals_by_profile())
        out[service] = Counter({p: n for p, n in total.items() if n > 0})
    return out


def dish_ratings(session: Session, since: dt.date) -> dict[int, tuple[float, int]]:
    """(mean elder rating 1-5, number of ratings) per dish since ``since``."""
    rows = session.execute(
        select(Rating.dish_id, func.avg(Rating.score), func.count(Rating.id))
        .where(Rating.subject == "dish", Rating.dish_id.is_not(None), Rating.date >= since)
        .group_by(Rating.dish_id)
    )
    return {int(dish_id): (float(avg), int(n)) for dish_id, avg, n in rows if dish_id is not None}


# --------------------------------------------------------------------------- data files


@dataclass(frozen=True)
class StructureSpec:
    """One ``[[structure]]`` of ``mealplan/data/meal_structures.toml``, the fallback
    when the kitchen stored no ``meal_structure`` rows (panel, import).

    ``slots`` are strings: ``"vegetable"`` or ``"main:protein"`` (a named group set of
    ``groups``) or ``"main:fish|shellfish"`` (food groups joined by ``|``)."""

    code: str
    slots: tuple[str, ...]
    name_zh: str = ""
    name_en: str = ""
    price_fen: int | None = None
    budget_fen: int | None = None
    services: tuple[str, ...] = ("lunch", "dinner")
    active: bool = True


@dataclass(frozen=True)
class StructureFile:
    """The structures and the named food-group sets their slots refer to."""

    structures: tuple[StructureSpec, ...]
    groups: Mapping[str, frozenset[str]]


#: The named group set whose vegetarian version is ``vegetarian_<name>`` (有荤有素).
VEGETARIAN_PREFIX = "vegetarian_"


def read_structures(text: str, where: str = "meal_structures.toml") -> StructureFile:
    """Parse a structures file; ValueError naming the file, structure and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: not valid TOML: {exc}") from exc
    groups_raw = data.get("groups", {})
    if not isinstance(groups_raw, dict):
        raise ValueError(f"{where}: [groups] must be a table of lists of food groups")
    groups: dict[str, frozenset[str]] = {}
    for name, members in groups_raw.items():
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise ValueError(f"{where}: groups.{name} must be a list of food-group codes")
        groups[name] = frozenset(members)
    specs: list[StructureSpec] = []
    raw = data.get("structure", [])
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: needs at least one [[structure]]")
    for n, item in enumerate(raw, 1):
        here = f"{where}: structure {n} ({item.get('code', '?')})"
        try:
            spec = StructureSpec(
                code=str(item["code"]),
                slots=tuple(str(x) for x in item["slots"]),
                name_zh=str(item.get("name_zh", "")),
                name_en=str(item.get("name_en", "")),
                price_fen=item.get("price_fen"),
                budget_fen=item.get("budget_fen"),
                services=tuple(item.get("services", ("lunch", "dinner"))),
                active=bool(item.get("active", True)),
            )
        except KeyError as exc:
            raise ValueError(f"{here}: missing {exc.args[0]}") from exc
        try:
            for vegetarian in (False, True):
                to_solver_structure(spec, groups, vegetarian)
        except ValueError as exc:
            raise ValueError(f"{here}: {exc}") from exc
        specs.append(spec)
    codes = [s.code for s in specs]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{where}: structure codes must be unique, got {codes}")
    return StructureFile(tuple(specs), groups)


def default_structures() -> StructureFile:
    """The shipped structures (``mealplan/data/meal_structures.toml``)."""
    text = resources.files("mealplan.data").joinpath("meal_structures.toml").read_text("utf-8")
    return read_structures(text)


def _slot(text: str, groups: Mapping[str, frozenset[str]], vegetarian: bool) -> ms.Slot:
    category, _, named = text.partition(":")
    if not named:
        return ms.Slot(category.strip())
    named = named.strip()
    if named in groups:
        veg = groups.get(VEGETARIAN_PREFIX + named)
        chosen = veg if vegetarian and veg is not None else groups[named]
        return ms.Slot(category.strip(), frozenset(chosen))
    members = frozenset(g.strip() for g in named.split("|") if g.strip())
    if not members:
        raise ValueError(f"slot {text!r}: no food group after ':'")
    return ms.Slot(category.strip(), members)


def to_solver_structure(
    spec: StructureSpec, groups: Mapping[str, frozenset[str]], vegetarian: bool
) -> ms.MealStructure:
    """The solver's structure for a profile (a vegetarian one gets the vegetarian sets)."""
    return ms.MealStructure(
        spec.code,
        tuple(_slot(t, groups, vegetarian) for t in spec.slots),
        services=frozenset(spec.services),
        budget_fen=spec.budget_fen,
        price_fen=spec.price_fen,
    )


def profile_structures(file: StructureFile, vegetarian: bool) -> tuple[ms.MealStructure, ...]:
    """The active structures as the solver sees them for a (vegetarian) profile."""
    return tuple(
        to_solver_structure(spec, file.groups, vegetarian)
        for spec in file.structures
        if spec.active
    )


def season_months() -> dict[str, frozenset[int]]:
    """Season tag -> months (``mealplan/data/seasons.toml``)."""
    text = resources.files("mealplan.data").joinpath("seasons.toml").read_text("utf-8")
    return {tag: frozenset(int(m) for m in months) for tag, months in tomllib.loads(text).items()}


def solver_dishes(
    dishes: Iterable[Dish], ratings: Mapping[int, tuple[float, int]]
) -> tuple[ms.Dish, ...]:
    seasons = season_months()
    out = []
    for dish in dishes:
        if not dish.active or not dish.recipe:
            continue
        facts = facts_of(dish)
        tags = frozenset(dish.tags or ())
        rating = ratings.get(dish.id)
        out.append(
            ms.Dish(
                code=dish.code,
                category=dish.category,
                cost_fen=facts.cost_fen,
                nutrients=facts.nutrients,
                iddsi_level=dish.iddsi_level,
                allergens=facts.allergens,
                halal=facts.halal,
                vegetarian=facts.vegetarian,
                food_groups=facts.food_groups,
                cooking_method=dish.cooking_method,
                tags=tags,
                rating=None if rating is None else rating[0],
                rating_count=0 if rating is None else rating[1],
                in_season_months=frozenset(m for t in tags for m in seasons.get(t, ())),
            )
        )
    return tuple(out)


def solver_profile(
    profile: DietProfile,
    services: Sequence[str],
    planning: PlanningSettings,
    headcount: int | None,
    structures: StructureFile | None = None,
    stored_structures: tuple[ms.MealStructure, ...] = (),
) -> ms.DietProfile:
    """The solver's view of a diet profile: its fields, and the rules of
    :mod:`mealplan.domain.menu_rules` applied to it (this function only converts).
    ``stored_structures`` (the kitchen's) replace the structures file when given."""
    structure_file = structures if structures is not None else default_structures()
    group: NutritionGroup = profile.group
    allergens = frozenset(profile.exclude_allergens or ())
    food_group_rules = tuple(
        rule
        for rule in (
            menu_rules.fish_weekly_min(
                planning.fish_meals_per_week_min, profile.vegetarian, allergens
            ),
            menu_rules.pork_weekly_max(planning.pork_meals_per_week_max),
        )
        if rule is not None
    )
    return ms.DietProfile(
        code=profile.code,
        bounds=menu_rules.nutrient_targets(group.targets, services, planning.soft_bound_weight_fen),
        excluded_allergens=allergens,
        halal=profile.halal,
        vegetarian=profile.vegetarian,
        max_iddsi=profile.max_iddsi,
        excluded_tags=menu_rules.group_excluded_tags(group.excluded_tags or ())
        | menu_rules.no_texture_modified(profile.max_iddsi),
        required_tags=menu_rules.staple_required_tags(group.required_staple_tags or ()),
        budget_fen=menu_rules.meal_budget(profile.budget_fen, planning.default_budget_fen),
        budget_hard=profile.budget_hard,
        no_repeat_days=profile.no_repeat_days,
        food_group_rules=food_group_rules,
        headcount=headcount,
        distinct_method_categories=menu_rules.distinct_cooking_methods(profile.max_iddsi),
        structures=stored_structures or profile_structures(structure_file, profile.vegetarian),
        rotation=menu_rules.rotation(planning),
        cost_band_fen=menu_rules.cost_band(planning),
    )


#: Enumeration caps and column generation of the product's menu runs (docs/menu-model.md,
#: "Exact pricing: measured", demo week): with the exact pricing, caps 2 / 500 plus 3
#: rounds planned a much worse week (objective +2.48 M against -2.91 M fen) and 10 rounds
#: took longer than these caps; 3 rounds (the last one with the pricing MIPs, at most
#: 200 nodes each) proved 5 of the 13 demo profiles optimal over every menu.
PATTERNS_PER_DISH = 4
ENUMERATION_NODE_LIMIT = 2_000
CG_ROUNDS = 3
PRICING_NODE_LIMIT = 200
#: Branch-and-bound nodes per profile MIP: the work budget that, with the caps above,
#: makes the same inputs give the same menus on a busy machine.
MIP_NODE_LIMIT = 5_000
#: The menu formulation (``MenuParams.model``): ``patterns`` (enumeration and column
#: generation) or ``weekly`` (one compact MIP per profile); docs/menu-model.md compares them.
MENU_MODEL = "patterns"
#: Branch-and-bound nodes of the weekly model's MIP per profile (its work budget; a local
#: search polishes the plan after it).
WEEKLY_MIP_NODE_LIMIT = 200


def _params(planning: PlanningSettings, overrides: dict[str, object]) -> ms.MenuParams:
    kwargs: dict[str, object] = {
        "backend": planning.menu_backend,
        # the wall clock is only a safety net: [planning] menu_time_limit_s (1,800 s)
        "time_limit_s": planning.menu_time_limit_s,
        "mip_node_limit": MIP_NODE_LIMIT,
        "seed": planning.seed,
        # fewer meal patterns up front: column generation prices the rest from the duals
        "patterns_per_dish": PATTERNS_PER_DISH,
        "node_limit": ENUMERATION_NODE_LIMIT,
        "cg_rounds": CG_ROUNDS,
        "pricing_node_limit": PRICING_NODE_LIMIT,
        "model": MENU_MODEL,
    }
    if MENU_MODEL == "weekly":
        kwargs["mip_node_limit"] = WEEKLY_MIP_NODE_LIMIT
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    return ms.MenuParams(**kwargs)  # type: ignore[arg-type]


# Rules the planner may relax by itself, in this order, when a profile has no menu at all.
# Safety rules (allergens, halal, vegetarian, texture, hard nutrient caps, a hard budget)
# are never relaxed: the profile is reported as unplanned instead.
RELAXABLE_RULES = ("no_repeat", "food_group_min", "food_group_max")
MAX_RELAXATION_ROUNDS = 4


def _solve_with_relaxation(
    dishes: tuple[ms.Dish, ...],
    profiles: tuple[ms.DietProfile, ...],
    dates: tuple[dt.date, ...],
    services: tuple[str, ...],
    planning: PlanningSettings,
    params: ms.MenuParams,
    warnings: list[str],
    locked: tuple[ms.LockedMeal, ...] = (),
    history: tuple[ms.LockedMeal, ...] = (),
) -> ms.MenuResult:
    """Solve; when profiles are infeasible, relax what may be relaxed (a shorter no-repeat
    window, as the explanation suggests) or set the profile aside, and solve the rest, so
    one impossible profile does not leave every other profile without a menu."""
    current = {p.code: p for p in profiles}
    set_aside: list[ms.Explanation] = []
    result: ms.MenuResult | None = None
    for _round in range(MAX_RELAXATION_ROUNDS + 1):
        problem = ms.MenuProblem(
            dishes=dishes,
            profiles=tuple(current.values()),
            dates=dates,
            services=services,
            share_reward_fen=planning.share_reward_fen,
            # A missed soft target weighs once per diner, like the cost does.
            penalty_per_diner=True,
            locked=tuple(m for m in locked if m.profile in current),
            quality=menu_rules.quality_weights(planning),
            history=history,
        )
        result = ms.solve_menu(problem, params)
        if result.status != ms.SolveStatus.INFEASIBLE or not current:
            break
        blamed = [e for e in result.explanations if e.profile in current]
        if not blamed:
            break
        for exp in blamed:
            profile = current.get(exp.profile or "")
            if profile is None:
                continue
            if exp.rule == "no_repeat" and exp.needed is not None and exp.needed > 0:
                days = max(1, int(exp.needed))
                if days < profile.no_repeat_days:
                    current[profile.code] = replace(profile, no_repeat_days=days)
                    warnings.append(
                        f"{profile.code}: no-repeat window shortened from "
                        f"{profile.no_repeat_days} to {days} days ({exp.message})"
                    )
                    continue
            if exp.rule.startswith("food_group") and profile.food_group_rules:
                current[profile.code] = replace(profile, food_group_rules=())
                warnings.append(f"{profile.code}: weekly food-group rules dropped ({exp.message})")
                continue
            set_aside.append(exp)
            warnings.append(f"{profile.code}: no menu could be made ({exp.message})")
            del current[profile.code]
        if not current:
            break
    assert result is not None
    if set_aside:
        result = replace(result, explanations=tuple(set_aside) + tuple(result.explanations))
    return result


def plan_menus(
    session: Session,
    start: dt.date,
    days: int,
    services: Sequence[str],
    planning: PlanningSettings,
    *,
    profiles: Iterable[str] | None = None,
    dump_lp: str | None = None,
    time_limit_s: float | None = None,
    backend: str | None = None,
    structures: StructureFile | None = None,
) -> MenuPlan:
    """Plan and store menus for ``days`` days from ``start``.

    ``profiles`` restricts planning to those profile codes (default: every profile that
    occurs in the demand). Stored menus of the planned (date, service, profile) triples
    are replaced; others are left alone. The caller owns the transaction.
    Locked meals are kept exactly (the dietitian's locks); ``structures`` replaces the
    shipped meal structures (``mealplan/data/meal_structures.toml``). The stored menus of
    the ``HISTORY_DAYS`` before ``start`` count for rotation (no Monday repeat of Friday).
    """
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    for service in services:
        Service(service)
    dates = tuple(start + dt.timedelta(days=i) for i in range(days))
    demand = week_profiles(session, dates, services)
    wanted = set(profiles) if profiles is not None else None
    by_service = {
        s: sorted(p for p in counts if wanted is None or p in wanted)
        for s, counts in demand.items()
    }
    codes = sorted({p for ps in by_service.values() for p in ps})
    stored_profiles = {
        p.code: p
        for p in session.scalars(
            select(DietProfile)
            .where(DietProfile.code.in_(codes))
            .options(selectinload(DietProfile.group).selectinload(NutritionGroup.targets))
        )
    }
    warnings: list[str] = []
    if wanted is not None:
        for code in sorted(wanted - set(codes)):
            warnings.append(f"profile {code} has no meals in this period: not planned")
    ratings = dish_ratings(session, start - dt.timedelta(days=90))
    dishes = solver_dishes(load_dishes(session), ratings)
    active_services = tuple(s for s in services if by_service.get(s))
    # the kitchen's stored structures (panel, import), else the shipped default file
    structure_file = structures if structures is not None else default_structures()
    kitchen_structures = {v: load_meal_structures(session, vegetarian=v) for v in (False, True)}
    problem_profiles = tuple(
        solver_profile(
            stored_profiles[code],
            active_services,
            planning,
            sum(demand[s][code] for s in active_services),
            structure_file,
            kitchen_structures[stored_profiles[code].vegetarian],
        )
        for code in codes
    )
    history = served_history(session, start, active_services, codes)
    if not problem_profiles or not active_services:
        warnings.append("no diet profile has meals in this period: nothing to plan")
        empty = ms.MenuResult(status=ms.SolveStatus.OPTIMAL, objective=0.0, bound=0.0, gap=0.0)
        return MenuPlan(start, dates, tuple(services), by_service, empty, 0, warnings)
    params = _params(
        planning,
        {"dump_lp_path": dump_lp, "time_limit_s": time_limit_s, "backend": backend},
    )
    log.info(
        "planning menus %s..%s %s for %d profiles over %d dishes",
        dates[0],
        dates[-1],
        ",".join(active_services),
        len(problem_profiles),
        len(dishes),
    )
    # a dietitian's locked meals: fixed for the solver, kept as stored (services.menus)
    known = {d.code for d in dishes}
    locked = load_locked_meals(session, dates, active_services, codes)
    for m in locked:
        if not set(m.dishes) <= known:
            warnings.append(f"{m.profile} {m.date} {m.service}: locked meal kept, but a dish "
                            "is inactive or has no recipe: not fixed for the solver")  # fmt: skip
    result = _solve_with_relaxation(
        dishes, problem_profiles, dates, active_services, planning, params, warnings,
        tuple(m for m in locked if set(m.dishes) <= known),
        history=history,
    )  # fmt: skip
    plan = MenuPlan(start, dates, tuple(services), by_service, result, 0, warnings)
    plan.stored = store_menus(
        session, plan, stored_profiles, {(m.date, m.service, m.profile) for m in locked}
    )
    return plan


#: Days of stored menus before the horizon that count as history (last week's menu).
HISTORY_DAYS = 7


def served_history(
    session: Session, start: dt.date, services: Sequence[str], profiles: Sequence[str]
) -> tuple[ms.LockedMeal, ...]:
    """The stored menus of the ``HISTORY_DAYS`` before ``start`` as solver history."""
    first = start - dt.timedelta(days=HISTORY_DAYS)
    return tuple(
        ms.LockedMeal(m.date, m.service, m.profile, m.dishes)
        for m in stored_meals(session, first, HISTORY_DAYS, services, profiles)
        if m.dishes
    )


def store_menus(
    session: Session,
    plan: MenuPlan,
    profiles: dict[str, DietProfile],
    locked: Iterable[tuple[dt.date, str, str]] = (),
) -> int:
    wanted = {(s, p) for s, ps in plan.profiles.items() for p in ps}
    kept = {(d, s, p) for d, s, p in locked if (s, p) in wanted}  # locked: stored as they are
    meals = [m for m in plan.result.meals if (m.service, m.profile) in wanted
             and (m.date, m.service, m.profile) not in kept]  # fmt: skip
    planned = {(m.date, m.service, m.profile) for m in meals}
    if not planned:
        return len(kept)
    dish_ids = {
        code: did
        for code, did in session.execute(
            select(Dish.code, Dish.id).where(Dish.code.in_({c for m in meals for c in m.dishes}))
        )
    }
    for day, service, code in sorted(planned):
        session.execute(
            delete(Menu).where(
                Menu.date == day,
                Menu.service == service,
                Menu.diet_profile_id == profiles[code].id,
            )
        )
    session.flush()
    for meal in sorted(meals, key=lambda m: (m.date, m.service, m.profile)):
        menu = Menu(
            date=meal.date,
            service=meal.service,
            diet_profile_id=profiles[meal.profile].id,
            cost_fen=meal.cost_fen,
            nutrients={k: round(float(v), 3) for k, v in meal.nutrients.items()},
            shortfalls=[{"rule": s.rule, "amount": round(s.amount, 3)} for s in meal.shortfalls],
        )
        menu.items = [
            MenuItem(position=i, dish_id=dish_ids[code]) for i, code in enumerate(meal.dishes)
        ]
        session.add(menu)
    session.flush()
    return len(planned | kept)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class StoredMeal:
    date: dt.date
    service: str
    profile: str
    dishes: tuple[str, ...]
    dish_names: tuple[str, ...]
    nutrients: dict[str, float]
    cost_fen: int
    shortfalls: tuple[dict[str, object], ...]

    def as_json(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "service": self.service,
            "profile": self.profile,
            "dishes": list(self.dishes),
            "nutrients": self.nutrients,
            "cost_fen": self.cost_fen,
            "shortfalls": list(self.shortfalls),
        }


def stored_meals(
    session: Session,
    start: dt.date,
    days: int,
    services: Sequence[str] | None = None,
    profiles: Iterable[str] | None = None,
) -> list[StoredMeal]:
    """Stored menus in the period, ordered by date, service and profile."""
    end = start + dt.timedelta(days=days - 1)
    stmt = (
        select(Menu)
        .join(DietProfile, Menu.diet_profile_id == DietProfile.id)
        .where(Menu.date >= start, Menu.date <= end)
        .options(
            selectinload(Menu.items).selectinload(MenuItem.dish),
            selectinload(Menu.diet_profile),
        )
        .order_by(Menu.date, Menu.service, DietProfile.code)
    )
    if services is not None:
        stmt = stmt.where(Menu.service.in_(list(services)))
    if profiles is not None:
        stmt = stmt.where(DietProfile.code.in_(list(profiles)))
    out = []
    for menu in session.scalars(stmt):
        out.append(
            StoredMeal(
                date=menu.date,
                service=menu.service,
                profile=menu.diet_profile.code,
                dishes=tuple(i.dish.code for i in menu.items),
                dish_names=tuple(i.dish.name_zh for i in menu.items),
                nutrients=dict(menu.nutrients),
                cost_fen=menu.cost_fen,
                shortfalls=tuple(menu.shortfalls),
            )
        )
    return out


def meal_ratios(nutrients: dict[str, float]) -> dict[str, float]:
    """The %-energy ratios of a meal, for reports."""
    return {
        "protein_pct_energy": round(percent_energy(nutrients, "protein_g"), 1),
        "fat_pct_energy": round(percent_energy(nutrients, "fat_g"), 1),
        "carbohydrate_pct_energy": round(percent_energy(nutrients, "carbohydrate_g"), 1),
    }
