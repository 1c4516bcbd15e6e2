"""An elder's register status (moved out, deceased) and jurisdiction history (issue 14,
item 5): the history is written on every change, pricing and claims use the jurisdiction
in force on the meal's day, meals after a death or move-out are flagged with that reason,
and check-in refuses a deceased elder. Flags are recomputed here from the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.db.models import Client, ClientJurisdiction, MealCheckin, Site
from mealplan.io.importing import import_table
from mealplan.services import checkins, claims, records
from mealplan.services.checkins import CheckinRefused
from tests.money_world import DAY, build

pytestmark = pytest.mark.db


def _client(session: Session, code: str) -> Client:
    client = session.scalar(select(Client).where(Client.code == code))
    assert client is not None
    return client


def _history(session: Session, code: str) -> list[tuple[dt.date | None, str, str]]:
    client = _client(session, code)
    rows = session.scalars(
        select(ClientJurisdiction)
        .where(ClientJurisdiction.client_id == client.id)
        .order_by(ClientJurisdiction.id)
    )
    return [(r.valid_from, r.district, r.street) for r in rows]


@pytest.fixture
def world(session: Session) -> Session:
    build(session)
    return session


def test_history_written_on_create_and_change(world: Session) -> None:
    """A new elder has one row since registration; a street change through the records
    service adds a row from the given date; correcting that date moves the row; an edit
    that leaves district, street and site alone adds nothing."""
    assert _history(world, "E01") == [(None, "海珠区", "南华西街")]
    when = dt.date(2026, 12, 10)
    records.update_client(world, "E01", {"street": "龙凤街", "jurisdiction_from": when}, actor="m")
    world.flush()
    assert _history(world, "E01") == [(None, "海珠区", "南华西街"), (when, "海珠区", "龙凤街")]
    corrected = dt.date(2026, 12, 9)
    records.update_client(world, "E01", {"jurisdiction_from": corrected}, actor="m")
    records.update_client(world, "E01", {"name": "老人一号", "street": "龙凤街"}, actor="m")
    world.flush()
    assert _history(world, "E01") == [(None, "海珠区", "南华西街"), (corrected, "海珠区", "龙凤街")]


def test_history_dates_a_change_without_a_date_today(world: Session) -> None:
    """A change that gives no date takes effect on the day it is made."""
    records.update_client(world, "E02", {"street": "龙凤街"}, actor="m")
    world.flush()
    assert _history(world, "E02")[-1] == (dt.date.today(), "海珠区", "龙凤街")
    assert _client(world, "E02").jurisdiction_from == dt.date.today()


def test_status_keeps_active_consistent(world: Session) -> None:
    """Only an active status gets meals: moved out or deceased clears ``active``; setting
    ``active`` the old way moves the status to paused and back to active."""
    records.update_client(world, "E03", {"status": "deceased", "status_date": DAY,
                                         "status_reason": "病故"}, actor="m")  # fmt: skip
    world.flush()
    e3 = _client(world, "E03")
    assert (e3.status, e3.active, e3.status_date) == ("deceased", False, DAY)
    e4 = _client(world, "E04")
    e4.active = False
    world.flush()
    assert e4.status == "paused"
    e4.active = True
    world.flush()
    assert e4.status == "active"


def test_claim_uses_jurisdiction_of_the_meal_day(world: Session) -> None:
    """E19 (registered at 龙凤街) eats at S1 (南华西街) on DAY and loses the street share; when
    E19 moves to 南华西街 from DAY + 1, a meal there on DAY + 1 keeps it, and the claim names
    each line's street of that day."""
    checkins.check_in(world, site_code="S1", date=DAY, service="lunch", card="1000000019",
                      actor="s")  # fmt: skip
    records.update_client(world, "E19", {"street": "南华西街",
                                         "jurisdiction_from": DAY + dt.timedelta(days=1)},
                          actor="m")  # fmt: skip
    world.flush()
    later = checkins.check_in(world, site_code="S1", date=DAY + dt.timedelta(days=1),
                              service="lunch", card="1000000019", actor="s")  # fmt: skip
    assert later.price.lost_levels == ()
    claim = claims.build_claim(world, "2026-12")
    lines = sorted((x.date, x.street, x.flags) for x in claim.lines if x.client_code == "E19")
    assert lines == [(DAY, "龙凤街", ["outside"]), (DAY + dt.timedelta(days=1), "南华西街", [])]
    # by hand: E19 is disabled and pays 300; the street share is the rest, 1200 - 300 -
    # 300 - 300 = 300, paid by the elder when lost: 600 fen on DAY, 300 fen on DAY + 1
    paid = [r.paid_fen for r in world.scalars(select(MealCheckin).order_by(MealCheckin.id))]
    assert paid == [600, 300]


def test_meals_after_death_or_move_out_are_flagged(world: Session) -> None:
    """E05 dies on DAY + 1 and E06 moves out on DAY + 1: their meals on DAY are not flagged,
    those on DAY + 2 are flagged ``deceased`` / ``moved_out``, independently of how the
    claim computes it (meal date after the status date)."""
    day2 = DAY + dt.timedelta(days=2)
    for d in (DAY, day2):
        for card in ("1000000005", "1000000006", "1000000007"):
            checkins.check_in(world, site_code="S1", date=d, service="lunch", card=card,
                              actor="s")  # fmt: skip
    records.update_client(
        world, "E05", {"status": "deceased", "status_date": DAY + dt.timedelta(days=1)}, actor="m"
    )
    records.update_client(
        world, "E06", {"status": "moved_out", "status_date": DAY + dt.timedelta(days=1)}, actor="m"
    )
    world.flush()
    claim = claims.build_claim(world, "2026-12")
    stopped = {c.id: (c.status, c.status_date) for c in world.scalars(select(Client))
               if c.status in ("deceased", "moved_out")}  # fmt: skip
    expected = set()
    for row in world.scalars(select(MealCheckin)):
        status, since = stopped.get(int(row.client_id or 0), (None, None))
        if status is not None and since is not None and row.date > since:
            expected.add((f"checkin:{row.id}", status))
    got = {(x.line, f) for x in claim.lines for f in x.flags}
    assert got == expected
    assert {f for _, f in got} == {"deceased", "moved_out"} and len(got) == 2


def test_checkin_refuses_deceased_and_moved_out(world: Session) -> None:
    """Check-in refuses a deceased elder and one who moved out from the day after the
    status date (that day's meal was still due, as the claim counts it), with the date, and
    stores nothing."""
    records.update_client(world, "E08", {"status": "deceased", "status_date": DAY}, actor="m")
    records.update_client(world, "E09", {"status": "moved_out", "status_date": DAY}, actor="m")
    world.flush()
    with pytest.raises(CheckinRefused, match="recorded as deceased \\(2026-12-07\\)") as exc:
        checkins.check_in(world, site_code="S1", date=DAY + dt.timedelta(days=1), service="lunch",
                          card="1000000008", actor="s")  # fmt: skip
    assert exc.value.params["name"] == "老人08"
    with pytest.raises(CheckinRefused, match="has moved out \\(2026-12-07\\)"):
        checkins.check_in(world, site_code="S1", date=DAY + dt.timedelta(days=1), service="lunch",
                          card="1000000009", actor="s")  # fmt: skip
    assert world.scalar(select(func.count(MealCheckin.id))) == 0


def test_import_writes_history_and_status(world: Session) -> None:
    """An import that changes an elder's street writes the history row from the file's
    date; a status column of 去世 with a date stops the elder's meals."""
    site = world.scalar(select(Site.code).where(Site.code == "S2"))
    text = (
        "老人编号,名称,纬度,经度,膳食类型,类别,中央厨房,区,街道,辖区生效日期,登记站点,在册状态,状态生效日期\n"
        f"E10,老人10,23.1,113.3,reg,age_60,K1,海珠区,龙凤街,2026-12-15,{site},在册,\n"
        "E11,老人11,23.1,113.3,reg,age_60,K1,海珠区,南华西街,,S1,去世,2026-12-20\n"
    )
    import_table(world, "clients", text.encode("utf-8"), filename="clients.csv")
    world.flush()
    assert _history(world, "E10")[-1] == (dt.date(2026, 12, 15), "海珠区", "龙凤街")
    assert _history(world, "E11") == [(None, "海珠区", "南华西街")]
    e11 = _client(world, "E11")
    assert (e11.status, e11.status_date, e11.active) == ("deceased", dt.date(2026, 12, 20), False)


def test_import_with_the_old_active_column(world: Session) -> None:
    """A file that still gives 启用 (active) and no status: 否 makes the elder paused, 是 makes
    a paused elder active again; the two fields never disagree."""
    head = "老人编号,名称,纬度,经度,膳食类型,类别,中央厨房,启用\n"
    import_table(world, "clients", (head + "E12,老人12,23.1,113.3,reg,age_60,K1,否\n").encode(),
                 filename="clients.csv")  # fmt: skip
    world.flush()
    e12 = _client(world, "E12")
    assert (e12.status, e12.active) == ("paused", False)
    import_table(world, "clients", (head + "E12,老人12,23.1,113.3,reg,age_60,K1,是\n").encode(),
                 filename="clients.csv")  # fmt: skip
    world.flush()
    assert (e12.status, e12.active) == ("active", True)
    for c in world.scalars(select(Client)):
        assert c.active == (c.status == "active"), c.code
