"""``solve_menu``: pre-checks, pattern enumeration, the set-partitioning MIP, extraction.

Formulation (see docs/menu-model.md): one binary per (date, service, profile, pattern);
``structure`` rows pick one pattern per meal; ``no_repeat`` and ``food_group_min/max``
rows link a profile's meals over the horizon; with a sharing reward, continuous
``cook`` variables and ``share`` rows link profiles on the same date and service.
Without a sharing reward the profiles are independent and solved one by one.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
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

    # ---- pattern enumeration (lunch and dinner share it when their rules agree)
    anchor = _anchor_groups(problem)
    pats: dict[tuple[str, str], pt.PatternSet] = {}
    cache: dict[tuple[object, ...], pt.PatternSet] = {}
    for profile in problem.profiles:
        for service in problem.services:
            key = (
                profile.code,
                profile.bounds_for(service),
                profile.structures_for(service),
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
                )
            pats[profile.code, service] = cache[key]
            if not cache[key].patterns:
                explanations.append(_explain_no_meal(problem, profile, service, cands, params))
    if explanations:
        return _infeasible(explanations, t0, backend)
    complete = all(p.complete for p in pats.values())
    n_patterns = sum(len(p.patterns) for p in pats.values())
    log.info(
        "enumerated %d patterns (%s) in %.1f s",
        n_patterns,
        "complete" if complete else "capped",
        time.perf_counter() - t0,
    )

    # ---- MIP, by profile when nothing links the profiles
    if problem.share_reward_fen > 0:
        blocks = [problem.profiles]
    else:
        blocks = [(p,) for p in problem.profiles]
    deadline = time.perf_counter() + params.time_limit_s
    outcomes: list[_Outcome] = []
    build_s = time.perf_counter() - t0
    for k, block in enumerate(blocks):
        # each block gets an equal share of the time still left
        b0 = time.perf_counter()
        mip = _build(problem, block, pats, elastic=False)
        build_s += time.perf_counter() - b0
        if params.dump_lp_path:
            path = params.dump_lp_path
            if len(blocks) > 1:
                stem, ext = os.path.splitext(path)
                path = f"{stem}.{block[0].code}{ext or '.lp'}"
            mip.prob.writeLP(path)
        left = max(1.0, (deadline - time.perf_counter()) / (len(blocks) - k))
        out = _run(mip.prob, params, backend, left)
        if out.status == SolveStatus.INFEASIBLE:
            emip = _build(problem, block, pats, elastic=True)
            eout = _run(emip.prob, params, backend, left)
            found = _elastic_explanations(emip) if eout.status.has_solution else []
            if not found:
                found = [
                    Explanation(
                        "structure",
                        "the linking rules (no_repeat, food_group) admit no menu for "
                        + ", ".join(p.code for p in block),
                    )
                ]
            if not complete:
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
            return _infeasible(found, t0, backend, n_patterns, complete)
        if not out.status.has_solution:
            return MenuResult(
                status=out.status,
                wall_s=time.perf_counter() - t0,
                build_s=build_s,
                backend=backend,
                n_patterns=n_patterns,
                complete=complete,
                explanations=tuple(out.notes),
            )
        out.mip = mip
        outcomes.append(out)

    meals: list[PlannedMeal] = []
    notes: list[Explanation] = []
    for out in outcomes:
        assert out.mip is not None
        meals.extend(_extract(problem, out.mip))
        notes.extend(_soft_linking_notes(out.mip))
        notes.extend(out.notes)
    meals.sort(key=lambda m: (m.date, m.service, m.profile))
    objective = sum(o.objective for o in outcomes if o.objective is not None)
    bounds = [o.bound for o in outcomes]
    bound = None if any(b is None for b in bounds) else sum(b for b in bounds if b is not None)
    gap = None
    if bound is not None:
        gap = max(0.0, objective - bound) / max(abs(objective), 1e-9)
    optimal = all(o.status == SolveStatus.OPTIMAL for o in outcomes)
    return MenuResult(
        status=SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        objective=objective,
        bound=bound,
        gap=gap,
        meals=tuple(meals),
        explanations=tuple(notes),
        wall_s=time.perf_counter() - t0,
        build_s=build_s,
        backend=backend,
        n_patterns=n_patterns,
        complete=complete,
    )


# ======================================================================================
# Pre-checks


def _precheck(
    problem: MenuProblem, profile: DietProfile, cands: dict[str, list[int]]
) -> list[Explanation]:
    """Cheap proofs of infeasibility, each with the smallest relaxation that would help."""
    dishes = problem.dishes
    out: list[Explanation] = []
    for service in problem.services:
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
            for s in problem.services
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
) -> _Mip:
    """The set-partitioning MIP over enumerated patterns for some profiles."""
    dishes = problem.dishes
    prob = pulp.LpProblem("menu", pulp.LpMinimize)
    meals = [(d, s, p.code) for d in problem.dates for s in problem.services for p in profiles]
    index: list[tuple[tuple[date, str, str], pt.Pattern]] = [
        (m, q) for m in meals for q in pats[m[2], m[1]].patterns
    ]
    x = prob.add_variable_dict("x", range(len(index)), 0, 1, pulp.LpBinary)
    columns: dict[tuple[date, str, str], list[tuple[Any, pt.Pattern]]] = {m: [] for m in meals}
    for j, (m, q) in enumerate(index):
        columns[m].append((x[j], q))
    mip = _Mip(prob, columns)
    obj: list[tuple[Any, float]] = []

    # sharing: which dishes could be cooked for two profiles in a service
    reward = problem.share_reward_fen
    shareable: dict[str, set[int]] = {}
    if reward > 0 and len(profiles) > 1:
        for s in problem.services:
            users: dict[int, set[str]] = {}
            for p in profiles:
                for q in pats[p.code, s].patterns:
                    for i in q.dishes:
                        users.setdefault(i, set()).add(p.code)
            shareable[s] = {i for i, u in users.items() if len(u) > 1}
    for m, col in columns.items():
        rules.structure(prob, m, [v for v, _ in col])
        share_set = shareable.get(m[1], set())
        for v, q in col:
            n_shared = sum(1 for i in q.dishes if i in share_set)
            obj.append((v, q.coef - reward * n_shared))

    for p in profiles:
        nr_dishes = sorted(
            {
                i
                for s in problem.services
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
                        obj.append((slack, fg.weight if not fg.hard else ELASTIC_FEN))
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

    if shareable:
        for d in problem.dates:
            for s in problem.services:
                for i in sorted(shareable.get(s, set())):
                    cooked = prob.add_variable(rules.row_name("cook", d, s, dishes[i].code), 0, 1)
                    obj.append((cooked, reward))
                    for p in profiles:
                        uses = [v for v, q in columns[d, s, p.code] if i in q.dishes]
                        if uses:
                            rules.share(prob, d, s, dishes[i].code, p.code, uses, cooked)
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


def _run(prob: pulp.LpProblem, params: MenuParams, backend: str, time_limit: float) -> _Outcome:
    try:
        if backend == "highs":
            return _run_highs(prob, params, time_limit)
        return _run_cbc(prob, params, time_limit)
    except pulp.PulpSolverError as exc:
        log.error("solver failed: %s", exc)
        return _Outcome(SolveStatus.ERROR, notes=[Explanation("solver", str(exc))])


def _run_highs(prob: pulp.LpProblem, params: MenuParams, time_limit: float) -> _Outcome:
    import highspy

    solver = pulp.HiGHS(
        msg=params.msg,
        timeLimit=time_limit,
        gapRel=params.mip_rel_gap,
        threads=params.threads,
        random_seed=params.seed,
    )
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


def _extract(problem: MenuProblem, mip: _Mip) -> list[PlannedMeal]:
    dishes = problem.dishes
    out = []
    for (d, s, p), col in mip.columns.items():
        q = _chosen(col)
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
