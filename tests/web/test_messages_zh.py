"""Item 8 of issue 14: the messages the panel shows from mealplan (plan warnings, job
errors, import errors, figure and stage names, diet names in route tables) are Chinese
by default and English on request (web/messages.py)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy.orm import Session

from mealplan.db.models import PlanRun
from solvers.routing import (
    Kitchen,
    RoutingParams,
    RoutingProblem,
    Stop,
    TravelMatrix,
    Vehicle,
    solve_routes,
)
from web.messages import INTERNAL_ERROR, TEMPLATES, WORDS, localise

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
    for template in (*TEMPLATES, *WORDS.values(), INTERNAL_ERROR):
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


def _problem(stops: list[Stop], minutes: list[list[int]], **kw: Any) -> RoutingProblem:
    """One kitchen K at location 0, one 40-box van (shift 10:00-14:00), 1 km a minute."""
    metres = tuple(tuple(1000 * m for m in row) for row in minutes)
    van = Vehicle("v1", "van", "K", hot_capacity=40, shift=(600, 840))
    matrix = TravelMatrix(metres, tuple(map(tuple, minutes)))
    return RoutingProblem((Kitchen("K", 0),), tuple(stops), (van,), {"van": matrix}, **kw)


def _unserved_messages() -> list[str]:
    """The solver's own explanations of unserved stops (hold limit, window, too large, cold
    compartment, fleet full), from tiny problems solved under a solution limit."""
    params = RoutingParams(time_limit_s=30, solution_limit=50)
    two = [[0, 10, 10], [10, 0, 3], [10, 3, 0]]
    problems = [
        _problem([Stop("near", 1, 1, hold_limit=60), Stop("far", 2, 1, hold_limit=60,
                  name="八一社区")], [[0, 10, 70], [10, 0, 65], [70, 65, 0]]),
        _problem([Stop("A", 1, 5, window=(600, 620), name="东湖")], [[0, 30], [30, 0]]),
        _problem([Stop("C", 1, 100, name="食堂")], [[0, 10], [10, 0]], split_oversize=False),
        _problem([Stop("A", 1, 5, cold=2, name="甲")], [[0, 10], [10, 0]]),
        _problem([Stop("A", 1, 40, name="甲"), Stop("B", 2, 40, name="乙")], two),
    ]  # fmt: skip
    return [u.message for p in problems for u in solve_routes(p, params).unserved]


def test_unserved_reasons_in_chinese(app: Flask) -> None:
    """Every explanation the routing solver gives for an unserved stop (the call list and
    the plan's 'unserved' warnings) comes out in Chinese, its figures and names kept; in
    English it is unchanged."""
    messages = _unserved_messages()
    assert len(messages) == 5, messages
    with app.test_request_context():
        for message in messages:
            zh = localise(message)
            words = re.findall(r"[A-Za-z]{3,}", zh)
            assert not words, (message, zh)
            assert re.findall(r"\d+", zh) and sorted(re.findall(r"\d+", zh)) == sorted(
                re.findall(r"\d+", message)
            ), (message, zh)
        nested = localise(f"unserved S1: hold_limit: {messages[0]}")
        assert "八一社区 无法在出餐后 60 分钟内送达" in nested
    with app.test_request_context(), force_locale("en"):
        assert [localise(m) for m in messages] == messages


def test_failed_run_errors(app: Flask) -> None:
    """A failed run's error: mealplan's own error shows its message (translated); any other
    exception is called an internal error in Chinese, with the original text kept."""
    with app.test_request_context():
        assert localise("JobError: the job did not start within 10 min") == (
            "任务在 10 分钟内没有开始"
        )
        conflict = localise(
            "a daily job for 2026-12-05 lunch is already queued or running (run 2); wait "
            "for it to finish"
        )
        assert "午餐" in conflict and "每日计划" in conflict, conflict
        assert not re.findall(r"[A-Za-z]{3,}", conflict), conflict
        assert localise("the menu job could not be started: boom").startswith("每周菜谱 任务")
        bug = localise("TypeError: price() got multiple values for argument 'deadline'")
        assert bug.startswith("内部错误（TypeError）") and "price() got" in bug


@pytest.mark.db
def test_import_page_in_chinese(client: FlaskClient, auth: Any, world: Any) -> None:
    """A sites file with a duplicate code and a point outside China: the import page lists
    the errors and warnings in Chinese with file, row, column and value kept; the summary
    of a good import is Chinese too."""
    auth.login_as("manager")
    header = "code,kind,name,lat,lon,seats,kitchen\n"
    bad = header + "S9,canteen,九号食堂,30.1,120.1,20,K1\nS9,canteen,又一个,30.1,120.1,20,K1\n"
    page = client.post(
        "/import/",
        data={"kind": "sites", "file": (io.BytesIO(bad.encode()), "sites.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "重复的站点编码（首次出现在第 2 行）" in page, page[:3000]
    assert "duplicate" not in page
    good = header + "S8,canteen,八号食堂,48.5,2.3,20,K1\n"  # a point in France
    page = client.post(
        "/import/",
        data={"kind": "sites", "file": (io.BytesIO(good.encode()), "sites.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "sites.csv，第 2 行：（48.5, 2.3）不在中国境内" in page, page[page.find("<main") :]
    assert "created" not in page and "lies outside China" not in page
    summary = re.search(r"<h2>已导入</h2>\s*<p>([^<]*)</p>", page)
    assert summary is not None and "sites.csv" in summary.group(1), page[page.find("<main") :]
    assert not re.findall(r"[A-Za-z]{3,}", summary.group(1).replace("sites.csv", ""))


def test_menu_explanations_in_chinese(app: Flask) -> None:
    """Why a profile has no menu (solvers.menu.explain's real text, as the plan warns it)
    reads in Chinese, with the dish category by name; English unchanged."""
    from solvers.menu import DietProfile, Dish, MealStructure
    from solvers.menu.explain import explain_empty_slot

    rice = Dish("rice", "staple", 50, {"energy_kcal": 200.0})
    pork = Dish("pork", "main", 280, {"energy_kcal": 300.0}, vegetarian=False)
    structure = MealStructure("mini", ("staple", "main"))
    veg = DietProfile("veg", structures=(structure,), vegetarian=True, no_repeat_days=0)
    exp = explain_empty_slot([rice, pork], veg, "lunch", structure, structure.slots[1])
    warning = f"veg: no menu could be made ({exp.message})"
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        zh = localise(warning)
        assert zh.startswith("veg：") and "餐食结构 mini 需要 1 道主菜" in zh, zh
        assert "午餐" in zh and "dish(es)" not in zh and "not enough" not in zh
    with app.test_request_context(), force_locale("en"):
        assert localise(warning) == warning


def test_kitchen_without_routes_in_chinese(app: Flask) -> None:
    """A kitchen whose routing found no plan: its status word reads in Chinese."""
    from solvers.status import SolveStatus

    warning = f"kitchen K1: {SolveStatus.NO_SOLUTION}"
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        zh = localise(warning)
        assert "K1" in zh and "搜索在找到任何方案前已停止" in zh and "no_solution" not in zh
