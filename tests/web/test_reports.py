"""The monthly report on a small hand-made case, and its CSV and XLSX exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from mealplan.services import deliveries, headcounts, ratings, reports

pytestmark = pytest.mark.db

DAY1 = dt.date(2026, 3, 2)
DAY2 = dt.date(2026, 3, 3)
APRIL = dt.date(2026, 4, 1)


@pytest.fixture
def march(session: Session, world: Any, make_home_client: Any, make_route: Any) -> None:
    """March 2026: S1 gets 10 + 12 meals (both delivered), S2 gets 6 (refused), C1 (age 80)
    gets 1 + 1 (one delivered, one no answer), C2 (hardship) 1 delivered; April noise."""
    make_home_client("C1", category="age_80")
    make_home_client("C2", category="hardship", profile="low_sodium")
    d1 = make_route(
        DAY1,
        [
            ("site", "S1", {"regular": 8, "low_sodium": 2}),
            ("site", "S2", {"regular": 6}),
            ("home", "C1", {"regular": 1}),
            ("home", "C2", {"low_sodium": 1}),
        ],
    )
    d2 = make_route(DAY2, [("site", "S1", {"regular": 12}), ("home", "C1", {"regular": 1})])
    april = make_route(APRIL, [("site", "S1", {"regular": 50})])
    for stop, status in [
        (d1[0], "delivered"),
        (d1[1], "refused"),
        (d1[2], "delivered"),
        (d1[3], "delivered"),
        (d2[0], "delivered"),
        (d2[1], "no_answer"),
        (april[0], "delivered"),
    ]:
        deliveries.record_delivery(session, stop.id, status, reason="r", actor="driver")
    for day, count in ((DAY1, 11), (DAY2, 12)):
        headcounts.record_headcounts(
            session, "S1", day, "lunch", {"regular": count}, "staff", allow_late=True
        )
    for score in (4, 5):
        ratings.record_rating(
            session,
            date=DAY1,
            service="lunch",
            subject="service",
            score=score,
            site_code="S1",
            actor="staff",
        )
    session.commit()


def test_monthly_totals(client: FlaskClient, auth: Any, march: None) -> None:
    """Meals delivered: S1 8+2+12 = 22, homes 1 (C1) + 1 (C2) = 2 -> 24; S2 refused and the
    C1 no-answer are not served; S1 reported 11 + 12 = 23; April is not counted."""
    auth.login_as("viewer")
    html = client.get("/reports/monthly?month=2026-03").get_data(as_text=True)
    assert 'id="total-meals">24<' in html
    assert 'id="total-reported">23<' in html


def test_monthly_report_service(session: Session, march: None) -> None:
    """The report rows split meals by site, profile and elder category, with outcomes."""
    from mealplan.services import reports

    report = reports.monthly_report(session, 2026, 3)
    served = {(r.place, r.profile, r.category): (r.meals, r.reported) for r in report.served}
    assert served[("S1", "regular", "")] == (20, 23)
    assert served[("S1", "low_sodium", "")] == (2, 0)
    assert served[("S2", "regular", "")] == (0, 0)
    assert served[("home", "regular", "age_80")] == (1, 0)
    assert served[("home", "low_sodium", "hardship")] == (1, 0)
    assert report.by_category == {"age_80": 1, "hardship": 1}
    outcomes = {
        o.place: (o.delivered, o.no_answer, o.refused, o.not_recorded) for o in report.outcomes
    }
    assert outcomes == {"S1": (2, 0, 0, 0), "S2": (0, 0, 1, 0), "home": (2, 1, 0, 0)}
    assert [(r.subject, r.code, r.count, r.average) for r in report.ratings] == [
        ("service", "S1", 2, 4.5)
    ]


def _csv_sections(text: str) -> dict[str, list[list[str]]]:
    """The CSV export's sections by title: title line, header, rows (blank-line separated)."""
    sections: dict[str, list[list[str]]] = {}
    rows = list(csv.reader(io.StringIO(text)))
    for k, row in enumerate(rows):
        if k > 0 and not rows[k - 1] and len(row) == 1:
            block = []
            for r in rows[k + 1 :]:
                if not r:
                    break
                block.append(r)
            sections[row[0]] = block
    return sections


#: codes and English keys that must not be a cell of a Chinese export
CODES = {"S1", "regular", "low_sodium", "canteen", "dining_point", "home", "age_80", "hardship",
         "lunch", "delivered", "no_answer", "meals_delivered", "headcount_reported", "place",
         "profile", "service", "no_capacity", "hold_limit"}  # fmt: skip


def test_csv_export(client: FlaskClient, auth: Any, march: None) -> None:
    """The CSV export (UTF-8 with BOM for Excel) is in Chinese with names, not codes: the
    site's name (its code in a column of its own), its kind, the diet's name and the elder
    category's label; the figures are the report's (24 delivered, 23 reported)."""
    auth.login_as("manager")
    response = client.get("/reports/monthly.csv?month=2026-03")
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    sections = _csv_sections(text)
    served = sections["按站点、膳食类型和老人类别"]
    assert served[0] == [
        "站点",
        "站点编码",
        "类型",
        "膳食类型",
        "老人类别",
        "送达餐数",
        "站点报餐数",
    ]
    assert ["八一社区食堂", "S1", "社区食堂", "普通", "", "20", "23"] in served
    assert ["送餐入户", "", "送餐入户", "普通", "80 岁以上", "1", "0"] in served
    assert ["送餐入户", "", "送餐入户", "低盐", "特困/低保", "1", "0"] in served
    assert sum(int(r[5]) for r in served[1:]) == 24
    summary = dict((r[0], r[1]) for r in sections["汇总"][1:])
    assert summary["送达餐数"] == "24" and summary["站点报餐数"] == "23"
    outcomes = sections["配送结果（站次）"]
    assert outcomes[0] == ["站点", "站点编码", "已送达", "无人应答", "拒收", "未记录"]
    assert ["送餐入户", "", "2", "1", "0", "0"] in outcomes
    assert sections["评价"][1][:2] == ["服务", "八一社区食堂"]
    cells = {c for rows in sections.values() for r in rows for i, c in enumerate(r)}
    code_column = {r[1] for rows in sections.values() for r in rows[1:] if len(r) > 1}
    assert not (cells - code_column) & CODES, (cells - code_column) & CODES


def test_csv_export_in_english(client: FlaskClient, auth: Any, march: None) -> None:
    """A user who reads English gets the export in English, with the diet's English name."""
    auth.login_as("manager", language="en")
    text = client.get("/reports/monthly.csv?month=2026-03").get_data().decode("utf-8-sig")
    served = _csv_sections(text)["Per site, diet and category"]
    assert served[0][:4] == ["Site", "Site code", "Type", "Diet profile"]
    assert ["八一社区食堂", "S1", "Community canteen", "Regular", "", "20", "23"] in served
    assert ["Home delivery", "", "Home delivery", "Low sodium", "Hardship", "1", "0"] in served
    book = load_workbook(io.BytesIO(client.get("/reports/monthly.xlsx?month=2026-03").get_data()))
    assert "Per site, diet and category" in book.sheetnames  # whole: a sheet name is 31 chars
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text.replace("八一社区食堂", "")
                   .replace("东湖助餐点", ""))  # fmt: skip


def test_exports_carry_follow_ups(
    client: FlaskClient, auth: Any, session: Session, march: None
) -> None:
    """The follow-up (回访) counts the HTML report shows are in the CSV and XLSX too: a
    1-star rating in March opens one."""
    ratings.record_rating(
        session, date=DAY1, service="lunch", subject="service", score=1, site_code="S2",
        actor="staff",
    )  # fmt: skip
    session.commit()
    auth.login_as("manager")
    html = client.get("/reports/monthly?month=2026-03").get_data(as_text=True)
    opened = html.split('id="followups-opened">', 1)[1].split("<", 1)[0]
    assert int(opened) >= 1
    text = client.get("/reports/monthly.csv?month=2026-03").get_data().decode("utf-8-sig")
    summary = dict((r[0], r[1]) for r in _csv_sections(text)["汇总"][1:])
    assert summary["新增回访"] == opened and "逾期回访" in summary and "已关闭回访" in summary
    book = load_workbook(io.BytesIO(client.get("/reports/monthly.xlsx?month=2026-03").get_data()))
    rows = {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True)}
    assert rows["新增回访"] == int(opened)


def test_xlsx_export(client: FlaskClient, auth: Any, march: None) -> None:
    """The XLSX export has one sheet per table, named in Chinese, with the same figures."""
    auth.login_as("manager")
    response = client.get("/reports/monthly.xlsx?month=2026-03")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == [
        "汇总", "按站点、膳食类型和老人类别", "堂食就餐人次（刷卡）", "堂食就餐人次（按老人类别）",
        "送餐入户（按老人类别）", "配送结果（站次）",
        "各站点每日未送达餐数", "评价",
    ]  # fmt: skip
    rows = list(book["按站点、膳食类型和老人类别"].iter_rows(values_only=True))
    assert rows[0][3] == "膳食类型"
    assert ("八一社区食堂", "S1", "社区食堂", "低盐", None, 2, 0) in rows
    assert sum(int(r[5]) for r in rows[1:]) == 24
    assert dict(book["送餐入户（按老人类别）"].iter_rows(min_row=2, values_only=True)) == {
        "80 岁以上": 1,
        "特困/低保": 1,
    }


def test_bad_month_falls_back(client: FlaskClient, auth: Any, world: Any) -> None:
    """An invalid month shows the current month instead of failing."""
    auth.login_as("manager")
    assert client.get("/reports/monthly?month=2026-13").status_code == 200


def test_exports_neutralise_formulas(
    client: FlaskClient, auth: Any, march: None, session: Session
) -> None:
    """A site named like a formula goes out quoted in the CSV and as a plain string cell
    (never a formula) in the XLSX of the monthly report."""
    from sqlalchemy import select

    from mealplan.db.models import Site

    site = session.scalars(select(Site).where(Site.code == "S1")).one()
    site.name = '=HYPERLINK("http://evil.example","点我")'
    session.commit()
    auth.login_as("manager")
    text = client.get("/reports/monthly.csv?month=2026-03").get_data().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + site.name in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    book = load_workbook(io.BytesIO(client.get("/reports/monthly.xlsx?month=2026-03").get_data()))
    xlsx = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in xlsx)
    assert any(c.value == "'" + site.name for c in xlsx)


def test_monthly_report_counts_unserved_meals(
    client: FlaskClient, auth: Any, session: Session, march: None
) -> None:
    """Unserved meals are counted per site (or home) and day in the report, the page and
    the CSV; April's and placed stops are not."""
    from sqlalchemy import select

    from mealplan.db.models import Client, Site, UnservedStop

    s2 = session.scalar(select(Site).where(Site.code == "S2"))
    c1 = session.scalar(select(Client).where(Client.code == "C1"))
    assert s2 is not None and c1 is not None
    for day, site, client_, meals, reason in [
        (DAY1, s2.id, None, {"regular": 4}, "no_capacity"),
        (DAY2, None, c1.id, {"regular": 1}, "hold_limit"),
        (APRIL, s2.id, None, {"regular": 9}, "no_capacity"),
    ]:
        session.add(UnservedStop(date=day, service="lunch", site_id=site, client_id=client_,
                                 meals=meals, reason=reason))  # fmt: skip
    session.commit()
    report = reports.monthly_report(session, 2026, 3)
    assert report.total_unserved == 5
    assert [(r.date, r.place, r.reason, r.meals) for r in report.unserved] == [
        (DAY1, "S2", "no_capacity", 4),
        (DAY2, "home", "hold_limit", 1),
    ]
    auth.login_as("manager")
    html = client.get("/reports/monthly?month=2026-03").get_data(as_text=True)
    assert (
        'id="total-unserved">5<' in html and "车队已满" in html and "各站点每日未送达餐数" in html
    )
    text = client.get("/reports/monthly.csv?month=2026-03").get_data().decode("utf-8-sig")
    unserved = _csv_sections(text)["各站点每日未送达餐数"]
    assert unserved[1:] == [
        ["2026-03-02", "午餐", "东湖助餐点", "S2", "助餐点", "车队已满", "1", "4"],
        ["2026-03-03", "午餐", "送餐入户", "", "送餐入户", "保温时限", "1", "1"],
    ]
    summary = dict((r[0], r[1]) for r in _csv_sections(text)["汇总"][1:])
    assert summary["未送达餐数"] == "5" and summary["未送达站次"] == "2"
