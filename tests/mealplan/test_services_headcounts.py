"""Headcount reporting, cut-off, seats flag and forecasts (mealplan.services.headcounts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from mealplan.db.models import DietProfile, Kitchen, NutritionGroup, Site
from mealplan.planning.demand import day_demand, store_forecasts
from mealplan.services import headcounts
from mealplan.services.headcounts import CutoffPassedError
from mealplan.services.records import RecordValidationError

pytestmark = pytest.mark.db
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def site(session: Session) -> Site:
    kitchen = Kitchen(code="K1", name="K", lat=30, lon=120)
    site = Site(code="S1", kind="canteen", name="S", lat=30, lon=120, kitchen=kitchen, seats=20)
    group = NutritionGroup(code="regular", name_zh="普通", name_en="Regular")
    session.add_all(
        [
            site,
            DietProfile(code="reg", name_zh="普通", name_en="Regular", group=group),
            DietProfile(code="soft", name_zh="软食", name_en="Soft", group=group, max_iddsi=6),
        ]
    )
    session.flush()
    return site


def test_cutoff_same_day(site: Site) -> None:
    """Same-day reports close at the cut-off; earlier days are closed, later ones open."""
    at_8 = dt.datetime.combine(MONDAY, dt.time(8, 59))
    at_9 = dt.datetime.combine(MONDAY, dt.time(9, 0))
    assert headcounts.is_open(MONDAY, now=at_8, cutoff="09:00")
    assert not headcounts.is_open(MONDAY, now=at_9, cutoff="09:00")
    assert headcounts.is_open(MONDAY + dt.timedelta(days=1), now=at_9, cutoff="09:00")
    assert not headcounts.is_open(MONDAY - dt.timedelta(days=1), now=at_8, cutoff="09:00")


def test_record_before_cutoff_and_replace(session: Session, site: Site) -> None:
    """Counts are stored as reported; a second report replaces one profile, keeps the other."""
    now = dt.datetime.combine(MONDAY, dt.time(8, 0))
    headcounts.record_headcounts(
        session, "S1", MONDAY, "lunch", {"reg": 10, "soft": 3}, "li", now=now, cutoff="09:00"
    )
    result = headcounts.record_headcounts(
        session, "S1", MONDAY, "lunch", {"reg": 12}, "li", now=now, cutoff="09:00"
    )
    assert result.counts == {"reg": 12, "soft": 3} and result.total == 15
    assert not result.over_seats and result.warnings == []


def test_after_cutoff_refused_unless_late_allowed(session: Session, site: Site) -> None:
    """After the cut-off site staff are refused; a manager (allow_late) may still write."""
    late = dt.datetime.combine(MONDAY, dt.time(9, 30))
    with pytest.raises(CutoffPassedError):
        headcounts.record_headcounts(
            session, "S1", MONDAY, "lunch", {"reg": 5}, "li", now=late, cutoff="09:00"
        )
    assert headcounts.site_counts(session, "S1", MONDAY, "lunch") == {}
    headcounts.record_headcounts(
        session,
        "S1",
        MONDAY,
        "lunch",
        {"reg": 5},
        "boss",
        now=late,
        cutoff="09:00",
        allow_late=True,
    )
    assert headcounts.site_counts(session, "S1", MONDAY, "lunch") == {"reg": 5}


def test_above_seats_flagged(session: Session, site: Site) -> None:
    """A total of 25 at a site of 20 seats is stored with a warning."""
    now = dt.datetime.combine(MONDAY, dt.time(7, 0))
    result = headcounts.record_headcounts(
        session, "S1", MONDAY, "lunch", {"reg": 20, "soft": 5}, "li", now=now, cutoff="09:00"
    )
    assert result.over_seats
    assert str(result.warnings[0]) == "the total of 25 is above the 20 seats of the site"


@pytest.mark.parametrize("counts", [{"nope": 1}, {"reg": -1}, {"reg": 10_001}, {"reg": "x"}])
def test_invalid_counts(session: Session, site: Site, counts: dict[str, object]) -> None:
    """Unknown profiles, negative, huge or non-numeric counts are refused."""
    now = dt.datetime.combine(MONDAY, dt.time(7, 0))
    with pytest.raises(RecordValidationError):
        headcounts.record_headcounts(
            session,
            "S1",
            MONDAY,
            "lunch",
            counts,
            "li",  # type: ignore[arg-type]
            now=now,
            cutoff="09:00",
        )


def test_forecast_and_day_status(session: Session, site: Site) -> None:
    """A site that has not reported is forecast from the same weekday: (10 + 14) / 2 = 12;
    with no history it is missing, never zero."""
    past = [MONDAY - dt.timedelta(weeks=1), MONDAY - dt.timedelta(weeks=2)]
    for day, count in zip(past, (10, 14), strict=True):
        headcounts.record_headcounts(
            session, "S1", day, "lunch", {"reg": count}, "li", allow_late=True
        )
    days = headcounts.day_status(session, MONDAY, "lunch")
    assert [(d.status, d.counts) for d in days] == [("forecast", {"reg": 12})]
    later = headcounts.day_status(session, MONDAY + dt.timedelta(weeks=10), "lunch")
    assert [(d.status, d.counts) for d in later] == [("missing", {})]
    headcounts.record_headcounts(session, "S1", MONDAY, "lunch", {"reg": 7}, "li", allow_late=True)
    assert headcounts.day_status(session, MONDAY, "lunch")[0].status == "reported"
    assert headcounts.day_status(session, MONDAY, "dinner") == []  # no dinner window


def _report(session: Session, day: dt.date, counts: dict[str, int], site: str = "S1") -> None:
    headcounts.record_headcounts(session, site, day, "lunch", counts, "li", allow_late=True)


def _panel_and_plan(session: Session, date: dt.date) -> tuple[str, dict[str, int], dict[str, int]]:
    """S1's panel status and counts, and the meals the planner uses for it on ``date``."""
    (day,) = headcounts.day_status(session, date, "lunch", weeks=4)
    (planned,) = day_demand(session, date, "lunch", forecast_weeks=4).sites
    return day.status, day.counts, planned.meals


def test_other_weekdays_forecast_as_the_planner_does(session: Session, site: Site) -> None:
    """Reports only on other weekdays: the panel forecasts exactly the planner's meals."""
    _report(session, MONDAY - dt.timedelta(days=6), {"reg": 10})  # Tuesday
    _report(session, MONDAY - dt.timedelta(days=12), {"reg": 13, "soft": 1})  # Wednesday
    _report(session, MONDAY - dt.timedelta(days=29), {"reg": 100})  # before the 4 weeks
    # reg (10 + 13) / 2 = 11.5 -> 12; soft (0 + 1) / 2 = 0.5 -> 0, left out
    assert _panel_and_plan(session, MONDAY) == ("forecast", {"reg": 12}, {"reg": 12})


def test_same_weekday_wins_over_other_days(session: Session, site: Site) -> None:
    """Same-weekday history wins over other days' reports in the panel and the planner."""
    _report(session, MONDAY - dt.timedelta(weeks=1), {"reg": 10, "soft": 2})
    _report(session, MONDAY - dt.timedelta(weeks=4), {"reg": 14})  # first day of the window
    _report(session, MONDAY - dt.timedelta(days=1), {"reg": 50, "soft": 9})  # a Sunday
    expected = {"reg": 12, "soft": 1}
    assert _panel_and_plan(session, MONDAY) == ("forecast", expected, expected)


def test_stored_forecast_rows_win_in_the_panel(session: Session, site: Site) -> None:
    """The panel shows the plan's stored forecast rows; the planner recomputes and rewrites."""
    _report(session, MONDAY - dt.timedelta(weeks=1), {"reg": 10})
    store_forecasts(session, day_demand(session, MONDAY, "lunch", forecast_weeks=4))
    assert _panel_and_plan(session, MONDAY) == ("forecast", {"reg": 10}, {"reg": 10})
    _report(session, MONDAY - dt.timedelta(weeks=2), {"reg": 14})  # a late report after the plan
    # the panel keeps what the kitchen was told to cook; the planner's rerun would use 12
    assert _panel_and_plan(session, MONDAY) == ("forecast", {"reg": 10}, {"reg": 12})
    store_forecasts(session, day_demand(session, MONDAY, "lunch", forecast_weeks=4))
    assert _panel_and_plan(session, MONDAY) == ("forecast", {"reg": 12}, {"reg": 12})


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements run on the session's engine while the test runs."""
    seen: list[str] = []
    engine = session.get_bind()

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_day_status_reads_all_sites_in_four_queries(
    session: Session, site: Site, statements: list[str]
) -> None:
    """However many sites, day_status runs at most four queries (one or two for history)."""
    for n in range(2, 13):
        session.add(
            Site(
                code=f"S{n}",
                kind="canteen",
                name=f"S{n}",
                lat=30,
                lon=120,
                kitchen_id=site.kitchen_id,
                seats=20,
            )
        )
    session.flush()
    for n in range(1, 12, 2):  # odd sites report on past Mondays, even ones on Tuesdays
        _report(session, MONDAY - dt.timedelta(weeks=1), {"reg": n}, f"S{n}")
        _report(session, MONDAY - dt.timedelta(days=6), {"reg": n + 1}, f"S{n + 1}")
    session.flush()
    statements.clear()
    days = headcounts.day_status(session, MONDAY, "lunch")
    assert len(statements) <= 4
    assert [d.status for d in days] == ["forecast"] * 12


@pytest.mark.parametrize("raw", ["²", True, 1.5, "1.5", "", None, "12345678901"])
def test_odd_counts_are_field_errors(session: Session, site: Site, raw: object) -> None:
    """``²``, a bool, a fraction or nothing is a field error naming the profile, never
    truncated or stored (int(True) == 1 and int(1.5) == 1 would be)."""
    now = dt.datetime.combine(MONDAY, dt.time(7, 0))
    with pytest.raises(RecordValidationError) as caught:
        headcounts.record_headcounts(
            session,
            "S1",
            MONDAY,
            "lunch",
            {"reg": raw},
            "li",
            now=now,
            cutoff="09:00",  # type: ignore[dict-item]
        )
    assert caught.value.issues[0].field == "reg"
    assert headcounts.site_counts(session, "S1", MONDAY, "lunch") == {}


@pytest.mark.parametrize(("raw", "value"), [("１２", 12), (" 7 ", 7), (3.0, 3), ("0", 0)])
def test_whole_numbers_in_other_spellings(
    session: Session, site: Site, raw: object, value: int
) -> None:
    """Full-width digits, padded text and integral floats are the whole number they spell."""
    now = dt.datetime.combine(MONDAY, dt.time(7, 0))
    result = headcounts.record_headcounts(
        session,
        "S1",
        MONDAY,
        "lunch",
        {"reg": raw},
        "li",
        now=now,
        cutoff="09:00",  # type: ignore[dict-item]
    )
    assert result.counts["reg"] == value
