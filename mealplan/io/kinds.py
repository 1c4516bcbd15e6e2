"""The importable and exportable kinds of table: their columns, checks, upserts and exports.

Each kind is one class: its ``fields`` are the import format (canonical English headers
plus Chinese aliases), ``check`` adds the cross-field, cross-row and reference checks that
a per-column schema cannot express, ``upsert`` writes validated rows by natural key and
counts what changed, and ``export_records`` / ``export_json`` read the database back in
the same shape. Writing never starts before every row is valid (see ``validation``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandera.pandas as pa
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mealplan.db.mappers import facts_of, load_dishes
from mealplan.db.models import (
    Base,
    Client,
    ClientPause,
    DietProfile,
    Dish,
    Driver,
    Headcount,
    Ingredient,
    Kitchen,
    NutrientTarget,
    NutritionGroup,
    RecipeLine,
    Site,
    Vehicle,
)
from mealplan.domain.vocab import (
    NUTRIENT_KEYS,
    RATIO_KEYS,
    Allergen,
    CookingMethod,
    DishCategory,
    ElderCategory,
    FoodGroup,
    HeadcountSource,
    IngredientSource,
    Service,
    SiteKind,
    VehicleKind,
)
from mealplan.errors import RowError
from mealplan.io.fields import Field, FieldType, choices_for, format_json, hhmm
from mealplan.io.reading import RawRow, RawTable

log = logging.getLogger(__name__)

T = FieldType
Row = dict[str, Any]

# --------------------------------------------------------------------------- vocabularies

SITE_KINDS = choices_for({
    SiteKind.CANTEEN: ("食堂", "社区食堂", "长者食堂", "老年食堂", "社区长者食堂", "助餐食堂"),
    SiteKind.DINING_POINT: ("助餐点", "老年餐桌", "助餐服务点", "dining point", "老年助餐点"),
})  # fmt: skip
SERVICES = choices_for({
    Service.LUNCH: ("午餐", "中餐", "午", "中午"),
    Service.DINNER: ("晚餐", "晚", "晚上"),
})  # fmt: skip
ELDER_CATEGORIES = choices_for({
    ElderCategory.HARDSHIP: ("特困", "低保", "特困/低保", "特困低保", "困难"),
    ElderCategory.AGE_80: ("80岁以上", "80周岁以上", "高龄", "80+", "age80"),
    ElderCategory.AGE_60: ("60-79岁", "60岁以上", "60-79周岁", "60+", "age60", "普通老人"),
    ElderCategory.DISABLED: ("失能", "残疾", "失能/残疾", "失能残疾", "失能半失能"),
})  # fmt: skip
VEHICLE_KINDS = choices_for({
    VehicleKind.VAN: ("面包车", "厢式车", "货车", "汽车", "送餐车"),
    VehicleKind.E_TRICYCLE: ("电动三轮车", "三轮车", "电三轮", "tricycle", "e-tricycle"),
})  # fmt: skip
HEADCOUNT_SOURCES = choices_for({
    HeadcountSource.REPORTED: ("上报", "已上报", "报送"),
    HeadcountSource.FORECAST: ("预测", "预估"),
})  # fmt: skip
ALLERGENS = choices_for({
    Allergen.GLUTEN: ("麸质", "含麸质谷物", "含麸质的谷物", "小麦"),
    Allergen.CRUSTACEAN: ("甲壳类", "甲壳类动物", "虾蟹"),
    Allergen.FISH: ("鱼", "鱼类"),
    Allergen.EGG: ("蛋", "蛋类", "鸡蛋"),
    Allergen.PEANUT: ("花生",),
    Allergen.SOY: ("大豆", "大豆及其制品", "黄豆"),
    Allergen.MILK: ("乳", "奶", "乳及乳制品", "牛奶"),
    Allergen.TREE_NUT: ("坚果", "树坚果", "tree nut", "tree nuts"),
    Allergen.SESAME: ("芝麻",),
    Allergen.MOLLUSC: ("软体动物", "软体类", "mollusk"),
})  # fmt: skip
DISH_CATEGORIES = choices_for({
    DishCategory.STAPLE: ("主食",),
    DishCategory.MAIN: ("主菜", "荤菜", "大荤"),
    DishCategory.SIDE: ("小荤", "半荤", "配菜"),
    DishCategory.VEGETABLE: ("素菜", "蔬菜"),
    DishCategory.SOUP: ("汤", "羹", "汤羹"),
    DishCategory.FRUIT: ("水果", "甜品", "水果/甜品"),
})  # fmt: skip
COOKING_METHODS = choices_for({
    CookingMethod.STEAM: ("蒸",), CookingMethod.BOIL: ("煮", "汆"),
    CookingMethod.STEW: ("炖", "煲"), CookingMethod.BRAISE: ("烧", "焖", "烩", "红烧"),
    CookingMethod.STIR_FRY: ("炒", "stir fry"), CookingMethod.PAN_FRY: ("煎", "pan fry"),
    CookingMethod.DEEP_FRY: ("炸", "deep fry"), CookingMethod.COLD_MIX: ("凉拌",),
    CookingMethod.BAKE: ("烤",), CookingMethod.RAW: ("生", "生食"),
})  # fmt: skip
FOOD_GROUPS = choices_for({
    FoodGroup.GRAIN: ("谷物", "谷类"), FoodGroup.TUBER: ("薯类",), FoodGroup.LEGUME: ("杂豆",),
    FoodGroup.SOY: ("大豆及豆制品", "豆制品"), FoodGroup.VEGETABLE: ("蔬菜",),
    FoodGroup.FUNGI: ("菌藻", "菌菇"), FoodGroup.FRUIT: ("水果",), FoodGroup.PORK: ("猪肉",),
    FoodGroup.BEEF: ("牛肉",), FoodGroup.MUTTON: ("羊肉",), FoodGroup.POULTRY: ("禽肉",),
    FoodGroup.FISH: ("鱼", "鱼类"), FoodGroup.SHELLFISH: ("虾蟹贝",), FoodGroup.EGG: ("蛋", "蛋类"),
    FoodGroup.DAIRY: ("奶", "奶类"), FoodGroup.NUT: ("坚果",), FoodGroup.OIL: ("油脂", "油"),
    FoodGroup.CONDIMENT: ("调味品",), FoodGroup.SUGAR: ("糖",),
})  # fmt: skip
INGREDIENT_SOURCES = choices_for({s: () for s in IngredientSource})
TARGET_NUTRIENTS = choices_for({
    "energy_kcal": ("能量", "热量"), "protein_g": ("蛋白质",), "fat_g": ("脂肪",),
    "carbohydrate_g": ("碳水化合物", "碳水"), "fibre_g": ("膳食纤维", "fiber_g"),
    "sodium_mg": ("钠",), "potassium_mg": ("钾",), "calcium_mg": ("钙",), "phosphorus_mg": ("磷",),
    "fat_pct_energy": ("脂肪供能比",), "carbohydrate_pct_energy": ("碳水化合物供能比", "碳水供能比"),
    "protein_pct_energy": ("蛋白质供能比",),
})  # fmt: skip
assert set(TARGET_NUTRIENTS.values()) == set(NUTRIENT_KEYS) | set(RATIO_KEYS)

NUTRIENT_ALIASES = {
    "energy_kcal": ("能量", "热量"), "protein_g": ("蛋白质",), "fat_g": ("脂肪",),
    "carbohydrate_g": ("碳水化合物",), "fibre_g": ("膳食纤维", "fiber_g"), "sodium_mg": ("钠",),
    "potassium_mg": ("钾",), "calcium_mg": ("钙",), "phosphorus_mg": ("磷",),
}  # fmt: skip

# China's rough bounding box: coordinates outside it are legal but probably a mistake.
CHINA_LAT = (18.0, 54.0)
CHINA_LON = (73.0, 136.0)

# --------------------------------------------------------------------------- checks


def _between(lo: float, hi: float, what: str) -> Any:
    return pa.Check.in_range(lo, hi, error=f"{what} must be between {lo:g} and {hi:g}")


NOT_NEGATIVE = pa.Check.ge(0, error="must not be negative")
POSITIVE = pa.Check.gt(0, error="must be greater than 0")
LAT = _between(-90, 90, "latitude")
LON = _between(-180, 180, "longitude")
IDDSI = pa.Check.isin([3, 4, 5, 6, 7], error="IDDSI level must be 3, 4, 5, 6 or 7")
FRACTION = pa.Check(
    lambda s: (s > 0) & (s <= 1), error="edible fraction must be greater than 0 and at most 1"
)


# --------------------------------------------------------------------------- context


@dataclass
class Parsed:
    """Typed rows of one file plus what the checks found."""

    kind: str
    table: RawTable
    present: frozenset[str]
    rows: list[tuple[int, Row]]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refs: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> code -> id

    def error(self, row: int | None, name: str | None, value: object, message: str) -> None:
        column = None if name is None else self.table.header_of(name)
        self.errors.append(RowError(self.table.filename, row, column, value, message))

    def warn(self, row: int | None, message: str) -> None:
        where = f"{self.table.filename}, row {row}" if row is not None else self.table.filename
        self.warnings.append(f"{where}: {message}")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, state: str) -> None:
        setattr(self, state, getattr(self, state) + 1)


REF_MODELS: dict[str, tuple[type[Base], str]] = {
    "kitchens": (Kitchen, "kitchen"),
    "sites": (Site, "site"),
    "diet-profiles": (DietProfile, "diet profile"),
    "nutrition-groups": (NutritionGroup, "nutrition group"),
    "ingredients": (Ingredient, "ingredient"),
    "vehicles": (Vehicle, "vehicle"),
}


def code_ids(session: Session, kind: str) -> dict[str, int]:
    model, _label = REF_MODELS[kind]
    code_col = model.__table__.c.code  # type: ignore[attr-defined]
    id_col = model.__table__.c.id  # type: ignore[attr-defined]
    return {str(c): int(i) for c, i in session.execute(select(code_col, id_col))}


def _changed(obj: object, attrs: Mapping[str, Any]) -> bool:
    changed = False
    for attr, value in attrs.items():
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed = True
    return changed


# --------------------------------------------------------------------------- base


class Kind:
    """One importable table. Subclasses set ``name``, ``model`` and ``fields``."""

    name: ClassVar[str]
    label: ClassVar[str]
    model: ClassVar[type[Base]]
    fields: ClassVar[tuple[Field, ...]]
    key: ClassVar[tuple[str, ...]] = ("code",)
    #: JSON keys of the export that are derived and silently ignored on import
    derived: ClassVar[frozenset[str]] = frozenset()

    # ---- reading

    def flatten_json(self, obj: Mapping[str, Any]) -> list[RawRow]:
        return [dict(obj)]

    def prepare(self, table: RawTable) -> None:
        """Adjust raw rows before parsing (e.g. fill down merged cells)."""

    # ---- checking

    def check(self, session: Session, p: Parsed) -> None:
        """Cross-row and reference checks; add errors and warnings to ``p``."""
        self.check_duplicates(p)
        self.check_refs(session, p)
        self.check_coordinates(p)

    def check_duplicates(self, p: Parsed) -> None:
        if not set(self.key) <= p.present:
            return
        first: dict[tuple[Any, ...], int] = {}
        for number, row in p.rows:
            key = tuple(row.get(k) for k in self.key)
            if any(v is None for v in key):
                continue
            if key in first:
                shown = key[0] if len(key) == 1 else "/".join(map(str, key))
                p.error(number, self.key[-1] if len(self.key) > 1 else self.key[0], shown,
                        f"duplicate {self.label} (first at row {first[key]})")  # fmt: skip
            else:
                first[key] = number

    def check_refs(self, session: Session, p: Parsed) -> None:
        for f in self.fields:
            if f.ref is None or f.name not in p.present:
                continue
            ids = p.refs.setdefault(f.ref, code_ids(session, f.ref))
            label = REF_MODELS[f.ref][1]
            for number, row in p.rows:
                code = row.get(f.name)
                if code is not None and code not in ids:
                    p.error(number, f.name, code, f"unknown {label} code")

    def check_coordinates(self, p: Parsed) -> None:
        if not {"lat", "lon"} <= p.present:
            return
        for number, row in p.rows:
            lat, lon = row.get("lat"), row.get("lon")
            if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
                continue
            if not (CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LON[0] <= lon <= CHINA_LON[1]):
                p.warn(number, f"({lat}, {lon}) lies outside China; are latitude and "
                               "longitude swapped?")  # fmt: skip

    def check_window(self, p: Parsed, number: int, row: Row, start: str, end: str) -> None:
        a, b = row.get(start), row.get(end)
        if a is not None and b is not None and a >= b:
            p.error(number, end, hhmm(b), f"window end must be after its start {hhmm(a)}")

    # ---- writing

    def attrs(self, row: Row, p: Parsed) -> dict[str, Any]:
        """Model attributes from the columns present in the file."""
        out: dict[str, Any] = {}
        for f in self.fields:
            if f.attr is None or f.name not in p.present:
                continue
            value = row.get(f.name)
            if f.ref is not None and value is not None:
                value = p.refs[f.ref][value]
            out[f.attr] = value
        return out

    def new_attrs(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Attributes of a new record: the format's defaults for columns the file lacks."""
        out = {
            f.attr: (list(f.default) if isinstance(f.default, list) else f.default)
            for f in self.fields
            if f.attr is not None and f.ref is None and f.default is not None
        }
        out.update(attrs)
        return out

    def upsert(self, session: Session, p: Parsed) -> Counts:
        counts = Counts()
        objs: list[Any] = list(session.scalars(select(self.model)))
        existing: dict[str, Any] = {obj.code: obj for obj in objs}
        for _number, row in p.rows:
            attrs = self.attrs(row, p)
            obj = existing.get(row["code"])
            if obj is None:
                obj = self.model(**self.new_attrs(attrs))
                session.add(obj)
                existing[row["code"]] = obj
                self.write_extra(session, obj, row, p)
                counts.add("created")
            else:
                changed = _changed(obj, attrs)
                changed = self.write_extra(session, obj, row, p) or changed
                counts.add("updated" if changed else "unchanged")
        session.flush()
        return counts

    def write_extra(self, session: Session, obj: Any, row: Row, p: Parsed) -> bool:
        """Write what plain attributes cannot (child rows); True when something changed."""
        return False

    # ---- exporting

    def export_fields(self) -> list[Field]:
        return [f for f in self.fields if f.export]

    def export_records(self, session: Session) -> list[Row]:
        """Rows in the import format, typed (the CSV and XLSX exports format them)."""
        codes = {
            f.ref: {v: k for k, v in code_ids(session, f.ref).items()}
            for f in self.fields
            if f.ref is not None
        }
        rows = []
        stmt = select(self.model).order_by(self.model.code)  # type: ignore[attr-defined]
        for obj in session.scalars(stmt):
            row: Row = {}
            for f in self.export_fields():
                if f.attr is None:
                    continue
                value = getattr(obj, f.attr)
                if f.ref is not None and value is not None:
                    value = codes[f.ref][value]
                row[f.name] = value
            row.update(self.extra_export(obj))
            rows.append(row)
        return rows

    def extra_export(self, obj: Any) -> Row:
        return {}

    def export_json(self, session: Session) -> list[Row]:
        by_name = {f.name: f for f in self.fields}
        return [
            {k: format_json(by_name[k], v) for k, v in rec.items()}
            for rec in self.export_records(session)
        ]


# --------------------------------------------------------------------------- kitchens

_CODE = ("编码", "代码", "编号")
_ADDRESS = ("地址", "详细地址", "address")
_LAT = ("纬度", "latitude", "lat")
_LON = ("经度", "longitude", "lng", "long")
_ACTIVE = ("启用", "是否启用", "在用", "状态")


class Kitchens(Kind):
    name = "kitchens"
    label = "kitchen code"
    model = Kitchen
    fields = (
        Field("code", required=True, aliases=(*_CODE, "厨房编码"), attr="code"),
        Field("name", required=True, aliases=("名称", "厨房名称", "中央厨房"), attr="name"),
        Field("address", default="", aliases=_ADDRESS, attr="address"),
        Field("lat", T.FLOAT, required=True, aliases=_LAT, checks=(LAT,), attr="lat"),
        Field("lon", T.FLOAT, required=True, aliases=_LON, checks=(LON,), attr="lon"),
        Field("capacity_lunch", T.INT, default=0, aliases=("午餐产能", "午餐份数上限"),
              checks=(NOT_NEGATIVE,), attr="capacity_lunch"),
        Field("capacity_dinner", T.INT, default=0, aliases=("晚餐产能", "晚餐份数上限"),
              checks=(NOT_NEGATIVE,), attr="capacity_dinner"),
        Field("cooking_lead_minutes", T.INT, default=90, aliases=("烹饪提前分钟", "烹饪时长"),
              checks=(NOT_NEGATIVE,), attr="cooking_lead_minutes"),
        Field("packing_minutes", T.INT, default=20, aliases=("分装分钟", "分装时长"),
              checks=(NOT_NEGATIVE,), attr="packing_minutes"),
        Field("loading_minutes", T.INT, default=10, aliases=("装车分钟", "装车时长"),
              checks=(NOT_NEGATIVE,), attr="loading_minutes"),
        Field("contact_phone", default="", aliases=("联系电话", "电话"), attr="contact_phone"),
    )  # fmt: skip


# --------------------------------------------------------------------------- sites


class Sites(Kind):
    name = "sites"
    label = "site code"
    model = Site
    fields = (
        Field("code", required=True, aliases=(*_CODE, "站点编码", "站点编号"), attr="code"),
        Field("name", required=True, aliases=("名称", "站点名称", "站点"), attr="name"),
        Field("kind", T.CODE, required=True, choices=SITE_KINDS,
              aliases=("类型", "站点类型"), attr="kind"),
        Field("kitchen", required=True, aliases=("中央厨房", "厨房", "所属厨房", "厨房编码"),
              attr="kitchen_id", ref="kitchens"),
        Field("address", default="", aliases=_ADDRESS, attr="address"),
        Field("lat", T.FLOAT, required=True, aliases=_LAT, checks=(LAT,), attr="lat"),
        Field("lon", T.FLOAT, required=True, aliases=_LON, checks=(LON,), attr="lon"),
        Field("contact_name", default="", aliases=("联系人", "负责人"), attr="contact_name"),
        Field("contact_phone", default="", aliases=("联系电话", "电话", "手机"),
              attr="contact_phone"),
        Field("seats", T.INT, default=0, aliases=("座位数", "餐位数", "座位"),
              checks=(NOT_NEGATIVE,), attr="seats"),
        Field("lunch_window_start", T.TIME, default=11 * 60,
              aliases=("午餐送达开始", "午餐开始", "午餐送达时间开始"),
              attr="lunch_window_start_min"),
        Field("lunch_window_end", T.TIME, default=11 * 60 + 45,
              aliases=("午餐送达结束", "午餐结束", "午餐送达时间结束"),
              attr="lunch_window_end_min"),
        Field("dinner_window_start", T.TIME, aliases=("晚餐送达开始", "晚餐开始"),
              attr="dinner_window_start_min"),
        Field("dinner_window_end", T.TIME, aliases=("晚餐送达结束", "晚餐结束"),
              attr="dinner_window_end_min"),
        Field("unloading_minutes", T.INT, default=8, aliases=("卸货分钟", "卸货时间", "卸货时长"),
              checks=(NOT_NEGATIVE,), attr="unloading_minutes"),
        Field("active", T.BOOL, default=True, aliases=_ACTIVE, attr="active"),
        Field("notes", default="", aliases=("备注",), attr="notes"),
    )  # fmt: skip

    def check(self, session: Session, p: Parsed) -> None:
        super().check(session, p)
        for number, row in p.rows:
            self.check_window(p, number, row, "lunch_window_start", "lunch_window_end")
            self.check_window(p, number, row, "dinner_window_start", "dinner_window_end")
            a, b = row.get("dinner_window_start"), row.get("dinner_window_end")
            if (a is None) != (b is None):
                missing = "dinner_window_end" if b is None else "dinner_window_start"
                if missing in p.present:
                    p.error(number, missing, None,
                            "a dinner window needs both a start and an end")  # fmt: skip


# --------------------------------------------------------------------------- clients


class Clients(Kind):
    name = "clients"
    label = "client code"
    model = Client
    fields = (
        Field("code", required=True, aliases=(*_CODE, "老人编号", "客户编号"), attr="code"),
        Field("name", required=True, aliases=("姓名", "名称", "老人姓名"), attr="name"),
        Field("kitchen", required=True, aliases=("中央厨房", "厨房", "所属厨房", "厨房编码"),
              attr="kitchen_id", ref="kitchens"),
        Field("diet_profile", required=True,
              aliases=("profile", "膳食类型", "膳食档案", "饮食类型", "膳食"),
              attr="diet_profile_id", ref="diet-profiles"),
        Field("category", T.CODE, required=True, choices=ELDER_CATEGORIES,
              aliases=("类别", "老人类别", "补贴类别", "人员类别"), attr="category"),
        Field("address", default="", aliases=_ADDRESS, attr="address"),
        Field("lat", T.FLOAT, required=True, aliases=_LAT, checks=(LAT,), attr="lat"),
        Field("lon", T.FLOAT, required=True, aliases=_LON, checks=(LON,), attr="lon"),
        Field("phone", default="", aliases=("电话", "手机", "联系电话"), attr="phone"),
        Field("emergency_contact_name", default="", aliases=("紧急联系人",),
              attr="emergency_contact_name"),
        Field("emergency_contact_phone", default="", aliases=("紧急联系电话", "紧急联系人电话"),
              attr="emergency_contact_phone"),
        Field("lunch_days", T.WEEKDAYS, default="", aliases=("午餐日", "午餐送餐日", "午餐"),
              attr="lunch_days"),
        Field("dinner_days", T.WEEKDAYS, default="", aliases=("晚餐日", "晚餐送餐日", "晚餐"),
              attr="dinner_days"),
        Field("window_start", T.TIME, default=11 * 60,
              aliases=("送达开始", "送餐开始", "送达时间开始"), attr="window_start_min"),
        Field("window_end", T.TIME, default=12 * 60,
              aliases=("送达结束", "送餐结束", "送达时间结束"), attr="window_end_min"),
        Field("dinner_window_start", T.TIME, aliases=("晚餐送达开始", "晚餐开始"),
              attr="dinner_window_start_min"),
        Field("dinner_window_end", T.TIME, aliases=("晚餐送达结束", "晚餐结束"),
              attr="dinner_window_end_min"),
        Field("driver_notes", default="", aliases=("司机备注", "送餐备注", "备注"),
              attr="driver_notes"),
        Field("active", T.BOOL, default=True, aliases=_ACTIVE, attr="active"),
        Field("pauses", T.PAUSES, default=[], aliases=("暂停", "暂停送餐")),
    )  # fmt: skip

    def check(self, session: Session, p: Parsed) -> None:
        super().check(session, p)
        for number, row in p.rows:
            self.check_window(p, number, row, "window_start", "window_end")
            self.check_window(p, number, row, "dinner_window_start", "dinner_window_end")
            if row.get("dinner_days") and (
                row.get("dinner_window_start") is None or row.get("dinner_window_end") is None
            ):
                p.warn(
                    number,
                    f"client {row.get('code')} subscribes to dinner without a dinner window: "
                    "the default 16:30-17:30 applies",
                )
            if row.get("lunch_days") == "" and row.get("dinner_days") == "" and row.get("active"):
                p.warn(number, f"client {row.get('code')} subscribes to no day")

    def write_extra(self, session: Session, obj: Any, row: Row, p: Parsed) -> bool:
        if "pauses" not in p.present:
            return False
        wanted = list(row["pauses"])
        current = sorted((x.start_date, x.end_date, x.reason) for x in obj.pauses)
        if current == wanted:
            return False
        obj.pauses.clear()
        for start, end, reason in wanted:
            obj.pauses.append(ClientPause(start_date=start, end_date=end, reason=reason))
        return True

    def export_records(self, session: Session) -> list[Row]:
        session.scalars(select(Client).options(selectinload(Client.pauses))).all()
        return super().export_records(session)

    def extra_export(self, obj: Any) -> Row:
        return {"pauses": sorted((x.start_date, x.end_date, x.reason) for x in obj.pauses)}


# --------------------------------------------------------------------------- fleet


class Vehicles(Kind):
    name = "vehicles"
    label = "vehicle code"
    model = Vehicle
    fields = (
        Field("code", required=True, aliases=(*_CODE, "车辆编码", "车辆编号"), attr="code"),
        Field("name", default="", aliases=("名称", "车辆名称"), attr="name"),
        Field("kind", T.CODE, required=True, choices=VEHICLE_KINDS,
              aliases=("类型", "车型", "车辆类型"), attr="kind"),
        Field("kitchen", required=True, aliases=("中央厨房", "厨房", "所属厨房", "厨房编码"),
              attr="kitchen_id", ref="kitchens"),
        Field("capacity_boxes", T.INT, required=True,
              aliases=("载量", "容量", "最大箱数", "箱数", "载餐量"), checks=(POSITIVE,),
              attr="capacity_boxes"),
        Field("speed_kmh", T.FLOAT, required=True, aliases=("速度", "时速", "平均速度"),
              checks=(POSITIVE,), attr="speed_kmh"),
        Field("shift_start", T.TIME, default=9 * 60 + 30, aliases=("班次开始", "出车时间"),
              attr="shift_start_min"),
        Field("shift_end", T.TIME, default=14 * 60, aliases=("班次结束", "收车时间"),
              attr="shift_end_min"),
        Field("fixed_cost_fen", T.INT, default=0, aliases=("固定成本", "日固定成本"),
              checks=(NOT_NEGATIVE,), attr="fixed_cost_fen"),
        Field("cost_fen_per_km", T.INT, default=0, aliases=("每公里成本", "公里成本"),
              checks=(NOT_NEGATIVE,), attr="cost_fen_per_km"),
        Field("plate", default="", aliases=("车牌", "车牌号"), attr="plate"),
        Field("active", T.BOOL, default=True, aliases=_ACTIVE, attr="active"),
    )  # fmt: skip

    def check(self, session: Session, p: Parsed) -> None:
        super().check(session, p)
        for number, row in p.rows:
            self.check_window(p, number, row, "shift_start", "shift_end")


class Drivers(Kind):
    name = "drivers"
    label = "driver code"
    model = Driver
    fields = (
        Field("code", required=True, aliases=(*_CODE, "司机编码", "司机编号", "工号"), attr="code"),
        Field("name", required=True, aliases=("姓名", "司机姓名", "名称"), attr="name"),
        Field("phone", default="", aliases=("电话", "手机", "联系电话"), attr="phone"),
        Field("kitchen", required=True, aliases=("中央厨房", "厨房", "所属厨房", "厨房编码"),
              attr="kitchen_id", ref="kitchens"),
        Field("vehicle", aliases=("车辆", "车辆编码", "常用车辆"), attr="vehicle_id",
              ref="vehicles"),
        Field("active", T.BOOL, default=True, aliases=_ACTIVE, attr="active"),
    )  # fmt: skip


# --------------------------------------------------------------------------- headcounts


class Headcounts(Kind):
    name = "headcounts"
    label = "headcount (date/service/site/profile)"
    model = Headcount
    key = ("date", "service", "site", "profile")
    fields = (
        Field("date", T.DATE, required=True, aliases=("日期", "用餐日期"), attr="date"),
        Field("service", T.CODE, required=True, choices=SERVICES, aliases=("餐次", "餐别"),
              attr="service"),
        Field("site", required=True, aliases=("站点", "站点编码", "助餐点", "食堂"),
              attr="site_id", ref="sites"),
        Field("profile", required=True,
              aliases=("diet_profile", "膳食类型", "膳食档案", "饮食类型", "膳食"),
              attr="diet_profile_id", ref="diet-profiles"),
        Field("count", T.INT, required=True, aliases=("人数", "份数", "数量", "用餐人数"),
              checks=(NOT_NEGATIVE,), attr="count"),
        Field("source", T.CODE, default=HeadcountSource.REPORTED.value,
              choices=HEADCOUNT_SOURCES, aliases=("来源",), attr="source"),
        Field("reported_at", T.DATETIME, aliases=("上报时间",), attr="reported_at"),
        Field("reported_by", default="", aliases=("上报人", "填报人"), attr="reported_by"),
    )  # fmt: skip

    def check(self, session: Session, p: Parsed) -> None:
        super().check(session, p)
        if p.errors or "site" not in p.present:
            return
        no_dinner = {
            code
            for code, start in session.execute(select(Site.code, Site.dinner_window_start_min))
            if start is None
        }
        for number, row in p.rows:
            if row.get("service") == Service.DINNER and row.get("site") in no_dinner:
                p.warn(number, f"site {row['site']} has no dinner window but reports dinner")

    def upsert(self, session: Session, p: Parsed) -> Counts:
        counts = Counts()
        dates = sorted({row["date"] for _n, row in p.rows})
        existing = {
            (h.date, h.service, h.site_id, h.diet_profile_id): h
            for h in session.scalars(select(Headcount).where(Headcount.date.in_(dates)))
        }
        for _number, row in p.rows:
            attrs = self.attrs(row, p)
            key = (attrs["date"], attrs["service"], attrs["site_id"], attrs["diet_profile_id"])
            obj = existing.get(key)
            if obj is None:
                obj = Headcount(**self.new_attrs(attrs))
                session.add(obj)
                existing[key] = obj
                counts.add("created")
            else:
                counts.add("updated" if _changed(obj, attrs) else "unchanged")
        session.flush()
        return counts

    def export_records(self, session: Session) -> list[Row]:
        sites = {v: k for k, v in code_ids(session, "sites").items()}
        profiles = {v: k for k, v in code_ids(session, "diet-profiles").items()}
        rows = [
            {
                "date": h.date,
                "service": h.service,
                "site": sites[h.site_id],
                "profile": profiles[h.diet_profile_id],
                "count": h.count,
                "source": h.source,
                "reported_at": h.reported_at,
                "reported_by": h.reported_by,
            }
            for h in session.scalars(select(Headcount))
        ]
        rows.sort(key=lambda r: (r["date"], r["service"], r["site"], r["profile"]))
        return rows


# --------------------------------------------------------------------------- ingredients


class Ingredients(Kind):
    name = "ingredients"
    label = "ingredient code"
    model = Ingredient
    derived = frozenset({"per_100g"})
    fields = (
        Field("code", required=True, aliases=(*_CODE, "食材编码"), attr="code"),
        Field("name_zh", required=True, aliases=("中文名", "名称", "食材名称", "食材"),
              attr="name_zh"),
        Field("name_en", default="", aliases=("英文名",), attr="name_en"),
        Field("source", T.CODE, default=IngredientSource.CUSTOM.value,
              choices=INGREDIENT_SOURCES, aliases=("来源", "数据来源"), attr="source"),
        Field("source_id", default="", aliases=("来源编号",), attr="source_id"),
        Field("source_name", default="", aliases=("来源名称",), attr="source_name"),
        Field("edible_fraction", T.FLOAT, default=1.0, aliases=("可食部", "食部"),
              checks=(FRACTION,), attr="edible_fraction"),
        *(
            Field(key, T.FLOAT, aliases=NUTRIENT_ALIASES[key], checks=(NOT_NEGATIVE,), attr=key)
            for key in NUTRIENT_KEYS
        ),
        Field("price_fen_per_kg", T.INT, default=0, aliases=("单价", "价格", "每公斤价格"),
              checks=(NOT_NEGATIVE,), attr="price_fen_per_kg"),
        Field("food_group", T.CODE, required=True, choices=FOOD_GROUPS,
              aliases=("食物类别", "类别", "食物分类"), attr="food_group"),
        Field("allergens", T.LIST, default=[], choices=ALLERGENS, aliases=("过敏原",),
              attr="allergens"),
        Field("halal", T.BOOL, default=True, aliases=("清真",), attr="halal"),
        Field("vegetarian", T.BOOL, default=True, aliases=("素食",), attr="vegetarian"),
    )  # fmt: skip

    def flatten_json(self, obj: Mapping[str, Any]) -> list[RawRow]:
        flat = {k: v for k, v in obj.items() if k != "per_100g"}
        per = obj.get("per_100g")
        if isinstance(per, Mapping):
            flat.update({k: per.get(k) for k in NUTRIENT_KEYS})
        return [flat]

    def export_json(self, session: Session) -> list[Row]:
        out = []
        for rec in super().export_json(session):
            per = {k: rec.pop(k) for k in NUTRIENT_KEYS}
            ordered: Row = {}
            for k, v in rec.items():
                ordered[k] = v
                if k == "edible_fraction":
                    ordered["per_100g"] = per
            out.append(ordered)
        return out


# --------------------------------------------------------------------------- dishes

_DISH_FIELDS = (
    "name_zh",
    "name_en",
    "category",
    "iddsi_level",
    "cooking_method",
    "tags",
    "base_dish",
    "active",
)


class Dishes(Kind):
    """Long format: one row per recipe line, the dish's own columns repeated (or left blank
    on continuation rows, as merged cells in a spreadsheet leave them)."""

    name = "dishes"
    label = "dish code"
    model = Dish
    derived = frozenset({"allergens", "halal", "vegetarian", "food_groups", "cost_fen",
                         "nutrients", "edible_grams", "recipe"})  # fmt: skip
    fields = (
        Field("code", required=True, aliases=(*_CODE, "菜品编码"), attr="code"),
        Field("name_zh", required=True, aliases=("中文名", "菜名", "菜品名称", "名称"),
              attr="name_zh"),
        Field("name_en", default="", aliases=("英文名",), attr="name_en"),
        Field("category", T.CODE, required=True, choices=DISH_CATEGORIES,
              aliases=("类别", "菜品类别", "分类"), attr="category"),
        Field("iddsi_level", T.INT, default=7, aliases=("iddsi", "质地等级", "iddsi等级"),
              checks=(IDDSI,), attr="iddsi_level"),
        Field("cooking_method", T.CODE, required=True, choices=COOKING_METHODS,
              aliases=("烹饪方式", "烹调方法", "做法"), attr="cooking_method"),
        Field("tags", T.LIST, default=[], aliases=("标签",), attr="tags"),
        Field("base_dish", aliases=("基础菜品", "原菜品"), attr="base_dish_code"),
        Field("active", T.BOOL, default=True, aliases=_ACTIVE, attr="active"),
        Field("ingredient", required=True, aliases=("食材", "原料", "食材编码"),
              ref="ingredients"),
        Field("grams", T.FLOAT, required=True, aliases=("克数", "用量", "重量", "克"),
              checks=(POSITIVE,)),
    )  # fmt: skip

    def flatten_json(self, obj: Mapping[str, Any]) -> list[RawRow]:
        head = {k: v for k, v in obj.items() if k != "recipe"}
        recipe = obj.get("recipe")
        if not isinstance(recipe, list) or not recipe:
            return [head]
        rows = []
        for line in recipe:
            row = dict(head)
            if isinstance(line, Mapping):
                row["ingredient"] = line.get("ingredient")
                row["grams"] = line.get("grams")
            rows.append(row)
        return rows

    def prepare(self, table: RawTable) -> None:
        """Fill down the dish code and dish columns left blank on continuation rows."""
        previous: RawRow | None = None
        for _number, row in table.rows:
            blank_code = row.get("code") is None or str(row.get("code")).strip() == ""
            if blank_code and previous is not None:
                row["code"] = previous["code"]
            if previous is not None and row.get("code") == previous.get("code"):
                for name in _DISH_FIELDS:
                    value = row.get(name)
                    if name in row and (value is None or str(value).strip() == ""):
                        row[name] = previous.get(name)
            previous = row

    def check(self, session: Session, p: Parsed) -> None:
        self.check_refs(session, p)
        first: dict[str, tuple[int, Row]] = {}
        lines: dict[str, list[str]] = defaultdict(list)
        for number, row in p.rows:
            code = row.get("code")
            if code is None:
                continue
            if code not in first:
                first[code] = (number, row)
            else:
                first_number, head = first[code]
                for name in _DISH_FIELDS:
                    if name in p.present and row.get(name) != head.get(name):
                        p.error(number, name, row.get(name),
                                f"differs from row {first_number} of the same dish")  # fmt: skip
            ing = row.get("ingredient")
            if ing is not None:
                if ing in lines[code]:
                    p.warn(number, f"dish {code} lists ingredient {ing} more than once")
                lines[code].append(ing)
        if "base_dish" in p.present:
            known = set(first) | set(session.scalars(select(Dish.code)))
            for number, row in p.rows:
                base = row.get("base_dish")
                if base is not None and base not in known:
                    p.error(number, "base_dish", base, "unknown dish code")
                elif base is not None and base == row.get("code"):
                    p.error(number, "base_dish", base, "a dish cannot be its own base dish")

    def upsert(self, session: Session, p: Parsed) -> Counts:
        counts = Counts()
        groups: dict[str, list[Row]] = defaultdict(list)
        for _number, row in p.rows:
            groups[row["code"]].append(row)
        existing = {d.code: d for d in load_dishes(session)}
        ingredient_ids = p.refs["ingredients"]
        for code, rows in groups.items():
            head = rows[0]
            attrs = self.attrs(head, p)
            recipe = [(ingredient_ids[r["ingredient"]], float(r["grams"])) for r in rows]
            dish = existing.get(code)
            if dish is None:
                dish = Dish(**self.new_attrs(attrs))
                session.add(dish)
                changed = True
                state = "created"
            else:
                changed = _changed(dish, attrs)
                state = "updated"
            current = [(line.ingredient_id, line.grams) for line in dish.recipe]
            if current != recipe:
                if dish.recipe:
                    dish.recipe.clear()
                    session.flush()  # delete old lines before reusing their positions
                for position, (ingredient_id, grams) in enumerate(recipe, start=1):
                    dish.recipe.append(
                        RecipeLine(position=position, ingredient_id=ingredient_id, grams=grams)
                    )
                changed = True
            counts.add(state if changed else "unchanged")
        session.flush()
        return counts

    def export_records(self, session: Session) -> list[Row]:
        rows = []
        for dish in load_dishes(session):
            head = {
                "code": dish.code,
                "name_zh": dish.name_zh,
                "name_en": dish.name_en,
                "category": dish.category,
                "iddsi_level": dish.iddsi_level,
                "cooking_method": dish.cooking_method,
                "tags": list(dish.tags or []),
                "base_dish": dish.base_dish_code,
                "active": dish.active,
            }
            for line in dish.recipe:
                rows.append({**head, "ingredient": line.ingredient.code, "grams": line.grams})
        return rows

    def export_json(self, session: Session) -> list[Row]:
        out = []
        for dish in load_dishes(session):
            facts = facts_of(dish)
            out.append(
                {
                    "code": dish.code,
                    "name_zh": dish.name_zh,
                    "name_en": dish.name_en,
                    "category": dish.category,
                    "iddsi_level": dish.iddsi_level,
                    "cooking_method": dish.cooking_method,
                    "tags": list(dish.tags or []),
                    "base_dish": dish.base_dish_code,
                    "active": dish.active,
                    "allergens": sorted(facts.allergens),
                    "halal": facts.halal,
                    "vegetarian": facts.vegetarian,
                    "food_groups": sorted(facts.food_groups),
                    "cost_fen": facts.cost_fen,
                    "edible_grams": facts.edible_grams,
                    "recipe": [
                        {"ingredient": line.ingredient.code, "grams": line.grams}
                        for line in dish.recipe
                    ],
                    "nutrients": {k: facts.nutrients[k] for k in NUTRIENT_KEYS},
                }
            )
        return out


# --------------------------------------------------------------------------- nutrition


def _targets_by_service(targets: Sequence[NutrientTarget]) -> dict[str, dict[str, Row]]:
    out: dict[str, dict[str, Row]] = {}
    for t in targets:
        out.setdefault(t.service, {})[t.nutrient] = {
            "min": t.min_value,
            "max": t.max_value,
            "hard": t.hard,
            "secondary_source": t.secondary_source,
        }
    return out


_GROUP_FIELDS = ("name_zh", "name_en", "source", "excluded_tags", "required_staple_tags")


class NutritionGroups(Kind):
    """Long format: one row per target (group, service, nutrient, min, max, hard), the
    group's own columns repeated; a group without targets is one row with blank targets."""

    name = "nutrition-groups"
    label = "target (group/service/nutrient)"
    model = NutritionGroup
    key = ("group", "service", "nutrient")
    fields = (
        Field("group", required=True, aliases=("code", "营养组", "营养组编码", "编码"),
              attr="code"),
        Field("name_zh", required=True, aliases=("中文名", "名称"), attr="name_zh"),
        Field("name_en", required=True, aliases=("英文名",), attr="name_en"),
        Field("source", default="", aliases=("依据", "来源"), attr="source"),
        Field("excluded_tags", T.LIST, default=[], aliases=("排除标签",), attr="excluded_tags"),
        Field("required_staple_tags", T.LIST, default=[], aliases=("主食标签", "主食要求标签"),
              attr="required_staple_tags"),
        Field("service", T.CODE, choices=SERVICES, aliases=("餐次",)),
        Field("nutrient", T.CODE, choices=TARGET_NUTRIENTS, aliases=("营养素", "指标")),
        Field("min", T.FLOAT, aliases=("最小", "下限", "最小值"), checks=(NOT_NEGATIVE,)),
        Field("max", T.FLOAT, aliases=("最大", "上限", "最大值"), checks=(NOT_NEGATIVE,)),
        Field("hard", T.BOOL, default=False, aliases=("硬约束", "强制")),
        Field("secondary_source", T.BOOL, default=True, aliases=("二手来源",)),
    )  # fmt: skip

    def flatten_json(self, obj: Mapping[str, Any]) -> list[RawRow]:
        head = {k: v for k, v in obj.items() if k != "targets"}
        rows = []
        targets = obj.get("targets")
        if isinstance(targets, Mapping):
            for service, bounds in targets.items():
                if not isinstance(bounds, Mapping):
                    rows.append({**head, "service": service, "nutrient": bounds})
                    continue
                for nutrient, bound in bounds.items():
                    b = bound if isinstance(bound, Mapping) else {"min": bound}
                    rows.append({**head, "service": service, "nutrient": nutrient, **b})
        return rows or [head]

    def check(self, session: Session, p: Parsed) -> None:
        self.check_duplicates(p)
        first: dict[str, tuple[int, Row]] = {}
        for number, row in p.rows:
            code = row.get("group")
            if code is not None and code not in first:
                first[code] = (number, row)
            elif code is not None:
                first_number, head = first[code]
                for name in _GROUP_FIELDS:
                    if name in p.present and row.get(name) != head.get(name):
                        p.error(number, name, row.get(name),
                                f"differs from row {first_number} of the same group")  # fmt: skip
            service, nutrient = row.get("service"), row.get("nutrient")
            lo, hi = row.get("min"), row.get("max")
            if (service is None) != (nutrient is None):
                missing = "service" if service is None else "nutrient"
                p.error(number, missing, None, "a target needs both a service and a nutrient")
            if nutrient is not None and lo is None and hi is None:
                p.error(number, "min", None, "a target needs a min, a max or both")
            if lo is not None and hi is not None and lo > hi:
                p.error(number, "max", hi, f"max is below min {lo:g}")

    def upsert(self, session: Session, p: Parsed) -> Counts:
        counts = Counts()
        groups: dict[str, list[Row]] = defaultdict(list)
        for _number, row in p.rows:
            groups[row["group"]].append(row)
        stmt = select(NutritionGroup).options(selectinload(NutritionGroup.targets))
        existing = {g.code: g for g in session.scalars(stmt)}
        for code, rows in groups.items():
            attrs = self.attrs(rows[0], p)
            wanted = sorted(
                (r["service"], r["nutrient"], r.get("min"), r.get("max"), bool(r.get("hard")),
                 bool(r.get("secondary_source", True)))
                for r in rows if r.get("nutrient") is not None
            )  # fmt: skip
            group = existing.get(code)
            if group is None:
                group = NutritionGroup(**self.new_attrs(attrs))
                session.add(group)
                state, changed = "created", True
            else:
                state, changed = "updated", _changed(group, attrs)
            current = sorted(
                (t.service, t.nutrient, t.min_value, t.max_value, t.hard, t.secondary_source)
                for t in group.targets
            )
            if current != wanted:
                if group.targets:
                    group.targets.clear()
                    session.flush()  # delete old targets before the unique key is reused
                for service, nutrient, lo, hi, hard, secondary in wanted:
                    group.targets.append(
                        NutrientTarget(service=service, nutrient=nutrient, min_value=lo,
                                       max_value=hi, hard=hard, secondary_source=secondary)
                    )  # fmt: skip
                changed = True
            counts.add(state if changed else "unchanged")
        session.flush()
        return counts

    def export_records(self, session: Session) -> list[Row]:
        stmt = (
            select(NutritionGroup)
            .options(selectinload(NutritionGroup.targets))
            .order_by(NutritionGroup.code)
        )
        rows = []
        for g in session.scalars(stmt):
            head: Row = {
                "group": g.code,
                "name_zh": g.name_zh,
                "name_en": g.name_en,
                "source": g.source,
                "excluded_tags": list(g.excluded_tags or []),
                "required_staple_tags": list(g.required_staple_tags or []),
            }
            targets = sorted(g.targets, key=lambda t: (t.service, t.nutrient))
            if not targets:
                rows.append({**head, "service": None, "nutrient": None, "min": None,
                             "max": None, "hard": None, "secondary_source": None})  # fmt: skip
            for t in targets:
                rows.append({**head, "service": t.service, "nutrient": t.nutrient,
                             "min": t.min_value, "max": t.max_value, "hard": t.hard,
                             "secondary_source": t.secondary_source})  # fmt: skip
        return rows

    def export_json(self, session: Session) -> list[Row]:
        stmt = (
            select(NutritionGroup)
            .options(selectinload(NutritionGroup.targets))
            .order_by(NutritionGroup.code)
        )
        return [
            {
                "code": g.code,
                "name_zh": g.name_zh,
                "name_en": g.name_en,
                "source": g.source,
                "excluded_tags": list(g.excluded_tags or []),
                "required_staple_tags": list(g.required_staple_tags or []),
                "targets": _targets_by_service(g.targets),
            }
            for g in session.scalars(stmt)
        ]


class DietProfiles(Kind):
    name = "diet-profiles"
    label = "diet profile code"
    model = DietProfile
    derived = frozenset({"excluded_tags", "required_staple_tags", "targets"})
    fields = (
        Field("code", required=True, aliases=(*_CODE, "膳食类型编码", "档案编码"), attr="code"),
        Field("name_zh", required=True, aliases=("中文名", "名称", "膳食类型"), attr="name_zh"),
        Field("name_en", default="", aliases=("英文名",), attr="name_en"),
        Field("group", required=True, aliases=("营养组", "基础组", "营养组编码"),
              attr="group_id", ref="nutrition-groups"),
        Field("max_iddsi", T.INT, default=7, aliases=("最高iddsi", "最高质地等级", "iddsi上限"),
              checks=(IDDSI,), attr="max_iddsi"),
        Field("exclude_allergens", T.LIST, default=[], choices=ALLERGENS,
              aliases=("排除过敏原", "忌口过敏原"), attr="exclude_allergens"),
        Field("halal", T.BOOL, default=False, aliases=("清真",), attr="halal"),
        Field("vegetarian", T.BOOL, default=False, aliases=("素食",), attr="vegetarian"),
        Field("budget_fen", T.INT, default=700, aliases=("预算", "餐标", "食材预算"),
              checks=(NOT_NEGATIVE,), attr="budget_fen"),
        Field("budget_hard", T.BOOL, default=True, aliases=("预算硬约束",), attr="budget_hard"),
        Field("no_repeat_days", T.INT, default=7, aliases=("不重复天数",),
              checks=(NOT_NEGATIVE,), attr="no_repeat_days"),
    )  # fmt: skip

    def export_json(self, session: Session) -> list[Row]:
        stmt = select(NutritionGroup).options(selectinload(NutritionGroup.targets))
        groups = {g.code: g for g in session.scalars(stmt)}
        out = []
        for rec in super().export_json(session):
            g = groups[rec["group"]]
            rec["excluded_tags"] = list(g.excluded_tags or [])
            rec["required_staple_tags"] = list(g.required_staple_tags or [])
            rec["targets"] = {
                service: {k: {"min": v["min"], "max": v["max"], "hard": v["hard"]}
                          for k, v in bounds.items()}
                for service, bounds in _targets_by_service(g.targets).items()
            }  # fmt: skip
            out.append(rec)
        return out


# --------------------------------------------------------------------------- registry

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kitchens(),
        Sites(),
        Clients(),
        Ingredients(),
        Dishes(),
        DietProfiles(),
        NutritionGroups(),
        Vehicles(),
        Drivers(),
        Headcounts(),
    )
}
KIND_NAMES: tuple[str, ...] = tuple(KINDS)
