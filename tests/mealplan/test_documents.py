"""Printed documents: route sheets, labels, production and purchase sheets, menus, SVG map."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mealplan.documents import (
    PALETTE,
    KitchenInfo,
    LabelSheet,
    MapPoint,
    MapRoute,
    MapTrip,
    MenuEntry,
    MenuProfile,
    NutrientReport,
    NutrientRow,
    NutrientSection,
    PriceNote,
    ProductionSheet,
    PurchaseListSheet,
    RouteSheet,
    RouteStopView,
    StopMeals,
    WeeklyMenu,
    labels_for_route,
    purchase_list_xlsx,
    render_html,
    render_pdf,
    route_map_svg,
    routes_svg,
)
from mealplan.documents.i18n import CODES, TEXTS
from mealplan.documents.render import css_string
from mealplan.domain.production import (
    Departure,
    IngredientInfo,
    ProductionDish,
    ProfileMeal,
    production_lines,
    profile_totals,
    purchase_list,
    recipes_of,
    retention_samples,
    scheduled_waves,
)
from mealplan.domain.schedule import KitchenCapacity

DAY = dt.date(2026, 11, 25)
AT = dt.datetime(2026, 11, 25, 8, 0)
KITCHEN = KitchenInfo(
    "朝阳区第一中央厨房", "北京市朝阳区幸福路1号", "010-6500 0000", 39.920, 116.450
)

STOPS = (
    RouteStopView(
        seq=1,
        kind="canteen",
        name="八一社区长者食堂",
        address="八一路3号",
        phone="13800000001",
        window_start_min=11 * 60,
        window_end_min=11 * 60 + 45,
        eta_min=10 * 60 + 50,
        meals=(
            StopMeals("regular", "普通餐", 24),
            StopMeals("low_sodium", "低盐餐", 7, allergens=("egg", "soy")),
        ),
        lat=39.930,
        lon=116.460,
        contact_name="王阿姨",
        boxes=4,
    ),
    RouteStopView(
        seq=2,
        kind="dining_point",
        name="幸福里助餐点",
        address="幸福里12号",
        phone="13800000002",
        window_start_min=11 * 60,
        window_end_min=12 * 60,
        eta_min=11 * 60 + 10,
        meals=(StopMeals("diabetic", "糖尿病餐", 13, allergens=("fish",)),),
        lat=39.940,
        lon=116.440,
        boxes=2,
        cold_items=13,
    ),
    RouteStopView(
        seq=3,
        kind="home",
        name="李桂兰",
        address="光明小区5号楼301",
        phone="13900000003",
        window_start_min=11 * 60,
        window_end_min=12 * 60,
        eta_min=11 * 60 + 25,
        meals=(StopMeals("halal_minced", "清真细碎餐", 1, iddsi_level=5, halal=True),),
        lat=39.925,
        lon=116.430,
        notes="耳背，请大声敲门",
    ),
)

SHEET = RouteSheet(
    date=DAY,
    service="lunch",
    kitchen=KITCHEN,
    vehicle="电动三轮1号",
    driver="张师傅",
    driver_phone="13700000000",
    ready_min=10 * 60 + 20,
    depart_min=10 * 60 + 30,
    return_min=12 * 60,
    stops=STOPS,
    distance_m=6400,
    drive_minutes=38,
)


def _need_pdf_tools() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint installed, Pango missing
        pytest.skip(f"WeasyPrint with Pango is needed for PDFs: {exc}")
    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils (pdftotext, pdffonts) is not installed")


def _pdf_text(pdf: bytes, tmp: Path) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def route_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str, Path]:
    """The Chinese route sheet of SHEET as PDF, its text, and its file."""
    _need_pdf_tools()
    tmp = tmp_path_factory.mktemp("route")
    pdf = render_pdf(SHEET, generated_at=AT)
    return pdf, _pdf_text(pdf, tmp), tmp / "doc.pdf"


def test_route_sheet_lists_stops_in_order_with_meal_counts(
    route_pdf: tuple[bytes, str, Path],
) -> None:
    """Every stop's name appears in delivery order, each with its meal counts."""
    _, text, _ = route_pdf
    body = text[text.index("配送站点") :]  # skip the loading order (reverse order)
    positions = [body.index(s.name) for s in STOPS]
    assert positions == sorted(positions)
    segments = [body[a:b] for a, b in zip(positions, [*positions[1:], len(body)], strict=True)]
    for stop, segment in zip(STOPS, segments, strict=True):
        assert f"{stop.total_meals} 份" in segment
        for meal in stop.meals:
            assert re.search(rf"{meal.profile_name}.*\b{meal.count}\b", segment), meal
    # boxes are numbered consecutively over the trip: 1-4, 5-6, 7 (one per home meal)
    assert "1-4" in segments[0] and "5-6" in segments[1] and "箱号: 7" in segments[2]
    assert "耳背，请大声敲门" in segments[2]
    assert "签收" in segments[2]
    assert "清真" in segments[2] and "IDDSI 5" in segments[2]
    assert "含: 蛋类、大豆" in segments[0]


def test_route_sheet_header_loading_order_and_totals(route_pdf: tuple[bytes, str, Path]) -> None:
    """Header, loading order (last delivery first), totals and footer are printed."""
    _, text, _ = route_pdf
    for word in ("送餐路线单", "张师傅", "13700000000", "10:20", "10:30", "12:00"):
        assert word in text
    loading = text[text.index("装车顺序") : text.index("配送站点")]
    assert loading.index("李桂兰") < loading.index("幸福里助餐点") < loading.index("八一社区")
    assert "6.4 公里" in text and "38 分钟" in text
    assert "生成时间 2026-11-25 08:00" in text
    assert re.search(r"第\s*1\s*/\s*[12]\s*页", text)
    assert KITCHEN.name in text


def test_route_sheet_embeds_noto_cjk_fonts_only(route_pdf: tuple[bytes, str, Path]) -> None:
    """The PDF embeds Noto CJK (no fallback font), so Chinese renders without tofu boxes."""
    _, _, path = route_pdf
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    assert any("Noto-Sans-CJK-SC" in r for r in rows), out
    for row in rows:
        name = row.split()[0]
        assert "Noto" in name and "CJK" in name, out
        assert row.split()[-5] == "yes", out  # embedded


def test_route_sheet_in_english(tmp_path: Path) -> None:
    """lang='en' prints English headings around the Chinese names."""
    html = render_html(SHEET, lang="en", generated_at=AT)
    assert 'lang="en"' in html
    for heading in ("Driver route sheet", "Loading order", "Received by", "Eat by"):
        assert heading in html
    assert "送餐路线单" not in html
    _need_pdf_tools()
    text = _pdf_text(render_pdf(SHEET, lang="en", generated_at=AT), tmp_path)
    assert "Driver route sheet" in text and re.search(r"Page\s*1\s*/", text)
    assert "八一社区长者食堂" in text


def test_route_sheets_several_trips_in_one_document() -> None:
    """Several trips render into one page sequence, each a section of its own."""
    html = render_html([SHEET, SHEET], generated_at=AT)
    assert html.count('class="doc route-sheet"') == 2


def test_labels_one_per_stop_and_profile_with_eat_by(tmp_path: Path) -> None:
    """Labels: one per stop and profile, eat-by = cooked + hold limit, halal marked."""
    labels = labels_for_route(SHEET, cooked_min=10 * 60 + 15, hold_limit_minutes=120)
    assert [(lb.recipient, lb.count) for lb in labels] == [
        ("八一社区长者食堂", 24),
        ("八一社区长者食堂", 7),
        ("幸福里助餐点", 13),
        ("李桂兰", 1),
    ]
    # 10:15 + 120 min = 12:15
    assert {lb.eat_by_min for lb in labels} == {12 * 60 + 15}
    assert [lb.halal for lb in labels] == [False, False, False, True]
    _need_pdf_tools()
    sheet = LabelSheet(DAY, "lunch", KITCHEN, labels * 3)  # 12 labels: two A4 pages of 2 x 5
    text = _pdf_text(render_pdf(sheet, generated_at=AT), tmp_path)
    assert text.count("食用截止: 11-25 12:15") == 12
    assert text.count("制作时间: 11-25 10:15") == 12
    assert "IDDSI 5 细碎及湿软" in text and "清真" in text
    assert re.search(r"第\s*2\s*/\s*2\s*页", text)


def _num(value: object) -> float:
    assert isinstance(value, int | float), value
    return float(value)


def _production() -> tuple[ProductionSheet, PurchaseListSheet]:
    dishes = {
        d.code: d
        for d in (
            ProductionDish("rice", "米饭", "staple", 7, (("rice", 100.0),)),
            ProductionDish("fish", "清蒸鲈鱼", "main", 7, (("bass", 120.0), ("oil", 5.0))),
            ProductionDish("tofu", "家常豆腐", "side", 6, (("tofu", 100.0), ("oil", 6.0))),
        )
    }
    meals = [
        ProfileMeal("lunch", "regular", ("rice", "fish"), 31, name_zh="普通餐"),
        ProfileMeal("lunch", "soft", ("rice", "tofu"), 13, name_zh="软食", halal=True),
    ]
    ingredients = {
        i.code: i
        for i in (
            IngredientInfo("rice", "大米", "grain", 600),
            IngredientInfo("bass", "鲈鱼", "fish", 3600),
            IngredientInfo("tofu", "北豆腐", "soy", 700),
            IngredientInfo("oil", "菜籽油", "oil", 1500),
        )
    }
    lines = production_lines(meals, dishes)
    # the daily plan's wave scheduling (scheduled_waves: the kitchen's packing schedule)
    waves = scheduled_waves(
        [
            Departure("T1", "电动三轮1号", 640, {"regular": 31}, ready_min=630),
            Departure("T2", "面包车2号", 715, {"soft": 13}, ready_min=705),
        ],
        meals,
        dishes,
        KitchenCapacity(packing_lines=1, portions_per_slot=200, cook_to_pack_minutes=10),
        hold_limit_bulk_minutes=120,
        hold_limit_home_minutes=60,
    )
    production = ProductionSheet(
        date=DAY,
        kitchen=KITCHEN,
        lines=tuple(lines),
        waves=tuple(waves),
        samples=tuple(retention_samples(lines, waves=waves)),
        profile_totals=tuple(profile_totals(meals)),
        service="lunch",
    )
    buy = purchase_list(lines, recipes_of(dishes.values()), ingredients, 0.05)
    return production, PurchaseListSheet(DAY, KITCHEN, tuple(buy), 0.05)


def test_production_sheet_prints_waves_and_samples(tmp_path: Path) -> None:
    """The production sheet shows variants, wave times and the 留样 list with times."""
    production, _ = _production()
    _need_pdf_tools()
    text = _pdf_text(render_pdf(production, generated_at=AT), tmp_path)
    assert "厨房生产单" in text and "清蒸鲈鱼" in text
    assert "软食（清真）" in text
    # T1: 31 x 2 = 62 portions at 200 per 15-min slot take ceil(4.65) = 5 min, packed
    # 10:25-10:30 (ready 10:30); wave 1 cooks until 10:25 - 10 = 10:15, from 10:15 - 90 =
    # 08:45, eaten by 10:15 + 120 = 12:15. T2: 26 portions take 2 min, packed 11:43-11:45,
    # 78 min after T1 (> 30): wave 2 cooks 10:03-11:33, eaten by 13:33.
    waves = text[text.index("烹饪批次") : text.index("留样")]
    assert re.search(r"1\s+08:45\s+10:15\s+12:15", waves)
    assert re.search(r"2\s+10:03\s+11:33\s+13:33", waves)
    assert "普通餐" in text[: text.index("烹饪批次")]  # profile names, not codes
    # samples kept 48 h: taken 11-25 10:15 (wave 1's finish), discard after 11-27 10:15
    assert "留样" in text and "11-25 10:15" in text and "11-27 10:15" in text
    assert "44" in text  # 31 + 13 meals


def test_purchase_list_pdf_and_xlsx_totals(tmp_path: Path) -> None:
    """The purchase XLSX reopens with openpyxl; lines, subtotals and total agree."""
    _, purchase = _production()
    data = purchase_list_xlsx(purchase, generated_at=AT)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    header_idx = next(i for i, r in enumerate(rows) if r[0] == "供应类别")
    assert ws.cell(row=header_idx + 1, column=1).font.bold
    items = [r for r in rows[header_idx + 1 :] if r[1]]
    assert [r[1] for r in items] == [p.ingredient for p in purchase.lines]
    assert [r[3] for r in items] == [p.kg for p in purchase.lines]
    total = next(r for r in rows if r[0] == "合计")
    # rice 100 g x 44 x 1.05 = 4.62 kg x 6.00 = 27.72; bass 120 g x 31 x 1.05 = 3.906 kg
    # x 36.00 = 140.616 -> 140.62; tofu 100 g x 13 x 1.05 = 1.365 kg x 7.00 = 9.555 -> 9.56;
    # oil (5 x 31 + 6 x 13) x 1.05 = 244.65 g -> 0.245 kg x 15.00 = 3.675 -> 3.68
    assert total[5] == pytest.approx(27.72 + 140.62 + 9.56 + 3.68)
    assert total[5] == pytest.approx(sum(_num(r[5]) for r in items))
    subtotals = [r for r in rows if isinstance(r[0], str) and r[0].startswith("小计")]
    assert sum(_num(r[5]) for r in subtotals) == pytest.approx(total[5])
    kg_cell = ws.cell(row=header_idx + 3, column=4)
    assert kg_cell.number_format == "0.000"
    _need_pdf_tools()
    text = _pdf_text(render_pdf(purchase, generated_at=AT), tmp_path)
    assert "采购单" in text and "水产" in text and "181.58" in text and "5%" in text


def test_weekly_menu_and_nutrient_report(tmp_path: Path) -> None:
    """The public weekly menu shows dishes and prices; the nutrient report flags statuses."""
    days = tuple(DAY + dt.timedelta(days=i) for i in range(5))
    menu = WeeklyMenu(
        site_name="八一社区长者食堂",
        kitchen=KITCHEN,
        week_start=DAY,
        days=days,
        profiles=(
            MenuProfile("regular", "普通餐", price_fen=1200),
            MenuProfile("diabetic", "糖尿病餐"),
        ),
        entries=tuple(
            MenuEntry(d, p, ("杂粮饭", f"菜品{i}"), price_fen=1300 if p == "diabetic" else None)
            for i, d in enumerate(days)
            for p in ("regular", "diabetic")
        ),
        prices=(PriceNote("80 岁以上老人", 500),),
    )
    html = render_html(menu, generated_at=AT)
    assert html.count("杂粮饭") == 10
    assert "¥12.00" in html and "¥13.00" in html and "¥5.00" in html
    assert "星期三" in html  # 2026-11-25 is a Wednesday
    report = NutrientReport(
        KITCHEN,
        DAY,
        (
            NutrientSection(
                "regular",
                "普通餐",
                DAY,
                (
                    NutrientRow("energy_kcal", 650, 600, 800),
                    NutrientRow("sodium_mg", 1900, None, 1600, hard=True),
                    NutrientRow("protein_g", 15, 20, None),
                ),
            ),
            NutrientSection("regular", "普通餐", None, (NutrientRow("fibre_g", 5),)),
        ),
    )
    assert [r.status for r in report.sections[0].rows] == ["ok", "high", "low"]
    assert report.sections[0].out_of_range == 2
    _need_pdf_tools()
    text = _pdf_text(render_pdf(report, lang="en", generated_at=AT), tmp_path)
    assert "Nutrient report" in text and "Week average" in text
    assert "high (hard)" in text and "Sodium (mg)" in text
    text = _pdf_text(render_pdf(menu, generated_at=AT), tmp_path)
    assert "每周菜谱公示" in text and "八一社区长者食堂" in text


def test_route_map_svg_has_one_marker_per_stop() -> None:
    """The SVG map is well-formed, with a kitchen square and one numbered marker per stop."""
    points = [(KITCHEN.lat or 0, KITCHEN.lon or 0)] + [(s.lat, s.lon) for s in STOPS]
    svg = route_map_svg(points, 300, 200)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    circles = [e for e in root.iter(f"{ns}circle") if e.get("class") == "stop"]
    assert len(circles) == len(STOPS)
    assert [e.text for e in root.iter(f"{ns}text")] == ["1", "2", "3"]
    assert len([e for e in root.iter(f"{ns}rect") if e.get("class") == "kitchen"]) == 1
    for c in circles:  # inside the drawing, padding kept
        assert 18 <= float(c.get("cx", "-1")) <= 300 - 18
        assert 18 <= float(c.get("cy", "-1")) <= 200 - 18
    # north is up: the northernmost stop (2, lat 39.940) is drawn highest
    ys = [float(c.get("cy", "0")) for c in circles]
    assert min(ys) == ys[1]
    assert route_map_svg([(39.9, 116.4)]).count('class="stop"') == 0
    with pytest.raises(ValueError):
        route_map_svg([])


def test_translations_complete_and_escaping() -> None:
    """Every text has both languages; unknown languages are refused; CSS strings escape."""
    for key, (zh, en) in TEXTS.items():
        assert zh and (en or key == "page_suffix"), key
    for vocab, table in CODES.items():
        for code, (zh, en) in table.items():
            assert zh and en, (vocab, code)
    with pytest.raises(ValueError, match="fr"):
        render_html(SHEET, lang="fr")
    assert css_string('a"b\\c</style>') == "a\\22 b\\5c c\\3c /style\\3e "
    html = render_html(replace(SHEET, kitchen=KitchenInfo('厨房"A"')))
    assert "厨房\\22 A\\22 " in html


def test_pdfs_side_by_side_keep_their_order(tmp_path: Path) -> None:
    """html_to_pdf_many with 2 worker processes returns each page's PDF in input order, as
    the serial path does (the daily plan renders its documents this way)."""
    from mealplan.documents.render import html_to_pdf_many

    _need_pdf_tools()
    production, purchase = _production()
    pages = [render_html(production, generated_at=AT), render_html(purchase, generated_at=AT)]
    for workers in (2, 1):
        pdfs = html_to_pdf_many(pages, workers)
        assert len(pdfs) == 2 and all(p.startswith(b"%PDF") for p in pdfs)
        assert "厨房生产单" in _pdf_text(pdfs[0], tmp_path)
        assert "采购单" in _pdf_text(pdfs[1], tmp_path)


def test_routes_svg_draws_many_routes_in_their_colours() -> None:
    """One renderer for every map: two routes from one kitchen draw one kitchen square,
    a line per trip in the route's colour (later trips dashed), numbered stops with their
    titles; a route sheet's map is the same drawing of one trip; no routes, a frame."""
    kitchen = MapPoint(39.90, 116.40, title="厨房 <K1>")
    stop = MapPoint(39.92, 116.42, "1", "#1.1 食堂")
    routes = [
        MapRoute(kitchen, (MapTrip((stop,)), MapTrip((stop, stop), dashed=True)), PALETTE[0]),
        MapRoute(kitchen, (MapTrip((MapPoint(39.88, 116.38, "1"),)),), PALETTE[1], key="7"),
    ]
    svg = routes_svg(routes, 600, 400, css_class="routes-map", fluid=True)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    lines = [e for e in root.iter(f"{ns}polyline") if e.get("class") == "trip"]
    assert [e.get("stroke") for e in lines] == [PALETTE[0], PALETTE[0], PALETTE[1]]
    assert [e.get("stroke-dasharray") for e in lines] == [None, "6 3", None]
    assert lines[2].get("data-route") == "7"
    assert len([e for e in root.iter(f"{ns}rect") if e.get("class") == "kitchen"]) == 1
    assert len(list(root.iter(f"{ns}circle"))) == 4
    assert "厨房 &lt;K1&gt;" in svg and root.get("width") == "100%"
    single = route_map_svg([(39.90, 116.40), (39.92, 116.42)], 300, 200)
    assert single == routes_svg(
        [MapRoute(MapPoint(39.90, 116.40), (MapTrip((MapPoint(39.92, 116.42, "1"),)),),
                  "#000000")],
        300,
        200,
    )  # fmt: skip
    assert "<circle" not in routes_svg([], 300, 200)
    with pytest.raises(ValueError):
        routes_svg(routes, 30, 30)
