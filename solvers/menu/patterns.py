"""Meal-pattern enumeration: the columns of the menu MIP.

A pattern is one complete meal (a structure with a dish in every slot) that meets every
hard per-meal rule of a profile and service. Its objective coefficient prices cost,
soft-bound penalties and the rating reward exactly, ratios included.

Enumerating every combination is out of reach (300 dishes give ~10^8 meals per
profile), so the selection is a deterministic, bounded branch and bound:

* for every *anchor* dish (each dish of the no-repeat categories and each dish carrying
  a food group with a weekly minimum), up to ``patterns_per_dish`` cheap meals that
  contain it with different no-repeat partners; plus the ``4 x patterns_per_dish``
  cheapest meals overall;
* candidates are tried cheapest first; a branch is cut when its score lower bound cannot
  beat the worst kept pattern, when a hard additive bound (nutrient, hard budget) can no
  longer be met with the per-key extremes of the remaining slots, when the score plus the
  smallest soft penalty those extremes allow cannot beat it, or when two method-checked
  dishes share a cooking method;
* each search stops after ``node_limit`` nodes; the set is *complete* (every feasible
  meal seen, so a bound over it is global) only when the cheapest-meals search finished
  with fewer meals than it may keep;
* identical dish sets are kept once; with no sharing reward a pattern is dropped when
  another has the same no-repeat dishes and food groups at a lower or equal coefficient
  (it can replace it in any plan).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from solvers.energy import RATIO_SOURCES
from solvers.menu import rules
from solvers.menu.types import (
    NUTRIENT_KEYS,
    DietProfile,
    Dish,
    MealStructure,
    NutrientBound,
    QualityWeights,
    Shortfall,
    Slot,
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


def _slope(weight: float, reference: float | int | None) -> float:
    """Penalty per unit of violation of ``rules.soft_penalty`` for a bound."""
    if reference is None or reference <= 0:
        return weight
    return weight * 100.0 / reference


class MealEvaluator:
    """Exact per-meal rules of one profile, service and structure."""

    def __init__(
        self,
        profile: DietProfile,
        bounds: Sequence[NutrientBound],
        budget_fen: int | None,
        rating_reward_fen: float,
        elastic: bool = False,
        penalty_scale: float = 1.0,
        quality: QualityWeights | None = None,
        month: int | None = None,
        served_before: frozenset[int] = frozenset(),
    ) -> None:
        self.profile = profile
        self.quality = quality
        self.month = month
        self.served_before = served_before
        self.scale = penalty_scale
        self.budget_fen = budget_fen
        self.rating_reward_fen = rating_reward_fen
        self.elastic = elastic
        self.checks: list[_Check] = []
        for b in bounds:
            for side in ("min", "max"):
                if getattr(b, side) is not None:
                    self.checks.append(_Check(rules.bound_rule_id(b, side), b.key, b, side))
        # additive bounds usable for pruning inside the search, one per pruning key:
        # (lo, hi, factor below lo, factor above hi); a factor None is a hard bound (cut),
        # else the fen of penalty per unit of violation (``rules.soft_penalty`` slope).
        # The ingredient cost is the last key when the meal has a budget.
        self.prune_keys: list[str] = []
        self.prune: list[tuple[float, float, float | None, float | None]] = []
        for b in bounds:
            if b.key in _INDEX:
                lo = b.min if b.min is not None else float("-inf")
                hi = b.max if b.max is not None else float("inf")
                if b.hard and not elastic:
                    self.prune.append((lo, hi, None, None))
                else:
                    weight = HARD_VIOLATION_FEN if b.hard else b.weight * penalty_scale
                    self.prune.append((lo, hi, _slope(weight, b.min), _slope(weight, b.max)))
                self.prune_keys.append(b.key)
        self.has_budget = budget_fen is not None
        if budget_fen is not None:
            if profile.budget_hard and not elastic:
                self.prune.append((float("-inf"), float(budget_fen), None, None))
            elif profile.budget_hard:
                self.prune.append(
                    (float("-inf"), float(budget_fen), 0.0, _slope(HARD_VIOLATION_FEN, budget_fen))
                )
            else:
                weight = profile.budget_weight * penalty_scale
                self.prune.append((float("-inf"), float(budget_fen), 0.0, weight))
        # the cost band (quality objective): free inside, priced per fen and diner outside
        self.band = profile.cost_band_fen if quality is not None else None
        if self.band is not None and quality is not None:
            w = profile.cost_weight
            self.prune.append(
                (
                    float(self.band[0]),
                    float(self.band[1]),
                    quality.cost_under_fen * w,
                    quality.cost_over_fen * w,
                )
            )
        self._vectors: dict[int, tuple[float, ...]] = {}

    def vector(self, i: int, dish: Dish) -> tuple[float, ...]:
        """Amounts of the pruning keys for one dish (cost last when budgeted), cached."""
        vec = self._vectors.get(i)
        if vec is None:
            vec = tuple(dish.amount(k) for k in self.prune_keys)
            if self.has_budget:
                vec += (float(dish.cost_fen),)
            if self.band is not None:
                vec += (float(dish.cost_fen),)
            self._vectors[i] = vec
        return vec

    def dish_score(self, dish: Dish, index: int) -> float:
        """Additive part of the coefficient: weighted cost minus the rating reward, or
        with a quality objective minus the dish's quality (per diner)."""
        if self.quality is not None:
            return -self.profile.cost_weight * dish_quality(
                dish, self.quality, self.month, index not in self.served_before
            )
        score = self.profile.cost_weight * dish.cost_fen
        if dish.rating is not None:
            score -= self.rating_reward_fen * (dish.rating - 3.0)
        return score

    def band_penalty(self, cost_fen: int) -> float:
        """Fen of the cost outside the band (0 inside or without a quality objective)."""
        if self.band is None or self.quality is None:
            return 0.0
        w = self.profile.cost_weight
        if cost_fen < self.band[0]:
            return self.quality.cost_under_fen * w * (self.band[0] - cost_fen)
        if cost_fen > self.band[1]:
            return self.quality.cost_over_fen * w * (cost_fen - self.band[1])
        return 0.0

    def evaluate(
        self, structure: str, idx: tuple[int, ...], dishes: Sequence[Dish]
    ) -> Pattern | None:
        """Price a complete meal; None when a hard rule fails (never in elastic mode)."""
        sums_list = [0.0] * len(NUTRIENT_KEYS)
        cost = 0
        score = 0.0
        for i, d in zip(idx, dishes, strict=True):
            cost += d.cost_fen
            score += self.dish_score(d, i)
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
                penalty += rules.soft_penalty(amount, c.limit, c.bound.weight * self.scale)
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
                penalty += self.profile.budget_weight * self.scale * over
        penalty += self.band_penalty(cost)
        return Pattern(
            structure,
            idx,
            cost,
            tuple(sums_list),
            score + penalty,
            tuple(shortfalls),
            tuple(violations),
        )


SEASONAL_CATEGORIES = frozenset({"vegetable", "side", "soup", "fruit"})


def acceptability(dish: Dish, quality: QualityWeights) -> float:
    """The dish's rating shrunk towards the prior: (k x prior + n x mean) / (k + n)."""
    if dish.rating is None:
        return quality.prior_rating
    n = max(dish.rating_count, 1)
    k = quality.prior_count
    return (k * quality.prior_rating + n * dish.rating) / (k + n)


def dish_quality(dish: Dish, quality: QualityWeights, month: int | None, fresh: bool) -> float:
    """Quality of one dish in fen-equivalents (docs/menu-model.md, "Objective"):
    acceptability, seasonal vegetables, protein quality, variety against the history."""
    value = quality.rating_fen * (acceptability(dish, quality) - 3.0)
    if (
        month is not None
        and dish.category in SEASONAL_CATEGORIES
        and month in dish.in_season_months
    ):
        value += quality.seasonal_fen
    best = max((quality.protein_quality.get(g, 0.0) for g in dish.food_groups), default=0.0)
    if dish.category in ("main", "side"):
        value += quality.protein_fen * best
    if fresh:
        value += quality.variety_fen
    return value


def candidates(dishes: Sequence[Dish], profile: DietProfile) -> dict[str, list[int]]:
    """Catalogue indices per category allowed by every exclusion rule."""
    out: dict[str, list[int]] = {}
    for i, d in enumerate(dishes):
        if all(rule(d, profile) for rule in rules.EXCLUSION_RULES):
            out.setdefault(d.category, []).append(i)
    return out


#: A candidate dish in a slot: (score, catalogue index, pruning-key amounts, cooking
#: method when the profile checks it for the dish's category, else "").
Entry = tuple[float, int, tuple[float, ...], str]


@dataclass(frozen=True)
class _Group:
    """Candidates of one slot group (sorted by score), how many to pick, and the per-key
    minimum / maximum amount of one candidate (for the reachable-range cut)."""

    entries: list[Entry]
    k: int
    lo: tuple[float, ...]
    hi: tuple[float, ...]


def _group(entries: list[Entry], k: int, width: int, like: _Group | None = None) -> _Group:
    """A slot group; ``like`` reuses the per-key extremes of a superset (still valid)."""
    if like is not None:
        return _Group(entries, k, like.lo, like.hi)
    if not entries:
        inf = float("inf")
        return _Group(entries, k, (inf,) * width, (-inf,) * width)
    cols = list(zip(*(e[2] for e in entries), strict=True)) if width else []
    return _Group(entries, k, tuple(map(min, cols)), tuple(map(max, cols)))


def _search(
    evaluator: MealEvaluator,
    structure: str,
    groups: Sequence[_Group],
    dishes: Sequence[Dish],
    keep: int,
    node_limit: int,
    heap: list[tuple[float, tuple[int, ...], Pattern]],
    seen: set[tuple[int, ...]],
    banned: frozenset[int] = frozenset(),
    bonus: float = 0.0,
    cut0: float = float("inf"),
) -> tuple[int, bool]:
    """Branch and bound for the ``keep`` best meals; fills ``heap`` (max-heap by -coef).

    A slot group picks ``k`` dishes of its sorted candidates as a combination (indices
    increase within a group). A branch is cut when its score lower bound cannot beat the
    worst kept meal (``break``: candidates are sorted), when a hard additive bound can no
    longer be met given the per-key extremes of the remaining slots, or when the score
    plus the smallest soft penalty those extremes allow cannot beat it.
    ``bonus`` (<= 0) is the most a meal's coefficient can fall below the sum of its dish
    scores (column generation's rewards for meal-level rows); ``cut0`` keeps only meals
    whose coefficient is below it (column generation: negative reduced cost).
    Returns (nodes, finished).
    """
    positions: list[tuple[int, int]] = []  # (group, rank within group)
    for g, grp in enumerate(groups):
        positions.extend((g, r) for r in range(grp.k))
    n = len(positions)
    prune = evaluator.prune
    width = len(prune)
    lb_rest = [0.0] * (n + 1)
    lo_rest: list[tuple[float, ...]] = [(0.0,) * width] * (n + 1)
    hi_rest: list[tuple[float, ...]] = [(0.0,) * width] * (n + 1)
    for p in range(n - 1, -1, -1):
        g, r = positions[p]
        grp = groups[g]
        head = grp.entries[r][0] if r < len(grp.entries) else float("inf")
        lb_rest[p] = lb_rest[p + 1] + head
        lo_rest[p] = tuple(a + b for a, b in zip(lo_rest[p + 1], grp.lo, strict=True))
        hi_rest[p] = tuple(a + b for a, b in zip(hi_rest[p + 1], grp.hi, strict=True))
    chosen: list[int] = []
    chosen_pos: list[int] = []
    sums = [0.0] * width
    keys = range(width)
    nodes = 0
    stopped = False
    cut = -heap[0][0] if len(heap) >= keep else cut0

    def dfs(p: int, score: float, methods: frozenset[str]) -> None:
        nonlocal nodes, stopped, cut
        if p == n:
            idx = tuple(sorted(chosen))
            if idx in seen:
                return
            seen.add(idx)
            pat = evaluator.evaluate(structure, idx, [dishes[i] for i in idx])
            if pat is None or pat.coef > cut:
                return
            entry = (-pat.coef, tuple(-i for i in idx), pat)
            if len(heap) < keep:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)
            if len(heap) >= keep:
                cut = -heap[0][0]
            return
        g, r = positions[p]
        entries = groups[g].entries
        start = chosen_pos[-1] + 1 if r > 0 else 0
        lb_next = lb_rest[p + 1]
        lo_next = lo_rest[p + 1]
        hi_next = hi_rest[p + 1]
        for j in range(start, len(entries)):
            sc, i, vec, method = entries[j]
            s = score + sc + lb_next + bonus
            if s >= cut:
                break  # candidates are sorted by score: the rest cannot do better
            if i in banned or (method and method in methods) or i in chosen:
                continue
            nodes += 1
            if nodes > node_limit:
                stopped = True
                return
            pen = 0.0
            ok = True
            for h in keys:
                lo, hi, below, above = prune[h]
                v = sums[h] + vec[h]
                over = v + lo_next[h] - hi
                if over > 1e-9:
                    if above is None:
                        ok = False
                        break
                    pen += over * above
                    continue
                under = lo - v - hi_next[h]
                if under > 1e-9:
                    if below is None:
                        ok = False
                        break
                    pen += under * below
            if not ok or s + pen >= cut:
                continue
            for h in keys:
                sums[h] += vec[h]
            chosen.append(i)
            chosen_pos.append(j)
            dfs(p + 1, score + sc, methods | {method} if method else methods)
            chosen.pop()
            chosen_pos.pop()
            for h in keys:
                sums[h] -= vec[h]
            if stopped:
                return

    dfs(0, 0.0, frozenset())
    return nodes, not stopped


def _entries(ev: MealEvaluator, dishes: Sequence[Dish], allowed: Sequence[int]) -> list[Entry]:
    """Sorted search entries of a slot's allowed dishes."""
    checked = ev.profile.distinct_method_categories
    out: list[Entry] = []
    for i in allowed:
        d = dishes[i]
        method = d.cooking_method if d.category in checked else ""
        out.append((ev.dish_score(d, i), i, ev.vector(i, d), method))
    out.sort(key=lambda e: (e[0], dishes[e[1]].code))
    return out


def slot_groups(
    structure: MealStructure, dishes: Sequence[Dish], cands: dict[str, list[int]]
) -> list[tuple[Slot, int, list[int]]]:
    """Identical slots of a structure grouped: (slot, how many, allowed dish indices)."""
    order: list[Slot] = []
    for slot in structure.slots:
        if slot not in order:
            order.append(slot)
    return [
        (
            slot,
            structure.slots.count(slot),
            [i for i in cands.get(slot.category, []) if slot.accepts(dishes[i])],
        )
        for slot in order
    ]


def short_slot(groups: Sequence[tuple[Slot, int, list[int]]]) -> Slot | None:
    """The first slot group with fewer allowed dishes than it needs (None: all filled).

    Slots of one category share their dishes: their union must hold enough too."""
    for slot, k, allowed in groups:
        if len(allowed) < k:
            return slot
    need: dict[str, int] = {}
    pool: dict[str, set[int]] = {}
    for slot, k, allowed in groups:
        need[slot.category] = need.get(slot.category, 0) + k
        pool.setdefault(slot.category, set()).update(allowed)
    for slot, _, _ in groups:
        if len(pool[slot.category]) < need[slot.category]:
            return slot
    return None


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
    penalty_scale: float = 1.0,
    quality: QualityWeights | None = None,
    month: int | None = None,
    served_before: frozenset[int] = frozenset(),
) -> PatternSet:
    """Patterns of a profile and service (deterministic; see the module docstring).

    ``penalty_scale`` multiplies every soft penalty (the profile's headcount when
    penalties are counted per diner)."""
    out = PatternSet()
    found: dict[tuple[int, ...], Pattern] = {}
    for st in profile.structures_for(service):
        budget_fen = st.budget_fen if st.budget_fen is not None else profile.budget_fen
        ev = MealEvaluator(
            profile,
            profile.bounds_for(service),
            budget_fen,
            rating_reward_fen,
            penalty_scale=penalty_scale,
            quality=quality,
            month=month,
            served_before=served_before,
        )
        sgroups = slot_groups(st, dishes, cands)
        if short_slot(sgroups) is not None:
            continue
        width = len(ev.prune)
        entries = [_entries(ev, dishes, allowed) for _, _, allowed in sgroups]
        full = [_group(entries[g], k, width) for g, (_, k, _) in enumerate(sgroups)]
        nr = profile.no_repeat_categories

        def keep_found(pat: Pattern) -> None:
            old = found.get(pat.dishes)
            if old is None or pat.coef < old.coef:
                found[pat.dishes] = pat

        # the cheapest meals overall
        heap: list[tuple[float, tuple[int, ...], Pattern]] = []
        nodes, finished = _search(
            ev,
            st.code,
            full,
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
        for g, (slot, _, _) in enumerate(sgroups):
            c = slot.category
            for e in entries[g]:
                a = e[1]
                d = dishes[a]
                if not (c in anchor_groups or d.food_groups & anchor_groups):
                    continue
                groups: list[_Group] = []
                for g2, (_, k2, _) in enumerate(sgroups):
                    if g2 != g:
                        groups.append(full[g2])
                    else:
                        groups.append(_group([e], 1, width))
                        if k2 > 1:
                            rest = [f for f in entries[g2] if f[1] != a]
                            groups.append(_group(rest, k2 - 1, width, like=full[g2]))
                capped = {i for i, n in partner_uses.items() if n >= cap and i != a}
                own: set[int] = set()  # this anchor's earlier partners
                for _ in range(patterns_per_dish):
                    heap = []
                    nodes, finished = _search(
                        ev,
                        st.code,
                        groups,
                        dishes,
                        1,
                        node_limit,
                        heap,
                        set(),
                        frozenset(capped | own),
                    )
                    out.nodes += nodes
                    if not heap and capped:
                        # the partner cap blocked this anchor: retry without it
                        capped = set()
                        nodes, finished = _search(
                            ev, st.code, groups, dishes, 1, node_limit, heap, set(), frozenset(own)
                        )
                        out.nodes += nodes
                    if not heap:
                        break
                    pat = heap[0][2]
                    keep_found(pat)
                    partners = {i for i in pat.dishes if i != a and dishes[i].category in nr}
                    if not partners:
                        break
                    own |= partners
                    for i in partners:
                        partner_uses[i] = partner_uses.get(i, 0) + 1
    pats = sorted(found.values(), key=lambda p: (p.coef, p.dishes))
    if dominance:
        best: dict[tuple[object, ...], Pattern] = {}
        for p in pats:
            counted = (
                p.dishes
                if profile.rotation is not None  # rotation rows count every dish
                else tuple(
                    i for i in p.dishes if dishes[i].category in profile.no_repeat_categories
                )
            )
            key = (counted, frozenset(g for i in p.dishes for g in dishes[i].food_groups))
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
        sgroups = slot_groups(st, dishes, cands)
        if short_slot(sgroups) is not None:
            continue
        # order by the violation-prone keys is unknown: plain score order, wide search
        width = len(ev.prune)
        groups = [_group(_entries(ev, dishes, allowed), k, width) for _, k, allowed in sgroups]
        heap: list[tuple[float, tuple[int, ...], Pattern]] = []
        _search(ev, st.code, groups, dishes, 1, node_limit, heap, set())
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
    for _, k, allowed in slot_groups(structure, dishes, cands):
        vals = sorted((dishes[i].amount(key) for i in allowed), reverse=not lowest)
        total += sum(vals[:k])
    return total


def ratio_key_source(key: str) -> tuple[str, float] | None:
    """(nutrient, kcal per g) behind a ratio key, None for a nutrient key."""
    return RATIO_SOURCES.get(key)


def locked_pattern(
    dishes: Sequence[Dish],
    profile: DietProfile,
    service: str,
    idx: tuple[int, ...],
    rating_reward_fen: float,
    penalty_scale: float = 1.0,
    quality: QualityWeights | None = None,
    month: int | None = None,
    served_before: frozenset[int] = frozenset(),
) -> Pattern:
    """The pattern of a locked meal, priced like any other; hard rules it misses are its
    ``violations`` (the dietitian's choice stands, the result reports them)."""
    meal = [dishes[i] for i in idx]
    structure = "locked"
    for st in profile.structures_for(service):
        if _fills(st, meal):
            structure = st.code
            break
    st_budget = next(
        (st.budget_fen for st in profile.structures_for(service) if st.code == structure), None
    )
    ev = MealEvaluator(
        profile,
        profile.bounds_for(service),
        st_budget if st_budget is not None else profile.budget_fen,
        rating_reward_fen,
        elastic=True,
        penalty_scale=penalty_scale,
        quality=quality,
        month=month,
        served_before=served_before,
    )
    pat = ev.evaluate(structure, tuple(sorted(idx)), [dishes[i] for i in sorted(idx)])
    assert pat is not None  # elastic evaluation always prices the meal
    # a locked meal is a constant of the plan: drop the elastic search's heavy price
    heavy = sum(rules.soft_penalty(v.amount, v.bound, HARD_VIOLATION_FEN) for v in pat.violations)
    excluded = [
        Shortfall(rule.__name__, 1.0, 0.0, 0.0)
        for d in meal
        for rule in rules.EXCLUSION_RULES
        if not rule(d, profile)
    ]
    if not rules.same_cooking_method(meal, profile):
        excluded.append(Shortfall("same_cooking_method", 1.0, 0.0, 0.0))
    return Pattern(
        pat.structure,
        pat.dishes,
        pat.cost_fen,
        pat.sums,
        pat.coef - heavy,
        pat.shortfalls,
        pat.violations + tuple(excluded),
    )


def _fills(structure: MealStructure, meal: Sequence[Dish]) -> bool:
    """True when the dishes fill the structure's slots exactly (one dish per slot)."""
    if len(meal) != len(structure.slots):
        return False

    def place(k: int, used: frozenset[int]) -> bool:
        if k == len(meal):
            return True
        return any(
            j not in used and slot.accepts(meal[k]) and place(k + 1, used | {j})
            for j, slot in enumerate(structure.slots)
        )

    return place(0, frozenset())
