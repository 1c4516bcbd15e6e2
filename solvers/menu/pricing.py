"""Column generation: price new meal patterns from the LP duals of the master.

For one profile, the master is the set-partitioning MIP of :mod:`solvers.menu.mip` over
the columns found so far; its LP relaxation gives a dual value ``y_r`` per linking row
and ``pi_c`` per meal cell (the ``structure`` row). A meal pattern ``q`` of cell ``c`` has
the reduced cost

    rc(q) = coef(q) - sum over linking rows r counting q of y_r - pi_c

Every row counts a pattern through one of its dishes (no_repeat, staple/soup/dish_max,
no_consecutive, history) or through a predicate of the whole meal (food groups, main
protein, rice): the dish terms shift the dish scores of the branch and bound of
:mod:`solvers.menu.patterns`, the meal terms are added exactly at the leaves (with their
total reward as slack in the pruning bound). The search is exact when it finishes under
its node limit, so ``min rc`` over *all* meals of the cell is known, and

    L(y) = z_LP(master) + sum over cells of min(0, min rc)

is a lower bound of the full problem for any sign-feasible duals (Lagrangian bound; rows
the master does not have yet count with y = 0, which keeps ``y`` feasible). It is the
``global`` bound of the result (docs/menu-model.md, "The bound").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from solvers.menu import patterns as pt
from solvers.menu import rules
from solvers.menu.mip import Mip
from solvers.menu.types import DietProfile, Dish, MenuProblem, NutrientBound, QualityWeights

Cell = tuple[date, str, str]


class PricedEvaluator(pt.MealEvaluator):
    """A profile's meal evaluator with the dual prices of one cell: dish scores shifted by
    ``shift`` and meal-level ``terms`` (fen, predicate over dish indices) added."""

    def __init__(
        self,
        base: pt.MealEvaluator,
        shift: dict[int, float],
        terms: Sequence[tuple[float, Callable[[tuple[int, ...]], bool]]],
        bounds: Sequence[NutrientBound],
        budget_fen: int | None,
    ) -> None:
        super().__init__(
            base.profile,
            bounds,
            budget_fen,
            base.rating_reward_fen,
            penalty_scale=base.scale,
            quality=base.quality,
            month=base.month,
            served_before=base.served_before,
        )
        self.shift = shift
        self.terms = terms

    def dish_score(self, dish: Dish, index: int) -> float:
        return super().dish_score(dish, index) + self.shift.get(index, 0.0)

    def evaluate(
        self, structure: str, idx: tuple[int, ...], dishes: Sequence[Dish]
    ) -> pt.Pattern | None:
        pat = super().evaluate(structure, idx, dishes)
        if pat is None or not self.terms:
            return pat
        extra = sum(t for t, pred in self.terms if pred(idx))
        return pt.Pattern(
            pat.structure, pat.dishes, pat.cost_fen, pat.sums, pat.coef + extra, pat.shortfalls
        )


@dataclass
class Priced:
    """One pricing round: new columns per cell, the Lagrangian bound, exactness."""

    columns: dict[Cell, list[pt.Pattern]] = field(default_factory=dict)
    min_rc: float = 0.0  # sum over cells of min(0, min reduced cost)
    exact: bool = True
    nodes: int = 0


def duals_by_cell(
    mip: Mip, cells: Sequence[Cell]
) -> dict[
    Cell, tuple[float, dict[int, float], list[tuple[float, Callable[[tuple[int, ...]], bool]]]]
]:
    """(pi, dish shifts, meal terms) of every cell from the solved LP's row duals."""
    out: dict[
        Cell, tuple[float, dict[int, float], list[tuple[float, Callable[[tuple[int, ...]], bool]]]]
    ] = {}
    cons = {c.name: c for c in mip.prob.constraints()}
    for cell in cells:
        row = cons.get(rules.row_name("structure", *cell))
        pi = float(row.pi or 0.0) if row is not None else 0.0
        out[cell] = (pi, {}, [])
    for name, cover in mip.rows.items():
        row = cons.get(name)
        if row is None or not row.pi:
            continue
        y = float(row.pi)
        for cell in cells:
            d, s, p = cell
            if p != cover.profile or d not in cover.dates:
                continue
            if cover.service is not None and cover.service != s:
                continue
            _, shift, terms = out[cell]
            if cover.dish is not None:
                shift[cover.dish] = shift.get(cover.dish, 0.0) - y
            elif cover.meal is not None:
                terms.append((-y, cover.meal))
    return out


def price(
    problem: MenuProblem,
    profile: DietProfile,
    mip: Mip,
    cells: Sequence[Cell],
    cands: dict[str, list[int]],
    month: int | None,
    served_before: frozenset[int],
    node_limit: int,
    keep: int = 2,
    tolerance: float = 1e-6,
    deadline: float | None = None,
) -> Priced:
    """Exact pricing of every cell: the meals of negative reduced cost (up to ``keep``
    per cell and structure) and the sum of the cells' minimum reduced costs."""
    dishes = problem.dishes
    out = Priced()
    quality: QualityWeights | None = problem.quality
    duals = duals_by_cell(mip, cells)
    for cell in cells:
        if deadline is not None and time.perf_counter() > deadline:
            out.exact = False  # cells left unpriced: no bound from this round
            break
        d, service, _ = cell
        pi, shift, terms = duals[cell]
        bonus = sum(min(0.0, t) for t, _ in terms)
        best_rc = 0.0
        found: list[pt.Pattern] = []
        for st in profile.structures_for(service):
            budget_fen = st.budget_fen if st.budget_fen is not None else profile.budget_fen
            base = pt.MealEvaluator(
                profile,
                profile.bounds_for(service),
                budget_fen,
                problem.rating_reward_fen,
                penalty_scale=problem.penalty_scale(profile),
                quality=quality,
                month=month,
                served_before=served_before,
            )
            ev = PricedEvaluator(base, shift, terms, profile.bounds_for(service), budget_fen)
            sgroups = pt.slot_groups(st, dishes, cands)
            if pt.short_slot(sgroups) is not None:
                continue
            width = len(ev.prune)
            groups = [
                pt._group(pt._entries(ev, dishes, allowed), k, width) for _, k, allowed in sgroups
            ]
            heap: list[tuple[float, tuple[int, ...], pt.Pattern]] = []
            nodes, finished = pt._search(
                ev, st.code, groups, dishes, keep, node_limit, heap, set(), bonus=bonus,
                cut0=pi - tolerance,
            )  # fmt: skip
            out.nodes += nodes
            out.exact = out.exact and finished
            for _, _, priced in heap:
                best_rc = min(best_rc, priced.coef - pi)
                true = base.evaluate(st.code, priced.dishes, [dishes[i] for i in priced.dishes])
                if true is not None:
                    found.append(true)
        out.min_rc += best_rc
        if found:
            out.columns[cell] = found
    return out
