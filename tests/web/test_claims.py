"""The claim page (web/claims): totals per funder level, flags, the officer's decisions,
XLSX and PDF with names, not codes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import ClaimDecision
from mealplan.services import checkins
from tests.money_world import DAY, build

pytestmark = pytest.mark.db


@pytest.fixture
def money(session: Session) -> Session:
    """20 check-ins at S1 in December plus a full-price repeat of E04."""
    build(session)
    for i in range(1, 21):
        checkins.check_in(session, site_code="S1", date=DAY, service="lunch",
                          card=f"{1000000000 + i}", actor="s")  # fmt: skip
    checkins.check_in(session, site_code="S1", date=DAY, service="lunch", card="1000000004",
                      actor="s", repeat_meal="full_price")  # fmt: skip
    session.commit()
    return session


def test_claim_page_and_review(client: FlaskClient, auth: Any, money: Session) -> None:
    """The viewer (officer) sees 21 meals, 60 yuan from the city, the repeat flagged, and
    rejects it; the manager sees the claim but cannot decide."""
    auth.login_as("viewer")
    page = client.get("/claims/?period=2026-12").get_data(as_text=True)
    assert 'id="total-meals">21<' in page and 'id="total-city">60.00<' in page
    assert page.count("同一餐次重复就餐") == 1  # the repeat, flagged once
    r = client.post("/claims/2026-12/decide", data={"line": "checkin:21", "decision": "reject",
                                                    "reason": "重复"}, follow_redirects=True)  # fmt: skip
    assert r.status_code == 200
    assert 'id="total-meals">20<' in r.get_data(as_text=True)
    assert money.scalar(select(ClaimDecision.reason).where(ClaimDecision.line == "checkin:21"))
    auth.logout()
    auth.login_as("manager")
    assert client.get("/claims/?period=2026-12").status_code == 200
    assert client.post("/claims/2026-12/decide", data={"line": "checkin:1",
                                                       "decision": "accept"}).status_code == 403  # fmt: skip


def test_exports_have_names(client: FlaskClient, auth: Any, money: Session) -> None:
    """The XLSX lists elders, categories and sites by name in Chinese; the PDF is a PDF."""
    auth.login_as("manager")
    r = client.get("/claims/2026-12.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    assert "老人01" in text and "南华西长者食堂" in text and "80 岁以上" in text
    assert "age_80" not in text and "hardship" not in text
    assert "广州市民政局" in text
    r = client.get("/claims/2026-Q4.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert client.get("/claims/2026-13.xlsx").status_code == 422
