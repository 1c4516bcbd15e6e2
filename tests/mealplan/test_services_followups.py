"""Follow-up tasks (回访, mealplan.services.followups)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import (
    Client,
    Delivery,
    DietProfile,
    Dish,
    FollowUp,
    Kitchen,
    Menu,
    MenuItem,
    NutritionGroup,
    Route,
    RouteStop,
    Site,
    Trip,
    UnservedStop,
    Vehicle,
)
from mealplan.services import followups, ratings
from mealplan.services.records import RecordValidationError

pytestmark = pytest.mark.db
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def world(session: Session) -> Client:
    """Kitchen K1, canteen S1, elder C1 (diet reg) and a menu of two dishes for reg."""
    kitchen = Kitchen(code="K1", name="K", lat=30, lon=120)
    group = NutritionGroup(code="regular", name_zh="普通", name_en="R")
    reg = DietProfile(code="reg", name_zh="普通", name_en="Regular", group=group)
    soft = DietProfile(code="soft", name_zh="软食", name_en="Soft", group=group)
    site = Site(code="S1", kind="canteen", name="食堂", lat=30, lon=120, kitchen=kitchen)
    client = Client(
        code="C1",
        name="张爷爷",
        lat=30,
        lon=120,
        diet_profile=reg,
        category="age_80",
        kitchen=kitchen,
        lunch_days="12345",
    )
    dishes = [
        Dish(code=f"D{i}", name_zh=f"菜{i}", category="main", cooking_method="steam")
        for i in range(1, 4)
    ]
    session.add_all([site, client, *dishes])
    session.add_all(
        [
            Menu(
                date=DAY,
                service="lunch",
                diet_profile=reg,
                cost_fen=500,
                items=[MenuItem(position=0, dish=dishes[0]), MenuItem(position=1, dish=dishes[1])],
            ),
            Menu(
                date=DAY,
                service="lunch",
                diet_profile=soft,
                cost_fen=500,
                items=[MenuItem(position=0, dish=dishes[2])],
            ),
        ]
    )
    session.flush()
    return client


def test_low_rating_opens_one_task_a_worker_closes(session: Session, world: Client) -> None:
    """A 1-star rating opens a task due 3 days later; closing it keeps it in the history."""
    ratings.record_meal_ratings(
        session,
        site_code="S1",
        client_code="C1",
        date=DAY,
        service="lunch",
        dish_scores={"D1": 1, "D2": 5},
        service_score=None,
        actor="staff",
    )
    tasks = followups.list_tasks(session)
    assert len(tasks) == 1
    task = tasks[0]
    assert (task.source, task.client_code, task.due_date) == (
        "rating",
        "C1",
        DAY + dt.timedelta(days=3),
    )
    with pytest.raises(RecordValidationError):
        followups.close(session, task.id, "  ", user="worker")
    followups.close(session, task.id, "电话回访，已改菜", user="worker")
    assert followups.list_tasks(session) == []
    history = followups.list_tasks(session, status=followups.CLOSED)
    assert [(t.id, t.outcome, t.closed_by) for t in history] == [
        (task.id, "电话回访，已改菜", "worker")
    ]
    with pytest.raises(RecordValidationError):
        followups.close(session, task.id, "again", user="worker")


def test_comment_opens_a_task_and_good_rating_does_not(session: Session, world: Client) -> None:
    """A 4-star rating without comment opens nothing; a 5-star service rating with a comment
    opens one task."""
    ratings.record_meal_ratings(
        session,
        site_code="S1",
        date=DAY,
        service="lunch",
        dish_scores={"D1": 4},
        service_score=None,
        actor="s",
    )
    assert followups.list_tasks(session) == []
    ratings.record_meal_ratings(
        session,
        site_code="S1",
        date=DAY,
        service="lunch",
        dish_scores={},
        service_score=5,
        comment="米饭太硬",
        actor="s",
    )
    assert [t.reason for t in followups.list_tasks(session)] == ["service 5/5: 米饭太硬"]


def test_elder_rates_only_the_dishes_of_their_diet(session: Session, world: Client) -> None:
    """The elder's dishes are the menu of their diet that day; another diet's dish is refused."""
    assert [d.code for d in ratings.elder_dishes(session, "C1", DAY, "lunch")] == ["D1", "D2"]
    with pytest.raises(RecordValidationError):
        ratings.record_meal_ratings(
            session,
            site_code="S1",
            client_code="C1",
            date=DAY,
            service="lunch",
            dish_scores={"D3": 4},
            service_score=None,
            actor="s",
        )


def test_alerts_refusals_and_unserved_meals_become_tasks_once(
    session: Session, world: Client
) -> None:
    """collect() makes one task per no-answer, refusal and unserved home meal; run twice,
    it adds nothing; a delivered stop makes none."""
    kitchen = world.kitchen
    vehicle = Vehicle(code="V1", kind="van", capacity_boxes=10, speed_kmh=30, kitchen=kitchen)
    session.add(vehicle)
    session.flush()
    route = Route(date=DAY, service="lunch", kitchen_id=kitchen.id, vehicle_id=vehicle.id)
    trip = Trip(route=route, seq=0, ready_min=600, depart_min=610, return_min=700)
    stops = [
        RouteStop(
            trip=trip,
            seq=i,
            kind="home",
            client_id=world.id,
            arrive_min=650,
            window_start_min=660,
            window_end_min=720,
            meals={"reg": 1},
        )
        for i in range(3)
    ]
    session.add_all([route, trip, *stops])
    session.flush()
    session.add_all(
        [
            Delivery(route_stop_id=stops[0].id, status="no_answer", welfare_alert_open=True),
            Delivery(route_stop_id=stops[1].id, status="refused", reason="不想吃"),
            Delivery(route_stop_id=stops[2].id, status="delivered"),
            UnservedStop(date=DAY, service="lunch", client_id=world.id, reason="hold_limit"),
        ]
    )
    session.flush()
    assert followups.collect(session) == 3
    assert followups.collect(session) == 0
    sources = sorted(t.source for t in followups.list_tasks(session))
    assert sources == ["missed", "unserved", "welfare"]


def test_month_counts(session: Session, world: Client) -> None:
    """Opened, closed and overdue counts of a month: one closed on time, one open past due."""
    for score in (1, 2):
        ratings.record_rating(
            session,
            date=DAY,
            service="lunch",
            subject="service",
            score=score,
            site_code="S1",
            actor="s",
        )
    first, second = session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
    followups.close(session, first.id, "ok", user="w")
    first.closed_at = dt.datetime(2026, 3, 3, 10, 0)  # on time
    counts = followups.month_counts(
        session, dt.date(2026, 3, 1), dt.date(2026, 3, 31), today=dt.date(2026, 3, 10)
    )
    assert (counts.opened, counts.closed, counts.overdue, counts.open_now) == (2, 1, 1, 1)
    assert second.status == followups.OPEN


def test_task_goes_to_the_worker_of_the_elders_street(session: Session, world: Client) -> None:
    """A task of an elder on 米市巷街道 is assigned to that street's worker, who sees it; a
    worker of another street does not."""
    from mealplan.services import users

    world.street = "米市巷街道"
    users.create_user(
        session, "w1", "correct horse 1", "community_worker", street="米市巷街道", actor="t"
    )
    users.create_user(
        session, "w2", "correct horse 1", "community_worker", street="和睦街道", actor="t"
    )
    ratings.record_meal_ratings(
        session, site_code="S1", client_code="C1", date=DAY, service="lunch",
        dish_scores={"D1": 2}, service_score=None, actor="staff",
    )  # fmt: skip
    (task,) = followups.list_tasks(session)
    assert task.assignee == "w1"
    assert [t.id for t in followups.list_tasks(session, street="米市巷街道", user="w1")] == [
        task.id
    ]
    assert followups.list_tasks(session, street="和睦街道", user="w2") == []


def test_no_answer_opens_its_task_when_recorded(session: Session, world: Client) -> None:
    """Recording a no-answer at a home opens the welfare task at once; recording it again
    adds none; a delivered stop opens none."""
    from mealplan.services import deliveries

    kitchen = world.kitchen
    vehicle = Vehicle(code="V1", kind="van", capacity_boxes=10, speed_kmh=30, kitchen=kitchen)
    route = Route(date=DAY, service="lunch", kitchen=kitchen, vehicle=vehicle)
    trip = Trip(route=route, seq=0, ready_min=600, depart_min=610, return_min=700)
    stops = [
        RouteStop(trip=trip, seq=i, kind="home", client_id=world.id, arrive_min=650,
                  window_start_min=660, window_end_min=720, meals={"reg": 1})
        for i in range(2)
    ]  # fmt: skip
    session.add_all([route, *stops])
    session.flush()

    from mealplan.services.notify import LogNotifier

    for _ in range(2):
        deliveries.record_delivery(
            session, stops[0].id, "no_answer", actor="d", notifier=LogNotifier()
        )
    deliveries.record_delivery(session, stops[1].id, "delivered", actor="d")
    tasks = followups.list_tasks(session)
    assert [(t.source, t.client_code) for t in tasks] == [("welfare", "C1")]
