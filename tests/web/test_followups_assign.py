"""Reassigning a follow-up (web/followups, issue 14): a manager gives an open task to
another community worker; the change is audited; workers and viewers cannot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import AuditEntry, FollowUp
from mealplan.services import ratings

pytestmark = pytest.mark.db


@pytest.fixture
def task_id(session: Session, world: Any, make_user: Any) -> int:
    """A 1-star rating's open task, and two community workers w-a and w-b."""
    ratings.record_rating(session, date=dt.date.today(), service="lunch", subject="service",
                          score=1, site_code="S1", comment="饭凉了", actor="staff")  # fmt: skip
    make_user("community_worker", username="w-a")
    make_user("community_worker", username="w-b")
    session.commit()
    task = session.scalar(select(FollowUp))
    assert task is not None
    return task.id


def test_manager_reassigns_a_task(
    client: FlaskClient, session: Session, task_id: int, auth: Any
) -> None:
    """The manager's page offers the workers; posting w-b assigns the task to w-b and the
    audit names the manager and both assignees; an unknown name is refused in Chinese."""
    manager = auth.login_as("manager")
    page = client.get("/followups/").get_data(as_text=True)
    assert 'value="w-a"' in page and 'value="w-b"' in page and "改派" in page
    r = client.post(f"/followups/{task_id}/assign", data={"assignee": "w-b"})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(FollowUp, task_id).assignee == "w-b"  # type: ignore[union-attr]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "reassign"))
    assert entry is not None and entry.actor == manager.username
    assert entry.entity_code == str(task_id) and entry.details["assignee"][1] == "w-b"
    r = client.post(f"/followups/{task_id}/assign", data={"assignee": "nobody"},
                    follow_redirects=True)  # fmt: skip
    assert "不是在岗的社区工作人员" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(FollowUp, task_id).assignee == "w-b"  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["community_worker", "viewer"])
def test_others_cannot_reassign(
    client: FlaskClient, session: Session, task_id: int, auth: Any, role: str
) -> None:
    """Workers and viewers see no reassign form and get 403 when posting."""
    auth.login_as(role)
    assert "reassign" not in client.get("/followups/").get_data(as_text=True)
    r = client.post(f"/followups/{task_id}/assign", data={"assignee": "w-b"})
    assert r.status_code == 403
    session.expire_all()
    assert session.get(FollowUp, task_id).assignee != "w-b"  # type: ignore[union-attr]
