"""Pauses of a home client's meals (mealplan.services.pauses)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import (
    AuditEntry,
    Client,
    ClientPause,
    DietProfile,
    Kitchen,
    NutritionGroup,
    Route,
    Vehicle,
)
from mealplan.errors import NotFoundError
from mealplan.planning.demand import client_subscribed
from mealplan.services import pauses
from mealplan.services.records import RecordValidationError

pytestmark = pytest.mark.db
TODAY = dt.date(2026, 3, 2)  # a Monday
DAY = dt.timedelta(days=1)


@pytest.fixture
def clients(session: Session) -> list[Client]:
    """Two home clients of kitchen K1, C1 and C2, subscribed to lunch every day."""
    kitchen = Kitchen(code="K1", name="K", lat=30, lon=120)
    profile = DietProfile(
        code="reg",
        name_zh="普通",
        name_en="Regular",
        group=NutritionGroup(code="regular", name_zh="普通", name_en="R"),
    )
    out = [
        Client(
            code=code,
            name=name,
            lat=30,
            lon=120,
            diet_profile=profile,
            category="age_80",
            kitchen=kitchen,
            lunch_days="1234567",
        )
        for code, name in (("C1", "张爷爷"), ("C2", "李奶奶"))
    ]
    session.add_all(out)
    session.flush()
    return out


def _audit(session: Session, action: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "client_pause", AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
    )


def _add(session: Session, start: dt.date, end: dt.date, code: str = "C1") -> ClientPause:
    return pauses.add_pause(session, code, start, end, "住院", user="boss", today=TODAY)


def test_add_pause_stores_it_and_audits(session: Session, clients: list[Client]) -> None:
    """An added pause stops the client's meals on its days only and is audited."""
    pause = pauses.add_pause(
        session, "C1", TODAY + DAY, TODAY + 3 * DAY, "  住院  ", user="boss", today=TODAY
    )
    assert (pause.start_date, pause.end_date, pause.reason) == (
        TODAY + DAY,
        TODAY + 3 * DAY,
        "住院",
    )
    c1 = clients[0]
    assert client_subscribed(c1, TODAY, "lunch")
    assert not client_subscribed(c1, TODAY + DAY, "lunch")
    assert not client_subscribed(c1, TODAY + 3 * DAY, "lunch")
    assert client_subscribed(c1, TODAY + 4 * DAY, "lunch")
    [entry] = _audit(session, "create")
    assert entry.actor == "boss" and entry.entity_code == "C1"
    assert entry.details == {
        "id": pause.id,
        "start": "2026-03-03",
        "end": "2026-03-05",
        "reason": "住院",
    }


def test_list_pauses_latest_first_with_status(session: Session, clients: list[Client]) -> None:
    """The list: the client's own pauses, latest first, upcoming / ongoing / past."""
    _add(session, TODAY - 10 * DAY, TODAY - 5 * DAY)
    _add(session, TODAY - DAY, TODAY + DAY)
    _add(session, TODAY + 7 * DAY, TODAY + 7 * DAY)
    _add(session, TODAY, TODAY, code="C2")
    listed = pauses.list_pauses(session, "C1", today=TODAY)
    assert [(p.start, p.status, p.days) for p in listed] == [
        (TODAY + 7 * DAY, "upcoming", 1),
        (TODAY - DAY, "ongoing", 3),
        (TODAY - 10 * DAY, "past", 6),
    ]
    assert [p.client_code for p in pauses.list_pauses(session, "C2", today=TODAY)] == ["C2"]


def test_unknown_client_or_pause_not_found(session: Session, clients: list[Client]) -> None:
    """An unknown client code, an unknown pause, or another client's pause is NotFoundError."""
    with pytest.raises(NotFoundError):
        pauses.list_pauses(session, "NOPE")
    with pytest.raises(NotFoundError):
        pauses.add_pause(session, "NOPE", TODAY, TODAY, "", user="boss")
    with pytest.raises(NotFoundError):
        pauses.delete_pause(session, 999, user="boss")
    pause = _add(session, TODAY, TODAY)
    with pytest.raises(NotFoundError):
        pauses.end_pause(session, pause.id, on=TODAY, user="boss", client_code="C2")
    with pytest.raises(NotFoundError):
        pauses.delete_pause(session, pause.id, user="boss", client_code="C2")
    assert session.get(ClientPause, pause.id) is not None


def test_end_before_start_refused(session: Session, clients: list[Client]) -> None:
    """A pause ending before it starts is refused on the end field, naming both dates."""
    with pytest.raises(RecordValidationError) as caught:
        _add(session, TODAY + 3 * DAY, TODAY + DAY)
    [issue] = caught.value.issues
    assert issue.field == "end" and issue.params["value"] == TODAY + DAY
    assert "2026-03-03" in str(issue) and "2026-03-05" in str(issue)
    assert session.scalar(select(ClientPause.id)) is None


def test_overlap_refused_with_the_other_pause_dates(
    session: Session, clients: list[Client]
) -> None:
    """An overlap is refused naming the other pause's dates; back-to-back is fine."""
    _add(session, TODAY + 5 * DAY, TODAY + 9 * DAY)
    with pytest.raises(RecordValidationError) as caught:
        _add(session, TODAY + 9 * DAY, TODAY + 12 * DAY)
    [issue] = caught.value.issues
    assert issue.field == "start"
    assert str(issue) == "overlaps the pause from 2026-03-07 to 2026-03-11"
    with pytest.raises(RecordValidationError) as caught:  # covers it entirely
        _add(session, TODAY, TODAY + 20 * DAY)
    assert [i.field for i in caught.value.issues] == ["end"]
    assert "2026-03-07" in str(caught.value) and "2026-03-11" in str(caught.value)
    _add(session, TODAY + 10 * DAY, TODAY + 12 * DAY)
    _add(session, TODAY, TODAY + 4 * DAY)
    _add(session, TODAY + 5 * DAY, TODAY + 9 * DAY, code="C2")
    assert len(pauses.list_pauses(session, "C1", today=TODAY)) == 3
    assert len(_audit(session, "create")) == 4


def test_dates_more_than_a_year_back_refused(session: Session, clients: list[Client]) -> None:
    """A start more than a year back is refused; a year back to the day is not."""
    with pytest.raises(RecordValidationError) as caught:
        _add(session, dt.date(2025, 3, 1), dt.date(2025, 3, 10))
    [issue] = caught.value.issues
    assert issue.field == "start" and "2025-03-01" in str(issue)
    _add(session, dt.date(2025, 3, 2), dt.date(2025, 3, 10))


def test_long_reason_refused(session: Session, clients: list[Client]) -> None:
    """A reason longer than the column (200 characters) is refused on the reason field."""
    with pytest.raises(RecordValidationError) as caught:
        pauses.add_pause(session, "C1", TODAY, TODAY, "病" * 201, user="boss", today=TODAY)
    assert [i.field for i in caught.value.issues] == ["reason"]


def test_end_ongoing_pause_early(session: Session, clients: list[Client]) -> None:
    """Ending an ongoing pause on a day brings meals back that day (audited)."""
    pause = _add(session, TODAY - 2 * DAY, TODAY + 10 * DAY)
    ended = pauses.end_pause(session, pause.id, on=TODAY + DAY, user="boss", client_code="C1")
    assert ended is pause and pause.end_date == TODAY
    assert not client_subscribed(clients[0], TODAY, "lunch")
    assert client_subscribed(clients[0], TODAY + DAY, "lunch")
    [entry] = _audit(session, "end")
    assert entry.actor == "boss" and entry.entity_code == "C1"
    assert entry.details["end"] == ["2026-03-12", "2026-03-02"]


def test_end_pause_after_its_last_day_refused(session: Session, clients: list[Client]) -> None:
    """Meals cannot come back after a pause is over: a day past its end is refused."""
    pause = _add(session, TODAY - 2 * DAY, TODAY + DAY)
    with pytest.raises(RecordValidationError) as caught:
        pauses.end_pause(session, pause.id, on=TODAY + 2 * DAY, user="boss")
    [issue] = caught.value.issues
    assert issue.field == "on" and "2026-03-03" in str(issue)
    assert pause.end_date == TODAY + DAY and _audit(session, "end") == []


def test_end_pause_not_started_deletes_it(session: Session, clients: list[Client]) -> None:
    """Ending a pause that has not started by that day deletes it (audited as a delete)."""
    pause = _add(session, TODAY + 3 * DAY, TODAY + 5 * DAY)
    pause_id = pause.id
    assert pauses.end_pause(session, pause_id, on=TODAY + 3 * DAY, user="boss") is None
    assert session.get(ClientPause, pause_id) is None
    assert client_subscribed(clients[0], TODAY + 4 * DAY, "lunch")
    [entry] = _audit(session, "delete")
    assert entry.details["id"] == pause_id and entry.details["start"] == "2026-03-05"


def test_delete_future_pause(session: Session, clients: list[Client]) -> None:
    """Deleting a future pause removes it (meals on its days again) and audits what it was."""
    pause = _add(session, TODAY + 3 * DAY, TODAY + 5 * DAY)
    pause_id = pause.id
    pauses.delete_pause(session, pause_id, user="boss", client_code="C1")
    session.commit()
    assert session.get(ClientPause, pause_id) is None
    assert pauses.list_pauses(session, "C1", today=TODAY) == []
    assert client_subscribed(clients[0], TODAY + 4 * DAY, "lunch")
    [entry] = _audit(session, "delete")
    assert entry.actor == "boss" and entry.entity_code == "C1"
    assert entry.details == {
        "id": pause_id,
        "start": "2026-03-05",
        "end": "2026-03-07",
        "reason": "住院",
    }


def test_planned_days(session: Session, clients: list[Client]) -> None:
    """The days of a period whose routes from the client's kitchen are already planned."""
    kitchen = clients[0].kitchen
    vehicle = Vehicle(code="V1", kind="van", capacity_boxes=10, speed_kmh=30, kitchen=kitchen)
    for day in (TODAY, TODAY + 2 * DAY, TODAY + 9 * DAY):
        session.add(Route(date=day, service="lunch", vehicle=vehicle, kitchen=kitchen))
    session.flush()
    assert pauses.planned_days(session, "C1", TODAY, TODAY + 3 * DAY) == [TODAY, TODAY + 2 * DAY]
    assert pauses.planned_days(session, "C1", TODAY + 3 * DAY, TODAY + 8 * DAY) == []
