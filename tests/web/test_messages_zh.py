"""Item 8 of issue 14: the messages the panel shows from mealplan (plan warnings, job
errors, import errors, figure and stage names, diet names in route tables) are Chinese
by default and English on request (web/messages.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy.orm import Session

from mealplan.db.models import PlanRun
from web.messages import TEMPLATES, WORDS, localise

TODAY = dt.date.today()
PO = Path(__file__).parents[2] / "web/translations/zh_Hans_CN/LC_MESSAGES/messages.po"

#: English text of mealplan that must not reach a Chinese page (with what produces it).
WARNINGS = [
    "site S2 (东湖助餐点) has no report and no history: 0 meals planned",
    "site S1 (八一社区食堂): above_capacity, 50 meals",
    "cooking wave K1-1: a stop is reached after its eat-by time",
]
ERROR = "the job did not start within 10 min"
ENGLISH = [
    "has no report and no history",
    "above_capacity",
    "a stop is reached after its eat-by time",
    "the job did not start",
    "meals_delivered",
    "distance_km",
    "regular 10",
    "low_sodium 2",
]


def test_every_template_has_chinese() -> None:
    """Each template the panel translates is in the Chinese catalogue with a msgstr."""
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    for template in (*TEMPLATES, *WORDS.values()):
        message = catalog.get(template)
        assert message is not None and message.string, template


def test_localise_zh_and_en(app: Flask) -> None:
    """Known messages come out in Chinese by default and unchanged in English; nested
    parameters are translated too; unknown text is kept."""
    with app.test_request_context():
        assert localise(WARNINGS[0]) == "站点 S2（东湖助餐点）没有报餐也没有历史数据：按 0 份计划"
        assert localise("x.csv, row 3: must be a whole number") == "x.csv，第 3 行：必须是整数"
        assert localise("no such thing") == "no such thing"
    with app.test_request_context(), force_locale("en"):
        assert localise(WARNINGS[0]) == WARNINGS[0]


@pytest.mark.db
def test_main_pages_in_chinese_show_no_english_messages(
    client: FlaskClient, auth: Any, session: Session, world: Any, make_route: Any
) -> None:
    """The dashboard, the plan run, the routes and the monthly report in Chinese show no
    known English message text (warnings, errors, figure keys, diet codes)."""
    make_route(TODAY, [("site", "S1", {"regular": 10, "low_sodium": 2})])
    run = PlanRun(
        kind="daily",
        date=TODAY,
        service="lunch",
        status="failed",
        stage="waves",
        figures={"meals_delivered": 12, "distance_km": 3.4},
        warnings=WARNINGS,
        error=ERROR,
    )
    session.add(run)
    session.commit()
    auth.login_as("manager")
    pages = [
        "/",
        f"/plans/{run.id}",
        f"/routes/?date={TODAY.isoformat()}&service=lunch",
        f"/reports/monthly?month={TODAY.strftime('%Y-%m')}",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        for phrase in ENGLISH:
            assert phrase not in html, (url, phrase)
    html = client.get(f"/plans/{run.id}").get_data(as_text=True)
    assert "没有报餐也没有历史数据" in html and "任务在 10 分钟内没有开始" in html
    assert "已配送餐数" in html and "烹饪批次" in html
    assert "普通 10" in client.get(f"/routes/?date={TODAY.isoformat()}&service=lunch").get_data(
        as_text=True
    )
