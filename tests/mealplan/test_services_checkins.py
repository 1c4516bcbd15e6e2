"""Canteen check-in (mealplan.services.checkins): who ate, what they paid, each funder's
subsidy; repeats refused or charged in full; clear refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.db.models import Client, ClientPause, DietProfile, Headcount, MealCheckin, Site
from mealplan.services import checkins
from mealplan.services.checkins import CheckinRefused
from tests.money_world import DAY, ELDER_PAYS, build

pytestmark = pytest.mark.db


@pytest.fixture
def world(session: Session) -> Session:
    build(session)
    return session


def _expected(i: int, category: str) -> tuple[int, int, int, int]:
    """Hand rule for canteen S1 (海珠区/南华西街): paid, city, district, street in fen."""
    elder = ELDER_PAYS[category]
    street = 1200 - elder - 600
    if i == 19:  # 龙凤街: loses the street share, paid by the elder
        return elder + street, 300, 300, 0
    if i == 20:  # 越秀区: loses district and street
        return elder + 300 + street, 300, 0, 0
    return elder, 300, 300, street


def test_twenty_elders_one_twice_refused(world: Session) -> None:
    """20 elders of mixed categories check in once each at the expected prices; a second
    lunch for one of them is refused and records nothing."""
    for i in range(1, 21):
        r = checkins.check_in(world, site_code="S1", date=DAY, service="lunch",
                              card=f"{1000000000 + i}", actor="staff", repeat_meal="refuse")  # fmt: skip
        row = r.checkin
        assert (row.paid_fen, row.city_fen, row.district_fen, row.street_fen) == _expected(
            i, r.category
        ), i
        assert row.paid_fen + row.city_fen + row.district_fen + row.street_fen == 1200
    with pytest.raises(CheckinRefused, match="already had this meal"):
        checkins.check_in(world, site_code="S1", date=DAY, service="lunch",
                          card="1000000007", actor="staff", repeat_meal="refuse")  # fmt: skip
    assert world.scalar(select(func.count(MealCheckin.id))) == 20
    assert {c.category for c in world.scalars(select(MealCheckin))} == set(ELDER_PAYS)


def test_repeat_at_full_price_when_configured(world: Session) -> None:
    """With repeat_meal = full_price a second lunch is served at 12 yuan, no subsidy, flagged."""
    for _ in range(2):
        r = checkins.check_in(world, site_code="S2", date=DAY, service="lunch",
                              card="1000000004", actor="staff", repeat_meal="full_price")  # fmt: skip
    assert r.checkin.repeat and r.checkin.full_price
    assert (r.checkin.paid_fen, r.checkin.city_fen + r.checkin.street_fen) == (1200, 0)


def test_walk_in_pays_full_price(world: Session) -> None:
    """A walk-in is recorded without an elder at the full meal price."""
    r = checkins.check_in_walk_in(world, site_code="S3", date=DAY, service="lunch", actor="s")
    assert r.checkin.client_id is None and r.checkin.paid_fen == 1200


def test_refusals_name_the_problem(world: Session) -> None:
    """Unknown card, inactive or paused elder, unknown site, unserved service, no tier:
    each is refused with its own message and nothing is stored."""
    e2 = world.scalar(select(Client).where(Client.code == "E02"))
    assert e2 is not None
    e2.active = False
    world.add(ClientPause(client_id=world.scalar(select(Client.id).where(Client.code == "E03")),
                          start_date=DAY, end_date=DAY + dt.timedelta(days=2), reason="住院"))  # fmt: skip
    world.flush()
    cases = [
        ({"card": "999999"}, "unknown card number 999999"),
        ({"card": " "}, "scan or type"),
        ({"card": "1000000002"}, "is not active"),
        ({"card": "1000000003"}, "paused meals from 2026-12-07 to 2026-12-09"),
        ({"card": "1000000001", "site_code": "NOPE"}, "unknown site NOPE"),
        ({"card": "1000000001", "service": "dinner"}, "does not serve dinner"),
        ({"card": "1000000001", "date": dt.date(2025, 6, 1)}, "no price tier for lunch"),
    ]
    for change, message in cases:
        kw: dict[str, object] = {"site_code": "S1", "date": DAY, "service": "lunch",
                                 "actor": "s", **change}  # fmt: skip
        with pytest.raises(CheckinRefused, match=message):
            checkins.check_in(world, **kw)  # type: ignore[arg-type]
    assert world.scalar(select(func.count(MealCheckin.id))) == 0


def test_headcount_vs_checkins(world: Session) -> None:
    """The site's reported headcount per diet is listed next to the meals checked in."""
    site = world.scalar(select(Site).where(Site.code == "S1"))
    reg = world.scalar(select(DietProfile).where(DietProfile.code == "reg"))
    assert site is not None and reg is not None
    world.add(Headcount(date=DAY, service="lunch", site_id=site.id, diet_profile_id=reg.id,
                        count=5))  # fmt: skip
    for i in (1, 2, 5):  # E05 eats soft
        checkins.check_in(world, site_code="S1", date=DAY, service="lunch",
                          card=f"{1000000000 + i}", actor="s")  # fmt: skip
    rows = checkins.headcount_vs_checkins(world, site_code="S1", date=DAY, service="lunch")
    assert [(r.diet, r.headcount, r.checkins, r.difference) for r in rows] == [
        ("reg", 5, 2, -3),
        ("soft", 0, 1, 1),
    ]


def test_repeat_meal_setting_is_checked() -> None:
    """[planning] repeat_meal accepts refuse and full_price and names anything else."""
    from mealplan.config import PlanningSettings, planning_problems

    assert planning_problems(PlanningSettings(repeat_meal="full_price")) == []
    assert planning_problems(PlanningSettings(repeat_meal="twice")) == [
        "[planning] repeat_meal: must be one of refuse, full_price, got 'twice'"
    ]


def test_card_qr_is_stable_per_card() -> None:
    """The card's QR code is an SVG, the same for the same card, different for another."""
    svg = checkins.card_qr_svg("1000000001")
    assert svg.startswith("<svg") and svg == checkins.card_qr_svg("1000000001")
    assert svg != checkins.card_qr_svg("1000000002")


def test_demo_district_prices_every_elder(session: Session) -> None:
    """The demo district gives every elder a unique card, a jurisdiction and a registered
    site; every elder's lunch prices at home and a check-in at their site works."""
    from mealplan.demo import load_demo

    load_demo(session, "district", date=dt.date(2026, 11, 20), seed=7)
    elders = list(session.scalars(select(Client)))
    cards = [c.card_number for c in elders]
    assert all(cards) and len(set(cards)) == len(cards)
    for c in elders:
        assert c.district and c.street and c.site_id is not None
        p = checkins.price_for_client(session, c, on=dt.date(2026, 11, 20), service="lunch")
        assert p.elder_pays_fen + p.subsidy_total_fen == 1200
    elder = next(c for c in elders if c.active and not c.pauses)
    site = session.get(Site, elder.site_id)
    assert site is not None
    r = checkins.check_in(session, site_code=site.code, date=dt.date(2026, 11, 20),
                          service="lunch", card=str(elder.card_number), actor="t")  # fmt: skip
    assert r.checkin.lost_levels == ""
