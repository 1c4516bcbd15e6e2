"""The one pricing rule: what an elder pays for a meal and what each funder level subsidises.

Signature (the ordering page, check-in and settlement all call this, nothing else)::

    price_meal(tiers, rules, *, on, service, category, home, at, full_price=False) -> Price

- ``tiers``: the price tiers (:class:`PriceTier`): the standard meal price per service and
  date range, and what each elder category pays out of it;
- ``rules``: the subsidy rules (:class:`SubsidyRule`): per category and funder level
  (city, district, street), an amount in fen or "the rest" (``amount_fen=None``), the
  funder's name, the date range, and the cross-jurisdiction rule (:class:`OutsideRule`);
- ``on``/``service``: the meal's date and service; only tiers and rules in force that day
  (``valid_from <= on <= valid_to``, ``valid_to=None`` open-ended) count;
- ``category``: the elder's :class:`ElderCategory` value, ``None`` for a walk-in;
- ``home``: the elder's registered jurisdiction; ``at``: where the meal is eaten (the
  canteen's or dining point's street) or delivered (the elder's own, so never outside);
- ``full_price``: a second meal of the same service charged at full price (config).

Every amount is an integer number of fen and ``elder_pays_fen + sum(subsidy_fen) +
operator_fen == meal_price_fen`` always holds.

Cross-jurisdiction (跨区域就餐): eating outside one's own street loses the street level's
share; outside one's own district loses the district and the street shares. The city level
is one city and is never lost. Who pays a lost share is the rule's ``outside`` field:
``kept`` (the level pays anyway), ``elder_pays`` (added to the elder's price) or
``operator_pays`` (the operator absorbs it: ``operator_fen``).

Pure: no database, no clock, no configuration; same inputs, same price.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mealplan.domain.vocab import FunderLevel, OutsideRule
from mealplan.errors import MealplanError

#: Funder levels in the order they are listed on claims.
LEVELS: tuple[str, ...] = tuple(level.value for level in FunderLevel)


class PricingError(MealplanError):
    """The price tiers or subsidy rules in force cannot price a meal (missing or inconsistent)."""


@dataclass(frozen=True)
class Jurisdiction:
    """A registered district and street (街道); blank strings mean unknown."""

    district: str
    street: str


@dataclass(frozen=True)
class PriceTier:
    """The standard meal price of one service over a date range, and what a category pays."""

    service: str
    valid_from: dt.date
    valid_to: dt.date | None  # inclusive; None = open-ended
    meal_price_fen: int
    elder_pays_fen: Mapping[str, int]  # ElderCategory value -> fen


@dataclass(frozen=True)
class SubsidyRule:
    """One funder level's share of a category's meal over a date range."""

    category: str
    level: str  # FunderLevel
    funder: str  # e.g. 杭州市民政局
    amount_fen: int | None  # None: the rest of the meal price after the elder and other levels
    valid_from: dt.date
    valid_to: dt.date | None = None
    outside: str = OutsideRule.ELDER_PAYS.value


@dataclass(frozen=True)
class Price:
    """What one meal costs whom, in fen."""

    meal_price_fen: int
    elder_pays_fen: int
    subsidy_fen: Mapping[str, int]  # FunderLevel value -> fen (every level, 0 if none)
    funders: Mapping[str, str]  # FunderLevel value -> funder name ("" if none)
    operator_fen: int = 0  # a lost share the operator absorbs
    lost_levels: tuple[str, ...] = ()  # levels lost to eating outside the jurisdiction
    full_price: bool = False  # walk-in or a repeat meal charged in full

    @property
    def subsidy_total_fen(self) -> int:
        return sum(self.subsidy_fen.values())


def _in_force(valid_from: dt.date, valid_to: dt.date | None, on: dt.date) -> bool:
    return valid_from <= on and (valid_to is None or on <= valid_to)


def tier_in_force(tiers: Iterable[PriceTier], *, on: dt.date, service: str) -> PriceTier:
    """The one price tier of ``service`` in force on ``on``; PricingError if none or several."""
    found = [t for t in tiers if t.service == service and _in_force(t.valid_from, t.valid_to, on)]
    if not found:
        raise PricingError(f"no price tier for {service} on {on.isoformat()}")
    if len(found) > 1:
        starts = ", ".join(sorted(t.valid_from.isoformat() for t in found))
        raise PricingError(
            f"{len(found)} price tiers for {service} overlap on {on.isoformat()} "
            f"(valid from {starts})"
        )
    return found[0]


def lost_levels(home: Jurisdiction | None, at: Jurisdiction) -> tuple[str, ...]:
    """The funder levels an elder registered in ``home`` loses by eating at ``at``."""
    if home is None:
        return ()
    if home.district != at.district:
        return (FunderLevel.DISTRICT.value, FunderLevel.STREET.value)
    if home.street != at.street:
        return (FunderLevel.STREET.value,)
    return ()


def price_meal(
    tiers: Iterable[PriceTier],
    rules: Iterable[SubsidyRule],
    *,
    on: dt.date,
    service: str,
    category: str | None,
    home: Jurisdiction | None,
    at: Jurisdiction,
    full_price: bool = False,
) -> Price:
    """The price of one meal: the elder's share and each funder level's subsidy (see module)."""
    tier = tier_in_force(tiers, on=on, service=service)
    meal = tier.meal_price_fen
    no_subsidy = {level: 0 for level in LEVELS}
    no_funder = {level: "" for level in LEVELS}
    if category is None or full_price:
        return Price(meal, meal, no_subsidy, no_funder, full_price=True)
    if category not in tier.elder_pays_fen:
        raise PricingError(
            f"the price tier for {service} from {tier.valid_from.isoformat()} "
            f"has no price for category {category}"
        )
    elder = tier.elder_pays_fen[category]
    in_force: dict[str, SubsidyRule] = {}
    for rule in rules:
        if rule.category != category or not _in_force(rule.valid_from, rule.valid_to, on):
            continue
        if rule.level in in_force:
            raise PricingError(
                f"two {rule.level} subsidy rules for category {category} on {on.isoformat()}"
            )
        in_force[rule.level] = rule
    fixed = sum(r.amount_fen for r in in_force.values() if r.amount_fen is not None)
    rests = [r for r in in_force.values() if r.amount_fen is None]
    if len(rests) > 1:
        raise PricingError(f"more than one 'rest' subsidy rule for category {category}")
    rest = meal - elder - fixed
    if rest < 0 or (not rests and rest != 0):
        raise PricingError(
            f"category {category} on {on.isoformat()}: the elder's {elder} fen and the "
            f"subsidies of {fixed} fen do not add up to the meal price of {meal} fen"
        )
    subsidy = dict(no_subsidy)
    funders = dict(no_funder)
    for level, rule in in_force.items():
        subsidy[level] = rest if rule.amount_fen is None else rule.amount_fen
        funders[level] = rule.funder
    lost: list[str] = []
    operator = 0
    for level in lost_levels(home, at):
        rule_or_none = in_force.get(level)
        if rule_or_none is None or subsidy[level] == 0 or rule_or_none.outside == OutsideRule.KEPT:
            continue
        share = subsidy[level]
        subsidy[level] = 0
        lost.append(level)
        if rule_or_none.outside == OutsideRule.OPERATOR_PAYS:
            operator += share
        else:
            elder += share
    return Price(meal, elder, subsidy, funders, operator_fen=operator, lost_levels=tuple(lost))
