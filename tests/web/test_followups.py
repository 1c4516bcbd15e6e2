"""Follow-up tasks in the panel (web/followups)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import FollowUp
from mealplan.services import ratings

pytestmark = pytest.mark.db


def test_low_rating_task_closed_by_a_worker_stays_in_history(
    client: FlaskClient, session: Session, world: Any, auth: Any
) -> None:
    """A 1-star service rating shows as an open task; a worker closes it with an outcome;
    it leaves the open list and shows in the history, in Chinese and English."""
    ratings.record_rating(
        session,
        date=dt.date.today(),
        service="lunch",
        subject="service",
        score=1,
        site_code="S1",
        comment="菜太咸",
        actor="staff",
    )
    session.commit()
    auth.login_as("community_worker")
    page = client.get("/followups/").get_data(as_text=True)
    assert "菜太咸" in page and "回访" in page
    task = session.scalar(select(FollowUp))
    assert task is not None
    r = client.post(f"/followups/{task.id}", data={"action": "close", "outcome": ""})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(FollowUp, task.id).status == "open"  # type: ignore[union-attr]
    client.post(f"/followups/{task.id}", data={"action": "close", "outcome": "已电话回访"})
    assert "菜太咸" not in client.get("/followups/").get_data(as_text=True)
    history = client.get("/followups/?status=closed").get_data(as_text=True)
    assert "已电话回访" in history
    en = client.get("/followups/?status=closed", headers={"Accept-Language": "en"})
    assert en.status_code == 200


@pytest.mark.parametrize("role", ["site_staff", "dispatcher"])
def test_followups_not_for_others(client: FlaskClient, world: Any, auth: Any, role: str) -> None:
    """Site staff, drivers and dispatchers do not see follow-ups."""
    auth.login_as(role)
    assert client.get("/followups/").status_code == 403


def test_viewer_reads_but_cannot_close(
    client: FlaskClient, session: Session, world: Any, auth: Any
) -> None:
    """A viewer sees the list, and closing answers 403."""
    ratings.record_rating(
        session,
        date=dt.date.today(),
        service="lunch",
        subject="service",
        score=2,
        site_code="S1",
        actor="staff",
    )
    session.commit()
    auth.login_as("viewer")
    assert client.get("/followups/").status_code == 200
    task = session.scalar(select(FollowUp))
    assert task is not None
    assert (
        client.post(f"/followups/{task.id}", data={"action": "close", "outcome": "x"}).status_code
        == 403
    )


def test_admin_binds_a_community_worker_to_a_street(
    client: FlaskClient, session: Session, world: Any, auth: Any
) -> None:
    """The admin's user form stores a community worker's street."""
    from mealplan.services import users

    auth.login_as("admin")
    r = client.post(
        "/admin/users",
        data={
            "username": "w9",
            "role": "community_worker",
            "street": "米市巷街道",
            "password": "correct horse 1",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    session.expire_all()
    assert users.get_by_username(session, "w9").street == "米市巷街道"


def test_monthly_report_shows_follow_up_counts(
    client: FlaskClient, session: Session, world: Any, auth: Any
) -> None:
    """The monthly report page shows the month's follow-ups opened, closed and overdue."""
    ratings.record_rating(
        session, date=dt.date.today(), service="lunch", subject="service", score=1,
        site_code="S1", actor="staff",
    )  # fmt: skip
    session.commit()
    auth.login_as("manager")
    page = client.get(f"/reports/monthly?month={dt.date.today():%Y-%m}").get_data(as_text=True)
    assert 'id="followups-opened">1<' in page and "新增回访" in page
