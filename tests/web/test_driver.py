"""The driver's phone page (web/driver): own vehicle only, buttons record the outcome and
time, a home no-answer raises the welfare alert and notifies the family contact."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Delivery, Driver, Kitchen, Notification, Route, Trip, Vehicle
from mealplan.services import users

pytestmark = pytest.mark.db
TODAY = dt.date.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def stops(world: Any, make_home_client: Any, make_route: Any, session: Session) -> list[Any]:
    """V1: a canteen then a home; V2 (another driver's) carries one home stop."""
    make_home_client("C1")
    make_home_client("C2")
    out = list(make_route(TODAY, [("site", "S1", {"regular": 10}), ("home", "C1", {"regular": 1})]))
    kitchen = session.scalar(select(Kitchen).where(Kitchen.code == "K1"))
    assert kitchen is not None
    v1 = session.scalar(select(Vehicle).where(Vehicle.code == "V1"))
    v2 = Vehicle(code="V2", kind="van", capacity_boxes=50, speed_kmh=30, kitchen_id=kitchen.id)
    session.add(v2)
    session.flush()
    assert v1 is not None
    session.add_all(
        [
            Driver(code="D1", name="王师傅", kitchen_id=kitchen.id, vehicle_id=v1.id),
            Driver(code="D2", name="李师傅", kitchen_id=kitchen.id, vehicle_id=v2.id),
        ]
    )
    session.commit()
    other = make_route(TODAY, [("home", "C2", {"regular": 1})])
    route = session.get(Trip, other[0].trip_id)
    assert route is not None
    session.get(Route, route.route_id).vehicle_id = v2.id  # type: ignore[union-attr]
    session.commit()
    return [*out, *other]


def _login_driver(
    client: FlaskClient, session: Session, code: str = "D1", lang: str = "zh_Hans_CN"
) -> None:
    name = f"drv_{code}_{lang}"
    users.create_user(
        session, name, "password-1", "driver", driver_code=code, language=lang, actor="test"
    )
    session.commit()
    response = client.post("/login", data={"username": name, "password": "password-1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/driver/")


def test_driver_sees_own_vehicle_stops_in_order(
    client: FlaskClient, session: Session, stops: list[Any]
) -> None:
    """The page lists the own vehicle's stops in order with geo link, eat-by and the
    emergency contact, and not another vehicle's stop."""
    _login_driver(client, session)
    html = client.get("/driver/").get_data(as_text=True)
    assert html.index("八一社区食堂") < html.index("老人C1")
    assert "老人C2" not in html
    assert "geo:30.030000,120.030000" in html
    assert "家属" in html and "13900000000" in html
    assert 'class="eat-by"' in html


def test_other_vehicle_stop_is_forbidden(
    client: FlaskClient, session: Session, stops: list[Any]
) -> None:
    """Recording at another vehicle's stop is 403 and stores nothing."""
    _login_driver(client, session)
    response = client.post(f"/driver/stops/{stops[2].id}", data={"status": "delivered"})
    assert response.status_code == 403
    assert session.scalar(select(Delivery).where(Delivery.route_stop_id == stops[2].id)) is None


def test_other_roles_and_unbound_drivers_cannot_open_the_page(
    client: FlaskClient, auth: Any, stops: list[Any]
) -> None:
    """The page is for drivers only (a dispatcher gets 403)."""
    auth.login_as("dispatcher")
    assert client.get("/driver/").status_code == 403


def test_delivered_records_status_time_and_photo(
    client: FlaskClient, session: Session, stops: list[Any], app: Any
) -> None:
    """The delivered button stores status, the current time and the photo under the
    instance folder; no alert and no notification."""
    _login_driver(client, session)
    before = dt.datetime.now().replace(microsecond=0)
    response = client.post(
        f"/driver/stops/{stops[0].id}",
        data={"status": "delivered", "photo": (__import__("io").BytesIO(PNG), "p.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    session.expire_all()
    d = session.scalar(select(Delivery).where(Delivery.route_stop_id == stops[0].id))
    assert d is not None and d.status == "delivered" and d.recorded_at >= before
    assert d.photo_path.startswith("delivery_photos/") and d.photo_path.endswith(".png")
    photo = client.get(f"/driver/stops/{stops[0].id}/photo")
    assert photo.data == PNG
    photo.close()
    assert session.scalars(select(Notification)).all() == []


def test_photo_that_is_not_an_image_is_refused(
    client: FlaskClient, session: Session, stops: list[Any]
) -> None:
    """A non-image upload is refused with a message and nothing is recorded."""
    _login_driver(client, session)
    response = client.post(
        f"/driver/stops/{stops[0].id}",
        data={"status": "delivered", "photo": (__import__("io").BytesIO(b"MZ\x90"), "x.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "JPEG" in response.get_data(as_text=True)
    assert session.scalar(select(Delivery).where(Delivery.route_stop_id == stops[0].id)) is None


def test_no_answer_raises_alert_and_notifies_family(
    client: FlaskClient, session: Session, stops: list[Any]
) -> None:
    """No answer at a home opens the welfare alert (as the panel's rule) and writes one
    Notification to the emergency contact; recording it again sends no second message."""
    _login_driver(client, session)
    client.post(f"/driver/stops/{stops[1].id}", data={"status": "no_answer"})
    client.post(f"/driver/stops/{stops[1].id}", data={"status": "no_answer"})
    session.expire_all()
    d = session.scalar(select(Delivery).where(Delivery.route_stop_id == stops[1].id))
    assert d is not None and d.welfare_alert_open
    notes = session.scalars(select(Notification)).all()
    assert len(notes) == 1
    n = notes[0]
    assert n.recipient_phone == "13900000000" and n.kind == "no_answer"
    assert n.backend == "log" and n.status == "sent" and n.delivery_id == d.id
    assert "老人C1" in n.message


def test_refused_needs_reason(client: FlaskClient, session: Session, stops: list[Any]) -> None:
    """Refused without a reason is not recorded (the panel's rule)."""
    _login_driver(client, session)
    client.post(f"/driver/stops/{stops[1].id}", data={"status": "refused"})
    assert session.scalar(select(Delivery).where(Delivery.route_stop_id == stops[1].id)) is None


def test_page_in_english(client: FlaskClient, session: Session, stops: list[Any]) -> None:
    """The page is in English for an English login."""
    _login_driver(client, session, lang="en")
    html = client.get("/driver/").get_data(as_text=True)
    assert "My deliveries" in html and "Emergency contact" in html and "Navigate" in html


def test_admin_binds_a_driver_login(client: FlaskClient, auth: Any, stops: list[Any]) -> None:
    """The Users page creates a driver bound to a Driver record; without one the refusal
    is in Chinese and nothing is created."""
    auth.login_as("admin")
    data = {"username": "drv9", "role": "driver", "site": "", "password": "password-99"}
    response = client.post("/admin/users", data={**data, "driver": ""})
    assert response.status_code == 422
    assert "司机账号需要绑定司机档案" in response.get_data(as_text=True)
    response = client.post("/admin/users", data={**data, "driver": "D1"})
    assert response.status_code == 302
