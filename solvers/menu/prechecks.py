"""Cheap proofs that no menu exists, each with the smallest relaxation that would help.

Run before the pattern enumeration: empty slots after the exclusion rules, hard additive
bounds no allowed meal can meet, a hard budget below the cheapest meal, a no-repeat window
longer than the allowed dishes can fill, a food-group minimum no allowed dish carries.
"""

from __future__ import annotations

from solvers.menu import patterns as pt
from solvers.menu import rules
from solvers.menu.explain import explain_empty_slot
from solvers.menu.types import NUTRIENT_KEYS, DietProfile, Explanation, MenuProblem


def precheck(
    problem: MenuProblem, profile: DietProfile, cands: dict[str, list[int]]
) -> list[Explanation]:
    """Cheap proofs of infeasibility, each with the smallest relaxation that would help."""
    dishes = problem.dishes
    out: list[Explanation] = []
    for service in problem.served(profile):
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
            short = pt.short_slot(pt.slot_groups(st, dishes, cands))
            if short is None:
                usable.append(st)
                continue
            blocked.append(explain_empty_slot(dishes, profile, service, st, short))
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
                    sum(sorted(dishes[i].cost_fen for i in allowed)[:k])
                    for _, k, allowed in pt.slot_groups(st, dishes, cands)
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
            for s in problem.served(profile)
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
