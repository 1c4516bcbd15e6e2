"""The claim page and exports flag meals after an elder's death or move-out (issue 14)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from mealplan.services import checkins, records
from tests.money_world import DAY, build

pytestmark = pytest.mark.db


@pytest.fixture
def money(session: Session) -> Session:
    """E01-E03 eat at S1 on DAY and DAY + 2; E01 dies on DAY + 1, E02 moves out then."""
    build(session)
    for day in (DAY, DAY + dt.timedelta(days=2)):
        for i in (1, 2, 3):
            checkins.check_in(session, site_code="S1", date=day, service="lunch",
                              card=f"{1000000000 + i}", actor="s")  # fmt: skip
    after = DAY + dt.timedelta(days=1)
    records.update_client(session, "E01", {"status": "deceased", "status_date": after},
                          actor="m")  # fmt: skip
    records.update_client(session, "E02", {"status": "moved_out", "status_date": after},
                          actor="m")  # fmt: skip
    session.commit()
    return session


def test_page_and_xlsx_flag_the_later_meals(client: FlaskClient, auth: Any, money: Session) -> None:
    """One line each is flagged on the page (Chinese, English on request) and in the XLSX."""
    auth.login_as("viewer")
    page = client.get("/claims/?period=2026-12").get_data(as_text=True)
    assert page.count("老人去世后的餐次") == 1 and page.count("老人迁出后的餐次") == 1
    wb = load_workbook(io.BytesIO(client.get("/claims/2026-12.xlsx").data))
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row]
    assert cells.count("老人去世后的餐次") == 1 and cells.count("老人迁出后的餐次") == 1
    auth.logout()
    auth.login_as("viewer", language="en")
    text = client.get("/claims/?period=2026-12").get_data(as_text=True)
    assert "meal after the elder's death" in text and "meal after the elder moved out" in text
