"""Import and export of the reference tables: formats, validation, idempotence."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.cli import main
from mealplan.cli.io import KIND_CHOICES
from mealplan.config import Settings
from mealplan.db.mappers import load_dishes
from mealplan.db.models import AuditEntry, Base, Client, Dish, Headcount, Site
from mealplan.db.session import unit_of_work
from mealplan.domain.vocab import NUTRIENT_KEYS
from mealplan.errors import ImportValidationError
from mealplan.io.exporting import export_table
from mealplan.io.importing import import_table
from mealplan.io.kinds import KIND_NAMES
from mealplan.services.reference import ensure_nutrition_groups

DATA = Path(__file__).resolve().parents[1] / "data" / "io"

#: fixture files in dependency order
FIXTURES = (
    ("kitchens", "kitchens.csv"),
    ("diet-profiles", "diet_profiles.csv"),
    ("sites", "sites.csv"),
    ("clients", "clients.csv"),
    ("vehicles", "vehicles.csv"),
    ("drivers", "drivers.csv"),
    ("headcounts", "headcounts.csv"),
    ("ingredients", "ingredients.csv"),
    ("dishes", "dishes.csv"),
    ("meal-structures", "meal_structures.csv"),
    ("price-tiers", "price_tiers.csv"),
    ("subsidy-rules", "subsidy_rules.csv"),
)


def load_fixtures(session: Session) -> None:
    ensure_nutrition_groups(session)
    for kind, name in FIXTURES:
        import_table(session, kind, DATA / name)
    session.commit()


def snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with unit_of_work(settings) as s:
        return {
            t.name: [tuple(r) for r in s.execute(select(t).order_by(*t.primary_key.columns))]
            for t in Base.metadata.sorted_tables
        }


def rewrite_csv(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV file; ``row`` counts as a spreadsheet does (header = 1)."""
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
    rows[row - 1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), "utf-8")


def test_cli_kind_choices_match_library() -> None:
    """The CLI offers exactly the kinds the library imports and exports."""
    assert tuple(KIND_CHOICES) == KIND_NAMES


@pytest.mark.db
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_round_trip_is_idempotent(session: Session, kind: str) -> None:
    """Exporting a kind as CSV, XLSX or JSON and importing it back changes nothing."""
    load_fixtures(session)
    first = export_table(session, kind, "csv")
    for fmt in ("csv", "xlsx", "json"):
        data = export_table(session, kind, fmt)
        report = import_table(session, kind, data, filename=f"{kind}.{fmt}")
        assert (report.created, report.updated) == (0, 0), (fmt, report)
        assert report.unchanged > 0
        assert not [w for w in report.warnings if "ignored" in w], report.warnings
    assert export_table(session, kind, "csv") == first


@pytest.mark.db
def test_corrupted_latitude_is_rejected_and_nothing_changes(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    """A site latitude of 200 exits non-zero, names row and column, and changes no table."""
    load_fixtures(session)
    session.close()
    runner = CliRunner()
    out = tmp_path / "sites.csv"
    result = runner.invoke(main, ["export", "sites", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rewrite_csv(out, 3, "lat", "200")
    rewrite_csv(out, 2, "name", "改过的名字")  # a valid change in another row is not written
    before = snapshot(settings)
    result = runner.invoke(main, ["import", "sites", str(out)])
    assert result.exit_code != 0
    assert "row 3" in result.output and "'lat'" in result.output
    assert "must be between -90 and 90" in result.output
    assert snapshot(settings) == before


@pytest.mark.db
def test_every_error_is_listed(session: Session) -> None:
    """A file with three bad rows reports three errors, each with its row and column."""
    load_fixtures(session)
    text = (DATA / "sites.csv").read_text("utf-8").splitlines()
    text[1] = text[1].replace("30.31,", "95,")  # latitude out of range
    text[2] = text[2].replace("dining_point", "restaurant")  # not a site kind
    text[3] = text[3].replace("10:50,11:30", "11:30,10:50")  # window ends before it starts
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "sites", "\n".join(text).encode(), filename="sites.csv")
    errors = info.value.errors
    assert [(e.row, e.column) for e in errors] == [
        (2, "lat"),
        (3, "kind"),
        (4, "lunch_window_end"),
    ]


@pytest.mark.db
def test_more_range_and_format_errors(session: Session) -> None:
    """Negative counts, bad HH:MM, bad dates and duplicate keys are each reported."""
    load_fixtures(session)
    bad = (
        "date,service,site,profile,count\n"
        "2026-11-21,lunch,S1,regular,-3\n"
        "2026-13-01,lunch,S1,regular,3\n"
        "2026-11-21,brunch,S1,regular,3\n"
        "2026-11-21,lunch,S1,regular,4\n"
    )
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "headcounts", bad.encode(), filename="h.csv")
    got = {(e.row, e.column) for e in info.value.errors}
    assert got == {(2, "count"), (3, "date"), (4, "service"), (5, "profile")}
    bad_sites = (
        (DATA / "sites.csv").read_text("utf-8").replace("10:50,11:30,16:30", "10:50,25:00,16:30")
    )
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "sites", bad_sites.encode(), filename="s.csv")
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "lunch_window_end")]


@pytest.mark.db
def test_unknown_reference_codes_are_errors(session: Session) -> None:
    """References to unknown kitchens, profiles and ingredients are errors naming the column."""
    load_fixtures(session)
    sites = (DATA / "sites.csv").read_text("utf-8").replace(",K2,", ",K9,")
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "sites", sites.encode(), filename="sites.csv")
    assert [(e.row, e.column, e.value) for e in info.value.errors] == [(4, "kitchen", "K9")]
    clients = (DATA / "clients.csv").read_text("utf-8").replace(",regular,", ",keto,")
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "clients", clients.encode(), filename="clients.csv")
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "diet_profile")]
    dishes = (DATA / "dishes.csv").read_text("utf-8").replace(",cabbage,120", ",kale,120")
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "dishes", dishes.encode(), filename="dishes.csv")
    assert [(e.row, e.column, e.value) for e in info.value.errors] == [(4, "ingredient", "kale")]


@pytest.mark.db
def test_duplicate_codes_in_a_file_are_errors(session: Session) -> None:
    """The same code twice in one file is an error pointing at the second row."""
    load_fixtures(session)
    text = (DATA / "kitchens.csv").read_text("utf-8").replace("K2,", "K1,")
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "kitchens", text.encode(), filename="k.csv")
    assert [(e.row, e.column) for e in info.value.errors] == [(3, "code")]
    assert "first at row 2" in info.value.errors[0].message


@pytest.mark.db
def test_chinese_headers_after_merged_title_rows(session: Session) -> None:
    """An XLSX with a merged title, Chinese headers and Chinese values imports, and its
    errors are numbered as the sheet shows them."""
    load_fixtures(session)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "站点"
    ws.append(["拱墅区助餐站点名单（2026年11月）"])
    ws.merge_cells("A1:I1")
    ws.append(["制表单位：拱墅区民政局", None, None, None, None, "制表日期：2026-11-20"])
    ws.merge_cells("A2:E2")
    ws.append(["编码", "名称", "类型", "所属厨房", "纬度", "经度", "地址", "午餐送达开始",
               "午餐送达结束", "联系人", "电话", "说明"])  # fmt: skip
    ws.append(["S9", "祥符街道长者食堂", "长者食堂", "K1", 30.33, 120.12, "祥符街道9号",
               dt.time(10, 50), dt.time(11, 30), "周五", 13800000031, "新点"])  # fmt: skip
    ws.append(["S10", "叶青苑社区助餐点", "助餐点", "K1", "30.335", "120.125", None,
               "11:00", "11:45", None, None, None])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    report = import_table(session, "sites", buf.getvalue(), filename="站点.xlsx", sheet="站点")
    assert (report.created, report.updated) == (2, 0)
    assert any("说明" in w for w in report.warnings)  # unknown column reported, not fatal
    s9 = session.scalar(select(Site).where(Site.code == "S9"))
    s10 = session.scalar(select(Site).where(Site.code == "S10"))
    assert s9 is not None and s10 is not None
    assert (s9.kind, s9.lunch_window_start_min, s9.contact_phone) == ("canteen", 650, "13800000031")
    assert (s10.kind, s10.lat, s10.lunch_window_end_min) == ("dining_point", 30.335, 705)

    ws.cell(row=5, column=5, value=200)
    ws.cell(row=4, column=3, value="饭店")
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "sites", buf.getvalue(), filename="站点.xlsx")
    assert [(e.row, e.column) for e in info.value.errors] == [(4, "类型"), (5, "纬度")]


@pytest.mark.db
def test_gbk_csv_with_chinese_headers_and_values(session: Session) -> None:
    """A GBK-encoded CSV with Chinese headers and 午餐/晚餐 imports headcounts."""
    load_fixtures(session)
    text = (
        "日期,餐次,站点,膳食类型,人数\n"
        "2026/11/21,午餐,S1,regular,70\n"
        "2026年11月21日,晚餐,S1,regular,22\n"
        "2026-11-21,中餐,S2,no_seafood,3\n"
    )
    report = import_table(session, "headcounts", text.encode("gbk"), filename="报餐.csv")
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    rows = session.scalars(
        select(Headcount).where(Headcount.date == dt.date(2026, 11, 21)).order_by(Headcount.id)
    ).all()
    assert [(h.service, h.count, h.source) for h in rows] == [
        ("lunch", 70, "reported"),
        ("dinner", 22, "reported"),
        ("lunch", 3, "reported"),
    ]
    again = import_table(session, "headcounts", text.encode("gb18030"), filename="报餐.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = text.replace(",70", ",71")
    third = import_table(session, "headcounts", changed.encode("utf-8-sig"), filename="报餐.csv")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)


@pytest.mark.db
def test_json_export_shapes(session: Session) -> None:
    """Dish, ingredient and diet-profile JSON exports carry the documented keys."""
    load_fixtures(session)
    dishes = json.loads(export_table(session, "dishes", "json"))
    dish_keys = {"code", "name_zh", "name_en", "category", "iddsi_level", "cooking_method",
                 "tags", "base_dish", "allergens", "halal", "vegetarian", "food_groups",
                 "cost_fen", "recipe", "nutrients"}  # fmt: skip
    by_code = {d["code"]: d for d in dishes}
    assert dish_keys <= set(by_code["pork_cabbage"])
    assert set(by_code["pork_cabbage"]["nutrients"]) == set(NUTRIENT_KEYS)
    assert by_code["pork_cabbage"]["recipe"][0] == {"ingredient": "pork_lean", "grams": 50.0}
    assert by_code["pork_cabbage"]["allergens"] == ["soy"]
    assert by_code["pork_cabbage"]["halal"] is False
    assert by_code["steamed_egg"]["tags"] == ["low_cost", "soft"]
    assert by_code["pork_cabbage_minced"]["base_dish"] == "pork_cabbage"

    ingredients = {i["code"]: i for i in json.loads(export_table(session, "ingredients", "json"))}
    cabbage = ingredients["cabbage"]
    assert set(cabbage) == {"code", "name_zh", "name_en", "source", "source_id", "source_name",
                            "edible_fraction", "per_100g", "price_fen_per_kg", "food_group",
                            "allergens", "halal", "vegetarian"}  # fmt: skip
    assert cabbage["per_100g"]["potassium_mg"] is None
    assert cabbage["per_100g"]["energy_kcal"] == 18.0
    assert ingredients["egg"]["allergens"] == ["egg"]

    profiles = {p["code"]: p for p in json.loads(export_table(session, "diet-profiles", "json"))}
    p = profiles["low_sodium_soft"]
    assert {"code", "name_zh", "name_en", "group", "max_iddsi", "exclude_allergens", "halal",
            "vegetarian", "budget_fen", "budget_hard", "no_repeat_days", "excluded_tags",
            "required_staple_tags", "targets"} <= set(p)  # fmt: skip
    assert p["excluded_tags"] == ["pickled"]
    assert p["targets"]["lunch"]["sodium_mg"] == {"min": None, "max": 500.0, "hard": True}
    assert profiles["no_seafood"]["exclude_allergens"] == ["crustacean", "fish", "mollusc"]


@pytest.mark.db
def test_dish_nutrients_are_the_recipe_sum(session: Session) -> None:
    """Exported dish nutrients equal the sum of grams x edible fraction x per-100 g / 100."""
    load_fixtures(session)
    ingredients = {i["code"]: i for i in json.loads(export_table(session, "ingredients", "json"))}
    for dish in json.loads(export_table(session, "dishes", "json")):
        for key in NUTRIENT_KEYS:
            expected = sum(
                line["grams"]
                * ingredients[line["ingredient"]]["edible_fraction"]
                * (ingredients[line["ingredient"]]["per_100g"][key] or 0.0)
                / 100
                for line in dish["recipe"]
            )
            assert dish["nutrients"][key] == pytest.approx(expected, rel=0.01, abs=1e-3)
    # pork_cabbage energy by hand: 50*1*143/100 + 120*0.87*18/100 + 6*1*899/100 = 144.232
    pork = next(d for d in json.loads(export_table(session, "dishes", "json"))
                if d["code"] == "pork_cabbage")  # fmt: skip
    assert pork["nutrients"]["energy_kcal"] == pytest.approx(144.232, rel=0.01)


@pytest.mark.db
def test_changed_recipe_is_replaced_as_a_whole(session: Session) -> None:
    """A dish whose recipe changed is updated and its lines replaced; others unchanged."""
    load_fixtures(session)
    text = (DATA / "dishes.csv").read_text("utf-8")
    text = text.replace("cabbage,120", "cabbage,150").replace(
        "steamed_egg,蒸蛋羹,Steamed egg custard,side,4,steam,soft;low_cost,,egg,60",
        "steamed_egg,蒸蛋羹,Steamed egg custard,side,4,steam,soft;low_cost,,egg,60\n"
        "steamed_egg,,,,,,,,oil,2",  # continuation row with dish columns left blank
    )
    report = import_table(session, "dishes", text.encode(), filename="dishes.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 2)
    dishes = {d.code: d for d in load_dishes(session)}
    assert [(x.ingredient.code, x.grams) for x in dishes["pork_cabbage"].recipe] == [
        ("pork_lean", 50.0),
        ("cabbage", 150.0),
        ("oil", 6.0),
    ]
    assert [x.ingredient.code for x in dishes["steamed_egg"].recipe] == ["egg", "oil"]
    assert dishes["steamed_egg"].iddsi_level == 4


@pytest.mark.db
def test_columns_absent_from_a_file_keep_their_values(session: Session) -> None:
    """Importing a file with only some columns leaves the other stored fields as they were."""
    load_fixtures(session)
    text = "code,name,kind,kitchen,lat,lon\nS2,和睦助餐点,助餐点,K1,30.312,120.128\n"
    report = import_table(session, "sites", text.encode(), filename="s.csv")
    assert (report.created, report.updated) == (0, 1)
    s2 = session.scalar(select(Site).where(Site.code == "S2"))
    assert s2 is not None
    assert (s2.name, s2.lat, s2.seats, s2.notes, s2.unloading_minutes) == (
        "和睦助餐点", 30.312, 40, "二楼", 6)  # fmt: skip


@pytest.mark.db
def test_minimal_columns_create_records_with_defaults(session: Session) -> None:
    """A new record from a file with only the required columns gets the format's defaults."""
    load_fixtures(session)
    text = "编码,名称,食物类别\ntofu,豆腐,大豆及豆制品\n"
    report = import_table(session, "ingredients", text.encode(), filename="i.csv")
    assert report.created == 1
    tofu = json.loads(export_table(session, "ingredients", "json"))
    tofu = next(i for i in tofu if i["code"] == "tofu")
    assert (tofu["source"], tofu["edible_fraction"], tofu["food_group"], tofu["halal"]) == (
        "custom", 1.0, "soy", True)  # fmt: skip
    assert tofu["per_100g"]["protein_g"] is None
    text = "code,name_zh,group\nplain,清淡,regular\n"
    assert import_table(session, "diet-profiles", text.encode(), filename="p.csv").created == 1


@pytest.mark.db
def test_client_pauses_and_weekdays(session: Session) -> None:
    """Client pauses and weekday subscriptions parse from text, Chinese included."""
    load_fixtures(session)
    h1 = session.scalar(select(Client).where(Client.code == "H1"))
    assert h1 is not None
    assert [(p.start_date, p.end_date, p.reason) for p in h1.pauses] == [
        (dt.date(2026, 11, 20), dt.date(2026, 11, 25), "住院")
    ]
    text = (
        "编号,姓名,厨房,膳食类型,类别,纬度,经度,午餐日,晚餐日,暂停\n"
        "H7,孙凤英,K1,regular,80岁以上,30.31,120.15,周一至周五,每天,2026-12-01~2026-12-03 外出探亲\n"
    )
    report = import_table(session, "clients", text.encode(), filename="老人.csv")
    assert report.created == 1
    h7 = session.scalar(select(Client).where(Client.code == "H7"))
    assert h7 is not None
    assert (h7.category, h7.lunch_days, h7.dinner_days) == ("age_80", "12345", "1234567")
    assert [(p.start_date, p.reason) for p in h7.pauses] == [(dt.date(2026, 12, 1), "外出探亲")]


@pytest.mark.db
def test_overlapping_pauses_are_a_row_error(session: Session) -> None:
    """Two pauses of one client that overlap are refused with the row, column and dates;
    nothing is imported."""
    load_fixtures(session)
    text = (
        "编号,姓名,厨房,膳食类型,类别,纬度,经度,午餐日,暂停\n"
        "H8,钱桂兰,K1,regular,80岁以上,30.31,120.15,周一至周五,"
        "2026-12-01~2026-12-05 住院；2026-12-04~2026-12-08 探亲\n"
    )
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "clients", text.encode(), filename="老人.csv")
    (err,) = info.value.errors
    assert (err.row, err.column) == (2, "暂停")  # as the file names it
    assert "2026-12-01..2026-12-05 and 2026-12-04..2026-12-08" in str(err)
    assert session.scalar(select(Client).where(Client.code == "H8")) is None


@pytest.mark.db
def test_coordinates_outside_china_warn(session: Session) -> None:
    """Legal coordinates outside China import with a warning (swapped lat/lon, probably)."""
    load_fixtures(session)
    text = "code,name,lat,lon\nK3,反了的厨房,-33.9,151.2\n"
    report = import_table(session, "kitchens", text.encode(), filename="k.csv")
    assert report.created == 1
    assert any("outside China" in w for w in report.warnings)


@pytest.mark.db
def test_import_is_audited(session: Session) -> None:
    """Each import records one audit entry with its counts and actor."""
    load_fixtures(session)
    import_table(session, "kitchens", DATA / "kitchens.csv", actor="manager1")
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert (entry.actor, entry.action, entry.entity, entry.entity_code) == (
        "manager1", "import", "kitchens", "kitchens.csv")  # fmt: skip
    assert entry.details["unchanged"] == 2
    count = session.scalar(select(func.count()).select_from(AuditEntry))
    assert count == len(FIXTURES) + 1


@pytest.mark.db
def test_cli_export_to_stdout_and_xlsx(session: Session, tmp_path: Path) -> None:
    """CSV and JSON go to standard output; XLSX needs --out and has a bold header row."""
    load_fixtures(session)
    session.close()
    runner = CliRunner()
    result = runner.invoke(main, ["export", "kitchens", "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("code,name,address,lat,lon")
    result = runner.invoke(main, ["export", "dishes", "--format", "json"])
    assert [d["code"] for d in json.loads(result.stdout)][:1] == ["pork_cabbage"]
    result = runner.invoke(main, ["export", "sites", "--format", "xlsx"])
    assert result.exit_code != 0
    out = tmp_path / "sites.xlsx"
    result = runner.invoke(main, ["export", "sites", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0
    ws = load_workbook(out).worksheets[0]
    assert ws["A1"].value == "code" and ws["A1"].font.b
    result = runner.invoke(main, ["import", "sites", str(out)])
    assert result.exit_code == 0
    assert "0 created, 0 updated, 3 unchanged" in result.output


@pytest.mark.db
def test_nutrition_groups_import(session: Session) -> None:
    """Nutrition-group targets import in long format with Chinese headers and replace as a whole."""
    ensure_nutrition_groups(session)
    text = (
        "营养组,中文名,英文名,餐次,营养素,下限,上限,硬约束\n"
        "soft_renal,肾病软食,Renal soft,午餐,蛋白质,10,16,是\n"
        "soft_renal,肾病软食,Renal soft,午餐,sodium_mg,,600,否\n"
        "soft_renal,肾病软食,Renal soft,lunch,potassium_mg,700,600,否\n"
    )
    with pytest.raises(ImportValidationError) as info:
        import_table(session, "nutrition-groups", text.encode(), filename="g.csv")
    assert [(e.row, e.column) for e in info.value.errors] == [(4, "上限")]
    report = import_table(
        session, "nutrition-groups", text.replace("700,600", ",600").encode(), filename="g.csv"
    )
    assert report.created == 1
    groups = {g["code"]: g for g in json.loads(export_table(session, "nutrition-groups", "json"))}
    assert groups["soft_renal"]["targets"]["lunch"]["protein_g"]["hard"] is True
    assert set(groups) == {"regular", "low_sodium", "diabetic", "renal", "soft_renal"}


@pytest.mark.db
def test_dishes_catalogue_imports_cleanly(session: Session) -> None:
    """The shipped catalogue goes through the importer without errors, twice."""
    from mealplan.catalogue import load_catalogue

    first = load_catalogue(session)
    assert first["dishes"].created > 0 and first["ingredients"].created > 0
    second = load_catalogue(session)
    assert (second["dishes"].created, second["dishes"].updated) == (0, 0)
    assert (second["ingredients"].created, second["ingredients"].updated) == (0, 0)
    assert second["nutrition_groups_created"] == 0
    assert session.scalar(select(func.count()).select_from(Dish)) == first["dishes"].created
