"""Explanations for a kitchen manager: why no menu exists, or where a plan bends a rule."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from solvers.menu import patterns as pt
from solvers.menu import rules
from solvers.menu.mip import Mip
from solvers.menu.types import (
    DietProfile,
    Dish,
    Explanation,
    MealStructure,
    MenuParams,
    MenuProblem,
    MenuResult,
    Slot,
)
from solvers.status import SolveStatus

log = logging.getLogger(__name__)


def explain_empty_slot(
    dishes: Sequence[Dish],
    profile: DietProfile,
    service: str,
    st: MealStructure,
    slot: Slot,
) -> Explanation:
    """A structure slot no allowed dish fills: the exclusion rules one by one, and which empties it."""
    steps: list[str] = []
    category = slot.category
    pool = [d for d in dishes if slot.accepts(d)]
    blocking = "structure"
    need = st.count(category)
    if slot.food_groups is not None:
        need = st.slots.count(slot)
        steps.append(f"food groups {'/'.join(sorted(slot.food_groups))} leave {len(pool)}")
    for rule in rules.EXCLUSION_RULES:
        if not rules.rule_is_active(rule, profile):
            continue
        pool = [d for d in pool if rule(d, profile)]
        steps.append(f"{rules.exclusion_label(rule, profile)} leaves {len(pool)}")
        if len(pool) < need and blocking == "structure":
            blocking = rule.__name__
    total = sum(1 for d in dishes if d.category == category)
    what = category if slot.food_groups is None else f"{category} ({'/'.join(slot.key[1])})"
    chain = "; ".join(steps) if steps else "no filters"
    return Explanation(
        blocking,
        f"structure {st.code} needs {need} {what} dish(es) but not enough are allowed "
        f"for profile {profile.code} {service} ({total} {category} dishes; {chain})",
        profile.code,
        service=service,
        needed=float(need),
        bound=float(len(pool)),
    )


def explain_no_meal(
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


def infeasible(
    explanations: list[Explanation],
    t0: float,
    backend: str,
    n_patterns: int = 0,
    complete: bool = False,
) -> MenuResult:
    """The INFEASIBLE result carrying the explanations (each also logged)."""
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


def _filled(e: Explanation, amount: float) -> Explanation:
    if e.rule == "no_repeat":
        n = 1 + round(amount)
        return Explanation(
            e.rule, e.message.format(n=n), e.profile, e.date, e.service, float(n), e.bound
        )
    assert e.bound is not None
    reach = e.bound - amount if e.rule in ("food_group_min", "rice_min") else e.bound + amount
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


def elastic_explanations(mip: Mip) -> list[Explanation]:
    """Hard linking rules the elastic MIP had to bend, with the value each would need."""
    return [
        _filled(e, v.varValue)
        for v, e, hard in mip.slacks
        if hard and v.varValue is not None and v.varValue > 1e-6
    ]


def soft_linking_notes(mip: Mip) -> list[Explanation]:
    """Soft linking rules (food groups) the plan misses, with the value it reaches."""
    return [
        _filled(e, v.varValue)
        for v, e, hard in mip.slacks
        if not hard and v.varValue is not None and v.varValue > 1e-6
    ]
