"""Ordering home meals (mealplan.services.orders) and the subscription rule it feeds."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import (
    AuditEntry,
    Client,
    DietProfile,
    Dish,
    Kitchen,
    Menu,
    MenuItem,
    NutritionGroup,
    PriceTier,
    SubsidyRule,
)
from mealplan.planning.demand import day_demand
from mealplan.services import orders
from mealplan.services.records import RecordValidationError

pytestmark = pytest.mark.db
MON = dt.date(2026, 3, 2)  # a Monday
DAY = dt.timedelta(days=1)
BEFORE = dt.datetime(2026, 2, 27, 15, 0)  # the Friday before


@pytest.fixture
def elder(session: Session) -> Client:
    """Elder C1 with lunch on Mondays and Wednesdays only; C2 with lunch every weekday."""
    kitchen = Kitchen(code="K1", name="K", lat=30, lon=120)
    profile = DietProfile(
        code="reg",
        name_zh="普通",
        name_en="Regular",
        group=NutritionGroup(code="regular", name_zh="普通", name_en="R"),
    )
    c1 = Client(
        code="C1",
        name="张爷爷",
        lat=30,
        lon=120,
        diet_profile=profile,
        category="age_80",
        kitchen=kitchen,
        lunch_days="13",
    )
    c2 = Client(
        code="C2",
        name="李奶奶",
        lat=30,
        lon=120,
        diet_profile=profile,
        category="age_80",
        kitchen=kitchen,
        lunch_days="12345",
    )
    session.add_all([c1, c2])
    session.flush()
    return c1


def _homes(session: Session, day: dt.date) -> list[str]:
    return sorted(h.client_code for h in day_demand(session, day, "lunch").homes)


def test_family_orders_a_week_cancels_a_day_and_the_plan_has_exactly_those(
    session: Session, elder: Client
) -> None:
    """A week ordered through a link, one day cancelled before its cut-off: the planner's
    demand has C1's meal on exactly the six remaining days."""
    link, token = orders.create_link(
        session, "C1", holder="女儿", user="staff", today=BEFORE.date()
    )
    got = orders.resolve_link(session, token, today=BEFORE.date())
    actor = orders.link_actor(got)
    week = [MON + i * DAY for i in range(7)]
    for day in week:
        orders.set_meal(session, "C1", day, "lunch", True, via="link", actor=actor, now=BEFORE)
    orders.set_meal(
        session, "C1", MON + 2 * DAY, "lunch", False, via="link", actor=actor, now=BEFORE
    )
    planned = [day for day in week if "C1" in _homes(session, day)]
    assert planned == [d for d in week if d != MON + 2 * DAY]
    assert all("C2" in _homes(session, d) for d in week[:5])  # others unchanged
    audits = session.scalars(select(AuditEntry).where(AuditEntry.entity == "meal_order")).all()
    assert len(audits) == 8 and all(a.actor.startswith(f"link:{link.id}:") for a in audits)


def test_after_the_cut_off_a_day_is_refused_and_unchanged(session: Session, elder: Client) -> None:
    """Cancelling a day after its cut-off (09:00 the same day) is refused; the meal stays."""
    late = dt.datetime.combine(MON, dt.time(9, 0))
    with pytest.raises(RecordValidationError) as err:
        orders.set_meal(session, "C1", MON, "lunch", False, via="worker", actor="w", now=late)
    assert err.value.issues[0].field == "date"
    assert "C1" in _homes(session, MON)
    just_before = dt.datetime.combine(MON, dt.time(8, 59))
    assert not orders.set_meal(
        session, "C1", MON, "lunch", False, via="worker", actor="w", now=just_before
    )


def test_reordering_a_regular_day_removes_the_cancellation(session: Session, elder: Client) -> None:
    """Cancel then re-order a regular day: no order row is left, the meal is back."""
    orders.set_meal(session, "C1", MON, "lunch", False, via="staff", actor="s", now=BEFORE)
    assert "C1" not in _homes(session, MON)
    orders.set_meal(session, "C1", MON, "lunch", True, via="staff", actor="s", now=BEFORE)
    assert "C1" in _homes(session, MON)
    from mealplan.db.models import MealOrder

    assert session.scalars(select(MealOrder)).all() == []


def test_order_refused_on_a_paused_day_and_for_dinner_without_window(
    session: Session, elder: Client
) -> None:
    """A pause wins: ordering inside it is refused; a dinner without a window is refused."""
    orders.pause_days(session, "C1", MON, MON + DAY, via="link", actor="x", now=BEFORE)
    with pytest.raises(RecordValidationError):
        orders.set_meal(session, "C1", MON + DAY, "lunch", True, via="link", actor="x", now=BEFORE)
    with pytest.raises(RecordValidationError):
        orders.set_meal(
            session, "C1", MON + 3 * DAY, "dinner", True, via="link", actor="x", now=BEFORE
        )
    assert "C1" not in _homes(session, MON)


def test_pause_refused_after_its_first_days_cut_off(session: Session, elder: Client) -> None:
    """Pausing from a day whose cut-off passed is refused."""
    with pytest.raises(RecordValidationError):
        orders.pause_days(
            session,
            "C1",
            MON,
            MON + DAY,
            via="link",
            actor="x",
            now=dt.datetime.combine(MON, dt.time(10)),
        )


def test_pause_from_the_ordering_page_is_bounded(session: Session, elder: Client) -> None:
    """A family's pause starts at most MAX_DAYS_AHEAD days ahead and lasts at most
    MAX_PAUSE_DAYS days (a two-year pause was taken); the limits themselves are taken."""
    far = MON + (orders.MAX_DAYS_AHEAD + 1) * DAY
    long_end = MON + orders.MAX_PAUSE_DAYS * DAY
    for start, end, field in ((far, far + DAY, "start"), (MON, long_end, "end")):
        with pytest.raises(RecordValidationError) as refused:
            orders.pause_days(session, "C1", start, end, via="link", actor="x", now=BEFORE)
        assert [i.field for i in refused.value.issues] == [field]
    pause = orders.pause_days(session, "C1", MON, long_end - DAY, via="link", actor="x", now=BEFORE)
    assert (pause.end_date - pause.start_date).days + 1 == orders.MAX_PAUSE_DAYS


def test_revoked_and_expired_links_are_refused(session: Session, elder: Client) -> None:
    """A revoked link, an expired link and an unknown token are refused with their reason."""
    link, token = orders.create_link(session, "C1", user="s", today=MON)
    orders.revoke_link(session, "C1", link.id, user="s")
    with pytest.raises(orders.LinkRefused) as err:
        orders.resolve_link(session, token, today=MON)
    assert err.value.reason == orders.REVOKED
    _, token2 = orders.create_link(session, "C1", expires_on=MON, user="s", today=MON)
    assert orders.resolve_link(session, token2, today=MON).client.code == "C1"
    with pytest.raises(orders.LinkRefused) as err:
        orders.resolve_link(session, token2, today=MON + DAY)
    assert err.value.reason == orders.EXPIRED
    with pytest.raises(orders.LinkRefused) as err:
        orders.resolve_link(session, "nope", today=MON)
    assert err.value.reason == orders.UNKNOWN
    assert len(orders.list_links(session, "C1")) == 2


def test_week_shows_the_elders_diet_menu(session: Session, elder: Client) -> None:
    """The week view lists the stored menu of the elder's own diet, and what is planned."""
    profile = elder.diet_profile
    other = DietProfile(code="soft", name_zh="软食", name_en="Soft", group=profile.group)
    fish = Dish(code="D1", name_zh="清蒸鱼", category="main", cooking_method="steam")
    tofu = Dish(code="D2", name_zh="豆腐", category="main", cooking_method="steam")
    session.add_all(
        [
            Menu(
                date=MON,
                service="lunch",
                diet_profile=profile,
                cost_fen=500,
                items=[MenuItem(position=0, dish=fish)],
            ),
            Menu(
                date=MON,
                service="lunch",
                diet_profile=other,
                cost_fen=500,
                items=[MenuItem(position=0, dish=tofu)],
            ),
        ]
    )
    session.flush()
    days = orders.week(session, "C1", MON, now=BEFORE)
    assert [d.date for d in days] == [MON + i * DAY for i in range(7)]
    assert [x.code for x in days[0].dishes] == ["D1"]
    assert [d.gets for d in days] == [True, False, True, False, False, False, False]
    assert all(d.open for d in days)


def test_week_shows_what_the_elder_pays(session: Session, elder: Client) -> None:
    """The week view prices each meal with the one pricing rule: an 80+ elder pays 300 fen of
    a 1200-fen meal from the tier's first day, nothing is shown before it."""
    session.add_all(
        [
            PriceTier(code="T1", service="lunch", category="age_80", meal_price_fen=1200,
                      elder_pays_fen=300, valid_from=MON + DAY),
            SubsidyRule(code="R1", category="age_80", level="city", funder="市民政局",
                        amount_fen=300, valid_from=MON),
            SubsidyRule(code="R2", category="age_80", level="district", funder="区民政局",
                        amount_fen=300, valid_from=MON),
            SubsidyRule(code="R3", category="age_80", level="street", funder="街道",
                        amount_fen=None, valid_from=MON),
        ]
    )  # fmt: skip
    session.flush()
    days = orders.week(session, "C1", MON, now=BEFORE)
    assert [d.price_fen for d in days] == [None] + [300] * 6
