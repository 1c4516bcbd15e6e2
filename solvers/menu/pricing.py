"""Column generation: price new meal patterns from the LP duals of the master, exactly.

For one profile, the master is the set-partitioning MIP of :mod:`solvers.menu.mip` over
the columns found so far; its LP relaxation gives a dual value ``y_r`` per linking row
and ``pi_c`` per meal cell (the ``structure`` row). A meal pattern ``q`` of cell ``c`` has
the reduced cost

    rc(q) = coef(q) - sum over linking rows r counting q of y_r - pi_c

Every row counts a pattern through one of its dishes (no_repeat, staple/soup/dish_max,
no_consecutive, history) or because the meal holds one dish of a set (food groups, main
protein, rice: ``Cover.any_of``). The minimum of ``rc`` over *all* meals of a cell is a
small MIP per (profile, service, structure), :class:`PricingModel`, built once in HiGHS
and re-solved with the costs of each cell:

* a binary per (slot group, allowed dish); slot counts as rows; a dish in one slot only;
* additive nutrient bounds, the hard budget as rows (exact); soft bounds, the soft budget
  and the cost band as continuous excess columns priced at the evaluator's slope (exact:
  the penalty is linear in the excess);
* ratio bounds (``fat_pct_energy``: 900 x fat / energy): hard ones as the linear row
  ``100 x f x N - M x E <= 0`` (exact when a meal with the nutrient has energy); soft ones
  priced by the under-estimator ``slope x max(0, 100 f N - M E) / E_max``, E_max the most
  energy a meal of the structure can have (never above the true penalty);
* distinct cooking methods: one row per method;
* the meal-level dual terms: an indicator per dish set, ``z <= sum x`` (a reward needs a
  dish of the set) and ``w >= x_i`` (a penalty cannot be avoided); only the one whose sign
  matches gets a cost.

The model is a relaxation of the true pricing problem (only the soft ratio penalties are
under-estimated), so its dual bound, even when the work budget (``mip_max_nodes``) stops
it early, bounds ``min rc`` from below, and

    L(y) = z_LP(master) + sum over cells of min(0, min rc)

is a lower bound of the full problem for any sign-feasible duals (Lagrangian bound; rows
the master does not have yet count with y = 0, which keeps ``y`` feasible). It is the
``global`` bound of the result (docs/menu-model.md, "The bound"). Found meals are priced
again exactly (:class:`~solvers.menu.patterns.MealEvaluator`) before they become columns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, TypeVar

import numpy as np

from solvers.energy import RATIO_SOURCES
from solvers.menu import patterns as pt
from solvers.menu import rules
from solvers.menu.backends import native_output_to_debug_log
from solvers.menu.mip import Mip
from solvers.menu.types import (
    NUTRIENT_KEYS,
    DietProfile,
    Dish,
    MealStructure,
    MenuProblem,
    Slot,
)

log = logging.getLogger(__name__)

Cell = tuple[date, str, str]
#: Dual terms of one cell: (pi, dish index -> shift, dish set -> meal-level term).
CellDuals = tuple[float, dict[int, float], dict[frozenset[int], float]]

INF = float("inf")
H = TypeVar("H")


@dataclass
class Priced:
    """One pricing round: new columns per cell, the Lagrangian bound, exactness."""

    columns: dict[Cell, list[pt.Pattern]] = field(default_factory=dict)
    min_rc: float = 0.0  # sum over cells of min(0, lower bound of the min reduced cost)
    exact: bool = True  # every cell priced (its dual bound known)
    nodes: int = 0
    solves: int = 0


def duals_by_cell(mip: Mip, cells: Sequence[Cell]) -> dict[Cell, CellDuals]:
    """(pi, dish shifts, meal terms) of every cell from the solved LP's row duals."""
    out: dict[Cell, CellDuals] = {}
    cons = {c.name: c for c in mip.prob.constraints()}
    for cell in cells:
        row = cons.get(rules.row_name("structure", *cell))
        pi = float(row.pi or 0.0) if row is not None else 0.0
        out[cell] = (pi, {}, {})
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
            elif cover.any_of is not None:
                terms[cover.any_of] = terms.get(cover.any_of, 0.0) - y
    return out


def reduced_cost(q: pt.Pattern, duals: CellDuals) -> float:
    """Reduced cost of a pattern in a cell (exact coefficient, the cell's duals)."""
    pi, shift, terms = duals
    meal = set(q.dishes)
    return (
        q.coef
        + sum(shift.get(i, 0.0) for i in q.dishes)
        + sum(t for s, t in terms.items() if not meal.isdisjoint(s))
        - pi
    )


class PricingModel:
    """The exact pricing MIP of one (profile, service, structure), built once in HiGHS;
    :meth:`solve` changes the costs to one cell's duals and re-solves it."""

    def __init__(
        self,
        problem: MenuProblem,
        profile: DietProfile,
        service: str,
        structure: MealStructure,
        cands: dict[str, list[int]],
        month: int | None,
        served_before: frozenset[int],
        seed: int,
        threads: int,
    ) -> None:
        import highspy

        self._hs = highspy
        dishes = problem.dishes
        self.structure = structure
        self.service = service
        budget_fen = (
            structure.budget_fen if structure.budget_fen is not None else profile.budget_fen
        )
        self.base = pt.MealEvaluator(
            profile,
            profile.bounds_for(service),
            budget_fen,
            problem.rating_reward_fen,
            penalty_scale=problem.penalty_scale(profile),
            quality=problem.quality,
            month=month,
            served_before=served_before,
        )
        groups = pt.slot_groups(structure, dishes, cands)
        self.empty = pt.short_slot(groups) is not None
        # the MIP and its LP relaxation side by side (the LP, warm-started from the last
        # cell's basis, answers most cells in a millisecond: an integral LP optimum is the
        # MIP optimum, else the MIP is solved)
        with native_output_to_debug_log():
            self.h = highspy.Highs()  # type: ignore[no-untyped-call]
            self.lp = highspy.Highs()  # type: ignore[no-untyped-call]
        for h in (self.h, self.lp):
            h.setOptionValue("output_flag", False)
            h.setOptionValue("log_to_console", False)
            h.setOptionValue("random_seed", seed)
            # HiGHS keeps one thread pool per process: the same count as every other solve
            h.setOptionValue("threads", threads)
        h = self.h
        h.setOptionValue("mip_rel_gap", 1e-6)
        h.setOptionValue("mip_abs_gap", 1e-3)
        h.setOptionValue("presolve", "off")  # tiny model: presolve costs more than it saves
        if self.empty:
            return
        # ---- dish binaries: one per (slot group, allowed dish)
        self.x_dish: list[int] = []
        self.x_score: list[float] = []
        self.cols_of: dict[int, list[int]] = {}
        self.ranges: list[tuple[int, int, int]] = []  # (first column, end, dishes to pick)
        for _, k, allowed in groups:
            self.ranges.append((len(self.x_dish), len(self.x_dish) + len(allowed), k))
            for i in allowed:
                j = self._col(0.0, 0.0, 1.0)
                self.x_dish.append(i)
                self.x_score.append(self.base.dish_score(dishes[i], i))
                self.cols_of.setdefault(i, []).append(j)
        n_x = len(self.x_dish)
        kind = np.full(n_x, int(highspy.HighsVarType.kInteger), dtype=np.uint8)
        h.changeColsIntegrality(n_x, np.arange(n_x, dtype=np.int32), kind)
        checked = profile.distinct_method_categories
        self.method = [
            dishes[i].cooking_method if dishes[i].category in checked else "" for i in self.x_dish
        ]
        meal_rows(
            _HighsSink(self),
            problem,
            profile,
            service,
            groups,
            list(zip(range(n_x), self.x_dish, strict=True)),
            self.base,
            budget_fen,
        )
        self.n_x = n_x
        self.terms: dict[frozenset[int], tuple[int, int]] = {}

    # ---- model building helpers
    def _col(self, cost: float, lo: float, hi: float) -> int:
        for h in (self.h, self.lp):
            h.addCol(cost, lo, hi, 0, [], [])
        return int(self.h.getNumCol()) - 1

    def _row(self, lo: float, hi: float, coefs: dict[int, float]) -> None:
        idx = sorted(coefs)
        for h in (self.h, self.lp):
            h.addRow(lo, hi, len(idx), idx, [coefs[j] for j in idx])

    def _term(self, dishes: frozenset[int]) -> tuple[int, int]:
        """(reward indicator z, penalty indicator w) of "the meal holds a dish of the set"."""
        got = self.terms.get(dishes)
        if got is None:
            cols = [j for i in sorted(dishes) for j in self.cols_of.get(i, [])]
            z = self._col(0.0, 0.0, 1.0)
            w = self._col(0.0, 0.0, 1.0)
            self._row(-INF, 0.0, {z: 1.0, **{j: -1.0 for j in cols}})
            for j in cols:
                self._row(-INF, 0.0, {j: 1.0, w: -1.0})
            got = self.terms[dishes] = (z, w)
        return got

    def solve(
        self,
        duals: CellDuals,
        node_limit: int,
        time_limit: float,
        dishes: Sequence[Dish],
        mip: bool = True,
        tighten: bool = False,
    ) -> tuple[float, list[pt.Pattern], int, bool]:
        """(lower bound of the cell's min reduced cost, a meal priced exactly or None,
        nodes, finished). The LP relaxation first: its optimum is a valid lower bound; an
        integral one is the meal, a fractional one is rounded; only when the rounded meal
        does not price out and ``mip`` is set, the MIP (under ``node_limit`` nodes) looks
        for one; with ``tighten`` the MIP runs for every fractional cell (its dual bound is
        tighter than the LP's). A structure no meal fills gives +inf."""
        if self.empty:
            return INF, [], 0, True
        hs = self._hs
        pi, shift, terms = duals
        idx = list(range(self.n_x))
        costs = [self.x_score[j] + shift.get(self.x_dish[j], 0.0) for j in idx]
        for s, t in terms.items():
            z, w = self._term(s)
            idx += [z, w]
            costs += [min(0.0, t), max(0.0, t)]
        for s in self.terms.keys() - terms.keys():
            idx += list(self.terms[s])
            costs += [0.0, 0.0]
        lp = self.lp
        lp.changeColsCost(len(idx), idx, costs)
        lp.setOptionValue("time_limit", max(0.5, time_limit))
        lp.run()
        lp_bound = -INF
        rounded: list[pt.Pattern] = []
        if lp.getModelStatus() == hs.HighsModelStatus.kOptimal:
            lp_bound = float(lp.getInfo().objective_function_value)
            values = lp.getSolution().col_value
            x = values[: self.n_x]
            if all(v < 1e-7 or v > 1 - 1e-7 for v in x):
                return lp_bound - pi, self._meal(x, dishes), 0, True
            # fractional: the rounded meal when it prices out, else the MIP
            rounded = self._round(x, dishes, duals)
            if not mip or lp_bound - pi >= -1e-6 or (rounded and not tighten):
                return lp_bound - pi, rounded, 0, True
        h = self.h
        h.changeColsCost(len(idx), idx, costs)
        h.setOptionValue("mip_max_nodes", node_limit)
        h.setOptionValue("time_limit", max(0.5, time_limit))
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        nodes = max(0, int(info.mip_node_count))
        if status == hs.HighsModelStatus.kInfeasible:
            return INF, [], nodes, True
        finished = status == hs.HighsModelStatus.kOptimal
        if status == hs.HighsModelStatus.kTimeLimit:
            log.warning("menu pricing stopped by the wall-clock safety net: no global bound")
        if not finished and status not in (
            hs.HighsModelStatus.kSolutionLimit,  # mip_max_nodes reached
            hs.HighsModelStatus.kIterationLimit,
        ):
            log.warning("menu pricing MIP ended with %s: no bound", h.modelStatusToString(status))
            return lp_bound - pi, [], nodes, False
        bound = float(info.mip_dual_bound)
        if finished:
            bound = min(bound, float(info.objective_function_value))
        if not abs(bound) < 1e30:
            bound = -INF
        bound = max(bound, lp_bound)  # both are valid lower bounds
        best = list(rounded)
        if info.primal_solution_status == 2:
            for meal in self._meal(h.getSolution().col_value[: self.n_x], dishes):
                if meal.dishes not in {q.dishes for q in best}:
                    best.insert(0, meal)
        return bound - pi, best, nodes, finished

    def _round(
        self,
        x: Sequence[float],
        dishes: Sequence[Dish],
        duals: CellDuals,
        cap: int = 64,
        keep: int = 3,
    ) -> list[pt.Pattern]:
        """The best ``keep`` meals of negative exact reduced cost among the roundings of a
        fractional LP solution: per slot group its integral dishes plus a choice among its
        fractional ones (at most ``cap`` meals tried, deterministic order)."""
        import itertools

        options: list[list[tuple[int, ...]]] = []
        n_meals = 1
        for first, end, k in self.ranges:
            ones = [j for j in range(first, end) if x[j] > 1 - 1e-7]
            frac = sorted(
                (j for j in range(first, end) if 1e-7 < x[j] <= 1 - 1e-7),
                key=lambda j: (-x[j], self.x_score[j], j),
            )
            need = k - len(ones)
            if need < 0 or need > len(frac):
                return []
            picks = [tuple(ones) + c for c in itertools.combinations(frac, need)]
            options.append(picks)
            n_meals *= len(picks)
        found: list[tuple[float, tuple[int, ...], pt.Pattern]] = []
        for combo in itertools.islice(itertools.product(*options), cap):
            cols = [j for part in combo for j in part]
            chosen = tuple(sorted({self.x_dish[j] for j in cols}))
            methods = [self.method[j] for j in cols if self.method[j]]
            if len(chosen) < len(cols) or len(set(methods)) < len(methods):
                continue
            meal = self.base.evaluate(self.structure.code, chosen, [dishes[i] for i in chosen])
            if meal is not None and (rc := reduced_cost(meal, duals)) < -1e-6:
                found.append((rc, chosen, meal))
        return [m for _, _, m in sorted(found, key=lambda f: f[:2])[:keep]]

    def _meal(self, x: Sequence[float], dishes: Sequence[Dish]) -> list[pt.Pattern]:
        """The meal of a 0/1 solution, priced exactly (none: a hard rule fails)."""
        chosen = tuple(sorted(self.x_dish[j] for j, v in enumerate(x) if v > 0.5))
        meal = self.base.evaluate(self.structure.code, chosen, [dishes[i] for i in chosen])
        return [] if meal is None else [meal]


class RowSink(Protocol[H]):
    """Where :func:`meal_rows` puts its columns and rows (a highspy model, a PuLP one)."""

    def col(self, cost: float, lo: float, hi: float) -> H:
        """A continuous column with its objective cost; its handle."""
        ...

    def row(self, lo: float, hi: float, coefs: dict[H, float]) -> None:
        """``lo <= sum coefs x <= hi`` (a sink with an on/off indicator scales both sides)."""
        ...


class _HighsSink:
    def __init__(self, model: PricingModel) -> None:
        self.model = model

    def col(self, cost: float, lo: float, hi: float) -> int:
        return self.model._col(cost, lo, hi)

    def row(self, lo: float, hi: float, coefs: dict[int, float]) -> None:
        self.model._row(lo, hi, coefs)


def meal_rows(
    sink: RowSink[H],
    problem: MenuProblem,
    profile: DietProfile,
    service: str,
    groups: Sequence[tuple[Slot, int, list[int]]],
    x: Sequence[tuple[H, int]],
    base: pt.MealEvaluator,
    budget_fen: int | None,
) -> None:
    """The per-meal formulation of one (profile, service, structure), its one home (the
    pricing model and the weekly model build their meals with it): over the dish binaries
    ``x`` = (handle, catalogue index) in the order of ``groups`` (slot groups), the slot
    counts, a dish in one slot only, one dish per cooking method, the additive bounds,
    ratio bounds, budget and cost band (hard: rows; soft: priced excess columns; soft
    ratios: the under-estimator). The dish costs are the caller's."""
    dishes = problem.dishes
    start = 0
    for _, k, allowed in groups:
        sink.row(k, k, {x[start + r][0]: 1.0 for r in range(len(allowed))})
        start += len(allowed)
    cols_of: dict[int, list[H]] = {}
    for handle, i in x:
        cols_of.setdefault(i, []).append(handle)
    for cols in cols_of.values():
        if len(cols) > 1:
            sink.row(-INF, 1.0, dict.fromkeys(cols, 1.0))
    # ---- cooking methods: at most one dish per method among the checked categories
    checked = profile.distinct_method_categories
    by_method: dict[str, list[H]] = {}
    for i, cols in sorted(cols_of.items(), key=lambda kv: kv[0]):
        d = dishes[i]
        if d.category in checked and d.cooking_method:
            by_method.setdefault(d.cooking_method, []).extend(cols)
    for _, cols in sorted(by_method.items(), key=lambda kv: kv[0]):
        if len(cols) > 1:
            sink.row(-INF, 1.0, dict.fromkeys(cols, 1.0))

    def amounts(key: str) -> dict[H, float]:
        return {h: dishes[i].amount(key) for h, i in x if dishes[i].amount(key)}

    def linear(coefs: dict[H, float], lo: float, hi: float, slopes: tuple[float, float]) -> None:
        """lo <= sum <= hi, hard (slope inf) or with a priced excess column per side."""
        below, above = slopes
        if lo > -INF:
            if below == INF:
                sink.row(lo, INF, coefs)
            else:
                u = sink.col(below, 0.0, INF)
                sink.row(lo, INF, {**coefs, u: 1.0})
        if hi < INF:
            if above == INF:
                sink.row(-INF, hi, coefs)
            else:
                u = sink.col(above, 0.0, INF)
                sink.row(-INF, hi, {**coefs, u: -1.0})

    scale = problem.penalty_scale(profile)
    energy_max = sum(
        sum(sorted((dishes[i].amount("energy_kcal") for i in allowed), reverse=True)[:k])
        for _, k, allowed in groups
    )
    energy = amounts("energy_kcal")
    for b in profile.bounds_for(service):
        weight = b.weight * scale
        if b.key in NUTRIENT_KEYS:
            slopes = (INF, INF) if b.hard else (pt._slope(weight, b.min), pt._slope(weight, b.max))
            linear(
                amounts(b.key),
                b.min if b.min is not None else -INF,
                b.max if b.max is not None else INF,
                slopes,
            )
            continue
        nutrient, factor = RATIO_SOURCES[b.key]
        source = amounts(nutrient)
        for side, limit in (("min", b.min), ("max", b.max)):
            if limit is None:
                continue
            # max: 100 f N - M E <= 0; min: M E - 100 f N <= 0 (violation x E)
            sign = 1.0 if side == "max" else -1.0
            coefs: dict[H, float] = {}
            for h, _ in x:
                c = sign * (100.0 * factor * source.get(h, 0.0) - limit * energy.get(h, 0.0))
                if c:
                    coefs[h] = c
            if b.hard:
                sink.row(-INF, 0.0, coefs)
            elif energy_max > 0:
                # slope x (violation x E) / E_max <= slope x violation: an under-estimator
                u = sink.col(pt._slope(weight, limit), 0.0, INF)
                sink.row(-INF, 0.0, {**coefs, u: -energy_max})
    cost = {h: float(dishes[i].cost_fen) for h, i in x}
    if budget_fen is not None:
        over = INF if profile.budget_hard else profile.budget_weight * scale
        linear(cost, -INF, float(budget_fen), (INF, over))
    band = base.band
    if band is not None and problem.quality is not None:
        w = profile.cost_weight
        under_fen = problem.quality.cost_under_fen * w
        over_fen = problem.quality.cost_over_fen * w
        linear(cost, float(band[0]), float(band[1]), (under_fen, over_fen))


def price(
    models: Sequence[PricingModel],
    mip: Mip,
    cells: Sequence[Cell],
    dishes: Sequence[Dish],
    node_limit: int,
    tolerance: float = 1e-6,
    deadline: float | None = None,
    use_mip: bool = False,
    tighten: bool = False,
) -> Priced:
    """Price every cell with the models of its service: the meals of negative reduced
    cost and the sum of the cells' minimum reduced costs (lower bounds, LP relaxations;
    ``use_mip``: a pricing MIP for a cell whose rounded LP meal does not price out;
    ``tighten``: for every cell with a fractional LP, for its tighter bound)."""
    out = Priced()
    duals = duals_by_cell(mip, cells)
    found: list[tuple[str, pt.Pattern]] = []  # (service, meal) for the other cells too
    for cell in cells:
        left = INF if deadline is None else deadline - time.perf_counter()
        if left <= 0:
            out.exact = False  # cells left unpriced: no bound from this round
            break
        _, service, _ = cell
        best_rc = 0.0
        cols: list[pt.Pattern] = []
        for model in models:
            if model.service != service:
                continue
            low, meals, nodes, _finished = model.solve(
                duals[cell], node_limit, left, dishes, use_mip or tighten, tighten
            )
            out.nodes += nodes
            out.solves += 1
            if low == -INF:
                out.exact = False
            best_rc = min(best_rc, low)
            for meal in meals:
                if reduced_cost(meal, duals[cell]) < -tolerance:
                    cols.append(meal)
                    found.append((service, meal))
        out.min_rc += best_rc
        if cols:
            out.columns[cell] = cols
    # a meal found for one cell often prices out in another of the same service too
    for cell in cells:
        have = {q.dishes for q in out.columns.get(cell, [])}
        for service, meal in found:
            if service != cell[1] or meal.dishes in have:
                continue
            if reduced_cost(meal, duals[cell]) < -tolerance:
                out.columns.setdefault(cell, []).append(meal)
                have.add(meal.dishes)
    return out
