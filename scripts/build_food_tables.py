"""Build ``mealplan/data/ingredients.csv`` from the public food-composition tables.

Reads the Taiwan FDA table (TFDA 2024 UPDATE2) and USDA SR28 (abbreviated) from
``--source-dir`` and the hand-written selection ``scripts/ingredient_selection.csv``, and
writes one row per selected ingredient with its nutrients per 100 g edible portion copied
unscaled from the cited source row. The product never reads the source tables at run time.

Usage::

    python scripts/build_food_tables.py [--source-dir PATH] [--selection PATH] [--output PATH]

The output is deterministic (selection order, fixed number formatting, ``\\n`` line ends).
Any selected ``source_id`` missing from its source table is a hard error.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from mealplan.domain.vocab import NUTRIENT_KEYS

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE_DIR = REPO_ROOT.parent / "shared" / "data" / "nutrition"
DEFAULT_SELECTION = REPO_ROOT / "scripts" / "ingredient_selection.csv"
DEFAULT_OUTPUT = REPO_ROOT / "mealplan" / "data" / "ingredients.csv"

TFDA_FILE = "tfda_food_nutrient_db_2024update2.csv"
USDA_FILE = "usda_sr28_abbrev.csv"
TFDA = "tfda_2024"
USDA = "usda_sr28"

OUTPUT_COLUMNS: tuple[str, ...] = (
    "code",
    "name_zh",
    "name_en",
    "source",
    "source_id",
    "source_name",
    "edible_fraction",
    *NUTRIENT_KEYS,
    "price_fen_per_kg",
    "food_group",
    "allergens",
    "halal",
    "vegetarian",
)

SELECTION_COLUMNS: tuple[str, ...] = (
    "code",
    "source",
    "source_id",
    "name_zh_override",
    "name_en",
    "food_group",
    "allergens",
    "halal",
    "vegetarian",
    "price_fen_per_kg",
    "price_note",
)


class SourceSpec:
    """Where the fields we copy live in one source table."""

    def __init__(
        self,
        file_name: str,
        id_col: str,
        name_col: str,
        refuse_col: str,
        nutrients: Mapping[str, str],
    ) -> None:
        self.file_name = file_name
        self.id_col = id_col
        self.name_col = name_col
        self.refuse_col = refuse_col
        self.nutrients = dict(nutrients)


SOURCES: dict[str, SourceSpec] = {
    TFDA: SourceSpec(
        TFDA_FILE,
        id_col="整合編號",
        name_col="樣品名稱",
        refuse_col="廢棄率(%)",
        nutrients={
            "energy_kcal": "熱量(kcal)",
            "protein_g": "粗蛋白(g)",
            "fat_g": "粗脂肪(g)",
            "carbohydrate_g": "總碳水化合物(g)",
            "fibre_g": "膳食纖維(g)",
            "sodium_mg": "鈉(mg)",
            "potassium_mg": "鉀(mg)",
            "calcium_mg": "鈣(mg)",
            "phosphorus_mg": "磷(mg)",
        },
    ),
    USDA: SourceSpec(
        USDA_FILE,
        id_col="NDB_No",
        name_col="Shrt_Desc",
        refuse_col="Refuse_Pct",
        nutrients={
            "energy_kcal": "Energ_Kcal",
            "protein_g": "Protein_(g)",
            "fat_g": "Lipid_Tot_(g)",
            "carbohydrate_g": "Carbohydrt_(g)",
            "fibre_g": "Fiber_TD_(g)",
            "sodium_mg": "Sodium_(mg)",
            "potassium_mg": "Potassium_(mg)",
            "calcium_mg": "Calcium_(mg)",
            "phosphorus_mg": "Phosphorus_(mg)",
        },
    ),
}

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
BOOL_VALUES = ("true", "false")


class SelectionError(ValueError):
    """The selection file is invalid or cites a row the source table does not have."""


def format_number(value: float) -> str:
    """Round to at most 4 decimals and print without trailing zeros."""
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_number(raw: str | None) -> float | None:
    """A source cell as a float, or None when the source leaves it empty."""
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    return float(text)


def read_source(path: Path, id_col: str) -> dict[str, dict[str, str]]:
    """Rows of one source table keyed by their id, read as text (leading zeros kept)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or id_col not in reader.fieldnames:
            raise SelectionError(f"{path}: no column {id_col!r}")
        rows: dict[str, dict[str, str]] = {}
        for row in reader:
            key = (row.get(id_col) or "").strip()
            if key in rows:
                raise SelectionError(f"{path}: duplicate id {key!r}")
            rows[key] = row
    return rows


def read_selection(path: Path) -> list[dict[str, str]]:
    """The hand-written selection rows, checked for required columns."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SELECTION_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SelectionError(f"{path}: missing columns {missing}")
        return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def _vocab() -> tuple[set[str], set[str]]:
    """Food groups and allergen codes from the product's controlled vocabulary."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from mealplan.domain.vocab import Allergen, FoodGroup

    return {g.value for g in FoodGroup}, {a.value for a in Allergen}


def _check_selection_row(
    row: Mapping[str, str], food_groups: set[str], allergens: set[str]
) -> None:
    code = row["code"]
    where = f"selection row {code!r}"
    if not CODE_RE.match(code):
        raise SelectionError(f"{where}: code must be a lowercase ascii slug")
    if row["source"] not in SOURCES:
        raise SelectionError(f"{where}: unknown source {row['source']!r}")
    if row["food_group"] not in food_groups:
        raise SelectionError(f"{where}: unknown food_group {row['food_group']!r}")
    for allergen in filter(None, row["allergens"].split(";")):
        if allergen not in allergens:
            raise SelectionError(f"{where}: unknown allergen {allergen!r}")
    for flag in ("halal", "vegetarian"):
        if row[flag] not in BOOL_VALUES:
            raise SelectionError(f"{where}: {flag} must be true/false")
    price = row["price_fen_per_kg"]
    if not price.isdigit() or int(price) <= 0:
        raise SelectionError(f"{where}: price_fen_per_kg must be a positive integer")
    if not row["name_en"]:
        raise SelectionError(f"{where}: name_en is required")
    if row["source"] != TFDA and not row["name_zh_override"]:
        raise SelectionError(f"{where}: non-TFDA rows need name_zh_override")


def edible_fraction(refuse_raw: str | None, override_raw: str | None) -> float:
    """1 - refuse/100 from the source; an explicit override wins. An empty refuse cell
    means the source reports no refuse for the sample as analysed (fraction 1)."""
    override = parse_number(override_raw)
    if override is not None:
        if not 0 < override <= 1:
            raise SelectionError(f"edible_fraction_override {override} not in (0, 1]")
        return override
    refuse = parse_number(refuse_raw) or 0.0
    if not 0 <= refuse < 100:
        raise SelectionError(f"refuse {refuse} % out of range")
    return 1 - refuse / 100


def build_rows(
    selection: Iterable[Mapping[str, str]],
    tables: Mapping[str, Mapping[str, Mapping[str, str]]],
    to_simplified: Callable[[str], str],
) -> list[dict[str, str]]:
    """Turn selection rows into output rows using the loaded source tables."""
    food_groups, allergens = _vocab()
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for sel in selection:
        _check_selection_row(sel, food_groups, allergens)
        code = sel["code"]
        if code in seen:
            raise SelectionError(f"duplicate ingredient code {code!r}")
        seen.add(code)
        spec = SOURCES[sel["source"]]
        table = tables[sel["source"]]
        src = table.get(sel["source_id"])
        if src is None:
            raise SelectionError(
                f"{code}: {sel['source']} id {sel['source_id']!r} not found in {spec.file_name}"
            )
        source_name = src[spec.name_col]
        name_zh = sel["name_zh_override"] or to_simplified(source_name.strip())
        row: dict[str, str] = {
            "code": code,
            "name_zh": name_zh,
            "name_en": sel["name_en"],
            "source": sel["source"],
            "source_id": sel["source_id"],
            "source_name": source_name,
            "edible_fraction": format_number(
                edible_fraction(src.get(spec.refuse_col), sel.get("edible_fraction_override"))
            ),
        }
        for key, column in spec.nutrients.items():
            value = parse_number(src.get(column))
            row[key] = "" if value is None else format_number(value)
        row["price_fen_per_kg"] = str(int(sel["price_fen_per_kg"]))
        row["food_group"] = sel["food_group"]
        row["allergens"] = ";".join(a for a in sel["allergens"].split(";") if a)
        row["halal"] = sel["halal"]
        row["vegetarian"] = sel["vegetarian"]
        out.append(row)
    return out


def t2s_converter() -> Callable[[str], str]:
    """OpenCC Traditional -> Simplified Chinese."""
    import opencc

    converter = opencc.OpenCC("t2s")
    return lambda text: str(converter.convert(text))


def build(source_dir: Path, selection_path: Path) -> list[dict[str, str]]:
    """Load the sources and the selection and return the output rows."""
    selection = read_selection(selection_path)
    needed = {row["source"] for row in selection}
    tables: dict[str, dict[str, dict[str, str]]] = {}
    for name in sorted(needed & set(SOURCES)):
        spec = SOURCES[name]
        tables[name] = read_source(source_dir / spec.file_name, spec.id_col)
    return build_rows(selection, tables, t2s_converter())


def write_rows(rows: Sequence[Mapping[str, str]], path: Path) -> None:
    """Write the ingredient table (UTF-8, no BOM, ``\\n`` line ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(OUTPUT_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row[c] for c in OUTPUT_COLUMNS})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE_DIR)
    parser.add_argument("--selection", type=Path, default=DEFAULT_SELECTION)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        rows = build(args.source_dir, args.selection)
    except (SelectionError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_rows(rows, args.output)
    print(f"wrote {len(rows)} ingredients to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
