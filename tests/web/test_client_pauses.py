"""Pausing and resuming a home client's meals on the client's edit page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import AuditEntry, ClientPause
from mealplan.planning.demand import day_demand
from mealplan.services import deliveries, pauses
from web import create_app

pytestmark = pytest.mark.db

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
URL = "/data/clients/C1/pauses"


def _pause_data(start: dt.date, end: dt.date, reason: str = "住院") -> dict[str, str]:
    return {
        "pause-start": start.isoformat(),
        "pause-end": end.isoformat(),
        "pause-reason": reason,
    }


def _stored(session: Session) -> list[tuple[dt.date, dt.date, str]]:
    session.expire_all()
    return [
        (p.start_date, p.end_date, p.reason)
        for p in session.scalars(select(ClientPause).order_by(ClientPause.start_date))
    ]


def _homes(session: Session, date: dt.date) -> list[str]:
    session.expire_all()
    return [h.client_code for h in day_demand(session, date, "lunch").homes]


def test_add_pause_shown_on_edit_page_in_chinese(
    client: FlaskClient, auth: Any, make_home_client: Any, session: Session
) -> None:
    """A pause added by POST is listed on the client's page, in Chinese."""
    make_home_client("C1")
    user = auth.login_as("manager")
    page = client.get("/data/clients/C1/edit").get_data(as_text=True)
    assert "暂停送餐" in page and "没有暂停" in page and 'id="pause-form"' in page
    response = client.post(URL, data=_pause_data(TODAY + 2 * DAY, TODAY + 5 * DAY))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/data/clients/C1/edit#pauses")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已暂停 C1 的送餐" in html
    row = html[html.index('<tr class="pause upcoming"') :]
    row = row[: row.index("</tr>")]
    assert (TODAY + 2 * DAY).isoformat() in row and (TODAY + 5 * DAY).isoformat() in row
    assert "住院" in row and "未开始" in row and ">4<" in row and "删除" in row
    assert _stored(session) == [(TODAY + 2 * DAY, TODAY + 5 * DAY, "住院")]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "client_pause"))
    assert entry is not None and entry.actor == user.username and entry.entity_code == "C1"


def test_demand_skips_client_during_pause(
    client: FlaskClient, auth: Any, make_home_client: Any, session: Session
) -> None:
    """The day's demand leaves a paused client out on the pause's days only."""
    make_home_client("C1")
    make_home_client("C2")
    auth.login_as("manager")
    start, end = TODAY + DAY, TODAY + 3 * DAY
    assert _homes(session, start) == ["C1", "C2"]
    assert client.post(URL, data=_pause_data(start, end)).status_code == 302
    assert _homes(session, TODAY) == ["C1", "C2"]
    assert _homes(session, start) == ["C2"]
    assert _homes(session, end) == ["C2"]
    assert _homes(session, end + DAY) == ["C1", "C2"]
    subscribed = deliveries.home_subscriptions(session, start + DAY, "lunch")
    assert [c.code for c in subscribed] == ["C2"]


def test_invalid_pause_shown_next_to_form(
    client: FlaskClient, auth: Any, make_home_client: Any, session: Session
) -> None:
    """Bad dates and overlaps come back as 422 next to the pause form; nothing stored."""
    make_home_client("C1")
    auth.login_as("manager")
    response = client.post(URL, data=_pause_data(TODAY + 5 * DAY, TODAY + 2 * DAY))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = html[html.index('id="pause-form"') :]
    assert "has-err" in form and "不能早于开始日期" in form
    assert 'value="老人C1"' in html  # the record form shows the stored values
    assert _stored(session) == []
    assert client.post(URL, data=_pause_data(TODAY + DAY, TODAY + 3 * DAY)).status_code == 302
    response = client.post(URL, data=_pause_data(TODAY + 3 * DAY, TODAY + 9 * DAY, "探亲"))
    assert response.status_code == 422
    other = f"与 {(TODAY + DAY).isoformat()} 至 {(TODAY + 3 * DAY).isoformat()} 的暂停重叠"
    assert other in response.get_data(as_text=True)
    assert len(_stored(session)) == 1
    response = client.post(URL, data={"pause-start": "", "pause-end": "", "pause-reason": ""})
    assert response.status_code == 422 and len(_stored(session)) == 1


def test_end_ongoing_pause_and_delete_upcoming(
    client: FlaskClient, auth: Any, make_home_client: Any, session: Session
) -> None:
    """The buttons end an ongoing pause early and delete an upcoming one."""
    make_home_client("C1")
    ongoing = pauses.add_pause(session, "C1", TODAY - 2 * DAY, TODAY + 9 * DAY, "", user="t")
    upcoming = pauses.add_pause(session, "C1", TODAY + 20 * DAY, TODAY + 22 * DAY, "", user="t")
    session.commit()
    ongoing_id, upcoming_id = ongoing.id, upcoming.id
    auth.login_as("manager")
    page = client.get("/data/clients/C1/edit").get_data(as_text=True)
    assert "进行中" in page and "结束暂停" in page
    response = client.post(
        f"{URL}/{ongoing_id}/end", data={"on": (TODAY + DAY).isoformat()}, follow_redirects=True
    )
    assert f"C1 将于 {(TODAY + DAY).isoformat()} 恢复送餐" in response.get_data(as_text=True)
    assert _stored(session)[0][:2] == (TODAY - 2 * DAY, TODAY)
    assert _homes(session, TODAY + DAY) == ["C1"]
    response = client.post(f"{URL}/{ongoing_id}/end", data={"on": (TODAY + 5 * DAY).isoformat()})
    assert response.status_code == 302  # after its last day: refused with a message
    assert "晚于暂停的最后一天" in client.get("/data/clients/C1/edit").get_data(as_text=True)
    response = client.post(f"{URL}/{upcoming_id}/delete", follow_redirects=True)
    assert "已删除" in response.get_data(as_text=True)
    assert [row[:2] for row in _stored(session)] == [(TODAY - 2 * DAY, TODAY)]


def test_pause_of_another_client_is_404(
    client: FlaskClient, auth: Any, make_home_client: Any, session: Session
) -> None:
    """A pause can only be ended or deleted through its own client's page."""
    make_home_client("C1")
    make_home_client("C2")
    other = pauses.add_pause(session, "C2", TODAY + DAY, TODAY + 2 * DAY, "", user="t")
    session.commit()
    auth.login_as("manager")
    assert client.post(f"{URL}/{other.id}/delete").status_code == 404
    assert client.post(f"{URL}/{other.id}/end", data={"on": TODAY.isoformat()}).status_code == 404
    assert (
        client.post("/data/clients/NOPE/pauses", data=_pause_data(TODAY, TODAY)).status_code == 404
    )
    assert len(_stored(session)) == 1


@pytest.mark.parametrize("role", ["viewer", "dispatcher"])
def test_read_only_roles_see_list_without_forms(
    client: FlaskClient, auth: Any, make_home_client: Any, session: Session, role: str
) -> None:
    """Roles that may not edit clients see the pauses but no forms, and their POSTs get 403."""
    make_home_client("C1")
    pause = pauses.add_pause(session, "C1", TODAY + DAY, TODAY + 2 * DAY, "探亲", user="t")
    session.commit()
    auth.login_as(role)
    html = client.get("/data/clients/C1/edit").get_data(as_text=True)
    assert "暂停送餐" in html and "探亲" in html
    assert 'id="pause-form"' not in html and "/pauses/" not in html
    assert client.post(URL, data=_pause_data(TODAY + 5 * DAY, TODAY + 6 * DAY)).status_code == 403
    assert client.post(f"{URL}/{pause.id}/end", data={"on": TODAY.isoformat()}).status_code == 403
    assert client.post(f"{URL}/{pause.id}/delete").status_code == 403
    assert len(_stored(session)) == 1


def test_pause_forms_need_the_csrf_token(
    settings: Settings,
    app_config: dict[str, Any],
    auth: Any,
    make_home_client: Any,
    session: Session,
) -> None:
    """With CSRF on, a pause POST needs the token the page rendered."""
    make_home_client("C1")
    csrf_client = create_app(
        {**app_config, "WTF_CSRF_ENABLED": True, "MEALPLAN_SETTINGS": settings}
    ).test_client()
    user = auth.make_user("manager")
    login = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)
    assert token is not None
    response = csrf_client.post(
        "/login",
        data={"username": user.username, "password": "correct horse 1", "csrf_token": token[1]},
    )
    assert response.status_code == 302
    data = _pause_data(TODAY + DAY, TODAY + 2 * DAY)
    assert csrf_client.post(URL, data=data).status_code == 400
    page = csrf_client.get("/data/clients/C1/edit").get_data(as_text=True)
    token = re.search(r'name="pause-csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    response = csrf_client.post(URL, data={**data, "pause-csrf_token": token[1]})
    assert response.status_code == 302
    assert len(_stored(session)) == 1
