"""The compact weekly menu MIP of one profile (``MenuParams.model = "weekly"``).

One MIP over the whole horizon of a profile, all its services, with no enumerated
patterns (docs/menu-model.md, "The weekly model"):

* per meal cell (date, service) a binary per allowed structure, exactly one
  (``rules.structure``); per (structure, slot group, allowed dish) a binary; the per-meal
  rows of each structure are :func:`solvers.menu.pricing.meal_rows` (the pricing model's
  own formulation) with every bound scaled by the structure's binary, so a structure not
  chosen has no dish and no excess;
* per cell an indicator per dish set the linking rows count (food group, main protein
  class, rice staple): ``v >= x`` (per slot group of one dish: ``v >= sum x``) and
  ``v <= sum x``, exact for 0/1 dishes;
* the linking rows are :func:`solvers.menu.mip.linking_rows` over those terms, the same
  rows the pattern MIP builds; a locked meal is one column fixed at 1.

The objective is a pattern's exact coefficient where it is linear (dish scores, soft
excess slopes, budget, cost band) and the pricing model's under-estimator for a soft
ratio penalty, so HiGHS's dual bound is a lower bound over every menu (``global``); the
plan found is priced again exactly (:class:`~solvers.menu.patterns.MealEvaluator`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pulp

from solvers.menu import patterns as pt
from solvers.menu import rules
from solvers.menu.backends import Outcome, native_output_to_debug_log, run
from solvers.menu.explain import soft_linking_notes
from solvers.menu.mip import (
    CellUses,
    Discount,
    Mip,
    _rice,
    _with_group,
    _with_protein,
    linking_rows,
    pattern_uses,
)
from solvers.menu.pricing import INF, Cell, meal_rows
from solvers.menu.types import (
    PROTEIN_GROUPS,
    DietProfile,
    Explanation,
    MealStructure,
    MenuParams,
    MenuProblem,
    NutrientBound,
)
from solvers.status import SolveStatus

log = logging.getLogger(__name__)


class _PulpSink:
    """:func:`meal_rows` into a PuLP model, every row's bounds scaled by ``on`` (the
    structure's binary): ``lo x on <= sum <= hi x on``."""

    def __init__(
        self, prob: pulp.LpProblem, obj: list[tuple[Any, float]], on: Any, prefix: str
    ) -> None:
        self.prob, self.obj, self.on, self.prefix, self.n = prob, obj, on, prefix, 0

    def col(self, cost: float, lo: float, hi: float) -> Any:
        self.n += 1
        v = self.prob.add_variable(f"{self.prefix}_u{self.n}", lo, None if hi == INF else hi)
        if cost:
            self.obj.append((v, cost))
        return v

    def row(self, lo: float, hi: float, coefs: dict[Any, float]) -> None:
        terms = list(coefs.items())
        if lo == hi:
            self._add(terms, lo, pulp.LpConstraintEQ)
            return
        if lo > -INF:
            self._add(terms, lo, pulp.LpConstraintGE)
        if hi < INF:
            self._add(terms, hi, pulp.LpConstraintLE)

    def _add(self, terms: list[tuple[Any, float]], rhs: float, sense: int) -> None:
        expr = pulp.LpAffineExpression(terms + [(self.on, -rhs)] if rhs else terms)
        self.prob += pulp.LpConstraint(expr, sense, rhs=0.0)


@dataclass
class _Choice:
    """One structure of a cell: its binary, evaluator and dish binaries."""

    on: Any
    structure: MealStructure
    evaluator: pt.MealEvaluator
    bounds: tuple[NutrientBound, ...]
    x: list[tuple[Any, int]] = field(default_factory=list)


@dataclass
class WeeklyPlan:
    """A weekly model's plan: the solve's outcome with the exact objective, the meals
    (exactly priced patterns), the linking penalties and the soft-linking notes."""

    outcome: Outcome
    chosen: dict[Cell, pt.Pattern]
    linking_fen: float
    notes: list[Explanation]


def solve_weekly(
    problem: MenuProblem,
    profile: DietProfile,
    params: MenuParams,
    backend: str,
    cands: dict[str, list[int]],
    month: int | None,
    served_before: frozenset[int],
    fixed: dict[Cell, pt.Pattern],
    time_limit: float,
    discount: Discount | None = None,
    gap: float | None = None,
) -> WeeklyPlan | None:
    """Build and solve one profile's weekly MIP; None when it has no plan (infeasible, or
    no plan within the work budget): the caller falls back to the pattern route, whose
    elastic model names the rule to relax."""
    dishes = problem.dishes
    prob = pulp.LpProblem("menu_week", pulp.LpMinimize)
    mip = Mip(prob, {})
    obj: list[tuple[Any, float]] = []
    scale = problem.penalty_scale(profile)
    sets: list[tuple[str, str, frozenset[int]]] = [
        ("group", g, _with_group(dishes, g))
        for g in sorted({fg.group for fg in profile.food_group_rules})
    ]
    rot = profile.rotation
    if rot is not None:
        sets += [
            ("protein", c, _with_protein(dishes, c)) for c in sorted(set(PROTEIN_GROUPS.values()))
        ]
        sets.append(("rice", "", _rice(dishes, rot)))
    uses: dict[Cell, CellUses] = {}
    choices: dict[Cell, list[_Choice]] = {}
    for c, (d, s) in enumerate((d, s) for d in problem.dates for s in problem.served(profile)):
        cell = (d, s, profile.code)
        cut = (discount or {}).get((d, s), {})
        if cell in fixed:
            q = fixed[cell]
            v = prob.add_variable(f"lock_{c}", 1, 1)
            obj.append((v, q.coef - sum(cut.get(i, 0.0) for i in q.dishes)))
            rules.structure(prob, cell, [v])
            uses[cell] = pattern_uses(dishes, profile, [(v, q)])
            continue
        cu = CellUses()
        cell_choices: list[_Choice] = []
        # per (structure, slot group): (dishes to pick, [(binary, dish)])
        slot_terms: list[tuple[int, list[tuple[Any, int]]]] = []
        for t, st in enumerate(profile.structures_for(s)):
            groups = pt.slot_groups(st, dishes, cands)
            if pt.short_slot(groups) is not None:
                continue
            budget_fen = st.budget_fen if st.budget_fen is not None else profile.budget_fen
            ev = pt.MealEvaluator(
                profile,
                profile.bounds_for(s),
                budget_fen,
                problem.rating_reward_fen,
                penalty_scale=scale,
                quality=problem.quality,
                month=month,
                served_before=served_before,
            )
            ch = _Choice(
                prob.add_variable(f"y_{c}_{t}", 0, 1, cat=pulp.LpBinary),
                st,
                ev,
                profile.bounds_for(s),
            )
            for g, (_, k, allowed) in enumerate(groups):
                part: list[tuple[Any, int]] = []
                for i in allowed:
                    xv = prob.add_variable(f"x_{c}_{t}_{g}_{i}", 0, 1, cat=pulp.LpBinary)
                    obj.append((xv, ev.dish_score(dishes[i], i) - cut.get(i, 0.0)))
                    part.append((xv, i))
                    cu.dish.setdefault(i, []).append(xv)
                ch.x.extend(part)
                slot_terms.append((k, part))
            meal_rows(
                _PulpSink(prob, obj, ch.on, f"e_{c}_{t}"),
                problem,
                profile,
                s,
                groups,
                ch.x,
                ev,
                budget_fen,
            )
            cell_choices.append(ch)
        if not cell_choices:
            return None  # no structure can be filled: the pattern route explains it
        rules.structure(prob, cell, [ch.on for ch in cell_choices])
        for kind, name, members in sets:
            inside = [[(xv, i) for xv, i in part if i in members] for _, part in slot_terms]
            if not any(inside):
                continue
            v = prob.add_variable(f"i_{c}_{kind}_{name}", 0, 1)
            for (k, _), part in zip(slot_terms, inside, strict=True):
                if not part:
                    continue
                if k == 1:  # one dish in the slot group: the sum is 0 or 1
                    prob += pulp.lpSum(xv for xv, _ in part) - v <= 0
                else:
                    for xv, _ in part:
                        prob += xv - v <= 0
            prob += v - pulp.lpSum(xv for part in inside for xv, _ in part) <= 0
            if kind == "group":
                cu.group[name] = [v]
            elif kind == "protein":
                cu.protein[name] = [v]
            else:
                cu.rice = [v]
        uses[cell] = cu
        choices[cell] = cell_choices
    n0 = len(obj)
    linking_rows(problem, (profile,), uses, mip, obj, elastic=False)
    prob.setObjective(pulp.LpAffineExpression(obj))
    out = run(prob, params, backend, time_limit, gap)
    log.info(
        "profile %s (weekly model, %d variables, %d rows): %s, model objective %s, bound %s",
        profile.code,
        len(prob.variables()),
        len(prob.constraints()),
        out.status.value,
        out.objective,
        out.bound,
    )
    if not out.status.has_solution:
        return None
    if backend == "highs" and params.polish_passes > 0:
        _polish(prob, [choices[c] for c in choices], params, time_limit)
    chosen: dict[Cell, pt.Pattern] = {}
    exact = 0.0
    for cell in uses:
        q = fixed[cell] if cell in fixed else _meal(problem, choices[cell])
        chosen[cell] = q
        cut = (discount or {}).get((cell[0], cell[1]), {})
        exact += q.coef - sum(cut.get(i, 0.0) for i in q.dishes)
    linking = sum((v.varValue or 0.0) * w for v, w in obj[n0:])
    exact += linking
    bound = out.bound
    status = out.status
    if bound is not None:
        bound = min(bound, exact)
        if status == SolveStatus.OPTIMAL and exact - bound > params.mip_rel_gap * max(
            abs(exact), 1.0
        ):
            status = SolveStatus.FEASIBLE  # the exact price of the plan is above the bound
    outcome = Outcome(status, exact, bound, list(out.notes))
    return WeeklyPlan(outcome, chosen, linking, soft_linking_notes(mip))


#: The local search after the MIP runs ``MenuParams.polish_passes`` passes (each: every
#: cell, then every two adjacent cells re-optimised with the rest of the plan fixed) and
#: stops early when a pass gains nothing. Work budgets: the same inputs give the same plan.
POLISH_NODES = 500  # branch-and-bound nodes of one neighbourhood's MIP


def _polish(
    prob: pulp.LpProblem, cells: list[list[_Choice]], params: MenuParams, time_limit: float
) -> None:
    """Local search on the HiGHS model PuLP solved: re-optimise one cell, then two adjacent
    cells, with every other dish binary fixed at the incumbent's value (small MIPs, a few
    milliseconds to a second each); a better plan replaces the incumbent. The variables'
    values are the best plan's afterwards. The dual bound of the full solve is untouched."""
    import highspy

    h = prob.solverModel
    status = highspy.HighsModelStatus
    x = np.array(h.getSolution().col_value, dtype=float)
    z = float(h.getInfo().objective_function_value)
    z_start = z
    groups = [
        np.array(
            sorted(j for ch in cell for j in [ch.on.index, *(v.index for v, _ in ch.x)])
        ).astype(np.int32)
        for cell in cells
    ]
    every = np.concatenate(groups) if groups else np.zeros(0, dtype=np.int32)
    deadline = time.perf_counter() + time_limit
    h.setOptionValue("mip_max_nodes", POLISH_NODES)
    h.setOptionValue("mip_rel_gap", 1e-6)
    neighbourhoods = [(k,) for k in range(len(groups))] + [
        (k, k + 1) for k in range(len(groups) - 1)
    ]
    passes = 0
    for passes in range(1, params.polish_passes + 1):  # noqa: B007 (logged)
        gained = False
        for hood in neighbourhoods:
            left = deadline - time.perf_counter()
            if left <= 0:
                log.warning("weekly local search stopped by the wall-clock safety net")
                break
            free = np.concatenate([groups[k] for k in hood])
            fixed = np.setdiff1d(every, free)
            vals = np.round(x[fixed])
            h.changeColsBounds(len(fixed), fixed, vals, vals)
            h.changeColsBounds(len(free), free, np.zeros(len(free)), np.ones(len(free)))
            h.setOptionValue("time_limit", max(1.0, left))
            with native_output_to_debug_log():
                h.run()
            info = h.getInfo()
            if h.getModelStatus() == status.kInfeasible or info.primal_solution_status != 2:
                continue
            value = float(info.objective_function_value)
            if value < z - 1e-6 * max(1.0, abs(z)):
                z, x, gained = value, np.array(h.getSolution().col_value, dtype=float), True
        if not gained:
            break
    h.changeColsBounds(len(every), every, np.zeros(len(every)), np.ones(len(every)))
    for v in prob.variables():
        v.varValue = float(x[v.index])
    log.info("weekly local search: %d passes, model objective %.0f -> %.0f", passes, z_start, z)


def _meal(problem: MenuProblem, cell_choices: list[_Choice]) -> pt.Pattern:
    """The meal the solution picked in a cell, priced exactly."""
    dishes = problem.dishes
    ch = max(cell_choices, key=lambda c: c.on.varValue or 0.0)
    idx = tuple(sorted(i for xv, i in ch.x if (xv.varValue or 0.0) > 0.5))
    meal = ch.evaluator.evaluate(ch.structure.code, idx, [dishes[i] for i in idx])
    if meal is None:
        # a hard ratio row with no energy in the meal: keep it, its misses reported
        ev = ch.evaluator
        elastic = pt.MealEvaluator(
            ev.profile,
            ch.bounds,
            ev.budget_fen,
            ev.rating_reward_fen,
            elastic=True,
            penalty_scale=ev.scale,
            quality=ev.quality,
            month=ev.month,
            served_before=ev.served_before,
        )
        meal = elastic.evaluate(ch.structure.code, idx, [dishes[i] for i in idx])
        assert meal is not None
    return meal
