"""Settlement claims (mealplan.services.claims): every meal once with the right amounts per
funder level, recomputed independently from the check-in rows; anti-fraud flags; the
officer's decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import (
    AuditEntry,
    Client,
    ClientPause,
    Delivery,
    MealCheckin,
    Route,
    RouteStop,
    Trip,
    Vehicle,
)
from mealplan.services import checkins, claims
from mealplan.services.claims import ClaimError
from tests.money_world import DAY, build

pytestmark = pytest.mark.db


@pytest.fixture
def world(session: Session) -> Session:
    """The money world, 20 check-ins at S1 plus a repeat of E04 at full price, and two home
    lunches for E01 (one delivered, one unconfirmed) and one no-answer for E02."""
    build(session)
    for i in range(1, 21):
        checkins.check_in(session, site_code="S1", date=DAY, service="lunch",
                          card=f"{1000000000 + i}", actor="s")  # fmt: skip
    checkins.check_in(session, site_code="S1", date=DAY, service="lunch", card="1000000004",
                      actor="s", repeat_meal="full_price")  # fmt: skip
    kitchen_id = session.scalar(select(Client.kitchen_id))
    van = Vehicle(code="V1", kind="van", capacity_boxes=10, speed_kmh=20, kitchen_id=kitchen_id)
    session.add(van)
    session.flush()
    e1, e2 = (session.scalar(select(Client).where(Client.code == c)) for c in ("E01", "E02"))
    assert e1 is not None and e2 is not None
    for day, client, status in ((DAY + dt.timedelta(days=1), e1, "delivered"),
                                (DAY + dt.timedelta(days=2), e1, None),
                                (DAY + dt.timedelta(days=1), e2, "no_answer")):  # fmt: skip
        route = Route(date=day, service="lunch", vehicle_id=van.id, kitchen_id=kitchen_id)
        trip = Trip(seq=1, ready_min=600, depart_min=610, return_min=700)
        stop = RouteStop(seq=1, kind="home", client_id=client.id, arrive_min=650,
                         window_start_min=640, window_end_min=720, meals={"reg": 1})  # fmt: skip
        trip.stops.append(stop)
        route.trips.append(trip)
        session.add(route)
        session.flush()
        if status is not None:
            session.add(Delivery(route_stop_id=stop.id, status=status))
    session.flush()
    return session


def test_claim_totals_match_checkin_rows(world: Session) -> None:
    """The month's claim lists every meal once; its totals per funder level equal an
    independent sum over the MealCheckin rows plus the delivered home lunch."""
    claim = claims.build_claim(world, "2026-12")
    rows = list(world.scalars(select(MealCheckin)))
    assert len(claim.lines) == len(rows) + 2  # + delivered + unconfirmed home lunch
    assert len({x.line for x in claim.lines}) == len(claim.lines)
    home_e01 = (300, 300, 300, 300)  # E01 is age_80: pays 3, city 3, district 3, street 3
    totals = claim.totals()
    assert totals["meals"] == 21 + 2
    assert totals["city"] == sum(r.city_fen for r in rows) + 2 * home_e01[1]
    assert totals["district"] == sum(r.district_fen for r in rows) + 2 * home_e01[2]
    assert totals["street"] == sum(r.street_fen for r in rows) + 2 * home_e01[3]
    assert totals["paid_fen"] == sum(r.paid_fen for r in rows) + 2 * home_e01[0]
    # by hand: 20 elders at S1; E19, E20 outside; E04 twice (second at 1200 fen)
    assert totals["city"] == 20 * 300 + 600
    assert claim.funders["street"] == ["南华西街道办事处"]
    assert sum(v["meals"] for v in claim.by("category").values()) == 23


def test_flags(world: Session) -> None:
    """The repeat, the outside-jurisdiction meals, an unconfirmed delivery, a paused elder
    and an elder made inactive (a pause with no end date) are flagged on their lines."""
    e5 = world.scalar(select(Client).where(Client.code == "E05"))
    assert e5 is not None
    e5.active = False
    world.add(ClientPause(client_id=world.scalar(select(Client.id).where(Client.code == "E06")),
                          start_date=DAY, end_date=DAY))  # fmt: skip
    world.flush()
    claim = claims.build_claim(world, "2026-Q4")
    flagged = {(x.client_code, f) for x in claim.lines for f in x.flags}
    assert flagged == {
        ("E04", "repeat"),
        ("E19", "outside"),
        ("E20", "outside"),
        ("E01", "unconfirmed"),
        ("E05", "paused"),
        ("E06", "paused"),
    }
    repeats = [x for x in claim.lines if "repeat" in x.flags]
    assert [(x.client_code, x.paid_fen) for x in repeats] == [("E04", 1200)]  # the later one


def test_decisions_are_recorded_and_audited(world: Session) -> None:
    """Rejecting the repeat line takes it out of the totals, needs a reason, is audited."""
    claim = claims.build_claim(world, "2026-12")
    repeat = next(x for x in claim.lines if "repeat" in x.flags)
    with pytest.raises(ClaimError, match="reason"):
        claims.decide(world, repeat.line, accepted=False, reason=" ", actor="officer")
    claims.decide(world, repeat.line, accepted=False, reason="重复就餐", actor="officer")
    after = claims.build_claim(world, "2026-12")
    assert after.totals()["meals"] == claim.totals()["meals"] - 1
    assert next(x for x in after.lines if x.line == repeat.line).accepted is False
    assert world.scalar(select(AuditEntry).where(AuditEntry.entity_code == repeat.line))


def test_periods() -> None:
    """Months and quarters give their first and last days; anything else is refused."""
    assert claims.period_dates("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert claims.period_dates("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    for bad in ("2026", "2026-13", "2026-Q5", "x"):
        with pytest.raises(ClaimError, match="neither a month"):
            claims.period_dates(bad)
