"""The one pricing rule (mealplan.domain.pricing) against hand-computed prices."""

from __future__ import annotations

import datetime as dt

import pytest

from mealplan.domain.pricing import (
    Jurisdiction,
    PriceTier,
    PricingError,
    SubsidyRule,
    price_meal,
)

D0 = dt.date(2026, 1, 1)
DAY = dt.date(2026, 12, 4)
HOME = Jurisdiction("海珠区", "南华西街")
SAME = HOME
OTHER_STREET = Jurisdiction("海珠区", "龙凤街")
OTHER_DISTRICT = Jurisdiction("越秀区", "北京街")

# The district: a 12-yuan meal; 特困/低保 pay 1, 80+ pay 3, 60-79 pay 5;
# city and district pay 3 yuan each, the street the rest.
TIERS = [
    PriceTier(
        "lunch", D0, None, 1200, {"hardship": 100, "age_80": 300, "age_60": 500, "disabled": 300}
    )
]


def rules(outside: str = "elder_pays") -> list[SubsidyRule]:
    out = []
    for cat in ("hardship", "age_80", "age_60", "disabled"):
        out.append(SubsidyRule(cat, "city", "广州市民政局", 300, D0, None, "kept"))
        out.append(SubsidyRule(cat, "district", "海珠区民政局", 300, D0, None, outside))
        out.append(SubsidyRule(cat, "street", "南华西街道办", None, D0, None, outside))
    return out


def price(category: str | None, at: Jurisdiction = SAME, **kw: object):  # type: ignore[no-untyped-def]
    outside = str(kw.pop("outside", "elder_pays"))
    return price_meal(
        TIERS, rules(outside), on=DAY, service="lunch", category=category, home=HOME, at=at, **kw
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("category", "elder", "street"),
    [("hardship", 100, 500), ("age_80", 300, 300), ("age_60", 500, 100)],
)
def test_guangzhou_example(category: str, elder: int, street: int) -> None:
    """Each category pays its tier; city 3 yuan, district 3 yuan, street the rest of 12 yuan."""
    p = price(category)
    assert p.elder_pays_fen == elder
    assert dict(p.subsidy_fen) == {"city": 300, "district": 300, "street": street}
    assert p.elder_pays_fen + p.subsidy_total_fen + p.operator_fen == 1200
    assert p.funders["street"] == "南华西街道办"
    assert p.lost_levels == ()


def test_outside_street_elder_pays_street_share() -> None:
    """Eating in another street of the same district loses the street share; the elder pays it."""
    p = price("age_80", OTHER_STREET)
    assert p.lost_levels == ("street",)
    assert p.elder_pays_fen == 600
    assert dict(p.subsidy_fen) == {"city": 300, "district": 300, "street": 0}


def test_outside_district_loses_district_and_street() -> None:
    """Eating in another district loses district and street shares; the city share is kept."""
    p = price("hardship", OTHER_DISTRICT)
    assert p.lost_levels == ("district", "street")
    assert p.elder_pays_fen == 100 + 300 + 500
    assert dict(p.subsidy_fen) == {"city": 300, "district": 0, "street": 0}


def test_outside_operator_pays_gap() -> None:
    """With the operator_pays rule the elder's price is unchanged and the operator absorbs it."""
    p = price("age_60", OTHER_DISTRICT, outside="operator_pays")
    assert p.elder_pays_fen == 500
    assert p.operator_fen == 400
    assert p.elder_pays_fen + p.subsidy_total_fen + p.operator_fen == 1200


def test_walk_in_and_repeat_pay_full_price() -> None:
    """A walk-in (no category) and a repeat meal charged in full pay 12 yuan, no subsidy."""
    for p in (price(None), price("hardship", full_price=True)):
        assert p.elder_pays_fen == 1200 and p.subsidy_total_fen == 0 and p.full_price


def test_dated_tiers_and_errors() -> None:
    """Only tiers in force count; a missing, overlapping or inconsistent tier is a named error."""
    later = PriceTier("lunch", dt.date(2027, 1, 1), None, 1300, {"age_60": 600})
    old = PriceTier("lunch", D0, dt.date(2026, 12, 31), 1200, {"age_60": 500})
    subs = [SubsidyRule("age_60", "city", "市", None, D0)]
    kw = {"service": "lunch", "category": "age_60", "home": HOME, "at": SAME}
    assert price_meal([old, later], subs, on=DAY, **kw).subsidy_fen["city"] == 700  # type: ignore[arg-type]
    assert price_meal([old, later], subs, on=dt.date(2027, 2, 1), **kw).elder_pays_fen == 600  # type: ignore[arg-type]
    with pytest.raises(PricingError, match="no price tier for dinner"):
        price_meal([old], subs, on=DAY, service="dinner", category="age_60", home=HOME, at=SAME)
    with pytest.raises(PricingError, match="overlap"):
        price_meal([old, TIERS[0]], subs, on=DAY, **kw)  # type: ignore[arg-type]
    fixed = [SubsidyRule("age_60", "city", "市", 900, D0)]
    with pytest.raises(PricingError, match="do not add up"):
        price_meal([old], fixed, on=DAY, **kw)  # type: ignore[arg-type]
