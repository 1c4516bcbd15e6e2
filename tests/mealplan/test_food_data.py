"""Checks of the food data shipped in ``mealplan/data`` and of the script that builds it.

Pure file tests: no database, and nothing is read from the shared source tables (the
build script is exercised on a tiny fixture written into ``tmp_path``).
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest

import mealplan
from mealplan.domain.vocab import (
    IDDSI_LEVELS,
    NUTRIENT_KEYS,
    Allergen,
    CookingMethod,
    DishCategory,
    FoodGroup,
    IngredientSource,
)

DATA_DIR = Path(mealplan.__file__).resolve().parent / "data"
REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build_food_tables.py"

INGREDIENT_COLUMNS = [
    "code", "name_zh", "name_en", "source", "source_id", "source_name", "edible_fraction",
    *NUTRIENT_KEYS, "price_fen_per_kg", "food_group", "allergens", "halal", "vegetarian",
]  # fmt: skip
DISH_COLUMNS = [
    "code", "name_zh", "name_en", "category", "iddsi_level", "cooking_method", "tags",
    "base_dish", "ingredient", "grams",
]  # fmt: skip
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
DISH_FIELDS = DISH_COLUMNS[:8]

# Real header rows of the two source tables (TFDA 2024 UPDATE2, USDA SR28 ABBREV).
TFDA_HEADER = "整合編號,食品分類,樣品名稱,內容物描述,俗名,廢棄率(%),熱量(kcal),修正熱量(kcal),水分(g),粗蛋白(g),粗脂肪(g),飽和脂肪(g),灰分(g),總碳水化合物(g),膳食纖維(g),糖質總量(g),葡萄糖(g),果糖(g),半乳糖(g),麥芽糖(g),蔗糖(g),乳糖(g),鈉(mg),鉀(mg),鈣(mg),鎂(mg),鐵(mg),鋅(mg),磷(mg),銅(mg),錳(mg),維生素A總量(IU),視網醇當量(RE)(ug),視網醇(ug),α-胡蘿蔔素(ug),β-胡蘿蔔素(ug),維生素D總量(IU),維生素D總量(ug),維生素D2(ug),維生素D3(ug),維生素E總量(mg),α-維生素E當量(α-TE)(mg),α-生育酚(mg),β-生育酚(mg),γ-生育酚(mg),δ-生育酚(mg),維生素K1(ug),維生素K2 (MK-4)(ug),維生素K2 (MK-7)(ug),維生素B1(mg),維生素B2(mg),菸鹼素(mg),維生素B6(mg),維生素B12(ug),葉酸(ug),維生素C(mg),脂肪酸S總量(mg),酪酸(4:0)(mg),己酸(6:0)(mg),辛酸(8:0)(mg),癸酸(10:0)(mg),月桂酸(12:0)(mg),十三酸(13:0)(mg),肉豆蔻酸(14:0)(mg),十五酸(15:0)(mg),棕櫚酸(16:0)(mg),十七酸(17:0)(mg),硬脂酸(18:0)(mg),十九酸(19:0)(mg),花生酸(20:0)(mg),山酸(22:0)(mg),廿四酸(24:0)(mg),脂肪酸M總量(mg),肉豆蔻烯酸(14:1)(mg),棕櫚烯酸(16:1)(mg),油酸(18:1)(mg),鱈烯酸(20:1)(mg),芥子酸(22:1)(mg),脂肪酸P總量(mg),亞麻油酸(18:2)(mg),次亞麻油酸(18:3)(mg),十八碳四烯酸(18:4)(mg),花生油酸(20:4)(mg),廿碳五烯酸(20:5)(mg),廿二碳五烯酸(22:5)(mg),廿二碳六烯酸(22:6)(mg),其他脂肪酸(mg),P/M/S,反式脂肪(mg),水解胺基酸總量(mg),天門冬胺酸(Asp)(mg),酥胺酸(Thr)(mg),絲胺酸(Ser)(mg),麩胺酸(Glu)(mg),脯胺酸(Pro)(mg),甘胺酸(Gly)(mg),丙胺酸(Ala)(mg),胱胺酸(Cys)(mg),纈胺酸(Val)(mg),甲硫胺酸(Met)(mg),異白胺酸(Ile)(mg),白胺酸(Leu)(mg),酪胺酸(Tyr)(mg),苯丙胺酸(Phe)(mg),離胺酸(Lys)(mg),組胺酸(His)(mg),精胺酸(Arg)(mg),色胺酸(Trp)(mg),膽固醇(mg),酒精含量(g)"
USDA_HEADER = "NDB_No,Shrt_Desc,Water_(g),Energ_Kcal,Protein_(g),Lipid_Tot_(g),Ash_(g),Carbohydrt_(g),Fiber_TD_(g),Sugar_Tot_(g),Calcium_(mg),Iron_(mg),Magnesium_(mg),Phosphorus_(mg),Potassium_(mg),Sodium_(mg),Zinc_(mg),Copper_mg),Manganese_(mg),Selenium_(µg),Vit_C_(mg),Thiamin_(mg),Riboflavin_(mg),Niacin_(mg),Panto_Acid_mg),Vit_B6_(mg),Folate_Tot_(µg),Folic_Acid_(µg),Food_Folate_(µg),Folate_DFE_(µg),Choline_Tot_ (mg),Vit_B12_(µg),Vit_A_IU,Vit_A_RAE,Retinol_(µg),Alpha_Carot_(µg),Beta_Carot_(µg),Beta_Crypt_(µg),Lycopene_(µg),Lut+Zea_ (µg),Vit_E_(mg),Vit_D_µg,Vit_D_IU,Vit_K_(µg),FA_Sat_(g),FA_Mono_(g),FA_Poly_(g),Cholestrl_(mg),GmWt_1,GmWt_Desc1,GmWt_2,GmWt_Desc2,Refuse_Pct"


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def ingredients() -> list[dict[str, str]]:
    return _read("ingredients.csv")[1]


@pytest.fixture(scope="module")
def dish_lines() -> list[dict[str, str]]:
    return _read("dishes.csv")[1]


@pytest.fixture(scope="module")
def dishes(dish_lines: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {line["code"]: line for line in dish_lines}


@pytest.fixture(scope="module")
def ingredient_by_code(ingredients: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in ingredients}


def _load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_food_tables", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- ingredients.csv


def test_ingredient_columns_exact() -> None:
    """ingredients.csv has exactly the documented columns, in order."""
    assert _read("ingredients.csv")[0] == INGREDIENT_COLUMNS


def test_ingredient_codes_unique_and_slug(ingredients: list[dict[str, str]]) -> None:
    """Every ingredient code is a unique lowercase ASCII slug."""
    codes = [row["code"] for row in ingredients]
    assert len(codes) == len(set(codes))
    assert all(SLUG.match(code) for code in codes), [c for c in codes if not SLUG.match(c)]


def test_ingredient_count(ingredients: list[dict[str, str]]) -> None:
    """The shipped table has roughly 150-250 ingredients."""
    assert 150 <= len(ingredients) <= 250


def test_ingredient_vocabulary(ingredients: list[dict[str, str]]) -> None:
    """Source, food group, allergens and flags use the controlled vocabularies."""
    sources = {s.value for s in IngredientSource}
    groups = {g.value for g in FoodGroup}
    allergens = {a.value for a in Allergen}
    for row in ingredients:
        assert row["source"] in sources, row["code"]
        assert row["food_group"] in groups, row["code"]
        assert {a for a in row["allergens"].split(";") if a} <= allergens, row["code"]
        assert row["halal"] in ("true", "false"), row["code"]
        assert row["vegetarian"] in ("true", "false"), row["code"]
        assert row["name_zh"] and row["name_en"] and row["source_id"], row["code"]


def test_edible_fraction_in_range(ingredients: list[dict[str, str]]) -> None:
    """edible_fraction is a number in (0, 1]."""
    for row in ingredients:
        assert 0 < float(row["edible_fraction"]) <= 1, row["code"]


def test_nutrients_and_prices_are_numbers(ingredients: list[dict[str, str]]) -> None:
    """Nutrients are non-negative numbers or empty; prices are positive integer fen."""
    for row in ingredients:
        for key in NUTRIENT_KEYS:
            if row[key]:
                assert float(row[key]) >= 0, (row["code"], key)
        assert row["energy_kcal"], row["code"]
        assert row["price_fen_per_kg"].isdigit() and int(row["price_fen_per_kg"]) > 0


def test_meat_is_not_vegetarian_and_pork_not_halal(
    ingredient_by_code: dict[str, dict[str, str]],
) -> None:
    """Flags follow the documented conventions (pork, lard, wine not halal; meat not vegetarian)."""
    for code, row in ingredient_by_code.items():
        if row["food_group"] in {"pork", "beef", "mutton", "poultry", "fish", "shellfish"}:
            assert row["vegetarian"] == "false", code
        if row["food_group"] == "pork":
            assert row["halal"] == "false", code
    assert ingredient_by_code["lard"]["halal"] == "false"
    assert ingredient_by_code["cooking_wine"]["halal"] == "false"
    assert ingredient_by_code["egg"]["vegetarian"] == "true"


# ---------------------------------------------------------------- dishes.csv


def test_dish_columns_exact() -> None:
    """dishes.csv has exactly the documented columns, in order."""
    assert _read("dishes.csv")[0] == DISH_COLUMNS


def test_dish_fields_repeat_consistently(dish_lines: list[dict[str, str]]) -> None:
    """Every line of a dish repeats the same dish fields, and lines of a dish are contiguous."""
    seen: dict[str, tuple[str, ...]] = {}
    previous = ""
    for line in dish_lines:
        fields = tuple(line[f] for f in DISH_FIELDS)
        code = line["code"]
        if code in seen:
            assert seen[code] == fields, code
            assert previous == code, f"lines of {code} are not contiguous"
        seen[code] = fields
        previous = code


def test_dish_vocabulary(dishes: dict[str, dict[str, str]]) -> None:
    """Dish codes are slugs; category, IDDSI level and cooking method are valid values."""
    categories = {c.value for c in DishCategory}
    methods = {m.value for m in CookingMethod}
    for code, dish in dishes.items():
        assert SLUG.match(code), code
        assert dish["category"] in categories, code
        assert int(dish["iddsi_level"]) in IDDSI_LEVELS, code
        assert dish["cooking_method"] in methods, code
        assert dish["name_zh"] and dish["name_en"], code
        assert all(SLUG.match(t) for t in dish["tags"].split(";") if t), code


def test_dish_ingredients_exist(
    dish_lines: list[dict[str, str]], ingredient_by_code: dict[str, dict[str, str]]
) -> None:
    """Every recipe line names an existing ingredient with a positive gram amount."""
    for line in dish_lines:
        assert line["ingredient"] in ingredient_by_code, (line["code"], line["ingredient"])
        assert float(line["grams"]) > 0, (line["code"], line["ingredient"])


def test_no_duplicate_ingredient_in_dish(dish_lines: list[dict[str, str]]) -> None:
    """An ingredient appears at most once in a dish's recipe."""
    per_dish: dict[str, list[str]] = defaultdict(list)
    for line in dish_lines:
        per_dish[line["code"]].append(line["ingredient"])
    for code, items in per_dish.items():
        assert len(items) == len(set(items)), code


def test_base_dish_exists_with_higher_level(dishes: dict[str, dict[str, str]]) -> None:
    """A texture-modified dish's base_dish exists and has a higher IDDSI level."""
    for code, dish in dishes.items():
        base = dish["base_dish"]
        if not base:
            continue
        assert base in dishes, (code, base)
        assert int(dishes[base]["iddsi_level"]) > int(dish["iddsi_level"]), code
        assert dishes[base]["category"] == dish["category"], code


def test_at_least_150_dishes(dishes: dict[str, dict[str, str]]) -> None:
    """The catalogue has at least 150 dishes."""
    assert len(dishes) >= 150


def test_at_least_25_texture_modified_dishes(dishes: dict[str, dict[str, str]]) -> None:
    """At least 25 minced (5) or pureed (4) versions of other dishes are catalogued."""
    modified = [
        d
        for d in dishes.values()
        if d["base_dish"] and int(d["iddsi_level"]) <= 5 and "texture_modified" in d["tags"]
    ]
    assert len(modified) >= 25
    assert {int(d["iddsi_level"]) for d in modified} == {4, 5}


def test_halal_and_vegetarian_choice_in_each_course(
    dish_lines: list[dict[str, str]],
    dishes: dict[str, dict[str, str]],
    ingredient_by_code: dict[str, dict[str, str]],
) -> None:
    """Staple, main, vegetable and soup each have at least one halal and one vegetarian dish."""
    halal: dict[str, bool] = dict.fromkeys(dishes, True)
    vegetarian: dict[str, bool] = dict.fromkeys(dishes, True)
    for line in dish_lines:
        ingredient = ingredient_by_code[line["ingredient"]]
        halal[line["code"]] &= ingredient["halal"] == "true"
        vegetarian[line["code"]] &= ingredient["vegetarian"] == "true"
    for category in ("staple", "main", "vegetable", "soup"):
        codes = [c for c, d in dishes.items() if d["category"] == category]
        assert any(halal[c] for c in codes), category
        assert any(vegetarian[c] for c in codes), category


def test_every_texture_level_in_every_meal_course(dishes: dict[str, dict[str, str]]) -> None:
    """Pureed (4) and minced (5) choices exist for staple, main, vegetable and soup."""
    for category in ("staple", "main", "vegetable", "soup"):
        levels = {int(d["iddsi_level"]) for d in dishes.values() if d["category"] == category}
        assert {4, 5, 6, 7} <= levels, category


# ---------------------------------------------------------------- build script


def _write_csv(path: Path, header: str, rows: list[dict[str, str]], bom: bool = False) -> None:
    columns = header.split(",")
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            assert set(row) <= set(columns), set(row) - set(columns)
            writer.writerow(row)


@pytest.fixture()
def source_fixture(tmp_path: Path) -> tuple[Path, Path]:
    """Two TFDA rows, one USDA row and a selection of all three, written to tmp_path."""
    source_dir = tmp_path / "nutrition"
    source_dir.mkdir()
    _write_csv(
        source_dir / "tfda_food_nutrient_db_2024update2.csv",
        TFDA_HEADER,
        [
            {
                "整合編號": "A05002",
                "食品分類": "穀物類",
                "樣品名稱": "稉米平均值",
                "廢棄率(%)": "",
                "熱量(kcal)": "353.9518",
                "修正熱量(kcal)": "341.1",
                "粗蛋白(g)": "7.0319",
                "粗脂肪(g)": "0.6964",
                "總碳水化合物(g)": "77.8224",
                "膳食纖維(g)": "0.692",
                "鈉(mg)": "2.0019",
                "鉀(mg)": "79.2727",
                "鈣(mg)": "5.1087",
                "磷(mg)": "80.800449",
            },
            {
                "整合編號": "K01001",
                "食品分類": "蛋類",
                "樣品名稱": "雞蛋平均值",
                "廢棄率(%)": "13.0",
                "熱量(kcal)": "135.4033",
                "粗蛋白(g)": "12.6727",
                "粗脂肪(g)": "8.8859",
                "總碳水化合物(g)": "1.633",
                "膳食纖維(g)": "",
                "鈉(mg)": "138.0311",
                "鉀(mg)": "135.3623",
                "鈣(mg)": "53.6314",
                "磷(mg)": "186.2776",
            },
        ],  # fmt: skip
        bom=True,
    )
    _write_csv(
        source_dir / "usda_sr28_abbrev.csv",
        USDA_HEADER,
        [
            {
                "NDB_No": "02047",
                "Shrt_Desc": "SALT,TABLE",
                "Energ_Kcal": "0",
                "Protein_(g)": "0.0",
                "Lipid_Tot_(g)": "0.0",
                "Carbohydrt_(g)": "0.0",
                "Fiber_TD_(g)": "0.0",
                "Sodium_(mg)": "38758.0",
                "Potassium_(mg)": "8.0",
                "Calcium_(mg)": "24.0",
                "Phosphorus_(mg)": "",
                "Refuse_Pct": "0.0",
            }
        ],  # fmt: skip
    )
    selection = tmp_path / "selection.csv"
    _write_csv(
        selection,
        "code,source,source_id,name_zh_override,name_en,food_group,allergens,halal,"
        "vegetarian,price_fen_per_kg,price_note,edible_fraction_override,note",
        [
            {
                "code": "rice_polished",
                "source": "tfda_2024",
                "source_id": "A05002",
                "name_zh_override": "粳米",
                "name_en": "Rice",
                "food_group": "grain",
                "allergens": "",
                "halal": "true",
                "vegetarian": "true",
                "price_fen_per_kg": "600",
                "price_note": "demo",
            },
            {
                "code": "egg",
                "source": "tfda_2024",
                "source_id": "K01001",
                "name_en": "Egg",
                "food_group": "egg",
                "allergens": "egg",
                "halal": "true",
                "vegetarian": "true",
                "price_fen_per_kg": "1000",
                "price_note": "demo",
            },
            {
                "code": "salt",
                "source": "usda_sr28",
                "source_id": "02047",
                "name_zh_override": "食盐",
                "name_en": "Salt",
                "food_group": "condiment",
                "halal": "true",
                "vegetarian": "true",
                "price_fen_per_kg": "300",
                "price_note": "demo",
                "edible_fraction_override": "",
            },
        ],  # fmt: skip
    )
    return source_dir, selection


def test_build_script_on_fixture(source_fixture: tuple[Path, Path], tmp_path: Path) -> None:
    """The build logic copies the cited source rows unscaled into the documented columns."""
    build = _load_build_script()
    source_dir, selection = source_fixture
    rows = build.build(source_dir, selection)
    assert [r["code"] for r in rows] == ["rice_polished", "egg", "salt"]
    rice, egg, salt = rows
    assert rice == {
        "code": "rice_polished", "name_zh": "粳米", "name_en": "Rice", "source": "tfda_2024",
        "source_id": "A05002", "source_name": "稉米平均值", "edible_fraction": "1",
        "energy_kcal": "353.9518", "protein_g": "7.0319", "fat_g": "0.6964",
        "carbohydrate_g": "77.8224", "fibre_g": "0.692", "sodium_mg": "2.0019",
        "potassium_mg": "79.2727", "calcium_mg": "5.1087", "phosphorus_mg": "80.8004",
        "price_fen_per_kg": "600", "food_group": "grain", "allergens": "", "halal": "true",
        "vegetarian": "true",
    }  # fmt: skip
    assert egg["name_zh"] == "鸡蛋平均值"  # OpenCC t2s of the TFDA name
    assert egg["source_name"] == "雞蛋平均值"
    assert egg["edible_fraction"] == "0.87"
    assert egg["fibre_g"] == ""  # missing in the source stays missing
    assert egg["energy_kcal"] == "135.4033"
    assert salt["source_id"] == "02047"  # leading zero kept
    assert salt["sodium_mg"] == "38758"
    assert salt["phosphorus_mg"] == ""
    assert salt["name_zh"] == "食盐"

    out1, out2 = tmp_path / "a.csv", tmp_path / "b.csv"
    build.write_rows(rows, out1)
    build.write_rows(build.build(source_dir, selection), out2)
    assert out1.read_bytes() == out2.read_bytes()  # deterministic
    assert out1.read_text(encoding="utf-8").splitlines()[0] == ",".join(INGREDIENT_COLUMNS)


def test_build_script_fails_on_unknown_source_id(
    source_fixture: tuple[Path, Path], tmp_path: Path
) -> None:
    """A selected source_id missing from the source table is a hard error."""
    build = _load_build_script()
    source_dir, selection = source_fixture
    text = selection.read_text(encoding="utf-8").replace("K01001", "K99999")
    bad = tmp_path / "bad_selection.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(build.SelectionError, match="K99999"):
        build.build(source_dir, bad)
    assert build.main(["--source-dir", str(source_dir), "--selection", str(bad),
                       "--output", str(tmp_path / "out.csv")]) == 1  # fmt: skip
    assert not (tmp_path / "out.csv").exists()
