"""Deleting a price tier or subsidy rule entered by mistake (Data -> price tiers): one
that priced no recorded meal goes (audited); one that priced a check-in stays, with the
reason in the panel's language; other kinds have no delete; a viewer cannot delete."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import AuditEntry, PriceTier, SubsidyRule
from mealplan.services import checkins
from tests.money_world import DAY, build

pytestmark = pytest.mark.db


@pytest.fixture
def money(session: Session) -> Session:
    build(session)
    session.commit()
    return session


def _codes(session: Session, model: Any) -> set[str]:
    session.expire_all()
    return set(session.scalars(select(model.code)))


def test_an_unused_tier_is_deleted_and_audited(
    client: FlaskClient, auth: Any, money: Session
) -> None:
    auth.login_as("manager")
    page = client.get("/data/price-tiers/dinner-age_60/edit").get_data(as_text=True)
    assert 'id="delete-record"' in page and "删除 dinner-age_60" in page
    r = client.post("/data/price-tiers/dinner-age_60/delete", follow_redirects=True)
    assert r.status_code == 200 and "已删除 dinner-age_60" in r.get_data(as_text=True)
    assert "dinner-age_60" not in _codes(money, PriceTier)
    entry = money.scalar(select(AuditEntry).where(AuditEntry.entity_code == "dinner-age_60"))
    assert entry is not None and entry.action == "delete"
    r = client.post("/data/subsidy-rules/age_60-street/delete", follow_redirects=True)
    assert "age_60-street" not in _codes(money, SubsidyRule)


def test_a_tier_that_priced_a_checkin_is_kept(
    client: FlaskClient, auth: Any, money: Session
) -> None:
    elder_card = "1000000002"  # E02, category age_60 (CATEGORIES[2 % 4])
    checkins.check_in(money, site_code="S1", date=DAY, service="lunch", card=elder_card,
                      actor="test")  # fmt: skip
    money.commit()
    auth.login_as("manager")
    for url, code in (("/data/price-tiers/lunch-age_60/delete", "lunch-age_60"),
                      ("/data/subsidy-rules/age_60-city/delete", "age_60-city")):  # fmt: skip
        page = client.post(url, follow_redirects=True).get_data(as_text=True)
        assert f"{code} 已为自 {DAY.isoformat()} 起的 1 份已记录餐次计价" in page
    assert "lunch-age_60" in _codes(money, PriceTier)
    assert "age_60-city" in _codes(money, SubsidyRule)
    auth.logout()
    auth.login_as("manager", language="en")
    page = client.post("/data/price-tiers/lunch-age_60/delete", follow_redirects=True)
    assert "lunch-age_60 priced 1 recorded meals" in page.get_data(as_text=True)
    # the dinner tier of the same category priced nothing: it goes
    client.post("/data/price-tiers/dinner-age_60/delete")
    assert "dinner-age_60" not in _codes(money, PriceTier)


def test_other_kinds_and_other_roles(client: FlaskClient, auth: Any, money: Session) -> None:
    auth.login_as("manager")
    assert client.post("/data/sites/S1/delete").status_code == 404
    assert 'id="delete-record"' not in client.get("/data/sites/S1/edit").get_data(as_text=True)
    auth.logout()
    auth.login_as("viewer")
    assert client.post("/data/price-tiers/dinner-age_60/delete").status_code == 403
    page = client.get("/data/price-tiers/dinner-age_60/edit").get_data(as_text=True)
    assert 'id="delete-record"' not in page
    assert "dinner-age_60" in _codes(money, PriceTier)
