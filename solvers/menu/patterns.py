"""Meal-pattern enumeration: the columns of the menu MIP.

A pattern is one complete meal (a structure with a dish in every slot) that meets every
hard per-meal rule of a profile and service. Its objective coefficient prices cost,
soft-bound penalties and the rating reward exactly, ratios included.

Enumerating every combination is out of reach (300 dishes give ~10^8 meals per
profile), so the selection is a deterministic, bounded branch and bound:

* for every *anchor* dish (each dish of the no-repeat categories and each dish carrying
  a food group with a weekly minimum), the ``patterns_per_dish`` cheapest meals that
  contain it; plus the ``4 x patterns_per_dish`` cheapest meals overall;
* candidates are tried cheapest first; a branch is cut when its cost lower bound cannot
  beat the worst kept pattern, when a hard additive bound (nutrient, hard budget) can no
  longer be met, or when two method-checked dishes share a cooking method;
* each anchor search stops after ``node_limit`` nodes (logged; the set is then marked
  incomplete);
* identical dish sets are kept once; with no sharing reward a pattern is dropped when
  another has the same no-repeat dishes and food groups at a lower or equal coefficient
  (it can replace it in any plan).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from solvers.menu import rules
from solvers.menu.model import (
    NUTRIENT_KEYS,
    RATIO_SOURCES,
    DietProfile,
    Dish,
    MealStructure,
    NutrientBound,
    Shortfall,
)

log = logging.getLogger(__name__)

_INDEX = {k: i for i, k in enumerate(NUTRIENT_KEYS)}
HARD_VIOLATION_FEN = 1.0e5  # price of one percent of hard violation in the elastic search


@dataclass(frozen=True, slots=True)
class Pattern:
    """One enumerated meal."""

    structure: str
    dishes: tuple[int, ...]  # indices into the catalogue
    cost_fen: int
    sums: tuple[float, ...]  # per NUTRIENT_KEYS
    coef: float  # objective coefficient (cost x headcount + penalties - rating reward)
    shortfalls: tuple[Shortfall, ...]
    violations: tuple[Shortfall, ...] = ()  # hard rules missed (elastic search only)


@dataclass
class PatternSet:
    """Patterns of one profile and service, with how they were found."""

    patterns: list[Pattern] = field(default_factory=list)
    complete: bool = True
    nodes: int = 0


@dataclass(frozen=True)
class _Check:
    rule: str
    key: str
    bound: NutrientBound
    side: str  # "min" | "max"

    @property
    def limit(self) -> float:
        value = self.bound.min if self.side == "min" else self.bound.max
        assert value is not None
        return value


class MealEvaluator:
    """Exact per-meal rules of one profile, service and structure."""

    def __init__(
        self,
        profile: DietProfile,
        bounds: Sequence[NutrientBound],
        budget_fen: int | None,
        rating_reward_fen: float,
        elastic: bool = False,
    ) -> None:
        self.profile = profile
        self.budget_fen = budget_fen
        self.rating_reward_fen = rating_reward_fen
        self.elastic = elastic
        self.checks: list[_Check] = []
        for b in bounds:
            for side in ("min", "max"):
                if getattr(b, side) is not None:
                    self.checks.append(_Check(rules.bound_rule_id(b, side), b.key, b, side))
        # additive bounds usable for pruning inside the search: (index, lo, hi, weight)
        # with weight None for a hard bound (cut) and the soft weight otherwise (priced)
        self.additive: list[tuple[int, float, float, float | None]] = []
        for b in bounds:
            if b.key in _INDEX:
                lo = b.min if b.min is not None else float("-inf")
                hi = b.max if b.max is not None else float("inf")
                hard = b.hard and not elastic
                weight = None if hard else (HARD_VIOLATION_FEN if b.hard else b.weight)
                self.additive.append((_INDEX[b.key], lo, hi, weight))

    def dish_score(self, dish: Dish) -> float:
        """Additive part of the coefficient: weighted cost minus the rating reward."""
        score = self.profile.cost_weight * dish.cost_fen
        if dish.rating is not None:
            score -= self.rating_reward_fen * (dish.rating - 3.0)
        return score

    def evaluate(
        self, structure: str, idx: tuple[int, ...], dishes: Sequence[Dish]
    ) -> Pattern | None:
        """Price a complete meal; None when a hard rule fails (never in elastic mode)."""
        sums_list = [0.0] * len(NUTRIENT_KEYS)
        cost = 0
        score = 0.0
        for d in dishes:
            cost += d.cost_fen
            score += self.dish_score(d)
            for k, v in d.nutrients.items():
                sums_list[_INDEX[k]] += v
        sums = dict(zip(NUTRIENT_KEYS, sums_list, strict=True))
        penalty = 0.0
        shortfalls: list[Shortfall] = []
        violations: list[Shortfall] = []
        for c in self.checks:
            value = rules.bound_value(c.key, sums)
            if c.side == "min":
                amount = rules.nutrient_min(c.bound, value)
            else:
                amount = rules.nutrient_max(c.bound, value)
            if amount <= 1e-9:
                continue
            miss = Shortfall(c.rule, amount, value, c.limit)
            if c.bound.hard:
                if not self.elastic:
                    return None
                violations.append(miss)
                penalty += rules.soft_penalty(amount, c.limit, HARD_VIOLATION_FEN)
            else:
                shortfalls.append(miss)
                penalty += rules.soft_penalty(amount, c.limit, c.bound.weight)
        over = rules.budget(cost, self.budget_fen)
        if over > 0 and self.budget_fen is not None:
            miss = Shortfall("budget", float(over), float(cost), float(self.budget_fen))
            if self.profile.budget_hard:
                if not self.elastic:
                    return None
                violations.append(miss)
                penalty += rules.soft_penalty(over, self.budget_fen, HARD_VIOLATION_FEN)
            else:
                shortfalls.append(miss)
                penalty += self.profile.budget_weight * over
        return Pattern(
            structure,
            idx,
            cost,
            tuple(sums_list),
            score + penalty,
            tuple(shortfalls),
            tuple(violations),
        )


def candidates(dishes: Sequence[Dish], profile: DietProfile) -> dict[str, list[int]]:
    """Catalogue indices per category allowed by every exclusion rule."""
    out: dict[str, list[int]] = {}
    for i, d in enumerate(dishes):
        if all(rule(d, profile) for rule in rules.EXCLUSION_RULES):
            out.setdefault(d.category, []).append(i)
    return out


def _search(
    evaluator: MealEvaluator,
    structure: MealStructure,
    groups: list[tuple[list[int], int]],
    dishes: Sequence[Dish],
    keep: int,
    node_limit: int,
    heap: list[tuple[float, tuple[int, ...], Pattern]],
    seen: set[tuple[int, ...]],
    banned: frozenset[int] = frozenset(),
) -> tuple[int, bool]:
    """Branch and bound for the ``keep`` best meals; fills ``heap`` (max-heap by -coef).

    ``groups``: per slot group, the candidate list (sorted by score) and how many dishes
    to pick from it (a combination, so indices increase within a group).
    Returns (nodes, finished).
    """
    positions: list[tuple[int, int]] = []  # (group, rank within group)
    for g, (_, k) in enumerate(groups):
        positions.extend((g, r) for r in range(k))
    n = len(positions)
    scores = [[evaluator.dish_score(dishes[i]) for i in lst] for lst, _ in groups]
    # lower bound on the score of positions p..n-1
    lb_rest = [0.0] * (n + 1)
    for p in range(n - 1, -1, -1):
        g, r = positions[p]
        lb_rest[p] = lb_rest[p + 1] + (scores[g][r] if r < len(scores[g]) else float("inf"))
    hard = evaluator.additive
    keys = [NUTRIENT_KEYS[ki] for ki, _, _, _ in hard]
    lo_rest = [[0.0] * len(hard) for _ in range(n + 1)]
    hi_rest = [[0.0] * len(hard) for _ in range(n + 1)]
    for p in range(n - 1, -1, -1):
        g, _ = positions[p]
        for h, key in enumerate(keys):
            vals = [dishes[i].amount(key) for i in groups[g][0]] or [0.0]
            lo_rest[p][h] = lo_rest[p + 1][h] + min(vals)
            hi_rest[p][h] = hi_rest[p + 1][h] + max(vals)
    amounts = [[[dishes[i].amount(key) for key in keys] for i in lst] for lst, _ in groups]
    checked = evaluator.profile.distinct_method_categories
    chosen: list[int] = []
    chosen_pos: list[int] = []
    sums = [0.0] * len(hard)
    nodes = 0
    stopped = False

    def worst() -> float:
        return -heap[0][0] if len(heap) >= keep else float("inf")

    def dfs(p: int, score: float, methods: frozenset[str]) -> None:
        nonlocal nodes, stopped
        if p == n:
            idx = tuple(sorted(chosen))
            if idx in seen:
                return
            meal = [dishes[i] for i in idx]
            pat = evaluator.evaluate(structure.code, idx, meal)
            if pat is None:
                return
            seen.add(idx)
            entry = (-pat.coef, tuple(-i for i in idx), pat)
            if len(heap) < keep:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)
            return
        g, r = positions[p]
        lst = groups[g][0]
        start = chosen_pos[-1] + 1 if r > 0 else 0
        for j in range(start, len(lst)):
            if stopped:
                return
            s = score + scores[g][j] + lb_rest[p + 1]
            if s >= worst():
                break  # candidates are sorted by score: the rest cannot do better
            if lst[j] in banned:
                continue
            nodes += 1
            if nodes > node_limit:
                stopped = True
                return
            dish = dishes[lst[j]]
            new_methods = methods
            if dish.category in checked and dish.cooking_method:
                if dish.cooking_method in methods:
                    continue
                new_methods = methods | {dish.cooking_method}
            amt = amounts[g][j]
            penalty_lb = 0.0
            ok = True
            for h, (_, lo, hi, weight) in enumerate(hard):
                v = sums[h] + amt[h]
                over = v + lo_rest[p + 1][h] - hi
                under = lo - v - hi_rest[p + 1][h]
                if weight is None:
                    if over > 1e-9 or under > 1e-9:
                        ok = False
                        break
                elif over > 0:
                    penalty_lb += rules.soft_penalty(over, hi, weight)
                elif under > 0:
                    penalty_lb += rules.soft_penalty(under, lo, weight)
            if not ok or s + penalty_lb >= worst():
                continue
            for h in range(len(hard)):
                sums[h] += amt[h]
            chosen.append(lst[j])
            chosen_pos.append(j)
            dfs(p + 1, score + scores[g][j], new_methods)
            chosen.pop()
            chosen_pos.pop()
            for h in range(len(hard)):
                sums[h] -= amt[h]

    dfs(0, 0.0, frozenset())
    return nodes, not stopped


def _slot_groups(structure: MealStructure) -> list[tuple[str, int]]:
    order: list[str] = []
    for c in structure.slots:
        if c not in order:
            order.append(c)
    return [(c, structure.count(c)) for c in order]


def enumerate_patterns(
    dishes: Sequence[Dish],
    profile: DietProfile,
    service: str,
    cands: dict[str, list[int]],
    rating_reward_fen: float,
    patterns_per_dish: int,
    node_limit: int,
    anchor_groups: frozenset[str],
    dominance: bool,
) -> PatternSet:
    """Patterns of a profile and service (deterministic; see the module docstring)."""
    out = PatternSet()
    found: dict[tuple[int, ...], Pattern] = {}
    for st in profile.structures_for(service):
        budget_fen = st.budget_fen if st.budget_fen is not None else profile.budget_fen
        ev = MealEvaluator(profile, profile.bounds_for(service), budget_fen, rating_reward_fen)
        if profile.budget_hard and budget_fen is not None:
            pass  # checked at the leaves; cost is also the search order
        slot_groups = _slot_groups(st)
        if any(len(cands.get(c, [])) < k for c, k in slot_groups):
            continue
        sorted_c = {
            c: sorted(cands[c], key=lambda i: (ev.dish_score(dishes[i]), dishes[i].code))
            for c, _ in slot_groups
        }
        nr = profile.no_repeat_categories

        def keep_found(pat: Pattern) -> None:
            old = found.get(pat.dishes)
            if old is None or pat.coef < old.coef:
                found[pat.dishes] = pat

        # the cheapest meals overall
        heap: list[tuple[float, tuple[int, ...], Pattern]] = []
        nodes, finished = _search(
            ev,
            st,
            [(sorted_c[c], k) for c, k in slot_groups],
            dishes,
            4 * patterns_per_dish,
            node_limit,
            heap,
            set(),
        )
        out.nodes += nodes
        out.complete = out.complete and finished and len(heap) < 4 * patterns_per_dish
        for _, _, pat in heap:
            keep_found(pat)
        # per anchor dish: completions whose other no-repeat dishes are all different, and
        # no dish is used as a partner more than 2 x patterns_per_dish times (spreads the
        # columns over the catalogue, as no-repeat needs)
        partner_uses: dict[int, int] = {}
        cap = 2 * patterns_per_dish
        for c, _ in slot_groups:
            for a in sorted_c[c]:
                d = dishes[a]
                if not (c in anchor_groups or d.food_groups & anchor_groups):
                    continue
                groups: list[tuple[list[int], int]] = []
                for c2, k2 in slot_groups:
                    if c2 != c:
                        groups.append((sorted_c[c2], k2))
                    else:
                        groups.append(([a], 1))
                        if k2 > 1:
                            groups.append(([i for i in sorted_c[c2] if i != a], k2 - 1))
                banned = {i for i, n in partner_uses.items() if n >= cap and i != a}
                for _ in range(patterns_per_dish):
                    heap = []
                    nodes, finished = _search(
                        ev, st, groups, dishes, 1, node_limit, heap, set(), frozenset(banned)
                    )
                    out.nodes += nodes
                    out.complete = False  # partners were banned: not every meal was seen
                    if not heap:
                        break
                    pat = heap[0][2]
                    keep_found(pat)
                    partners = {i for i in pat.dishes if i != a and dishes[i].category in nr}
                    if not partners:
                        break
                    banned |= partners
                    for i in partners:
                        partner_uses[i] = partner_uses.get(i, 0) + 1
    pats = sorted(found.values(), key=lambda p: (p.coef, p.dishes))
    if dominance:
        best: dict[tuple[object, ...], Pattern] = {}
        for p in pats:
            key = (
                tuple(i for i in p.dishes if dishes[i].category in profile.no_repeat_categories),
                frozenset(g for i in p.dishes for g in dishes[i].food_groups),
            )
            if key not in best:
                best[key] = p
        pats = sorted(best.values(), key=lambda p: (p.coef, p.dishes))
    out.patterns = pats
    return out


def closest_meal(
    dishes: Sequence[Dish],
    profile: DietProfile,
    service: str,
    cands: dict[str, list[int]],
    rating_reward_fen: float,
    node_limit: int,
) -> Pattern | None:
    """Elastic search: the meal with the least hard-rule violation (then cheapest).

    Used only to explain why no meal exists; hard bounds become heavy penalties."""
    best: Pattern | None = None
    for st in profile.structures_for(service):
        budget_fen = st.budget_fen if st.budget_fen is not None else profile.budget_fen
        ev = MealEvaluator(
            profile, profile.bounds_for(service), budget_fen, rating_reward_fen, elastic=True
        )
        slot_groups = _slot_groups(st)
        if any(len(cands.get(c, [])) < k for c, k in slot_groups):
            continue
        # order by the violation-prone keys is unknown: plain score order, wide search
        groups = [
            (sorted(cands[c], key=lambda i: (ev.dish_score(dishes[i]), dishes[i].code)), k)
            for c, k in slot_groups
        ]
        heap: list[tuple[float, tuple[int, ...], Pattern]] = []
        _search(ev, st, groups, dishes, 1, node_limit, heap, set())
        if heap and (best is None or heap[0][2].coef < best.coef):
            best = heap[0][2]
    return best


def additive_extreme(
    dishes: Sequence[Dish],
    structure: MealStructure,
    cands: dict[str, list[int]],
    key: str,
    lowest: bool,
) -> float:
    """Smallest (or largest) sum of a nutrient any meal of the structure can reach."""
    total = 0.0
    for c, k in _slot_groups(structure):
        vals = sorted((dishes[i].amount(key) for i in cands.get(c, [])), reverse=not lowest)
        total += sum(vals[:k])
    return total


def ratio_key_source(key: str) -> tuple[str, float] | None:
    """(nutrient, kcal per g) behind a ratio key, None for a nutrient key."""
    return RATIO_SOURCES.get(key)
