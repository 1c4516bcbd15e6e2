"""The monthly report counts meals eaten at sites by check-in (人次): per site elders,
walk-ins and repeats, per elder category, on the page and in the exports (issue 14)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Client, MealCheckin
from mealplan.services import checkins, reports
from tests.money_world import DAY, build

pytestmark = pytest.mark.db


@pytest.fixture
def eaten(session: Session) -> Session:
    """E01-E12 at S1 (E04 twice, at full price), E13-E16 at S2, two walk-ins at S1."""
    build(session)
    for i in range(1, 17):
        site = "S1" if i <= 12 else "S2"
        checkins.check_in(session, site_code=site, date=DAY, service="lunch",
                          card=f"{1000000000 + i}", actor="s")  # fmt: skip
    checkins.check_in(session, site_code="S1", date=DAY, service="lunch", card="1000000004",
                      actor="s", repeat_meal="full_price")  # fmt: skip
    for _ in range(2):
        checkins.check_in_walk_in(session, site_code="S1", date=DAY, service="lunch", actor="s")
    session.commit()
    return session


def test_report_counts_check_ins(eaten: Session) -> None:
    report = reports.monthly_report(eaten, DAY.year, DAY.month)
    rows = {r.place: (r.elders, r.walk_ins, r.repeats) for r in report.checkins}
    assert rows == {"S1": (13, 2, 1), "S2": (4, 0, 0)}
    assert report.total_checkins == 19
    # per category, recounted from the rows and the elders' records
    expected = Counter(
        c.category
        for c in eaten.scalars(select(Client).join(MealCheckin, MealCheckin.client_id == Client.id))
    )
    assert report.checkins_by_category == dict(expected)


def test_page_and_exports_show_check_ins(client: FlaskClient, auth: Any, eaten: Session) -> None:
    auth.login_as("viewer")
    month = f"{DAY.year:04d}-{DAY.month:02d}"
    page = client.get(f"/reports/monthly?month={month}").get_data(as_text=True)
    assert 'id="total-checkins">19<' in page and "堂食就餐人次" in page
    assert "南华西长者食堂" in page.split('id="checkins"', 1)[1].split("</table>", 1)[0]
    text = client.get(f"/reports/monthly.csv?month={month}").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["堂食就餐人次", "19"] in lines
    assert ["南华西长者食堂", "S1", "社区食堂", "13", "2", "1", "15"] in lines
    book = load_workbook(io.BytesIO(client.get(f"/reports/monthly.xlsx?month={month}").data))
    assert any("堂食就餐人次" in name for name in book.sheetnames)
