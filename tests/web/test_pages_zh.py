"""Issue 14 item 8, "every page in Chinese and English": the panel's pages, rendered with
data as each role sees them, show no English word to a Chinese user and no Chinese word
to an English one, except the data itself (names, codes, addresses the kitchen typed).

The check reads the visible text of each page (tags, scripts and styles removed; titles,
placeholders and button values kept), removes every data value of the database, and
looks for a word of three or more Latin letters (Chinese) or any Han character (English)
outside a short list of names that stay as they are (PDF, CSV, IDDSI...).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import (
    Client,
    Delivery,
    DietProfile,
    Dish,
    Driver,
    Ingredient,
    Kitchen,
    NutritionGroup,
    PlanRun,
    PriceTier,
    Site,
    SubsidyRule,
    UnservedStop,
    Vehicle,
)
from mealplan.services import deliveries, headcounts, orders, ratings, users

pytestmark = pytest.mark.db

TODAY = dt.date.today()
MONTH = TODAY.strftime("%Y-%m")

#: Latin words a Chinese page may show: file formats, standards, the language switch
KEEP_LATIN = {"PDF", "CSV", "XLSX", "JSON", "IDDSI", "English", "UTF", "GBK", "GB18030",
              "Big5", "Latin", "ISO", "Windows", "QR", "USDA", "SR28", "TFDA"}  # fmt: skip
#: Han text an English page may show: the language switch
KEEP_HAN = {"中文"}


class _Visible(HTMLParser):
    """The text a user sees: text nodes outside script/style, plus title, placeholder,
    aria-label, alt and the value of buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        for key in ("title", "placeholder", "aria-label", "alt"):
            if a.get(key):
                self.parts.append(str(a[key]))
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(str(a["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def _data_values(session: Session) -> list[str]:
    """Every name, code, address and other typed value of the data (longest first)."""
    values: set[str] = set()
    for model, columns in (
        (Site, ("code", "name", "address", "contact_name", "street", "district")),
        (Client, ("code", "name", "address", "emergency_contact_name", "street", "district",
                  "card_number")),
        (Kitchen, ("code", "name", "address")),
        (Vehicle, ("code", "name", "plate")),
        (Driver, ("code", "name")),
        (PriceTier, ("code",)),
        (SubsidyRule, ("code", "funder")),
        (DietProfile, ("code", "name_zh", "name_en")),
        (NutritionGroup, ("code", "name_zh", "name_en")),
        (Dish, ("code", "name_zh", "name_en")),
        (Ingredient, ("code", "name_zh", "name_en")),
    ):  # fmt: skip
        for row in session.execute(select(*(getattr(model, c) for c in columns))):
            values.update(str(v) for v in row if v)
    values.update(u.username for u in users.list_users(session))
    values.update(("driver", "staff", "test"))  # who recorded deliveries, rating, records
    values.update(("不想吃", "饭菜凉了"))  # what they typed: a refusal's reason, a comment
    return sorted(values, key=len, reverse=True)


def leftovers(html: str, data: list[str], english: bool) -> set[str]:
    """Words of the other language on the page, data values removed."""
    text = visible_text(html)
    for value in data:
        text = text.replace(value, " ")
    if english:
        return set(re.findall(r"[\u4e00-\u9fff]+", text)) - KEEP_HAN
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]{2,}", text))
    return {w for w in words if w not in KEEP_LATIN and not w.startswith("GB")}


@pytest.fixture
def day(
    session: Session, world: Any, make_home_client: Any, make_route: Any, make_user: Any
) -> dict[str, Any]:
    """Today's route (a canteen, three homes: delivered, no answer with its alert,
    refused), an unserved home stop, a failed plan run with warnings, a reported
    headcount, a 1-star rating (a follow-up task) and a driver bound to the vehicle."""
    for code in ("C1", "C2", "C3", "C4"):
        make_home_client(code)
    stops = make_route(
        TODAY,
        [
            ("site", "S1", {"regular": 10, "low_sodium": 2}),
            ("home", "C1", {"regular": 1}),
            ("home", "C2", {"regular": 1}),
            ("home", "C3", {"low_sodium": 1}),
        ],
    )
    for stop, status, reason in (
        (stops[1], "delivered", ""),
        (stops[2], "no_answer", ""),
        (stops[3], "refused", "不想吃"),
    ):
        deliveries.record_delivery(session, stop.id, status, reason=reason, actor="driver")
    c4 = session.scalar(select(Client).where(Client.code == "C4"))
    assert c4 is not None
    session.add(
        UnservedStop(
            date=TODAY, service="lunch", client_id=c4.id, meals={"regular": 1},
            reason="hold_limit",
            message="C4 cannot be reached within 45 min of the food being ready: the quickest "
            "direct trip takes 52 min (vehicle V1 from kitchen K1, incl. 5 min loading)",
        )
    )  # fmt: skip
    session.add(
        PlanRun(
            kind="daily", date=TODAY, service="lunch", status="failed", stage="routes",
            figures={"meals_delivered": 12, "distance_km": 3.4},
            warnings=[
                "site S2 (东湖助餐点) has no report and no history: 0 meals planned",
                "unserved C4: hold_limit: C4 cannot be reached within 45 min of the food being "
                "ready: the quickest direct trip takes 52 min (vehicle V1 from kitchen K1, "
                "incl. 5 min loading)",
            ],
            error="JobError: the job did not start within 10 min",
        )
    )  # fmt: skip
    headcounts.record_headcounts(
        session, "S1", TODAY, "lunch", {"regular": 10, "low_sodium": 2}, "staff", allow_late=True
    )
    ratings.record_rating(
        session, date=TODAY, service="lunch", subject="service", score=1, site_code="S1",
        comment="饭菜凉了", actor="staff",
    )  # fmt: skip
    kitchen = session.scalar(select(Kitchen).where(Kitchen.code == "K1"))
    vehicle = session.scalar(select(Vehicle).where(Vehicle.code == "V1"))
    assert kitchen is not None and vehicle is not None
    session.add(Driver(code="D1", name="王师傅", kitchen_id=kitchen.id, vehicle_id=vehicle.id))
    start = dt.date(2026, 1, 1)
    for category in ("hardship", "age_80", "age_60", "disabled"):
        session.add(
            PriceTier(
                code=f"lunch-{category}",
                service="lunch",
                category=category,
                meal_price_fen=1200,
                elder_pays_fen=300,
                valid_from=start,
            )
        )
        for level in ("city", "district", "street"):
            session.add(
                SubsidyRule(
                    code=f"{category}-{level}",
                    category=category,
                    level=level,
                    funder=f"{level}民政",
                    amount_fen=None if level == "street" else 300,
                    outside="kept",
                    valid_from=start,
                )
            )
    session.commit()
    alert = session.scalar(select(Delivery).where(Delivery.route_stop_id == stops[2].id))
    assert alert is not None
    return {
        "stops": stops,
        "run": session.scalar(select(PlanRun.id)),
        "trip": stops[0].trip_id,
        "unserved": session.scalar(select(UnservedStop.id)),
    }


def _pages(day: dict[str, Any]) -> dict[str, list[str]]:
    """The pages each role opens (a page the role may not open is skipped)."""
    d = TODAY.isoformat()
    panel = [
        "/", "/deliveries/", f"/deliveries/?date={d}", "/alerts/", "/headcounts/",
        "/headcounts/S1", "/plans/", f"/plans/{day['run']}", f"/routes/?date={d}&service=lunch",
        f"/reports/monthly?month={MONTH}", "/import/", "/followups/", "/order/", "/claims/",
        "/checkin/", "/checkin/S1", "/ratings/", "/ratings/S1", "/menus/", "/data/",
        *(f"/data/{k}/" for k in ("sites", "clients", "dishes", "ingredients", "vehicles",
                                   "drivers", "diet-profiles", "nutrition-groups", "kitchens",
                                   "meal-structures", "price-tiers", "subsidy-rules")),
        "/data/sites/S1/edit", "/data/clients/C1/edit", "/data/kitchens/K1/edit",
        "/data/diet-profiles/regular/edit", "/data/vehicles/V1/edit", "/data/drivers/D1/edit",
        "/data/price-tiers/lunch-age_80/edit", "/data/subsidy-rules/age_80-city/edit",
        "/data/nutrition-groups/regular/edit", "/order/C1", "/checkin/cards/C1",
        "/order/C1/links", f"/routes/trips/{day['trip']}", f"/routes/trips/{day['trip']}/sheet",
        f"/routes/sheets?date={d}&service=lunch", f"/routes/unserved/{day['unserved']}/place",
        *(f"/data/{k}/new" for k in ("sites", "clients", "dishes", "ingredients", "vehicles",
                                      "drivers", "diet-profiles", "nutrition-groups",
                                      "kitchens", "meal-structures", "price-tiers",
                                      "subsidy-rules")),
    ]  # fmt: skip
    return {
        "admin": [*panel, "/admin/users", "/admin/audit"],
        "manager": panel,
        "dispatcher": panel,
        "viewer": panel,
        "site_staff": panel,
        "community_worker": ["/order/", "/order/C1", "/followups/", "/menus/"],
        "driver": ["/driver/"],
    }


def _diet_by_code(url: str, html: str) -> bool:
    """Whether a page shows a diet by its code instead of its name: the code is data, so
    :func:`leftovers` cannot tell; outside the records and the audit log it may only follow
    the name (``<small>``) or be a tooltip."""
    if url.startswith(("/data/", "/admin/")):
        return False
    html = re.sub(r"<small>.*?</small>|title=\"[^\"]*\"", " ", html, flags=re.S)
    return "low_sodium" in visible_text(html)


def _login(client: FlaskClient, session: Session, role: str, language: str) -> None:
    name = f"{role}_{language}"
    if name not in {u.username for u in users.list_users(session)}:
        users.create_user(
            session, name, "password-1", role, language=language, actor="test",
            site_code="S1" if role == "site_staff" else None,
            driver_code="D1" if role == "driver" else None,
        )  # fmt: skip
        session.commit()
    response = client.post("/login", data={"username": name, "password": "password-1"})
    assert response.status_code == 302


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_every_page_in_one_language(
    client: FlaskClient, session: Session, day: dict[str, Any], language: str
) -> None:
    """Each role's pages, with today's deliveries, alert, call list, failed run, headcount,
    follow-up and month's report, are all in the user's language (data aside), and none
    fails."""
    english = language == "en"
    found: dict[str, set[str]] = {}
    opened = 0
    for role, urls in _pages(day).items():
        client.post("/logout")
        _login(client, session, role, language)
        data = _data_values(session)
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (role, url, response.status_code)
            if response.status_code != 200 or "html" not in response.mimetype:
                continue
            opened += 1
            html = response.get_data(as_text=True)
            words = leftovers(html, data, english)
            if _diet_by_code(url, html):
                words.add("low_sodium")  # a diet shown by its code, not its name
            if words:
                found[f"{role} {url}"] = words
    assert opened > 100
    assert not found, "\n".join(f"{page}: {sorted(words)}" for page, words in found.items())


def test_leftover_check_sees_english(client: FlaskClient, auth: Any, world: Any) -> None:
    """The check itself: an English template string is found on a Chinese page, data is
    not."""
    html = "<main><h1>站点 八一社区食堂</h1><p>Nothing found.</p><script>var x='Hidden';</script>"
    assert leftovers(html, ["八一社区食堂"], english=False) == {"Nothing", "found"}
    assert leftovers("<p>Site 八一社区食堂 中文</p>", ["八一社区食堂"], english=True) == set()
    assert leftovers("<p>Site 站点</p>", [], english=True) == {"站点"}


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_form_errors_and_flash_messages_in_one_language(
    client: FlaskClient, session: Session, day: dict[str, Any], language: str
) -> None:
    """Refused and invalid forms (a refusal without a reason, an unknown outcome, a bad
    time, an empty or invalid record, a short password, an import without a file, an
    unknown card) answer in the user's language: flash messages and field errors alike."""
    english = language == "en"
    home = day["stops"][1].id
    d = TODAY.isoformat()
    posts = [
        ("dispatcher", f"/deliveries/{home}", {"status": "refused", "reason": "", "date": d}),
        ("dispatcher", f"/deliveries/{home}", {"status": "bogus", "date": d}),
        ("dispatcher", f"/deliveries/{home}", {"status": "delivered", "date": d, "time": "25:99"}),
        ("manager", "/alerts/999999/resolve", {"note": ""}),
        ("manager", "/data/sites/new", {"code": "", "kind": "zzz", "lat": "abc", "seats": "-1"}),
        ("manager", "/data/clients/new", {"code": "X1", "lunch_days": "9", "lat": "95"}),
        ("admin", "/admin/users", {"username": "x", "password": "1", "role": "site_staff"}),
        ("manager", "/import/", {"kind": "sites"}),
        ("manager", "/checkin/S1", {"card": "9999999999", "service": "lunch"}),
        ("manager", "/headcounts/S1", {"date": d, "service": "lunch", "regular": "-3"}),
        ("manager", "/ratings/S1", {"service": "lunch", "service-score": "9"}),
    ]
    found: dict[str, set[str]] = {}
    for role, url, form in posts:
        client.post("/logout")
        _login(client, session, role, language)
        response = client.post(url, data=form, follow_redirects=True)
        assert response.status_code < 500, (role, url)
        html = response.get_data(as_text=True)
        assert re.search(r'class="(flash [a-z]+|err)"', html), (role, url)  # it says why
        words = leftovers(html, _data_values(session), english)
        if words:
            found[f"{role} {url}"] = words
    assert not found, "\n".join(f"{page}: {sorted(words)}" for page, words in found.items())


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_family_ordering_page_in_one_language(
    client: FlaskClient, session: Session, day: dict[str, Any], language: str
) -> None:
    """The elder's own ordering page (a per-elder link, no login) in Chinese by default and
    in English after the header's switch, with its week, prices and today's status."""
    _link, token = orders.create_link(session, "C1", holder="女儿", user="test")
    session.commit()
    if language == "en":
        assert client.post("/lang/en").status_code == 302
    response = client.get(f"/o/{token}")
    assert response.status_code == 200
    data = [*_data_values(session), "女儿"]
    assert not leftovers(response.get_data(as_text=True), data, language == "en")
