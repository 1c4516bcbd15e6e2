"""Fixtures for the panel: ``app``, ``client``, ``runner``, ``auth``, and factories.

The Chinese catalogue is compiled once per session into a temporary folder (the tests
never write into ``web/translations``), so that the default-language tests see Chinese.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import (
    Client,
    Kitchen,
    Route,
    RouteStop,
    Site,
    Trip,
    User,
    Vehicle,
)
from mealplan.services import records, reference, users
from web import TRANSLATIONS, create_app

PASSWORD = "correct horse 1"
ROLES = users.ROLES


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap password hashes in tests (the method is still a real werkzeug hash)."""
    monkeypatch.setattr(users, "PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of web/translations with every .po compiled to .mo."""
    target = tmp_path_factory.mktemp("translations")
    shutil.copytree(TRANSLATIONS, target, dirs_exist_ok=True)
    for po_path in target.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        with po_path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)
    return target


@pytest.fixture
def app_config(compiled_translations: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "BABEL_TRANSLATION_DIRECTORIES": str(compiled_translations),
    }


@pytest.fixture
def app(settings: Settings, app_config: dict[str, Any]) -> Flask:
    return create_app({**app_config, "MEALPLAN_SETTINGS": settings})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


# --------------------------------------------------------------------------- factories

_seq = itertools.count(1)


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    """One kitchen, two sites (S1 with 40 seats, S2), nutrition groups and two profiles."""
    reference.ensure_nutrition_groups(session)
    kitchen = records.create_kitchen(
        session, {"code": "K1", "name": "中心厨房", "lat": 30.0, "lon": 120.0}, actor="test"
    )
    s1 = records.create_site(
        session,
        {
            "code": "S1",
            "kind": "canteen",
            "name": "八一社区食堂",
            "lat": 30.01,
            "lon": 120.01,
            "seats": 40,
            "kitchen": "K1",
        },
        actor="test",
    )
    s2 = records.create_site(
        session,
        {
            "code": "S2",
            "kind": "dining_point",
            "name": "东湖助餐点",
            "lat": 30.02,
            "lon": 120.02,
            "seats": 20,
            "kitchen": "K1",
        },
        actor="test",
    )
    regular = records.create_profile(
        session,
        {
            "code": "regular",
            "name_zh": "普通",
            "name_en": "Regular",
            "group": "regular",
        },
        actor="test",
    )
    low_salt = records.create_profile(
        session,
        {
            "code": "low_sodium",
            "name_zh": "低盐",
            "name_en": "Low sodium",
            "group": "low_sodium",
        },
        actor="test",
    )
    session.commit()
    return {"kitchen": kitchen, "sites": [s1, s2], "profiles": [regular, low_salt]}


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    """Create a user: ``make_user("manager")`` or ``make_user("site_staff", site="S1")``."""

    def make(
        role: str,
        *,
        username: str | None = None,
        site: str | None = None,
        password: str = PASSWORD,
        language: str = "zh_Hans_CN",
    ) -> User:
        if role == "site_staff" and site is None:
            site = "S1"
        name = username or f"{role}{next(_seq)}"
        user = users.create_user(
            session, name, password, role, site_code=site, language=language, actor="test"
        )
        session.commit()
        return user

    return make


class AuthActions:
    """Log in as a role (creating the user) or as a named user; log out."""

    def __init__(self, client: FlaskClient, make_user: Callable[..., User]) -> None:
        self.client = client
        self.make_user = make_user

    def login_as(self, role: str, *, site: str | None = None, language: str = "zh_Hans_CN") -> User:
        user = self.make_user(role, site=site, language=language)
        response = self.login(user.username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    def login(self, username: str, password: str = PASSWORD) -> Any:
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self) -> Any:
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient, make_user: Callable[..., User]) -> AuthActions:
    return AuthActions(client, make_user)


@pytest.fixture
def make_home_client(session: Session, world: dict[str, Any]) -> Callable[..., Client]:
    def make(
        code: str,
        *,
        category: str = "age_80",
        profile: str = "regular",
        lunch_days: str = "1234567",
    ) -> Client:
        client = records.create_client(
            session,
            {
                "code": code,
                "name": f"老人{code}",
                "lat": 30.03,
                "lon": 120.03,
                "diet_profile": profile,
                "category": category,
                "kitchen": "K1",
                "lunch_days": lunch_days,
                "phone": "13800000000",
                "emergency_contact_name": "家属",
                "emergency_contact_phone": "13900000000",
            },
            actor="test",
        )
        session.commit()
        return client

    return make


@pytest.fixture
def make_route(session: Session, world: dict[str, Any]) -> Callable[..., list[RouteStop]]:
    """A route on ``date`` with stops given as ("site", code, meals) or ("home", code, meals)."""

    def make(
        date: dt.date, stops: list[tuple[str, str, dict[str, int]]], service: str = "lunch"
    ) -> list[RouteStop]:
        kitchen = session.scalar(select(Kitchen).where(Kitchen.code == "K1"))
        assert kitchen is not None
        vehicle = session.scalar(select(Vehicle).where(Vehicle.code == "V1"))
        if vehicle is None:
            vehicle = Vehicle(
                code="V1", kind="van", capacity_boxes=50, speed_kmh=30, kitchen_id=kitchen.id
            )
            session.add(vehicle)
            session.flush()
        route = Route(date=date, service=service, vehicle_id=vehicle.id, kitchen_id=kitchen.id)
        trip = Trip(seq=1, ready_min=600, depart_min=610, return_min=760)
        route.trips.append(trip)
        out = []
        for seq, (kind, code, meals) in enumerate(stops, start=1):
            stop = RouteStop(
                seq=seq,
                arrive_min=640 + seq * 10,
                window_start_min=600,
                window_end_min=720,
                meals=meals,
                kind=kind,
            )
            if kind == "home":
                stop.client = session.scalar(select(Client).where(Client.code == code))
            else:
                stop.site = session.scalar(select(Site).where(Site.code == code))
                stop.kind = stop.site.kind if stop.site else kind
            trip.stops.append(stop)
            out.append(stop)
        session.add(route)
        session.commit()
        return out

    return make
