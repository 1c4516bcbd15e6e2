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
from datetime import date
from typing import Any

import pulp

from solvers.menu import patterns as pt
from solvers.menu import rules
from solvers.menu.types import (
    CATEGORIES,
    NUTRIENT_KEYS,
    DietProfile,
    Explanation,
    MenuProblem,
    PlannedMeal,
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


def build(
    problem: MenuProblem,
    profiles: Sequence[DietProfile],
    pats: dict[tuple[str, str], pt.PatternSet],
    elastic: bool,
    discount: Discount | None = None,
) -> Mip:
    """The set-partitioning MIP over enumerated patterns for some profiles.

    ``discount`` lowers a pattern's coefficient by the given fen per dish and meal cell
    (the sharing reward, see ``_solve_shared``)."""
    dishes = problem.dishes
    prob = pulp.LpProblem("menu", pulp.LpMinimize)
    meals = [(d, s, p.code) for d in problem.dates for p in profiles for s in problem.served(p)]
    index: list[tuple[tuple[date, str, str], pt.Pattern]] = [
        (m, q) for m in meals for q in pats[m[2], m[1]].patterns
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

    for p in profiles:
        nr_dishes = sorted(
            {
                i
                for s in problem.served(p)
                for q in pats[p.code, s].patterns
                for i in q.dishes
                if dishes[i].category in p.no_repeat_categories
            }
        )
        # dish -> (date, service) -> columns
        by_dish: dict[int, dict[tuple[date, str], list[Any]]] = {i: {} for i in nr_dishes}
        for (d, s, code), col in columns.items():
            if code != p.code:
                continue
            for v, q in col:
                for i in q.dishes:
                    if i in by_dish:
                        by_dish[i].setdefault((d, s), []).append(v)
        for w in rules.no_repeat_windows(problem.dates, p.no_repeat_days):
            for i in nr_dishes:
                cells = [c for (d, _), c in by_dish[i].items() if d in w.dates]
                if len(cells) < 2:
                    continue
                uses = [v for c in cells for v in c]
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
                rules.no_repeat(prob, p.code, dishes[i].code, w.start, uses, slack)
        for fg in p.food_group_rules:
            for w, lo, hi in rules.food_group_periods(problem.dates, fg):
                uses = [
                    v
                    for (d, s, code), col in columns.items()
                    if code == p.code and d in w.dates
                    for v, q in col
                    if rules.meal_has_group((dishes[i] for i in q.dishes), fg.group)
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
                        rules.food_group_min(prob, p.code, fg.group, w.start, uses, limit, slack)
                    else:
                        rules.food_group_max(prob, p.code, fg.group, w.start, uses, limit, slack)

    prob.setObjective(pulp.LpAffineExpression(obj))
    return mip


def chosen_pattern(col: list[tuple[Any, pt.Pattern]]) -> pt.Pattern:
    """The pattern whose binary the solver set in one meal's column list."""
    best = max(col, key=lambda vq: vq[0].varValue or 0.0)
    return best[1]


def extract(
    problem: MenuProblem, chosen: dict[tuple[date, str, str], pt.Pattern]
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
                shortfalls=q.shortfalls,
            )
        )
    return out
