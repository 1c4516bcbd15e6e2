"""``solve_menu``: pre-checks, pattern enumeration, the set-partitioning MIP, extraction.

Formulation (see docs/menu-model.md): one binary per (date, service, profile, pattern);
``structure`` rows pick one pattern per meal; ``no_repeat`` and ``food_group_min/max``
rows link a profile's meals over the horizon; with a sharing reward, continuous
``cook`` variables and ``share`` rows link profiles on the same date and service.
Without a sharing reward the profiles are independent and solved one by one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pulp

from solvers.menu import patterns as pt
from solvers.menu import rules
from solvers.menu.model import (
    CATEGORIES,
    NUTRIENT_KEYS,
    DietProfile,
    Dish,
    Explanation,
    MenuParams,
    MenuProblem,
    MenuResult,
    PlannedMeal,
)
from solvers.status import SolveStatus

__all__ = ["solve_menu"]

log = logging.getLogger(__name__)

ELASTIC_FEN = 1.0e6  # price of one unit of hard linking-row violation in the elastic MIP
MIN_SLICE_S = 3.0  # smallest MIP time limit a profile gets, even past the deadline


def solve_menu(problem: MenuProblem, params: MenuParams | None = None) -> MenuResult:
    """Plan one menu variant per diet profile over the horizon.

    Arguments:
        problem: catalogue, diet profiles, dates and services, objective weights.
        params: solver control (backend, time limit, gap, threads, seed, log, LP dump,
            enumeration caps); ``MenuParams()`` when None.

    Returns a :class:`MenuResult`. An infeasible problem is a result with status
    ``INFEASIBLE`` and explanations naming the blocking rule, profile, date/service and the
    smallest relaxation found; the function raises only on programming errors.
    """
    params = params or MenuParams()
    t0 = time.perf_counter()
    backend = _pick_backend(params.backend)
    dishes = problem.dishes

    explanations: list[Explanation] = []
    cands: dict[str, dict[str, list[int]]] = {}
    for profile in problem.profiles:
        cands[profile.code] = pt.candidates(dishes, profile)
        explanations.extend(_precheck(problem, profile, cands[profile.code]))
    if explanations:
        return _infeasible(explanations, t0, backend)

    # ---- pattern enumeration, shared by every (profile, service) with the same signature
    anchor = _anchor_groups(problem)
    pats: dict[tuple[str, str], pt.PatternSet] = {}
    cache: dict[tuple[object, ...], pt.PatternSet] = {}
    for profile in problem.profiles:
        for service in served(problem, profile):
            key = (
                _signature(profile, service, cands[profile.code], anchor[profile.code]),
                _penalty_scale(problem, profile),
            )
            if key not in cache:
                cache[key] = pt.enumerate_patterns(
                    dishes,
                    profile,
                    service,
                    cands[profile.code],
                    problem.rating_reward_fen,
                    params.patterns_per_dish,
                    params.node_limit,
                    anchor[profile.code],
                    dominance=problem.share_reward_fen == 0,
                    penalty_scale=_penalty_scale(problem, profile),
                )
            pats[profile.code, service] = cache[key]
            if not cache[key].patterns:
                explanations.append(_explain_no_meal(problem, profile, service, cands, params))
    if explanations:
        return _infeasible(explanations, t0, backend)
    complete = all(p.complete for p in pats.values())
    n_patterns = sum(len(p.patterns) for p in pats.values())
    log.info(
        "enumerated %d patterns (%s, %d distinct sets) in %.1f s",
        n_patterns,
        "complete" if complete else "capped",
        len(cache),
        time.perf_counter() - t0,
    )
    ctx = _Ctx(problem, params, backend, pats, t0, time.perf_counter() - t0, complete, n_patterns)
    ctx.deadline = time.perf_counter() + params.time_limit_s
    if params.total_time_s is not None:
        ctx.deadline = min(ctx.deadline, t0 + params.total_time_s)
    if problem.share_reward_fen > 0 and len(problem.profiles) > 1:
        return _solve_shared(ctx)
    return _solve_separately(ctx)


def served(problem: MenuProblem, profile: DietProfile) -> tuple[str, ...]:
    """Services of the problem the profile is served, in the problem's order."""
    return tuple(s for s in problem.services if s in profile.services)


def _penalty_scale(problem: MenuProblem, profile: DietProfile) -> float:
    """Multiplier of a profile's soft penalties: its headcount when counted per diner."""
    return profile.cost_weight if problem.penalty_per_diner else 1.0


def _signature(
    profile: DietProfile, service: str, cands: dict[str, list[int]], anchor: frozenset[str]
) -> tuple[object, ...]:
    """Everything the pattern enumeration of a (profile, service) depends on."""
    return (
        tuple(sorted((c, tuple(lst)) for c, lst in cands.items())),
        profile.bounds_for(service),
        profile.structures_for(service),
        profile.cost_weight,
        profile.budget_fen,
        profile.budget_hard,
        profile.budget_weight,
        profile.distinct_method_categories,
        profile.no_repeat_categories,
        anchor,
    )


# ======================================================================================
# Solving: by profile (no sharing reward) or Lagrangian split + sequential (sharing)

#: Per-dish objective discount (fen) for a meal cell (date, service): dish index -> fen.
Discount = dict[tuple[date, str], dict[int, float]]


@dataclass
class _Ctx:
    problem: MenuProblem
    params: MenuParams
    backend: str
    pats: dict[tuple[str, str], pt.PatternSet]
    t0: float
    build_s: float
    complete: bool
    n_patterns: int
    deadline: float = 0.0


@dataclass
class _Block:
    """Solution of one profile's MIP: chosen pattern per meal, exact figures."""

    outcome: _Outcome
    chosen: dict[tuple[date, str, str], pt.Pattern]
    linking_fen: float  # soft food-group penalties in the objective
    notes: list[Explanation]


def _solve_block(
    ctx: _Ctx,
    profile: DietProfile,
    left_blocks: int,
    discount: Discount | None = None,
    gap: float | None = None,
    share: float = 1.0,
) -> _Block | MenuResult:
    """Build and solve one profile's MIP; a MenuResult when it has no plan."""
    b0 = time.perf_counter()
    mip = _build(ctx.problem, (profile,), ctx.pats, elastic=False, discount=discount)
    ctx.build_s += time.perf_counter() - b0
    if ctx.params.dump_lp_path:
        stem, ext = os.path.splitext(ctx.params.dump_lp_path)
        path = ctx.params.dump_lp_path
        if len(ctx.problem.profiles) > 1:
            path = f"{stem}.{profile.code}{ext or '.lp'}"
        mip.prob.writeLP(path)
    # at least MIN_SLICE_S per profile (a plan beats a kept deadline)
    left = max(MIN_SLICE_S, share * (ctx.deadline - time.perf_counter()) / max(1, left_blocks))
    s0 = time.perf_counter()
    out = _run(mip.prob, ctx.params, ctx.backend, left, gap)
    log.info(
        "profile %s: %s, objective %s, bound %s, build %.1f s, solve %.1f s (limit %.1f s)",
        profile.code,
        out.status.value,
        out.objective,
        out.bound,
        s0 - b0,
        time.perf_counter() - s0,
        left,
    )
    if out.status == SolveStatus.NO_SOLUTION:
        # the slice was too short to find any plan: one retry with three times the time
        log.warning(
            "profile %s: no plan in %.1f s, retrying with %.1f s", profile.code, left, 3 * left
        )
        out = _run(mip.prob, ctx.params, ctx.backend, 3 * left, gap)
    if out.status == SolveStatus.INFEASIBLE:
        return _explain_infeasible_mip(ctx, profile, left)
    if not out.status.has_solution:
        return MenuResult(
            status=out.status,
            wall_s=time.perf_counter() - ctx.t0,
            build_s=ctx.build_s,
            backend=ctx.backend,
            n_patterns=ctx.n_patterns,
            complete=ctx.complete,
            explanations=tuple(out.notes),
        )
    chosen = {m: _chosen(col) for m, col in mip.columns.items()}
    pattern_fen = sum(
        q.coef - sum((discount or {}).get((m[0], m[1]), {}).get(i, 0.0) for i in q.dishes)
        for m, q in chosen.items()
    )
    assert out.objective is not None
    linking = max(0.0, out.objective - pattern_fen)
    return _Block(out, chosen, linking, _soft_linking_notes(mip) + out.notes)


def _explain_infeasible_mip(ctx: _Ctx, profile: DietProfile, left: float) -> MenuResult:
    emip = _build(ctx.problem, (profile,), ctx.pats, elastic=True)
    eout = _run(emip.prob, ctx.params, ctx.backend, left)
    found = _elastic_explanations(emip) if eout.status.has_solution else []
    if not found:
        found = [
            Explanation(
                "structure",
                f"the linking rules (no_repeat, food_group) admit no menu for {profile.code}",
                profile.code,
            )
        ]
    if not ctx.complete:
        found = [
            Explanation(
                e.rule,
                e.message + " (among the enumerated meal patterns)",
                e.profile,
                e.date,
                e.service,
                e.needed,
                e.bound,
            )
            for e in found
        ]
    return _infeasible(found, ctx.t0, ctx.backend, ctx.n_patterns, ctx.complete)


def _solve_separately(ctx: _Ctx) -> MenuResult:
    """No sharing reward: one independent MIP per profile; figures are sums."""
    blocks: list[_Block] = []
    profiles = ctx.problem.profiles
    for k, profile in enumerate(profiles):
        out = _solve_block(ctx, profile, len(profiles) - k)
        if isinstance(out, MenuResult):
            return out
        blocks.append(out)
    objective = sum(b.outcome.objective or 0.0 for b in blocks)
    bounds = [b.outcome.bound for b in blocks]
    bound = None if any(b is None for b in bounds) else sum(b for b in bounds if b is not None)
    optimal = all(b.outcome.status == SolveStatus.OPTIMAL for b in blocks)
    return _result(ctx, blocks, objective, bound, optimal)


def _result(
    ctx: _Ctx,
    blocks: Sequence[_Block],
    objective: float,
    bound: float | None,
    optimal: bool,
    notes: Sequence[Explanation] = (),
) -> MenuResult:
    chosen: dict[tuple[date, str, str], pt.Pattern] = {}
    all_notes: list[Explanation] = []
    for b in blocks:
        chosen.update(b.chosen)
        all_notes.extend(b.notes)
    all_notes.extend(notes)
    gap = None
    if bound is not None:
        gap = max(0.0, objective - bound) / max(abs(objective), 1e-9)
    meals = sorted(_extract(ctx.problem, chosen), key=lambda m: (m.date, m.service, m.profile))
    return MenuResult(
        status=SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        objective=objective,
        bound=bound,
        gap=gap,
        meals=tuple(meals),
        explanations=tuple(all_notes),
        wall_s=time.perf_counter() - ctx.t0,
        build_s=ctx.build_s,
        backend=ctx.backend,
        n_patterns=ctx.n_patterns,
        complete=ctx.complete,
    )


def shared_objective(
    chosen: dict[tuple[date, str, str], pt.Pattern], reward: float
) -> tuple[float, int]:
    """(sum of pattern coefficients - reward x extra servings, extra servings).

    An extra serving is one more profile served a dish another profile already gets on
    the same date and service."""
    users: dict[tuple[date, str, int], int] = {}
    total = 0.0
    for (d, s, _), q in chosen.items():
        total += q.coef
        for i in q.dishes:
            users[d, s, i] = users.get((d, s, i), 0) + 1
    extra = sum(n - 1 for n in users.values())
    return total - reward * extra, extra


def _solve_shared(ctx: _Ctx) -> MenuResult:
    """Sharing reward: Lagrangian split by profile for the bound, sequential pass for plans.

    1. Relax ``share(d,s,dish,p)`` (uses <= cook) with multipliers reward / k(dish), k the
       number of profiles whose patterns contain the dish in that service: the cook terms
       cancel and each profile's MIP sees every shareable dish cheaper by
       reward x (1 - 1/k). The sum of those MIPs' dual bounds is a valid lower bound of the
       joint model; their plans are joint plans (evaluated exactly).
    2. Best response (heaviest profile first, ``params.share_rounds`` rounds): a profile is
       re-planned with the full reward for every dish another profile gets in the same
       cell, which is the joint objective with the other plans fixed; kept when better.
    """
    problem, params = ctx.problem, ctx.params
    reward = problem.share_reward_fen
    profiles = problem.profiles
    k_dish: dict[tuple[str, int], int] = {}
    for s in problem.services:
        for p in profiles:
            if s not in p.services:
                continue
            for i in {i for q in ctx.pats[p.code, s].patterns for i in q.dishes}:
                k_dish[s, i] = k_dish.get((s, i), 0) + 1
    lagr: Discount = {}
    for d in problem.dates:
        for s in problem.services:
            lagr[d, s] = {
                i: reward * (1.0 - 1.0 / k) for (s2, i), k in k_dish.items() if s2 == s and k > 1
            }
    # tighter per-profile gap: the bound is the sum of the profiles' bounds
    tight = params.mip_rel_gap / 5
    blocks: list[_Block] = []
    for k, profile in enumerate(profiles):
        out = _solve_block(ctx, profile, len(profiles) - k, lagr, tight, share=0.6)
        if isinstance(out, MenuResult):
            return out
        blocks.append(out)
    bounds = [b.outcome.bound for b in blocks]
    bound = None if any(b is None for b in bounds) else sum(b for b in bounds if b is not None)
    best = blocks
    best_obj = _joint(blocks, reward)
    log.info("sharing: Lagrangian bound %s, plan %.0f", bound, best_obj)

    # best response, heaviest profile first: re-plan one profile with the full reward
    # for every dish another profile gets in the same cell (the joint objective with the
    # other plans fixed); keep the new plan when the joint objective improves
    order = sorted(range(len(profiles)), key=lambda j: (-profiles[j].cost_weight, j))
    best = list(blocks)
    gap_target = params.mip_rel_gap
    for _round in range(params.share_rounds):
        if bound is not None and best_obj - bound <= gap_target * abs(best_obj):
            break
        improved = False
        for n_left, j in enumerate(order):
            if time.perf_counter() > ctx.deadline - 0.5:
                break
            others: Discount = {(d, s): {} for d in problem.dates for s in problem.services}
            for b_other in best[:j] + best[j + 1 :]:
                for (d, s, _), q in b_other.chosen.items():
                    for i in q.dishes:
                        others[d, s][i] = reward
            out = _solve_block(ctx, profiles[j], len(order) - n_left, others)
            if isinstance(out, MenuResult):
                continue
            trial = best[:j] + [out] + best[j + 1 :]
            value = _joint(trial, reward)
            if value < best_obj - 1e-6:
                best, best_obj, improved = trial, value, True
        log.info("sharing: best-response round %d, plan %.0f", _round + 1, best_obj)
        if not improved or (bound is not None and best_obj - bound <= gap_target * abs(best_obj)):
            break
    gap_ok = bound is not None and best_obj - bound <= params.mip_rel_gap * abs(best_obj)
    extra = shared_objective(_merge(best), reward)[1]
    note = Explanation(
        "share",
        f"sharing: {extra} extra servings of a dish already cooked for another profile "
        f"(reward {reward:g} fen each); bound from the Lagrangian split by profile",
    )
    return _result(ctx, best, best_obj, bound, gap_ok, [note])


def _merge(blocks: Sequence[_Block]) -> dict[tuple[date, str, str], pt.Pattern]:
    chosen: dict[tuple[date, str, str], pt.Pattern] = {}
    for b in blocks:
        chosen.update(b.chosen)
    return chosen


def _joint(blocks: Sequence[_Block], reward: float) -> float:
    """Exact joint objective of per-profile plans: patterns, food-group slacks, sharing."""
    value, _ = shared_objective(_merge(blocks), reward)
    return value + sum(b.linking_fen for b in blocks)


# ======================================================================================
# Pre-checks


def _precheck(
    problem: MenuProblem, profile: DietProfile, cands: dict[str, list[int]]
) -> list[Explanation]:
    """Cheap proofs of infeasibility, each with the smallest relaxation that would help."""
    dishes = problem.dishes
    out: list[Explanation] = []
    for service in served(problem, profile):
        structures = profile.structures_for(service)
        if not structures:
            out.append(
                Explanation(
                    "structure",
                    f"profile {profile.code} has no meal structure for {service}",
                    profile.code,
                    service=service,
                )
            )
            continue
        usable = []
        blocked: list[Explanation] = []
        for st in structures:
            short = [c for c in dict.fromkeys(st.slots) if len(cands.get(c, [])) < st.count(c)]
            if not short:
                usable.append(st)
                continue
            blocked.append(_explain_empty_slot(dishes, profile, service, st, short[0]))
        if not usable:
            out.extend(blocked)
            continue
        # per-meal additive hard bounds against the best candidate meal of any structure
        hard = [b for b in profile.bounds_for(service) if b.hard and b.key in NUTRIENT_KEYS]
        for b in hard:
            if b.max is not None:
                need = min(pt.additive_extreme(dishes, st, cands, b.key, True) for st in usable)
                if need > b.max + 1e-9:
                    rid = rules.bound_rule_id(b, "max")
                    out.append(
                        Explanation(
                            rid,
                            f"{rid} for {profile.code} {service} needs >= {need:g} "
                            f"(the lowest any allowed meal reaches); the bound is {b.max:g}",
                            profile.code,
                            service=service,
                            needed=need,
                            bound=b.max,
                        )
                    )
            if b.min is not None:
                top = max(pt.additive_extreme(dishes, st, cands, b.key, False) for st in usable)
                if top < b.min - 1e-9:
                    rid = rules.bound_rule_id(b, "min")
                    out.append(
                        Explanation(
                            rid,
                            f"{rid} for {profile.code} {service} needs <= {top:g} "
                            f"(the highest any allowed meal reaches); the bound is {b.min:g}",
                            profile.code,
                            service=service,
                            needed=top,
                            bound=b.min,
                        )
                    )
        if profile.budget_hard:
            for st in usable:
                budget_fen = st.budget_fen if st.budget_fen is not None else profile.budget_fen
                if budget_fen is None:
                    continue
                cheapest = sum(
                    sum(sorted(dishes[i].cost_fen for i in cands[c])[: st.count(c)])
                    for c in dict.fromkeys(st.slots)
                )
                if cheapest > budget_fen and len(usable) == 1:
                    out.append(
                        Explanation(
                            "budget",
                            f"budget for {profile.code} {service} needs >= {cheapest} fen "
                            f"(the cheapest allowed meal); the budget is {budget_fen} fen",
                            profile.code,
                            service=service,
                            needed=float(cheapest),
                            bound=float(budget_fen),
                        )
                    )
    out.extend(_precheck_no_repeat(problem, profile, cands))
    out.extend(_precheck_food_groups(problem, profile, cands))
    return out


def _explain_empty_slot(
    dishes: Sequence[Dish], profile: DietProfile, service: str, st: Any, category: str
) -> Explanation:
    steps: list[str] = []
    pool = [d for d in dishes if d.category == category]
    blocking = "structure"
    need = st.count(category)
    for rule in rules.EXCLUSION_RULES:
        if not rules.rule_is_active(rule, profile):
            continue
        pool = [d for d in pool if rule(d, profile)]
        steps.append(f"{rules.exclusion_label(rule, profile)} leaves {len(pool)}")
        if len(pool) < need and blocking == "structure":
            blocking = rule.__name__
    total = sum(1 for d in dishes if d.category == category)
    chain = "; ".join(steps) if steps else "no filters"
    return Explanation(
        blocking,
        f"structure {st.code} needs {need} {category} dish(es) but none is allowed "
        f"enough for profile {profile.code} {service} ({total} {category} dishes; {chain})",
        profile.code,
        service=service,
        needed=float(need),
        bound=float(len(pool)),
    )


def _precheck_no_repeat(
    problem: MenuProblem, profile: DietProfile, cands: dict[str, list[int]]
) -> list[Explanation]:
    out: list[Explanation] = []
    days = profile.no_repeat_days
    if days <= 0:
        return out
    for category in sorted(profile.no_repeat_categories):
        per_service = {
            s: min((st.count(category) for st in profile.structures_for(s)), default=0)
            for s in served(problem, profile)
        }
        per_day = sum(per_service.values())
        if per_day == 0:
            continue
        have = len(cands.get(category, []))
        for w in rules.no_repeat_windows(problem.dates, days):
            need = per_day * len(w.dates)
            if need > have:
                fit = max(0, have // per_day)
                out.append(
                    Explanation(
                        "no_repeat",
                        f"no_repeat for {profile.code} needs {need} different {category} "
                        f"dishes in the {days}-day window from {w.start}; only {have} are "
                        f"allowed: shorten the window to {fit} day(s) or add dishes",
                        profile.code,
                        date=w.start,
                        needed=float(fit),
                        bound=float(days),
                    )
                )
                break
    return out


def _precheck_food_groups(
    problem: MenuProblem, profile: DietProfile, cands: dict[str, list[int]]
) -> list[Explanation]:
    out: list[Explanation] = []
    allowed = [problem.dishes[i] for lst in cands.values() for i in lst]
    for rule in profile.food_group_rules:
        if not rule.hard or not rule.min:
            continue
        if not any(rule.group in d.food_groups for d in allowed):
            out.append(
                Explanation(
                    "food_group_min",
                    f"food_group_min {rule.group} >= {rule.min} for {profile.code}: no "
                    f"allowed dish contains {rule.group}; the minimum would have to be 0",
                    profile.code,
                    date=problem.dates[0],
                    needed=0.0,
                    bound=float(rule.min),
                )
            )
    return out


def _explain_no_meal(
    problem: MenuProblem,
    profile: DietProfile,
    service: str,
    cands: dict[str, dict[str, list[int]]],
    params: MenuParams,
) -> Explanation:
    """No meal meets all per-meal hard rules at once: report the closest meal's misses."""
    near = pt.closest_meal(
        problem.dishes,
        profile,
        service,
        cands[profile.code],
        problem.rating_reward_fen,
        params.node_limit * 10,
    )
    if near is None or not near.violations:
        return Explanation(
            "structure",
            f"no meal for {profile.code} {service} meets the per-meal hard rules "
            "(cooking methods or bounds) within the search limit",
            profile.code,
            service=service,
        )
    first = near.violations[0]
    parts = []
    for v in near.violations:
        side = "<=" if v.rule.endswith("_min") else ">="
        if v.rule.endswith("_max") or v.rule == "budget":
            side = ">="
        parts.append(f"{v.rule} needs {side} {v.value:g}; the bound is {v.bound:g}")
    codes = ", ".join(problem.dishes[i].code for i in near.dishes)
    return Explanation(
        first.rule,
        f"no meal for {profile.code} {service} meets every hard rule: "
        + "; ".join(parts)
        + f" (closest meal: {codes})",
        profile.code,
        service=service,
        needed=first.value,
        bound=first.bound,
    )


def _infeasible(
    explanations: list[Explanation],
    t0: float,
    backend: str,
    n_patterns: int = 0,
    complete: bool = False,
) -> MenuResult:
    for e in explanations:
        log.info("infeasible: %s", e.message)
    return MenuResult(
        status=SolveStatus.INFEASIBLE,
        explanations=tuple(explanations),
        wall_s=time.perf_counter() - t0,
        backend=backend,
        n_patterns=n_patterns,
        complete=complete,
    )


def _anchor_groups(problem: MenuProblem) -> dict[str, frozenset[str]]:
    """Categories and food groups whose every dish anchors its own pattern search."""
    out = {}
    for p in problem.profiles:
        anchors = set(p.no_repeat_categories) | {"main", "side", "vegetable"}
        anchors |= {r.group for r in p.food_group_rules if r.min}
        out[p.code] = frozenset(anchors)
    return out


# ======================================================================================
# The MIP


@dataclass
class _Mip:
    prob: pulp.LpProblem
    columns: dict[tuple[date, str, str], list[tuple[Any, pt.Pattern]]]
    slacks: list[tuple[Any, Explanation, bool]] = field(default_factory=list)


@dataclass
class _Outcome:
    status: SolveStatus
    objective: float | None = None
    bound: float | None = None
    notes: list[Explanation] = field(default_factory=list)
    mip: _Mip | None = None


def _build(
    problem: MenuProblem,
    profiles: Sequence[DietProfile],
    pats: dict[tuple[str, str], pt.PatternSet],
    elastic: bool,
    discount: Discount | None = None,
) -> _Mip:
    """The set-partitioning MIP over enumerated patterns for some profiles.

    ``discount`` lowers a pattern's coefficient by the given fen per dish and meal cell
    (the sharing reward, see ``_solve_shared``)."""
    dishes = problem.dishes
    prob = pulp.LpProblem("menu", pulp.LpMinimize)
    meals = [(d, s, p.code) for d in problem.dates for p in profiles for s in served(problem, p)]
    index: list[tuple[tuple[date, str, str], pt.Pattern]] = [
        (m, q) for m in meals for q in pats[m[2], m[1]].patterns
    ]
    x = prob.add_variable_dict("x", range(len(index)), 0, 1, pulp.LpBinary)
    columns: dict[tuple[date, str, str], list[tuple[Any, pt.Pattern]]] = {m: [] for m in meals}
    for j, (m, q) in enumerate(index):
        columns[m].append((x[j], q))
    mip = _Mip(prob, columns)
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
                for s in served(problem, p)
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
                        weight = fg.weight * _penalty_scale(problem, p)
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


# ======================================================================================
# Backends


def _pick_backend(wanted: str) -> str:
    if wanted == "highs" and not pulp.HiGHS(msg=False).available():
        log.warning("highspy is not installed: falling back to CBC")
        return "cbc"
    return wanted


def _cbc_path() -> str:
    found = shutil.which("cbc")
    return found if found else str(pulp.PULP_CBC_CMD.pulp_cbc_path)


def _run(
    prob: pulp.LpProblem,
    params: MenuParams,
    backend: str,
    time_limit: float,
    gap: float | None = None,
) -> _Outcome:
    if gap is not None:
        params = dataclasses.replace(params, mip_rel_gap=gap)
    try:
        if backend == "highs":
            return _run_highs(prob, params, time_limit)
        return _run_cbc(prob, params, time_limit)
    except pulp.PulpSolverError as exc:
        log.error("solver failed: %s", exc)
        return _Outcome(SolveStatus.ERROR, notes=[Explanation("solver", str(exc))])


@contextlib.contextmanager
def _native_stdout_to_stderr() -> Iterator[None]:
    """HiGHS prints its banner from C on standard output whatever its options say; send
    native standard output to standard error meanwhile, so that a command's output
    (JSON, tables) stays clean."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real file descriptor (embedded, some test runners)
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _run_highs(prob: pulp.LpProblem, params: MenuParams, time_limit: float) -> _Outcome:
    import highspy

    solver = pulp.HiGHS(
        msg=params.msg,
        timeLimit=time_limit,
        gapRel=params.mip_rel_gap,
        threads=params.threads,
        random_seed=params.seed,
    )
    with _native_stdout_to_stderr():
        prob.solve(solver)
    h = prob.solverModel
    ms = h.getModelStatus()
    info = h.getInfo()
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if ms == highspy.HighsModelStatus.kOptimal:
        status = SolveStatus.OPTIMAL
    elif ms in (
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    ):
        return _Outcome(SolveStatus.INFEASIBLE)
    elif has_primal:
        status = SolveStatus.FEASIBLE
    elif ms in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt):
        return _Outcome(SolveStatus.NO_SOLUTION)
    else:
        msg = f"HiGHS stopped with {h.modelStatusToString(ms)}"
        return _Outcome(SolveStatus.ERROR, notes=[Explanation("solver", msg)])
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    if status == SolveStatus.OPTIMAL and not abs(bound) < 1e30:
        bound = objective
    return _Outcome(status, objective, min(bound, objective))


_CBC_FIELDS = {
    "objective": re.compile(r"^Objective value:\s+(\S+)", re.M),
    "bound": re.compile(r"^Lower bound:\s+(\S+)", re.M),
}


def _run_cbc(prob: pulp.LpProblem, params: MenuParams, time_limit: float) -> _Outcome:
    fd, log_path = tempfile.mkstemp(prefix="menu_cbc_", suffix=".log")
    os.close(fd)
    try:
        solver = pulp.COIN_CMD(
            path=_cbc_path(),
            msg=False,
            timeLimit=time_limit,
            gapRel=params.mip_rel_gap,
            threads=params.threads,
            options=[f"randomCbcSeed {params.seed + 1}"],
            logPath=log_path,
        )
        prob.solve(solver)
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    finally:
        os.unlink(log_path)
    if params.msg:
        log.info("CBC log:\n%s", text)
    if "Result - Problem proven infeasible" in text or prob.sol_status == -1:
        return _Outcome(SolveStatus.INFEASIBLE)
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        if "Stopped on time" in text or "Stopped on" in text:
            return _Outcome(SolveStatus.NO_SOLUTION)
        return _Outcome(SolveStatus.ERROR, notes=[Explanation("solver", "CBC failed")])
    optimal = "Result - Optimal solution found" in text
    objective = float(pulp.value(prob.objective) or 0.0)
    bound: float | None = objective if optimal else None
    found = _CBC_FIELDS["bound"].search(text)
    if found and not optimal:
        try:
            bound = min(objective, float(found.group(1)))
        except ValueError:
            bound = None
    status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
    return _Outcome(status, objective, bound)


# ======================================================================================
# Extraction


def _chosen(col: list[tuple[Any, pt.Pattern]]) -> pt.Pattern:
    best = max(col, key=lambda vq: vq[0].varValue or 0.0)
    return best[1]


def _extract(
    problem: MenuProblem, chosen: dict[tuple[date, str, str], pt.Pattern]
) -> list[PlannedMeal]:
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


def _filled(e: Explanation, amount: float) -> Explanation:
    if e.rule == "no_repeat":
        n = 1 + round(amount)
        return Explanation(
            e.rule, e.message.format(n=n), e.profile, e.date, e.service, float(n), e.bound
        )
    assert e.bound is not None
    reach = e.bound - amount if e.rule == "food_group_min" else e.bound + amount
    reach = round(reach)
    return Explanation(
        e.rule,
        e.message.format(reach=reach),
        e.profile,
        e.date,
        e.service,
        float(reach),
        e.bound,
    )


def _elastic_explanations(mip: _Mip) -> list[Explanation]:
    return [
        _filled(e, v.varValue)
        for v, e, hard in mip.slacks
        if hard and v.varValue is not None and v.varValue > 1e-6
    ]


def _soft_linking_notes(mip: _Mip) -> list[Explanation]:
    return [
        _filled(e, v.varValue)
        for v, e, hard in mip.slacks
        if not hard and v.varValue is not None and v.varValue > 1e-6
    ]
