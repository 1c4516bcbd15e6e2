"""The role x route access matrix (site staff are bound to site S1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient

from mealplan.db.models import Headcount, Menu, PlanRun
from mealplan.services import jobs
from mealplan.services.users import ROLES
from web.access import PERMISSIONS

pytestmark = pytest.mark.db

ALL = ("admin", "manager", "dispatcher", "site_staff", "viewer")
OFFICE = ("admin", "manager", "dispatcher", "viewer")
EDITORS = ("admin", "manager")
PLANNERS = ("admin", "manager", "dispatcher")  # may start the daily plan
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
MEAL = f"date={dt.date.today().isoformat()}&service=lunch&profile=regular"  # today's menu

# (method, url, {role: expected status}); roles not named expect 403.
MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/", {**dict.fromkeys(OFFICE, 200), "site_staff": 302}),
    ("GET", "/data/sites/", dict.fromkeys(OFFICE, 200)),
    ("GET", "/data/dishes/", dict.fromkeys(OFFICE, 200)),
    ("GET", "/data/sites/new", dict.fromkeys(EDITORS, 200)),
    ("GET", "/data/sites/S1/edit", dict.fromkeys(OFFICE, 200)),
    ("POST", "/data/sites/S1/edit", dict.fromkeys(EDITORS, 302)),
    ("GET", "/data/diet-profiles/regular/edit", dict.fromkeys(OFFICE, 200)),
    ("POST", "/data/groups/regular/targets", dict.fromkeys(EDITORS, 302)),
    ("GET", "/headcounts/", {**dict.fromkeys(OFFICE, 200), "site_staff": 302}),
    ("GET", "/headcounts/S1", dict.fromkeys(ALL, 200)),
    ("GET", "/headcounts/S2", dict.fromkeys(OFFICE, 200)),
    (
        "POST",
        f"/headcounts/S1?date={TOMORROW}",
        dict.fromkeys(("admin", "manager", "site_staff"), 302),
    ),
    ("POST", f"/headcounts/S2?date={TOMORROW}", dict.fromkeys(EDITORS, 302)),
    ("GET", "/import/", dict.fromkeys(EDITORS, 200)),
    ("GET", "/deliveries/", dict.fromkeys(ALL, 200)),
    ("GET", "/alerts/", dict.fromkeys(OFFICE, 200)),
    ("GET", "/ratings/", {**dict.fromkeys(OFFICE, 200), "site_staff": 302}),
    ("GET", "/ratings/S1", dict.fromkeys(ALL, 200)),
    ("GET", "/ratings/S2", dict.fromkeys(OFFICE, 200)),
    ("POST", "/ratings/S1", dict.fromkeys(("admin", "manager", "site_staff"), 302)),
    ("POST", "/ratings/S2", dict.fromkeys(EDITORS, 302)),
    ("GET", "/reports/monthly", dict.fromkeys(("admin", "manager", "viewer"), 200)),
    ("GET", "/reports/monthly.csv", dict.fromkeys(("admin", "manager", "viewer"), 200)),
    ("GET", "/reports/monthly.xlsx", dict.fromkeys(("admin", "manager", "viewer"), 200)),
    ("GET", "/menus/", dict.fromkeys(ALL, 200)),
    ("POST", "/menus/replan", dict.fromkeys(EDITORS, 302)),
    ("GET", "/menus/print?site=S1", dict.fromkeys(ALL, 200)),
    ("GET", "/menus/nutrients", dict.fromkeys(ALL, 200)),
    ("GET", f"/menus/meal?{MEAL}", dict.fromkeys(EDITORS, 200)),
    ("GET", f"/menus/meal/check?{MEAL}", dict.fromkeys(EDITORS, 400)),  # no dish given
    ("POST", f"/menus/meal/lock?{MEAL}", dict.fromkeys(EDITORS, 302)),
    ("POST", f"/menus/meal/unlock?{MEAL}", dict.fromkeys(EDITORS, 302)),
    ("GET", "/plans/", dict.fromkeys(OFFICE, 200)),
    ("POST", "/plans/run", dict.fromkeys(PLANNERS, 302)),
    ("GET", "/plans/1", dict.fromkeys(OFFICE, 200)),
    ("GET", "/plans/1/status", dict.fromkeys(OFFICE, 200)),
    ("GET", "/routes/", dict.fromkeys(OFFICE, 200)),
    ("GET", "/routes/trips/1", dict.fromkeys(OFFICE, 200)),
    ("GET", "/routes/trips/1/sheet", dict.fromkeys(OFFICE, 200)),
    ("GET", "/routes/sheets", dict.fromkeys(OFFICE, 200)),
    ("GET", "/admin/users", {"admin": 200}),
    ("GET", "/admin/audit", {"admin": 200}),
]

# minimal valid bodies for the POST routes
BODIES = {
    "/data/sites/S1/edit": {
        "code": "S1",
        "kind": "canteen",
        "name": "八一社区食堂",
        "lat": "30.01",
        "lon": "120.01",
        "seats": "40",
        "lunch_window_start_min": "11:00",
        "lunch_window_end_min": "11:45",
        "unloading_minutes": "8",
        "kitchen": "K1",
        "active": "y",
    },
    "/data/groups/regular/targets": {
        "t-lunch-energy_kcal-min": "500",
        "t-lunch-energy_kcal-max": "750",
    },
    "headcounts": {"c-lunch-regular": "10", "date": TOMORROW},
    "ratings": {"service-score": "5"},
}


def _body(url: str) -> dict[str, str]:
    if url.startswith("/headcounts/"):
        return BODIES["headcounts"]
    if url.startswith("/ratings/"):
        return BODIES["ratings"]
    return BODIES.get(url, {})


@pytest.fixture
def plan_rows(world: Any, session: Any, make_route: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan run 1, today's S1 headcount and regular menu, today's route with trip 1; jobs
    start no process (a no-op runner)."""
    monkeypatch.setattr(jobs, "subprocess_runner", lambda command, env, log: None)
    today = dt.date.today()
    site, regular = world["sites"][0], world["profiles"][0]
    session.add(PlanRun(kind="daily", date=today, service="lunch", status="done"))
    session.add(
        Headcount(date=today, service="lunch", site_id=site.id, diet_profile_id=regular.id, count=4)
    )
    session.add(Menu(date=today, service="lunch", diet_profile_id=regular.id, cost_fen=600))
    session.commit()
    make_route(dt.date.today(), [("site", "S1", {"regular": 2})])


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize(
    ("method", "url", "expected"), MATRIX, ids=[f"{m} {u.split('?')[0]}" for m, u, _ in MATRIX]
)
def test_access_matrix(
    client: FlaskClient,
    auth: Any,
    world: Any,
    plan_rows: None,
    role: str,
    method: str,
    url: str,
    expected: dict[str, int],
) -> None:
    """Each role gets the page it may use and 403 elsewhere (site staff: only site S1)."""
    auth.login_as(role, site="S1" if role == "site_staff" else None)
    response = client.get(url) if method == "GET" else client.post(url, data=_body(url))
    assert response.status_code == expected.get(role, 403), response.get_data(as_text=True)[:800]


@pytest.mark.parametrize(
    ("method", "url", "expected"), MATRIX, ids=[f"{m} {u.split('?')[0]}" for m, u, _ in MATRIX]
)
def test_anonymous_redirected_to_login(
    client: FlaskClient,
    world: Any,
    plan_rows: None,
    method: str,
    url: str,
    expected: dict[str, int],
) -> None:
    """Every protected route sends an anonymous visitor to the login page."""
    response = client.get(url) if method == "GET" else client.post(url, data=_body(url))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_site_staff_cannot_record_other_sites_delivery(
    client: FlaskClient, auth: Any, world: Any, make_route: Any
) -> None:
    """Site staff of S1 confirm receipt at S1 only: a stop at S2 gives 403."""
    stops = make_route(
        dt.date.today(), [("site", "S1", {"regular": 5}), ("site", "S2", {"regular": 3})]
    )
    auth.login_as("site_staff", site="S1")
    ok = client.post(f"/deliveries/{stops[0].id}", data={"status": "delivered"})
    assert ok.status_code == 302
    refused = client.post(f"/deliveries/{stops[1].id}", data={"status": "delivered"})
    assert refused.status_code == 403


def test_viewer_sees_read_only_form(client: FlaskClient, auth: Any, world: Any) -> None:
    """A viewer can open a record but gets no save button."""
    auth.login_as("viewer")
    html = client.get("/data/sites/S1/edit").get_data(as_text=True)
    assert "<fieldset disabled" in html
    assert 'type="submit" class="primary"' not in html


def test_every_permission_names_known_roles() -> None:
    """The permission matrix only names known roles."""
    for roles in PERMISSIONS.values():
        assert set(roles) <= set(ROLES)


def test_front_page_sends_each_role_to_its_work(client: FlaskClient, auth: Any, world: Any) -> None:
    """'/' is the day's dashboard for the office; site staff land on headcounts and a
    community worker on follow-ups (the dashboard would be a 403 for them)."""
    auth.login_as("community_worker")
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/followups/")
    auth.logout()
    auth.login_as("site_staff", site="S1")
    assert client.get("/").headers["Location"].endswith("/headcounts/")
    auth.logout()
    auth.login_as("manager")
    assert client.get("/").status_code == 200
