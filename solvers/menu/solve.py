"""``solve_menu``: the orchestration of pre-checks, pattern enumeration, the MIP solves.

The parts live next door: :mod:`~solvers.menu.prechecks` (cheap infeasibility proofs),
:mod:`~solvers.menu.patterns` (the columns), :mod:`~solvers.menu.mip` (the model and its
extraction), :mod:`~solvers.menu.backends` (HiGHS, CBC), :mod:`~solvers.menu.explain`
(messages for the kitchen manager), :mod:`~solvers.menu.rules` (one function per rule).

Without a sharing reward the profiles are independent and each gets its own MIP; with
one, a Lagrangian split by profile gives the bound and best-response rounds the plan
(see :func:`_solve_shared` and docs/menu-model.md).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from solvers.menu import patterns as pt
from solvers.menu import pricing, weekly
from solvers.menu.backends import Outcome, pick_backend, run, solve_lp
from solvers.menu.explain import (
    elastic_explanations,
    explain_no_meal,
    infeasible,
    soft_linking_notes,
)
from solvers.menu.mip import Discount, build, chosen_pattern, extract
from solvers.menu.prechecks import precheck
from solvers.menu.types import DietProfile, Explanation, MenuParams, MenuProblem, MenuResult
from solvers.status import SolveStatus

__all__ = ["solve_menu"]

log = logging.getLogger(__name__)

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
    backend = pick_backend(params.backend)
    dishes = problem.dishes

    explanations: list[Explanation] = []
    cands: dict[str, dict[str, list[int]]] = {}
    for profile in problem.profiles:
        cands[profile.code] = pt.candidates(dishes, profile)
        explanations.extend(precheck(problem, profile, cands[profile.code]))
    if explanations:
        return infeasible(explanations, t0, backend)

    ctx = _Ctx(problem, params, backend, {}, t0, 0.0, True, 0)
    ctx.cands = cands
    ctx.month = horizon_month(problem)
    ctx.anchor = _anchor_groups(problem)
    if params.model == "patterns":
        # pattern enumeration, shared by every (profile, service) with the same signature
        for profile in problem.profiles:
            explanations.extend(_enumerate(ctx, profile))
        if explanations:
            return infeasible(explanations, t0, backend)
        log.info(
            "enumerated %d patterns (%s, %d distinct sets) in %.1f s",
            ctx.n_patterns,
            "complete" if ctx.complete else "capped",
            len(ctx.cache),
            time.perf_counter() - t0,
        )
    ctx.build_s = time.perf_counter() - t0
    ctx.fixed = _locked_patterns(problem, ctx.month)
    ctx.deadline = time.perf_counter() + params.time_limit_s
    if params.total_time_s is not None:
        ctx.deadline = min(ctx.deadline, t0 + params.total_time_s)
    if problem.share_reward_fen > 0 and len(problem.profiles) > 1:
        return _solve_shared(ctx)
    return _solve_separately(ctx)


def _enumerate(ctx: _Ctx, profile: DietProfile) -> list[Explanation]:
    """Enumerate the patterns of a profile's services into ``ctx.pats`` (a set shared by
    every (profile, service) with the same signature); explanations of a service with
    no meal at all."""
    problem, params = ctx.problem, ctx.params
    found: list[Explanation] = []
    before = served_before(problem, profile.code)
    for service in problem.served(profile):
        key = (
            _signature(profile, service, ctx.cands[profile.code], ctx.anchor[profile.code]),
            problem.penalty_scale(profile),
            before if problem.quality is not None else None,
        )
        if key not in ctx.cache:
            ctx.cache[key] = pt.enumerate_patterns(
                problem.dishes,
                profile,
                service,
                ctx.cands[profile.code],
                problem.rating_reward_fen,
                params.patterns_per_dish,
                params.node_limit,
                ctx.anchor[profile.code],
                dominance=problem.share_reward_fen == 0,
                penalty_scale=problem.penalty_scale(profile),
                quality=problem.quality,
                month=ctx.month,
                served_before=before,
            )
        ctx.pats[profile.code, service] = ctx.cache[key]
        if not ctx.cache[key].patterns:
            found.append(explain_no_meal(problem, profile, service, ctx.cands, params))
    ctx.complete = all(p.complete for p in ctx.pats.values())
    ctx.n_patterns = sum(len(p.patterns) for p in ctx.pats.values())
    return found


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
    fixed: dict[tuple[date, str, str], pt.Pattern] = field(default_factory=dict)
    cands: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    month: int | None = None
    extra: dict[tuple[date, str, str], list[pt.Pattern]] = field(default_factory=dict)
    anchor: dict[str, frozenset[str]] = field(default_factory=dict)
    cache: dict[tuple[object, ...], pt.PatternSet] = field(default_factory=dict)
    fallback: set[str] = field(default_factory=set)  # profiles the weekly model left


@dataclass
class _Block:
    """Solution of one profile's MIP: chosen pattern per meal, exact figures."""

    outcome: Outcome
    chosen: dict[tuple[date, str, str], pt.Pattern]
    linking_fen: float  # soft food-group penalties in the objective
    notes: list[Explanation]
    global_bound: float | None = None  # Lagrangian bound over every meal (CG), if proven


def _solve_block(
    ctx: _Ctx,
    profile: DietProfile,
    discount: Discount | None = None,
    gap: float | None = None,
) -> _Block | MenuResult:
    """Build and solve one profile's MIP; a MenuResult when it has no plan."""
    if ctx.params.model == "weekly" and profile.code not in ctx.fallback:
        block = _weekly_block(ctx, profile, discount, gap)
        if block is not None:
            return block
        # no plan: the pattern route's elastic model names the rule to relax
        log.info("profile %s: no plan from the weekly model, pattern route", profile.code)
        ctx.fallback.add(profile.code)
        found = _enumerate(ctx, profile)
        if found:
            return infeasible(found, ctx.t0, ctx.backend, ctx.n_patterns, ctx.complete)
    global_bound = None
    if discount is None and ctx.params.cg_rounds > 0:
        global_bound = _column_generation(ctx, profile)
    b0 = time.perf_counter()
    mip = build(
        ctx.problem,
        (profile,),
        ctx.pats,
        elastic=False,
        discount=discount,
        fixed=ctx.fixed,
        extra=ctx.extra,
    )
    ctx.build_s += time.perf_counter() - b0
    if ctx.params.dump_lp_path:
        stem, ext = os.path.splitext(ctx.params.dump_lp_path)
        path = ctx.params.dump_lp_path
        if len(ctx.problem.profiles) > 1:
            path = f"{stem}.{profile.code}{ext or '.lp'}"
        mip.prob.writeLP(path)
    # the work budget is params.mip_node_limit; the clock is only a safety net: the time
    # left to the call's deadline, at least MIN_SLICE_S (a plan beats a kept deadline)
    left = safety_net_s(ctx)
    s0 = time.perf_counter()
    out = run(mip.prob, ctx.params, ctx.backend, left, gap)
    log.info(
        "profile %s: %s, objective %s, bound %s over the columns, %s over every menu, "
        "build %.1f s, solve %.1f s (limit %.1f s)",
        profile.code,
        out.status.value,
        out.objective,
        out.bound,
        "n/a" if global_bound is None else f"{global_bound:.0f}",
        s0 - b0,
        time.perf_counter() - s0,
        left,
    )
    if out.status == SolveStatus.NO_SOLUTION:
        # the node budget found no plan: one retry of the elastic model with three times it
        retry = replace(ctx.params, mip_node_limit=3 * ctx.params.mip_node_limit)
        log.warning(
            "profile %s: no plan in %d nodes, retrying the elastic model with %d",
            profile.code,
            ctx.params.mip_node_limit,
            retry.mip_node_limit,
        )
        # the elastic model (hard linking rows with heavily priced slacks) always has a
        # plan, found fast; with no slack used it is a plan of the model itself
        emip = build(
            ctx.problem,
            (profile,),
            ctx.pats,
            elastic=True,
            discount=discount,
            fixed=ctx.fixed,
            extra=ctx.extra,
        )
        eout = run(emip.prob, retry, ctx.backend, safety_net_s(ctx), gap)
        if eout.status.has_solution:
            if elastic_explanations(emip):
                return _explain_infeasible_mip(ctx, profile, left)
            # the elastic model relaxes this one: its dual bound holds here too
            mip, out = emip, Outcome(SolveStatus.FEASIBLE, eout.objective, eout.bound, eout.notes)
            global_bound = None
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
    chosen = {m: chosen_pattern(col) for m, col in mip.columns.items()}
    pattern_fen = sum(
        q.coef - sum((discount or {}).get((m[0], m[1]), {}).get(i, 0.0) for i in q.dishes)
        for m, q in chosen.items()
    )
    assert out.objective is not None
    linking = max(0.0, out.objective - pattern_fen)
    if global_bound is not None:
        global_bound = min(global_bound, out.objective)
    return _Block(out, chosen, linking, soft_linking_notes(mip) + out.notes, global_bound)


def _weekly_block(
    ctx: _Ctx, profile: DietProfile, discount: Discount | None, gap: float | None
) -> _Block | None:
    """One profile's plan from the weekly model (:mod:`~solvers.menu.weekly`), None when
    it has none; its dual bound is valid over every menu (``global``)."""
    b0 = time.perf_counter()
    plan = weekly.solve_weekly(
        ctx.problem,
        profile,
        ctx.params,
        ctx.backend,
        ctx.cands[profile.code],
        ctx.month,
        served_before(ctx.problem, profile.code),
        ctx.fixed,
        safety_net_s(ctx),
        discount,
        gap,
    )
    log.info("profile %s: weekly model in %.1f s", profile.code, time.perf_counter() - b0)
    if plan is None:
        return None
    out = plan.outcome
    bound = out.bound if discount is None else None
    return _Block(out, plan.chosen, plan.linking_fen, plan.notes + out.notes, bound)


def _column_generation(ctx: _Ctx, profile: DietProfile) -> float | None:
    """Column generation for one profile: LP of the (elastic) master, pricing of every
    free meal cell by the exact pricing models (:mod:`~solvers.menu.pricing`), new
    columns into ``ctx.extra``; returns the best Lagrangian bound over every meal of the
    rounds where every cell got a lower bound (None when none did: safety net).

    The elastic master (hard linking rows with priced slacks) is a relaxation of the
    problem, so its Lagrangian bound is valid for the problem itself."""
    problem, params = ctx.problem, ctx.params
    cells = [
        (d, s, profile.code)
        for d in problem.dates
        for s in problem.served(profile)
        if (d, s, profile.code) not in ctx.fixed
    ]
    before = served_before(problem, profile.code)
    models = [
        pricing.PricingModel(
            problem,
            profile,
            s,
            st,
            ctx.cands[profile.code],
            ctx.month,
            before,
            params.seed,
            params.threads,
        )
        for s in problem.served(profile)
        for st in profile.structures_for(s)
    ]
    # work budget: params.cg_rounds rounds, each pricing MIP under params.pricing_node_limit;
    # the call's deadline is only a safety net (then no global bound, and a warning)
    stop = ctx.deadline
    best: float | None = None
    for rnd in range(params.cg_rounds):
        b0 = time.perf_counter()
        mip = build(problem, (profile,), ctx.pats, elastic=True, fixed=ctx.fixed, extra=ctx.extra)
        ctx.build_s += time.perf_counter() - b0
        z = solve_lp(mip.prob, max(1.0, stop - time.perf_counter()), params.threads)
        if z is None:
            log.info("profile %s: master LP not solved, no global bound", profile.code)
            return best
        last = rnd == params.cg_rounds - 1
        # the LP relaxations price every cell; the last round also solves the pricing
        # MIPs of the fractional cells, whose dual bounds are tighter
        priced = pricing.price(
            models,
            mip,
            cells,
            problem.dishes,
            params.pricing_node_limit,
            deadline=stop,
            tighten=last,
        )
        if not priced.columns and priced.exact and not last:
            # the LP and its rounding found nothing: the pricing MIPs look for a meal
            priced = pricing.price(
                models,
                mip,
                cells,
                problem.dishes,
                params.pricing_node_limit,
                deadline=stop,
                use_mip=True,
            )
        if priced.exact:
            bound = z + priced.min_rc
            best = bound if best is None else max(best, bound)
        added = 0
        for cell, cols in priced.columns.items():
            have = {q.dishes for q in ctx.extra.get(cell, [])} | {
                q.dishes for q in ctx.pats[cell[2], cell[1]].patterns
            }
            new = [q for q in cols if q.dishes not in have]
            ctx.extra.setdefault(cell, []).extend(new)
            added += len(new)
        log.info(
            "profile %s: CG round %d, LP %.0f, min rc %.1f (%s), bound %s, %d columns, "
            "%d pricing MIPs, %d nodes",
            profile.code,
            rnd + 1,
            z,
            priced.min_rc,
            "exact" if priced.exact else "stopped",
            "n/a" if best is None else f"{best:.0f}",
            added,
            priced.solves,
            priced.nodes,
        )
        if added == 0:
            break
        if best is not None and z - best <= params.cg_gap * max(abs(z), 1.0):
            break  # the LP cannot improve by more than the target: enough columns
        if time.perf_counter() > stop:
            log.warning("profile %s: column generation stopped by the safety net", profile.code)
            break
    return best


def safety_net_s(ctx: _Ctx) -> float:
    """Wall-clock limit of the next solve: the time left to the call's deadline, at least
    MIN_SLICE_S. Not a share of the time: the work budgets decide how long a solve runs."""
    return max(MIN_SLICE_S, ctx.deadline - time.perf_counter())


def _explain_infeasible_mip(ctx: _Ctx, profile: DietProfile, left: float) -> MenuResult:
    emip = build(ctx.problem, (profile,), ctx.pats, elastic=True, fixed=ctx.fixed, extra=ctx.extra)
    eout = run(emip.prob, ctx.params, ctx.backend, left)
    found = elastic_explanations(emip) if eout.status.has_solution else []
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
    return infeasible(found, ctx.t0, ctx.backend, ctx.n_patterns, ctx.complete)


def _solve_separately(ctx: _Ctx) -> MenuResult:
    """No sharing reward: one independent MIP per profile; figures are sums."""
    blocks: list[_Block] = []
    profiles = ctx.problem.profiles
    missed: list[Explanation] = []
    for profile in profiles:
        out = _solve_block(ctx, profile)
        if isinstance(out, MenuResult):
            if out.status == SolveStatus.INFEASIBLE or len(profiles) == 1:
                return out
            # no plan in its time slice: the other profiles still get theirs
            missed.append(
                Explanation(
                    "time_limit",
                    f"no menu found for {profile.code} within the time limit "
                    f"({out.status.value}); give the menu solver more time",
                    profile.code,
                )
            )
            continue
        blocks.append(out)
    if not blocks:
        return MenuResult(
            status=SolveStatus.NO_SOLUTION,
            explanations=tuple(missed),
            wall_s=time.perf_counter() - ctx.t0,
            build_s=ctx.build_s,
            backend=ctx.backend,
            n_patterns=ctx.n_patterns,
        )
    objective = sum(b.outcome.objective or 0.0 for b in blocks)
    bounds = [b.outcome.bound for b in blocks]
    bound = None if any(b is None for b in bounds) else sum(b for b in bounds if b is not None)
    optimal = all(b.outcome.status == SolveStatus.OPTIMAL for b in blocks)
    kind = "global" if ctx.complete else "patterns"
    if all(b.global_bound is not None for b in blocks):
        # every profile's bound holds over all its menus (column generation)
        bound = sum(b.global_bound or 0.0 for b in blocks)
        kind = "global"
    if missed:
        bound, optimal = None, False
    return _result(ctx, blocks, objective, bound, optimal, missed, kind=kind)


def _result(
    ctx: _Ctx,
    blocks: Sequence[_Block],
    objective: float,
    bound: float | None,
    optimal: bool,
    notes: Sequence[Explanation] = (),
    kind: str | None = None,
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
    meals = sorted(
        extract(ctx.problem, chosen, frozenset(ctx.fixed)),
        key=lambda m: (m.date, m.service, m.profile),
    )
    for (d, s, p), q in sorted(ctx.fixed.items()):
        for v in q.violations:
            all_notes.append(
                Explanation(
                    v.rule,
                    f"locked meal {p} {d} {s} breaks {v.rule} "
                    f"({v.value:g} against {v.bound:g}): kept as the dietitian locked it",
                    p,
                    d,
                    s,
                    v.value,
                    v.bound,
                )
            )
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
        bound_kind=kind or ("global" if ctx.complete else "patterns"),
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
            for i in _service_dishes(ctx, p, s):
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
    for profile in profiles:
        out = _solve_block(ctx, profile, lagr, tight)
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
        for j in order:
            if time.perf_counter() > ctx.deadline - 0.5:
                break
            others: Discount = {(d, s): {} for d in problem.dates for s in problem.services}
            for b_other in best[:j] + best[j + 1 :]:
                for (d, s, _), q in b_other.chosen.items():
                    for i in q.dishes:
                        others[d, s][i] = reward
            out = _solve_block(ctx, profiles[j], others)
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


def _service_dishes(ctx: _Ctx, profile: DietProfile, service: str) -> set[int]:
    """The dishes a profile's meals of a service can hold: those of its patterns, or with
    the weekly model every dish a slot of its structures allows."""
    got = ctx.pats.get((profile.code, service))
    if got is not None:
        return {i for q in got.patterns for i in q.dishes}
    return {
        i
        for st in profile.structures_for(service)
        for _, _, allowed in pt.slot_groups(st, ctx.problem.dishes, ctx.cands[profile.code])
        for i in allowed
    }


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
# Pattern enumeration


def horizon_month(problem: MenuProblem) -> int:
    """The month whose seasonal vegetables count (the middle date's)."""
    return problem.dates[len(problem.dates) // 2].month


def served_before(problem: MenuProblem, profile: str) -> frozenset[int]:
    """Catalogue indices of the dishes the history served the profile."""
    index = {d.code: i for i, d in enumerate(problem.dishes)}
    return frozenset(
        index[c] for h in problem.history if h.profile == profile for c in h.dishes if c in index
    )


def _locked_patterns(problem: MenuProblem, month: int) -> dict[tuple[date, str, str], pt.Pattern]:
    """The one column of every locked meal."""
    index = {d.code: i for i, d in enumerate(problem.dishes)}
    by_code = {p.code: p for p in problem.profiles}
    out: dict[tuple[date, str, str], pt.Pattern] = {}
    for lock in problem.locked:
        profile = by_code[lock.profile]
        out[lock.date, lock.service, lock.profile] = pt.locked_pattern(
            problem.dishes,
            profile,
            lock.service,
            tuple(index[c] for c in lock.dishes),
            problem.rating_reward_fen,
            problem.penalty_scale(profile),
            problem.quality,
            month,
            served_before(problem, profile.code),
        )
    return out


def _anchor_groups(problem: MenuProblem) -> dict[str, frozenset[str]]:
    """Categories and food groups whose every dish anchors its own pattern search."""
    out = {}
    for p in problem.profiles:
        anchors = set(p.no_repeat_categories) | {"main", "side", "vegetable"}
        if p.rotation is not None:
            anchors |= {"staple", "soup"}
        anchors |= {r.group for r in p.food_group_rules if r.min}
        out[p.code] = frozenset(anchors)
    return out
