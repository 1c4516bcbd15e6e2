"""The set-partitioning MIP over enumerated meal patterns, and reading its solution.

Formulation (see docs/menu-model.md): one binary per (date, service, profile, pattern);
``structure`` rows pick one pattern per meal; ``no_repeat`` and ``food_group_min/max``
rows link a profile's meals over the horizon; with a sharing reward, continuous
``cook`` variables and ``share`` rows link profiles on the same date and service.
Without a sharing reward the profiles are independent and solved one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pulp

from solvers.menu import patterns as pt
from solvers.menu import rules
from solvers.menu.patterns import Pattern
from solvers.menu.types import (
    CATEGORIES,
    NUTRIENT_KEYS,
    DietProfile,
    Dish,
    Explanation,
    MenuProblem,
    PlannedMeal,
    RotationRules,
)

ELASTIC_FEN = 1.0e6  # price of one unit of hard linking-row violation in the elastic MIP

#: Per-dish objective discount (fen) for a meal cell (date, service): dish index -> fen.
Discount = dict[tuple[date, str], dict[int, float]]


@dataclass
class Mip:
    """The MIP, its pattern columns per meal, and the slack of each relaxable row."""

    prob: pulp.LpProblem
    columns: dict[tuple[date, str, str], list[tuple[Any, pt.Pattern]]]
    slacks: list[tuple[Any, Explanation, bool]] = field(default_factory=list)
    #: What each linking row counts, for pricing new columns from its dual (column
    #: generation): row name -> (profile, service or None, dates, dish index or the set
    #: of dishes any of which makes a meal count).
    rows: dict[str, Cover] = field(default_factory=dict)


@dataclass(frozen=True)
class Cover:
    """The columns a linking row counts: meals of a profile on some dates (and service)
    that contain a dish (``dish``) or any dish of a set (``any_of``: catalogue indices of
    the dishes with a food group, a main protein class, a rice staple)."""

    profile: str
    service: str | None
    dates: frozenset[date]
    dish: int | None = None
    any_of: frozenset[int] | None = None


def build(
    problem: MenuProblem,
    profiles: Sequence[DietProfile],
    pats: dict[tuple[str, str], pt.PatternSet],
    elastic: bool,
    discount: Discount | None = None,
    fixed: dict[tuple[date, str, str], pt.Pattern] | None = None,
    extra: dict[tuple[date, str, str], list[pt.Pattern]] | None = None,
) -> Mip:
    """The set-partitioning MIP over enumerated patterns for some profiles.

    ``discount`` lowers a pattern's coefficient by the given fen per dish and meal cell
    (the sharing reward, see ``_solve_shared``); ``fixed`` gives a locked meal its only
    column; ``extra`` adds columns to one meal (priced by column generation)."""
    dishes = problem.dishes
    prob = pulp.LpProblem("menu", pulp.LpMinimize)
    meals = [(d, s, p.code) for d in problem.dates for p in profiles for s in problem.served(p)]
    fixed = fixed or {}
    extra = extra or {}

    def cell_patterns(m: tuple[date, str, str]) -> list[pt.Pattern]:
        if m in fixed:
            return [fixed[m]]
        return pats[m[2], m[1]].patterns + extra.get(m, [])

    index: list[tuple[tuple[date, str, str], pt.Pattern]] = [
        (m, q) for m in meals for q in cell_patterns(m)
    ]
    x = prob.add_variable_dict("x", range(len(index)), 0, 1, pulp.LpBinary)
    columns: dict[tuple[date, str, str], list[tuple[Any, pt.Pattern]]] = {m: [] for m in meals}
    for j, (m, q) in enumerate(index):
        columns[m].append((x[j], q))
    mip = Mip(prob, columns)
    obj: list[tuple[Any, float]] = []

    for m, col in columns.items():
        rules.structure(prob, m, [v for v, _ in col])
        cut = (discount or {}).get((m[0], m[1]), {})
        for v, q in col:
            obj.append((v, q.coef - sum(cut.get(i, 0.0) for i in q.dishes)))

    by_code = {p.code: p for p in profiles}
    uses = {m: pattern_uses(dishes, by_code[m[2]], col) for m, col in columns.items()}
    linking_rows(problem, profiles, uses, mip, obj, elastic)

    prob.setObjective(pulp.LpAffineExpression(obj))
    return mip


@dataclass
class CellUses:
    """What the linking rows count in one meal cell: the terms (columns, dish binaries,
    indicators) serving each dish, and those of a meal holding a food group, a main
    protein class, a rice staple (each 1 at most per meal)."""

    dish: dict[int, list[Any]] = field(default_factory=dict)
    group: dict[str, list[Any]] = field(default_factory=dict)
    protein: dict[str, list[Any]] = field(default_factory=dict)
    rice: list[Any] = field(default_factory=list)


def pattern_uses(
    dishes: Sequence[Dish], profile: DietProfile, col: list[tuple[Any, Pattern]]
) -> CellUses:
    """The :class:`CellUses` of a cell's pattern columns."""
    cu = CellUses()
    groups = sorted({fg.group for fg in profile.food_group_rules})
    rot = profile.rotation
    for v, q in col:
        meal = [dishes[i] for i in q.dishes]
        for i in q.dishes:
            cu.dish.setdefault(i, []).append(v)
        for g in groups:
            if rules.meal_has_group(meal, g):
                cu.group.setdefault(g, []).append(v)
        if rot is not None:
            for cls in rules.meal_proteins(meal):
                cu.protein.setdefault(cls, []).append(v)
            if any(rules.is_rice(x, rot) for x in meal):
                cu.rice.append(v)
    return cu


def linking_rows(
    problem: MenuProblem,
    profiles: Sequence[DietProfile],
    uses: dict[tuple[date, str, str], CellUses],
    mip: Mip,
    obj: list[tuple[Any, float]],
    elastic: bool,
) -> None:
    """The linking rows of some profiles over the terms of their cells (the one home of
    the rows the pattern MIP and the weekly model share): no_repeat, food-group minimum
    and maximum, the rotation rows; slacks priced into ``obj``, covers into ``mip.rows``."""
    dishes = problem.dishes
    prob = mip.prob
    for p in profiles:
        nr_dishes = sorted(
            {
                i
                for m, cu in uses.items()
                if m[2] == p.code
                for i in cu.dish
                if dishes[i].category in p.no_repeat_categories
            }
        )
        # dish -> (date, service) -> columns
        by_dish: dict[int, dict[tuple[date, str], list[Any]]] = {i: {} for i in nr_dishes}
        for (d, s, code), cu in uses.items():
            if code != p.code:
                continue
            for i, vs in cu.dish.items():
                if i in by_dish:
                    by_dish[i].setdefault((d, s), []).extend(vs)
        for w in rules.no_repeat_windows(problem.dates, p.no_repeat_days):
            for i in nr_dishes:
                cells = [c for (d, _), c in by_dish[i].items() if d in w.dates]
                if len(cells) < 2:
                    continue
                served = [v for c in cells for v in c]
                slack = None
                if elastic:
                    slack = prob.add_variable(
                        rules.row_name("e_no_repeat", dishes[i].code, w.start, p.code), 0
                    )
                    obj.append((slack, ELASTIC_FEN))
                    mip.slacks.append(
                        (
                            slack,
                            Explanation(
                                "no_repeat",
                                f"no_repeat for {p.code}: dish {dishes[i].code} is needed "
                                f"{{n}} times within {p.no_repeat_days} days from {w.start} "
                                f"(the rule allows 1): shorten the window or add dishes",
                                p.code,
                                date=w.start,
                                bound=1.0,
                            ),
                            True,
                        )
                    )
                rules.no_repeat(prob, p.code, dishes[i].code, w.start, served, slack)
                mip.rows[rules.row_name("no_repeat", dishes[i].code, w.start, p.code)] = Cover(
                    p.code, None, w.dates, dish=i
                )
        for fg in p.food_group_rules:
            for w, lo, hi in rules.food_group_periods(problem.dates, fg):
                counted = [
                    v
                    for (d, _, code), cu in uses.items()
                    if code == p.code and d in w.dates
                    for v in cu.group.get(fg.group, [])
                ]
                for side, limit in (("min", lo), ("max", hi)):
                    if limit is None:
                        continue
                    rid = f"food_group_{side}"
                    slack = None
                    if elastic or not fg.hard:
                        slack = prob.add_variable(
                            rules.row_name(f"s_{rid}", fg.group, w.start, p.code), 0
                        )
                        weight = fg.weight * problem.penalty_scale(p)
                        obj.append((slack, weight if not fg.hard else ELASTIC_FEN))
                        word = "at least" if side == "min" else "at most"
                        mip.slacks.append(
                            (
                                slack,
                                Explanation(
                                    rid,
                                    f"{rid} {fg.group} for {p.code} in the period from "
                                    f"{w.start}: {word} {limit} meals asked, {{reach}} "
                                    f"reached; set the bound to {{reach}}",
                                    p.code,
                                    date=w.start,
                                    bound=float(limit),
                                ),
                                fg.hard,
                            )
                        )
                    if side == "min":
                        rules.food_group_min(prob, p.code, fg.group, w.start, counted, limit, slack)
                    else:
                        rules.food_group_max(prob, p.code, fg.group, w.start, counted, limit, slack)
                    mip.rows[rules.row_name(rid, fg.group, w.start, p.code)] = Cover(
                        p.code, None, w.dates, any_of=_with_group(dishes, fg.group)
                    )

        if p.rotation is not None:
            _rotation(problem, p, uses, mip, obj)


def _with_group(dishes: Sequence[Dish], group: str) -> frozenset[int]:
    """Dishes that make a meal count for a food group (``rules.meal_has_group``)."""
    return frozenset(i for i, d in enumerate(dishes) if rules.meal_has_group((d,), group))


def _with_protein(dishes: Sequence[Dish], cls: str) -> frozenset[int]:
    """Dishes that make a meal's main protein class ``cls`` (``rules.meal_proteins``)."""
    return frozenset(i for i, d in enumerate(dishes) if cls in rules.meal_proteins((d,)))


def _rice(dishes: Sequence[Dish], rot: RotationRules) -> frozenset[int]:
    """The rice staples (``rules.is_rice``)."""
    return frozenset(i for i, d in enumerate(dishes) if rules.is_rice(d, rot))


def history_by_service(
    problem: MenuProblem, profile: DietProfile
) -> dict[str, list[tuple[date, frozenset[int]]]]:
    """Served meals of the history per service, oldest first: (date, dish indices)."""
    index = {d.code: i for i, d in enumerate(problem.dishes)}
    out: dict[str, list[tuple[date, frozenset[int]]]] = {}
    for h in sorted(problem.history, key=lambda h: (h.date, h.service)):
        if h.profile == profile.code:
            ids = frozenset(index[c] for c in h.dishes if c in index)
            out.setdefault(h.service, []).append((h.date, ids))
    return out


def _rotation(
    problem: MenuProblem,
    p: DietProfile,
    cell_uses: dict[tuple[date, str, str], CellUses],
    mip: Mip,
    obj: list[tuple[Any, float]],
) -> None:
    """Soft rotation rows of one profile (:data:`rules.ROTATION_RULES`), per service."""
    rot = p.rotation
    assert rot is not None
    dishes = problem.dishes
    prob = mip.prob
    weight = rot.weight * problem.penalty_scale(p)
    history = history_by_service(problem, p)

    def soft(
        rid: str,
        fn: Any,
        uses: list[Any],
        limit: int,
        index: tuple[object, ...],
        text: str,
        day: date,
        service: str,
        cover: Cover,
    ) -> None:
        # at most one unit per day counted (a solve stopped early keeps its slacks sane)
        slack = prob.add_variable(rules.row_name(f"s_{rid}", *index), 0, max(1, len(cover.dates)))
        obj.append((slack, weight))
        mip.slacks.append(
            (
                slack,
                Explanation(rid, text, p.code, date=day, service=service, bound=float(limit)),
                False,
            )
        )
        fn(prob, rules.row_name(rid, *index), uses, limit, slack)
        mip.rows[rules.row_name(rid, *index)] = cover

    def covered(i: int, days: int) -> bool:
        return rules.rotation_covered(dishes[i], p, days)

    for s in problem.served(p):
        cells = {d: cell_uses[d, s, p.code] for d in problem.dates if (d, s, p.code) in cell_uses}
        # uses of each dish per date, and meals per protein class / with rice per date
        by_dish: dict[int, dict[date, list[Any]]] = {}
        by_protein: dict[str, dict[date, list[Any]]] = {}
        rice: dict[date, list[Any]] = {}
        for d, cu in cells.items():
            for i, vs in cu.dish.items():
                by_dish.setdefault(i, {})[d] = list(vs)
            for cls, vs in cu.protein.items():
                by_protein.setdefault(cls, {})[d] = list(vs)
            if cu.rice:
                rice[d] = list(cu.rice)
        for w, span in rules.rotation_periods(problem.dates, rot.period_days):
            for i in sorted(by_dish):
                if covered(i, rot.period_days):
                    continue
                uses = [v for d in sorted(w.dates) for v in by_dish[i].get(d, [])]
                rid, limit = rules.dish_limit(dishes[i], rot)
                if len({d for d in w.dates if by_dish[i].get(d)}) <= limit:
                    continue
                code = dishes[i].code
                soft(
                    rid,
                    getattr(rules, rid),
                    uses,
                    limit,
                    (code, w.start, s, p.code),
                    f"{rid} for {p.code} {s}: {code} served {{reach}} times in the period "
                    f"from {w.start} (the rule allows {limit}): too few dishes to rotate",
                    w.start,
                    s,
                    Cover(p.code, s, w.dates, dish=i),
                )
            for cls in sorted(by_protein):
                days_with = [d for d in sorted(w.dates) if by_protein[cls].get(d)]
                if len(days_with) <= rot.protein_max:
                    continue
                soft(
                    "protein_max",
                    rules.protein_max,
                    [v for d in days_with for v in by_protein[cls][d]],
                    rot.protein_max,
                    (cls, w.start, s, p.code),
                    f"protein_max for {p.code} {s}: {cls} is the main protein of {{reach}} "
                    f"meals in the period from {w.start} (the rule allows "
                    f"{rot.protein_max}): too few mains of other proteins",
                    w.start,
                    s,
                    Cover(p.code, s, w.dates, any_of=_with_protein(dishes, cls)),
                )
            want = rules.scaled(rot.rice_min, span, rot.period_days)
            if want > 0 and rice:
                soft(
                    "rice_min",
                    rules.rice_min,
                    [v for d in sorted(w.dates) for v in rice.get(d, [])],
                    want,
                    (w.start, s, p.code),
                    f"rice_min for {p.code} {s}: rice in {{reach}} meals of the period "
                    f"from {w.start} (the rule asks {want}): too few rice staples allowed",
                    w.start,
                    s,
                    Cover(p.code, s, w.dates, any_of=_rice(dishes, rot)),
                )
        dates = [d for d in problem.dates if d in cells]
        past = history.get(s, [])
        if rot.no_consecutive:
            pairs = list(zip(dates, dates[1:], strict=False))
            for i in sorted(by_dish):
                if covered(i, 2):
                    continue
                for d1, d2 in pairs:
                    a, b = by_dish[i].get(d1), by_dish[i].get(d2)
                    if not a or not b:
                        continue
                    soft(
                        "no_consecutive",
                        rules.no_consecutive,
                        a + b,
                        1,
                        (dishes[i].code, d1, s, p.code),
                        f"no_consecutive for {p.code} {s}: {dishes[i].code} served on "
                        f"{d1} and {d2} (no dish on two consecutive days): too few dishes",
                        d1,
                        s,
                        Cover(p.code, s, frozenset({d1, d2}), dish=i),
                    )
            if past and dates:
                last_day, last = past[-1]
                for i in sorted(last):
                    first = by_dish.get(i, {}).get(dates[0])
                    if first:
                        soft(
                            "no_consecutive",
                            rules.no_consecutive,
                            first,
                            0,
                            (dishes[i].code, last_day, s, p.code),
                            f"no_consecutive for {p.code} {s}: {dishes[i].code} served on "
                            f"{last_day} (last menu) and {dates[0]}",
                            dates[0],
                            s,
                            Cover(p.code, s, frozenset({dates[0]}), dish=i),
                        )
        if p.no_repeat_days > 0:
            for day, ids in past:
                end = day + timedelta(days=p.no_repeat_days)
                for i in sorted(ids):
                    if dishes[i].category not in p.no_repeat_categories:
                        continue
                    uses = [
                        v for d in dates if day < d < end for v in by_dish.get(i, {}).get(d, [])
                    ]
                    if uses:
                        soft(
                            "no_repeat_history",
                            rules.no_repeat_history,
                            uses,
                            0,
                            (dishes[i].code, day, s, p.code),
                            f"no_repeat_history for {p.code} {s}: {dishes[i].code} served "
                            f"on {day} (last menu) again within {p.no_repeat_days} days",
                            day,
                            s,
                            Cover(p.code, s, frozenset(d for d in dates if day < d < end), dish=i),
                        )


def chosen_pattern(col: list[tuple[Any, pt.Pattern]]) -> pt.Pattern:
    """The pattern whose binary the solver set in one meal's column list."""
    best = max(col, key=lambda vq: vq[0].varValue or 0.0)
    return best[1]


def extract(
    problem: MenuProblem,
    chosen: dict[tuple[date, str, str], pt.Pattern],
    locked: frozenset[tuple[date, str, str]] = frozenset(),
) -> list[PlannedMeal]:
    """The planned meals of the chosen patterns (dishes in category order)."""
    dishes = problem.dishes
    out = []
    for (d, s, p), q in chosen.items():
        order = sorted(q.dishes, key=lambda i: (CATEGORIES.index(dishes[i].category), i))
        out.append(
            PlannedMeal(
                date=d,
                service=s,
                profile=p,
                structure=q.structure,
                dishes=tuple(dishes[i].code for i in order),
                nutrients={k: round(v, 3) for k, v in zip(NUTRIENT_KEYS, q.sums, strict=True)},
                cost_fen=q.cost_fen,
                shortfalls=q.shortfalls + q.violations,
                locked=(d, s, p) in locked,
            )
        )
    return out
