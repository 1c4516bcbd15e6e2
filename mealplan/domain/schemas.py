"""One declarative schema per record kind: the single source of every field's rules.

Each :class:`RecordSchema` lists its :class:`Field` s: type, unit, bounds, maximum length,
default, the panel's label (English, translated by the panel's catalogue) and its Chinese
translation, further Chinese and English header aliases, help text, the kind a reference
names and the model attribute the value is stored in. Everything else derives from here:

- the importer's columns, header aliases and value checks (``mealplan.io``);
- the panel's validation (``mealplan.services.records``) and forms (``web.records``);
- the export formats (CSV/XLSX headers and cell formats, JSON values).

Values are parsed and checked by :func:`mealplan.domain.values.parse_value` (one parser for
panel and import); rules that span fields (delivery windows) are :meth:`RecordSchema.
window_problems`. Pure: nothing here imports the database or the web.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mealplan.config import PlanningSettings
from mealplan.domain.values import (
    N_,
    FieldType,
    ValueProblem,
    choices_for,
    normalise_header,
    parse_value,
)
from mealplan.domain.vocab import (
    IDDSI_LEVELS,
    NUTRIENT_KEYS,
    RATIO_KEYS,
    Allergen,
    ClientStatus,
    CookingMethod,
    DishCategory,
    ElderCategory,
    FoodGroup,
    FunderLevel,
    HeadcountSource,
    IngredientSource,
    OutsideRule,
    Service,
    SiteKind,
    VehicleKind,
)

T = FieldType

#: the default of a diet profile's budget when neither the file nor the form gives one:
#: ``[planning] default_budget_fen`` of the configuration (this is what it defaults to).
DEFAULT_BUDGET_FEN: int = PlanningSettings.default_budget_fen

#: what a record's code may hold
CODE_PATTERN = r"[A-Za-z0-9_.\-]+"
CARD_PATTERN = r"[A-Za-z0-9]{6,32}"

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
CLIENT_STATUSES = choices_for({
    ClientStatus.ACTIVE: ("在册", "正常", "在用"),
    ClientStatus.PAUSED: ("暂停", "停餐"),
    ClientStatus.MOVED_OUT: ("迁出", "已迁出", "moved", "moved out"),
    ClientStatus.DECEASED: ("去世", "已故", "死亡", "已去世"),
})  # fmt: skip
FUNDER_LEVELS = choices_for({
    FunderLevel.CITY: ("市", "市级"),
    FunderLevel.DISTRICT: ("区", "区级"),
    FunderLevel.STREET: ("街道", "街道级", "镇街"),
})  # fmt: skip
OUTSIDE_RULES = choices_for({
    OutsideRule.KEPT: ("保留", "照常补贴"),
    OutsideRule.ELDER_PAYS: ("个人承担", "老人承担"),
    OutsideRule.OPERATOR_PAYS: ("运营方承担", "机构承担"),
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
TARGET_KEYS: tuple[str, ...] = NUTRIENT_KEYS + RATIO_KEYS

#: English label, Chinese label (as the panel's catalogue translates it) and more header
#: aliases of each nutrient column of an ingredient (per 100 g edible portion)
NUTRIENT_LABELS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "energy_kcal": (N_("Energy (kcal)"), "能量（千卡）", ("能量", "热量")),
    "protein_g": (N_("Protein (g)"), "蛋白质（克）", ("蛋白质",)),
    "fat_g": (N_("Fat (g)"), "脂肪（克）", ("脂肪",)),
    "carbohydrate_g": (N_("Carbohydrate (g)"), "碳水化合物（克）", ("碳水化合物",)),
    "fibre_g": (N_("Fibre (g)"), "膳食纤维（克）", ("膳食纤维", "fiber_g")),
    "sodium_mg": (N_("Sodium (mg)"), "钠（毫克）", ("钠",)),
    "potassium_mg": (N_("Potassium (mg)"), "钾（毫克）", ("钾",)),
    "calcium_mg": (N_("Calcium (mg)"), "钙（毫克）", ("钙",)),
    "phosphorus_mg": (N_("Phosphorus (mg)"), "磷（毫克）", ("磷",)),
}
assert tuple(NUTRIENT_LABELS) == NUTRIENT_KEYS
#: the most a nutrient can be per 100 g of food, by unit (pure fat: 900 kcal; table salt:
#: about 39,000 mg sodium): a larger value is a typo or a wrong unit
NUTRIENT_MAX_PER_100G: dict[str, float] = {"kcal": 1000, "g": 200, "mg": 100_000}
#: the largest bound a nutrition target may have (per meal: kcal, g, mg or a percentage)
TARGET_MAX = 100_000


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class Field:
    """One field of a record: a column of the import format and an input of the panel.

    ``name`` is the canonical (English) column header used by exports, a stable
    interface. ``attr`` is the model attribute the value is stored in (None: not stored
    on the record itself, e.g. a recipe line's grams). ``ref`` names the kind whose
    ``code`` the value is (stored as that record's id). ``label`` is the panel's English
    label (a catalogue msgid) and ``label_zh`` its Chinese translation; both, with
    ``aliases``, are accepted as import headers. ``required``: a blank value is refused;
    otherwise a blank gives ``default`` (or ``setting``, a ``[planning]`` key that
    supplies the default). ``min_value``/``max_value`` bound numbers (``min_exclusive``:
    strictly above), ``max_length`` bounds text, ``pattern`` is a regular expression the
    text must match. ``panel``: the panel's form shows the field.
    """

    name: str
    type: FieldType = FieldType.TEXT
    label: str = ""
    label_zh: str = ""
    aliases: tuple[str, ...] = ()
    required: bool = False
    default: Any = None
    setting: str | None = None
    choices: Mapping[str, str] | None = None
    min_value: float | None = None
    max_value: float | None = None
    min_exclusive: bool = False
    allowed: frozenset[int] | None = None
    max_length: int | None = None
    pattern: str | None = None
    unit: str = ""
    help: str = ""
    ref: str | None = None
    attr: str | None = None
    export: bool = True
    panel: bool = True

    @property
    def key(self) -> str:
        """The panel's name of the field (form input, service data key, label key): the
        model attribute, except for references, which the panel names by the code."""
        return self.attr if self.attr is not None and self.ref is None else self.name

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header the importer accepts for this column, the canonical one first."""
        spellings = [self.name, self.key, self.label, self.label_zh, *self.aliases]
        out: list[str] = []
        for s in spellings:
            if s and s not in out:
                out.append(s)
        return tuple(out)

    @property
    def codes(self) -> tuple[str, ...]:
        """The vocabulary's codes in their declared order (empty for free values)."""
        if self.choices is None:
            return ()
        return tuple(dict.fromkeys(self.choices.values()))

    def default_value(self, planning: PlanningSettings | None = None) -> Any:
        """The value of a blank or absent field (a fresh copy for lists)."""
        if self.setting is not None:
            return getattr(planning or PlanningSettings(), self.setting)
        if isinstance(self.default, (list, tuple)):
            return list(self.default)
        return self.default

    def parse(self, raw: object, planning: PlanningSettings | None = None) -> Any:
        """The typed, checked value (see :func:`mealplan.domain.values.parse_value`)."""
        return parse_value(self, raw, planning)


@dataclass(frozen=True)
class Window:
    """Two time fields that form a window: the end after the start; ``paired``: both or
    neither given."""

    start: str
    end: str
    paired: bool = True


@dataclass(frozen=True)
class Problem:
    """A rule spanning fields broken: the field to blame, its value and a message."""

    field: str
    value: object
    message: str
    params: Mapping[str, object]

    def __str__(self) -> str:
        return self.message % dict(self.params) if self.params else self.message


@dataclass(frozen=True)
class RecordSchema:
    """The fields and rules of one record kind."""

    kind: str  # import, export and panel URL word: "sites", "diet-profiles"
    entity: str  # audit entity: "site"
    label: str  # what a key names in messages: "site code"
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ("code",)
    search: tuple[str, ...] = ()  # model attributes the panel's list searches
    windows: tuple[Window, ...] = ()
    panel: bool = True  # the panel edits records of this kind field by field

    def field(self, name: str) -> Field:
        """The field with column ``name`` or panel key ``name``."""
        for f in self.fields:
            if f.name == name or f.key == name:
                return f
        raise KeyError(name)

    @property
    def panel_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.panel)

    def header_map(self) -> dict[str, str]:
        """Normalised header spelling -> canonical column name."""
        table: dict[str, str] = {}
        for f in self.fields:
            for spelling in f.headers:
                table.setdefault(normalise_header(spelling), f.name)
        return table

    def window_problems(self, values: Mapping[str, Any]) -> list[Problem]:
        """Windows whose end is not after their start, or half given (values by column
        name, times in minutes; absent fields are not checked)."""
        problems: list[Problem] = []
        for w in self.windows:
            if w.start not in values or w.end not in values:
                continue
            a, b = values[w.start], values[w.end]
            if a is not None and b is not None and a >= b:
                problems.append(Problem(w.end, b, N_("must be later than the start"), {}))
            elif w.paired and (a is None) != (b is None):
                blame = w.end if a is not None else w.start
                problems.append(Problem(blame, None, N_("give both start and end"), {}))
        return problems


def parse_all(
    schema: RecordSchema, raw: Mapping[str, object]
) -> tuple[dict[str, Any], dict[str, ValueProblem]]:
    """Parse the values present in ``raw`` (keyed by column name): values and problems."""
    values: dict[str, Any] = {}
    problems: dict[str, ValueProblem] = {}
    for f in schema.fields:
        if f.name in raw:
            try:
                values[f.name] = f.parse(raw[f.name])
            except ValueProblem as exc:
                problems[f.name] = exc
    return values, problems


# --------------------------------------------------------------------------- shared fields

_CODE_ALIASES = ("编码", "代码", "编号")
_ADDRESS = ("地址", "详细地址", "address")
_ACTIVE = ("启用", "是否启用", "在用", "状态")


def _code(max_length: int, *aliases: str) -> Field:
    return Field("code", label=N_("Code"), label_zh="编码", aliases=(*_CODE_ALIASES, *aliases),
                 required=True, max_length=max_length, pattern=CODE_PATTERN, attr="code")  # fmt: skip


def _address() -> Field:
    return Field("address", label=N_("Address"), label_zh="地址", aliases=_ADDRESS, default="",
                 max_length=250, attr="address")  # fmt: skip


def _lat() -> Field:
    return Field("lat", T.FLOAT, label=N_("Latitude"), label_zh="纬度",
                 aliases=("latitude",), required=True, min_value=-90, max_value=90,
                 unit="degree", attr="lat")  # fmt: skip


def _lon() -> Field:
    return Field("lon", T.FLOAT, label=N_("Longitude"), label_zh="经度",
                 aliases=("longitude", "lng", "long"), required=True, min_value=-180,
                 max_value=180, unit="degree", attr="lon")  # fmt: skip


def _district() -> Field:
    return Field(
        "district",
        label=N_("District"),
        label_zh="区",
        aliases=("所属区", "区县"),
        default="",
        max_length=60,
        attr="district",
    )


def _street() -> Field:
    return Field(
        "street",
        label=N_("Street"),
        label_zh="街道",
        aliases=("所属街道", "街道办"),
        default="",
        max_length=60,
        attr="street",
    )


def _valid(name: str, label: str, label_zh: str, aliases: tuple[str, ...], required: bool) -> Field:
    return Field(
        name,
        T.DATE,
        label=label,
        label_zh=label_zh,
        aliases=aliases,
        required=required,
        default=None,
        attr=name,
    )


def _kitchen() -> Field:
    return Field("kitchen", label=N_("Kitchen"), label_zh="中央厨房",
                 aliases=("厨房", "所属厨房", "厨房编码"), required=True, max_length=40,
                 ref="kitchens", attr="kitchen_id")  # fmt: skip


def _active() -> Field:
    return Field("active", T.BOOL, label=N_("Active"), label_zh="启用", aliases=_ACTIVE,
                 default=True, attr="active")  # fmt: skip


def _minutes(name: str, label: str, label_zh: str, aliases: tuple[str, ...], default: int,
             max_value: int) -> Field:  # fmt: skip
    return Field(name, T.INT, label=label, label_zh=label_zh, aliases=aliases, default=default,
                 min_value=0, max_value=max_value, unit="minute", attr=name)  # fmt: skip


def _time(name: str, label: str, label_zh: str, aliases: tuple[str, ...],
          default: int | None) -> Field:  # fmt: skip
    return Field(name, T.TIME, label=label, label_zh=label_zh, aliases=aliases, default=default,
                 unit="minute of day", attr=f"{name}_min")  # fmt: skip


def _iddsi(name: str, label: str, label_zh: str, aliases: tuple[str, ...]) -> Field:
    return Field(name, T.INT, label=label, label_zh=label_zh, aliases=aliases, default=7,
                 min_value=min(IDDSI_LEVELS), max_value=max(IDDSI_LEVELS), attr=name)  # fmt: skip


# --------------------------------------------------------------------------- records

KITCHENS = RecordSchema(
    "kitchens", "kitchen", "kitchen code",
    (
        _code(40, "厨房编码"),
        Field("name", label=N_("Name"), label_zh="名称", aliases=("厨房名称", "中央厨房"),
              required=True, max_length=120, attr="name"),
        _address(),
        _lat(),
        _lon(),
        Field("capacity_lunch", T.INT, label=N_("Lunch capacity (meals)"),
              label_zh="午餐产能（份）", aliases=("午餐产能", "午餐份数上限"), default=0,
              min_value=0, max_value=100_000, unit="meals", attr="capacity_lunch"),
        Field("capacity_dinner", T.INT, label=N_("Dinner capacity (meals)"),
              label_zh="晚餐产能（份）", aliases=("晚餐产能", "晚餐份数上限"), default=0,
              min_value=0, max_value=100_000, unit="meals", attr="capacity_dinner"),
        _minutes("cooking_lead_minutes", N_("Cooking lead time (min)"), "烹饪提前时间（分钟）",
                 ("烹饪提前分钟", "烹饪时长"), 90, 600),
        _minutes("packing_minutes", N_("Packing time (min)"), "分装时间（分钟）",
                 ("分装分钟", "分装时长"), 20, 600),
        _minutes("loading_minutes", N_("Loading time (min)"), "装车时间（分钟）",
                 ("装车分钟", "装车时长"), 10, 600),
        Field("contact_phone", label=N_("Contact phone"), label_zh="联系电话", aliases=("电话",),
              default="", max_length=40, attr="contact_phone"),
        Field("packing_lines", T.INT, label=N_("Packing lines"), label_zh="分装线数",
              aliases=("分装线", "打包线数"), default=3, min_value=1, max_value=50,
              unit="lines", attr="packing_lines"),
        Field("packing_portions_per_slot", T.INT,
              label=N_("Packing rate (portions per 15 min per line)"),
              label_zh="分装速度（每线每15分钟份数）", aliases=("分装速度", "每线每15分钟份数"),
              default=400, min_value=1, max_value=100_000, unit="portions",
              help=N_("dish portions one line packs in 15 minutes"),
              attr="packing_portions_per_slot"),
        _minutes("cook_to_pack_minutes", N_("Cook-to-pack lead (min)"), "出锅至分装（分钟）",
                 ("出锅至分装分钟", "出锅到分装"), 10, 240),
        *(
            Field(f"cook_minutes_{cat}", T.INT, label=label, label_zh=label_zh,
                  aliases=(label_zh.removesuffix("（分钟）"),), min_value=0, max_value=600,
                  unit="minute", help=N_("blank: the cooking lead time"),
                  attr=f"cook_minutes_{cat}")
            for cat, label, label_zh in (
                ("staple", N_("Cooking time, staples (min)"), "主食烹饪时长（分钟）"),
                ("main", N_("Cooking time, main dishes (min)"), "荤菜烹饪时长（分钟）"),
                ("side", N_("Cooking time, side dishes (min)"), "小荤烹饪时长（分钟）"),
                ("vegetable", N_("Cooking time, vegetables (min)"), "素菜烹饪时长（分钟）"),
                ("soup", N_("Cooking time, soups (min)"), "汤烹饪时长（分钟）"),
                ("fruit", N_("Preparation time, fruit (min)"), "水果准备时长（分钟）"),
            )
        ),
    ),
    search=("code", "name", "address"),
)  # fmt: skip

SITES = RecordSchema(
    "sites", "site", "site code",
    (
        _code(40, "站点编码", "站点编号"),
        Field("kind", T.CODE, label=N_("Type"), label_zh="类型", aliases=("站点类型",),
              required=True, choices=SITE_KINDS, attr="kind"),
        Field("name", label=N_("Name"), label_zh="名称", aliases=("站点名称", "站点"),
              required=True, max_length=120, attr="name"),
        _address(),
        _lat(),
        _lon(),
        Field("contact_name", label=N_("Contact person"), label_zh="联系人",
              aliases=("负责人",), default="", max_length=60, attr="contact_name"),
        Field("contact_phone", label=N_("Contact phone"), label_zh="联系电话",
              aliases=("电话", "手机"), default="", max_length=40, attr="contact_phone"),
        Field("seats", T.INT, label=N_("Seats"), label_zh="座位数", aliases=("餐位数", "座位"),
              default=0, min_value=0, max_value=100_000, unit="diners", attr="seats"),
        _time("lunch_window_start", N_("Lunch delivery from"), "午餐送达开始",
              ("午餐开始", "午餐送达时间开始"), 11 * 60),
        _time("lunch_window_end", N_("Lunch delivery until"), "午餐送达截止",
              ("午餐送达结束", "午餐结束", "午餐送达时间结束"), 11 * 60 + 45),
        _time("dinner_window_start", N_("Dinner delivery from"), "晚餐送达开始",
              ("晚餐开始",), None),
        _time("dinner_window_end", N_("Dinner delivery until"), "晚餐送达截止",
              ("晚餐送达结束", "晚餐结束"), None),
        _minutes("unloading_minutes", N_("Unloading time (min)"), "卸货时间（分钟）",
                 ("卸货分钟", "卸货时间", "卸货时长"), 8, 120),
        _kitchen(),
        _active(),
        Field("notes", T.LONGTEXT, label=N_("Notes"), label_zh="备注", default="",
              max_length=5000, attr="notes"),
        _district(),
        _street(),
    ),
    search=("code", "name", "address", "contact_name"),
    windows=(Window("lunch_window_start", "lunch_window_end"),
             Window("dinner_window_start", "dinner_window_end")),
)  # fmt: skip

CLIENTS = RecordSchema(
    "clients", "client", "client code",
    (
        _code(40, "老人编号", "客户编号"),
        Field("name", label=N_("Name"), label_zh="名称", aliases=("姓名", "老人姓名"),
              required=True, max_length=80, attr="name"),
        _address(),
        _lat(),
        _lon(),
        Field("phone", label=N_("Phone"), label_zh="电话", aliases=("手机", "联系电话"),
              default="", max_length=40, attr="phone"),
        Field("emergency_contact_name", label=N_("Emergency contact"), label_zh="紧急联系人",
              default="", max_length=80, attr="emergency_contact_name"),
        Field("emergency_contact_phone", label=N_("Emergency contact phone"),
              label_zh="紧急联系人电话", aliases=("紧急联系电话",), default="", max_length=40,
              attr="emergency_contact_phone"),
        Field("diet_profile", label=N_("Diet profile"), label_zh="膳食类型",
              aliases=("profile", "膳食档案", "饮食类型", "膳食"), required=True, max_length=60,
              ref="diet-profiles", attr="diet_profile_id"),
        Field("category", T.CODE, label=N_("Category"), label_zh="类别",
              aliases=("老人类别", "补贴类别", "人员类别"), required=True,
              choices=ELDER_CATEGORIES, attr="category"),
        Field("lunch_days", T.WEEKDAYS, label=N_("Lunch days"), label_zh="午餐送餐日",
              aliases=("午餐日", "午餐"), default="", attr="lunch_days"),
        Field("dinner_days", T.WEEKDAYS, label=N_("Dinner days"), label_zh="晚餐送餐日",
              aliases=("晚餐日", "晚餐"), default="", attr="dinner_days"),
        _time("window_start", N_("Delivery from"), "送达开始", ("送餐开始", "送达时间开始"),
              11 * 60),
        _time("window_end", N_("Delivery until"), "送达截止",
              ("送达结束", "送餐结束", "送达时间结束"), 12 * 60),
        _time("dinner_window_start", N_("Dinner delivery from"), "晚餐送达开始",
              ("晚餐开始",), None),
        _time("dinner_window_end", N_("Dinner delivery until"), "晚餐送达截止",
              ("晚餐送达结束", "晚餐结束"), None),
        Field("driver_notes", T.LONGTEXT, label=N_("Notes for the driver"),
              label_zh="给司机的备注", aliases=("司机备注", "送餐备注", "备注"), default="",
              max_length=5000, attr="driver_notes"),
        _kitchen(),
        # derived from the status (the model keeps it so); files may still give it
        Field("active", T.BOOL, label=N_("Active"), label_zh="启用", aliases=_ACTIVE,
              default=True, attr="active", panel=False),
        Field("status", T.CODE, label=N_("Register status"), label_zh="在册状态",
              aliases=("老人状态", "在册"), default=ClientStatus.ACTIVE.value,
              choices=CLIENT_STATUSES, attr="status",
              help=N_("only an active elder gets meals; moved out and deceased stop them")),
        Field("status_date", T.DATE, label=N_("Status since"), label_zh="状态生效日期",
              aliases=("状态日期", "迁出日期", "去世日期"), default=None, attr="status_date",
              help=N_("the day the elder moved out or died: claims flag meals from then on")),
        Field("status_reason", label=N_("Status reason"), label_zh="状态原因",
              aliases=("状态说明",), default="", max_length=200, attr="status_reason"),
        _district(),
        _street(),
        Field("jurisdiction_from", T.DATE, label=N_("Jurisdiction since"),
              label_zh="辖区生效日期", aliases=("户籍变更日期", "辖区变更日期"), default=None,
              attr="jurisdiction_from",
              help=N_("the day district, street and registered site took effect "
                      "(blank: the day they are changed)")),
        Field("card_number", label=N_("Card number"), label_zh="卡号",
              aliases=("助餐卡号", "老人卡号", "卡号", "card"), default=None, max_length=32,
              pattern=CARD_PATTERN, help=N_("6-32 letters or digits, printed as a QR code"),
              attr="card_number"),
        Field("site", label=N_("Registered site"), label_zh="登记站点",
              aliases=("所属站点", "就餐站点", "登记助餐点"), default=None, max_length=40,
              ref="sites", attr="site_id"),
        # edited on the client's page by the pause services, imported as one column
        Field("pauses", T.PAUSES, label=N_("Meal pauses"), label_zh="暂停送餐",
              aliases=("暂停",), default=[], panel=False),
    ),
    search=("code", "name", "address", "phone"),
    windows=(Window("window_start", "window_end"),
             Window("dinner_window_start", "dinner_window_end")),
)  # fmt: skip

INGREDIENTS = RecordSchema(
    "ingredients", "ingredient", "ingredient code",
    (
        _code(60, "食材编码"),
        Field("name_zh", label=N_("Chinese name"), label_zh="中文名称",
              aliases=("中文名", "名称", "食材名称", "食材"), required=True, max_length=120,
              attr="name_zh"),
        Field("name_en", label=N_("English name"), label_zh="英文名称", aliases=("英文名",),
              default="", max_length=160, attr="name_en"),
        Field("source", T.CODE, label=N_("Source table"), label_zh="数据来源",
              aliases=("来源",), default=IngredientSource.CUSTOM.value,
              choices=INGREDIENT_SOURCES, attr="source"),
        Field("source_id", label=N_("Source ID"), label_zh="来源编号", default="",
              max_length=40, attr="source_id"),
        Field("source_name", label=N_("Source name"), label_zh="来源名称", default="",
              max_length=250, attr="source_name"),
        Field("edible_fraction", T.FLOAT, label=N_("Edible fraction (0-1)"),
              label_zh="可食部（0-1）", aliases=("可食部", "食部"), default=1.0,
              min_value=0.01, max_value=1.0, attr="edible_fraction"),
        *(
            Field(key, T.FLOAT, label=label, label_zh=label_zh, aliases=aliases, min_value=0,
                  max_value=NUTRIENT_MAX_PER_100G[key.rsplit("_", 1)[1]],
                  unit=key.rsplit("_", 1)[1] + " per 100 g", attr=key)
            for key, (label, label_zh, aliases) in NUTRIENT_LABELS.items()
        ),
        Field("price_fen_per_kg", T.INT, label=N_("Price (fen per kg)"),
              label_zh="价格（分/千克）", aliases=("单价", "价格", "每公斤价格"), default=0,
              min_value=0, max_value=10_000_000, unit="fen per kg", attr="price_fen_per_kg"),
        Field("food_group", T.CODE, label=N_("Food group"), label_zh="食物类别",
              aliases=("类别", "食物分类"), required=True, choices=FOOD_GROUPS,
              attr="food_group"),
        Field("allergens", T.LIST, label=N_("Allergens"), label_zh="过敏原", default=[],
              choices=ALLERGENS, attr="allergens"),
        Field("halal", T.BOOL, label=N_("Halal"), label_zh="清真", default=True, attr="halal"),
        Field("vegetarian", T.BOOL, label=N_("Vegetarian"), label_zh="素食", default=True,
              attr="vegetarian"),
    ),
    search=("code", "name_zh", "name_en"),
)  # fmt: skip

DISHES = RecordSchema(
    "dishes", "dish", "dish code",
    (
        _code(60, "菜品编码"),
        Field("name_zh", label=N_("Chinese name"), label_zh="中文名称",
              aliases=("中文名", "菜名", "菜品名称", "名称"), required=True, max_length=120,
              attr="name_zh"),
        Field("name_en", label=N_("English name"), label_zh="英文名称", aliases=("英文名",),
              default="", max_length=160, attr="name_en"),
        Field("category", T.CODE, label=N_("Category"), label_zh="类别",
              aliases=("菜品类别", "分类"), required=True, choices=DISH_CATEGORIES,
              attr="category"),
        _iddsi("iddsi_level", N_("IDDSI level"), "IDDSI 等级", ("iddsi", "质地等级")),
        Field("cooking_method", T.CODE, label=N_("Cooking method"), label_zh="烹饪方式",
              aliases=("烹调方法", "做法"), required=True, choices=COOKING_METHODS,
              attr="cooking_method"),
        Field("tags", T.LIST, label=N_("Tags (comma-separated)"), label_zh="标签（用逗号分隔）",
              aliases=("标签",), default=[], max_length=40, attr="tags"),
        Field("base_dish", label=N_("Base dish code"), label_zh="基础菜品编码",
              aliases=("基础菜品", "原菜品"), max_length=60, pattern=CODE_PATTERN,
              attr="base_dish_code"),
        _active(),
        # one row per recipe line in files; the panel's recipe editor in the form
        Field("ingredient", label=N_("Ingredient"), label_zh="食材",
              aliases=("原料", "食材编码"), required=True, max_length=60,
              ref="ingredients", panel=False),
        Field("grams", T.FLOAT, label=N_("Grams"), label_zh="克数",
              aliases=("用量", "重量", "克"), required=True, min_value=0, min_exclusive=True,
              max_value=2000, unit="g as purchased per serving", panel=False),
    ),
    search=("code", "name_zh", "name_en"),
)  # fmt: skip

VEHICLES = RecordSchema(
    "vehicles", "vehicle", "vehicle code",
    (
        _code(40, "车辆编码", "车辆编号"),
        Field("name", label=N_("Name"), label_zh="名称", aliases=("车辆名称",), default="",
              max_length=80, attr="name"),
        Field("kind", T.CODE, label=N_("Type"), label_zh="类型", aliases=("车型", "车辆类型"),
              required=True, choices=VEHICLE_KINDS, attr="kind"),
        _kitchen(),
        Field("capacity_boxes", T.INT, label=N_("Capacity (boxes)"), label_zh="容量（箱）",
              aliases=("载量", "容量", "最大箱数", "箱数", "载餐量"), required=True,
              min_value=1, max_value=10_000, unit="boxes", attr="capacity_boxes"),
        Field("speed_kmh", T.FLOAT, label=N_("Speed (km/h)"), label_zh="速度（千米/小时）",
              aliases=("速度", "时速", "平均速度"), required=True, min_value=1, max_value=120,
              unit="km/h", attr="speed_kmh"),
        _time("shift_start", N_("Shift start"), "班次开始", ("出车时间",), 9 * 60 + 30),
        _time("shift_end", N_("Shift end"), "班次结束", ("收车时间",), 14 * 60),
        Field("fixed_cost_fen", T.INT, label=N_("Fixed cost per day (fen)"),
              label_zh="每日固定成本（分）", aliases=("固定成本", "日固定成本"), default=0,
              min_value=0, max_value=100_000_000, unit="fen per day", attr="fixed_cost_fen"),
        Field("cost_fen_per_km", T.INT, label=N_("Cost per km (fen)"),
              label_zh="每千米成本（分）", aliases=("每公里成本", "公里成本"), default=0,
              min_value=0, max_value=1_000_000, unit="fen per km", attr="cost_fen_per_km"),
        Field("plate", label=N_("Number plate"), label_zh="车牌号", aliases=("车牌",),
              default="", max_length=20, attr="plate"),
        _active(),
    ),
    search=("code", "name", "plate"),
    windows=(Window("shift_start", "shift_end"),),
)  # fmt: skip

DRIVERS = RecordSchema(
    "drivers", "driver", "driver code",
    (
        _code(40, "司机编码", "司机编号", "工号"),
        Field("name", label=N_("Name"), label_zh="名称", aliases=("姓名", "司机姓名"),
              required=True, max_length=80, attr="name"),
        Field("phone", label=N_("Phone"), label_zh="电话", aliases=("手机", "联系电话"),
              default="", max_length=40, attr="phone"),
        _kitchen(),
        Field("vehicle", label=N_("Vehicle"), label_zh="车辆", aliases=("车辆编码", "常用车辆"),
              max_length=40, ref="vehicles", attr="vehicle_id"),
        _active(),
    ),
    search=("code", "name", "phone"),
)  # fmt: skip

DIET_PROFILES = RecordSchema(
    "diet-profiles", "diet_profile", "diet profile code",
    (
        _code(60, "膳食类型编码", "档案编码"),
        Field("name_zh", label=N_("Chinese name"), label_zh="中文名称",
              aliases=("中文名", "名称", "膳食类型"), required=True, max_length=80,
              attr="name_zh"),
        Field("name_en", label=N_("English name"), label_zh="英文名称", aliases=("英文名",),
              default="", max_length=80, attr="name_en"),
        Field("group", label=N_("Nutrition group"), label_zh="营养组",
              aliases=("基础组", "营养组编码"), required=True, max_length=40,
              ref="nutrition-groups", attr="group_id"),
        _iddsi("max_iddsi", N_("Highest IDDSI level"), "最高 IDDSI 等级",
               ("最高iddsi", "最高质地等级", "iddsi上限")),
        Field("exclude_allergens", T.LIST, label=N_("Excluded allergens"),
              label_zh="排除的过敏原", aliases=("排除过敏原", "忌口过敏原"), default=[],
              choices=ALLERGENS, attr="exclude_allergens"),
        Field("halal", T.BOOL, label=N_("Halal"), label_zh="清真", default=False, attr="halal"),
        Field("vegetarian", T.BOOL, label=N_("Vegetarian"), label_zh="素食", default=False,
              attr="vegetarian"),
        Field("budget_fen", T.INT, label=N_("Budget per meal (fen)"), label_zh="每餐预算（分）",
              aliases=("预算", "餐标", "食材预算"), setting="default_budget_fen", min_value=1,
              max_value=100_000, unit="fen per meal", attr="budget_fen"),
        Field("budget_hard", T.BOOL, label=N_("Budget is a hard limit"),
              label_zh="预算为硬性上限", aliases=("预算硬约束",), default=True,
              attr="budget_hard"),
        Field("no_repeat_days", T.INT, label=N_("Days before a dish repeats"),
              label_zh="菜品重复间隔（天）", aliases=("不重复天数",), default=7, min_value=0,
              max_value=60, unit="days", attr="no_repeat_days"),
    ),
    search=("code", "name_zh", "name_en"),
)  # fmt: skip

NUTRITION_GROUPS = RecordSchema(
    "nutrition-groups", "nutrition_group", "target (group/service/nutrient)",
    (
        Field("group", label=N_("Nutrition group"), label_zh="营养组",
              aliases=("code", "营养组编码", "编码"), required=True, max_length=40,
              pattern=CODE_PATTERN, attr="code"),
        Field("name_zh", label=N_("Chinese name"), label_zh="中文名称",
              aliases=("中文名", "名称"), required=True, max_length=80, attr="name_zh"),
        Field("name_en", label=N_("English name"), label_zh="英文名称", aliases=("英文名",),
              required=True, max_length=80, attr="name_en"),
        Field("source", T.LONGTEXT, aliases=("依据", "来源"), default="", max_length=5000,
              attr="source"),
        Field("excluded_tags", T.LIST, aliases=("排除标签",), default=[], max_length=40,
              attr="excluded_tags"),
        Field("required_staple_tags", T.LIST, aliases=("主食标签", "主食要求标签"), default=[],
              max_length=40, attr="required_staple_tags"),
        # one row per target: (service, nutrient) -> min, max, hard
        Field("service", T.CODE, label=N_("Service"), label_zh="餐次", aliases=("服务",),
              choices=SERVICES),
        Field("nutrient", T.CODE, label=N_("Nutrient"), label_zh="营养素", aliases=("指标",),
              choices=TARGET_NUTRIENTS),
        Field("min", T.FLOAT, label=N_("Minimum"), label_zh="最小值",
              aliases=("最小", "下限"), min_value=0, max_value=TARGET_MAX),
        Field("max", T.FLOAT, label=N_("Maximum"), label_zh="最大值",
              aliases=("最大", "上限"), min_value=0, max_value=TARGET_MAX),
        Field("hard", T.BOOL, label=N_("Hard limit"), label_zh="硬性约束",
              aliases=("硬约束", "强制"), default=False),
        Field("secondary_source", T.BOOL, aliases=("二手来源",), default=True),
    ),
    key=("group", "service", "nutrient"),
    panel=False,
)  # fmt: skip

HEADCOUNTS = RecordSchema(
    "headcounts", "headcount", "headcount (date/service/site/profile)",
    (
        Field("date", T.DATE, aliases=("日期", "用餐日期"), required=True, attr="date"),
        Field("service", T.CODE, label=N_("Service"), label_zh="餐次", aliases=("服务", "餐别"),
              required=True, choices=SERVICES, attr="service"),
        Field("site", aliases=("站点", "站点编码", "助餐点", "食堂"), required=True,
              max_length=40, ref="sites", attr="site_id"),
        Field("profile", aliases=("diet_profile", "膳食类型", "膳食档案", "饮食类型", "膳食"),
              required=True, max_length=60, ref="diet-profiles", attr="diet_profile_id"),
        Field("count", T.INT, aliases=("人数", "份数", "数量", "用餐人数"), required=True,
              min_value=0, max_value=100_000, unit="meals", attr="count"),
        Field("source", T.CODE, aliases=("来源",), default=HeadcountSource.REPORTED.value,
              choices=HEADCOUNT_SOURCES, attr="source"),
        Field("reported_at", T.DATETIME, aliases=("上报时间",), attr="reported_at"),
        Field("reported_by", aliases=("上报人", "填报人"), default="", max_length=80,
              attr="reported_by"),
    ),
    key=("date", "service", "site", "profile"),
    panel=False,
)  # fmt: skip

# --------------------------------------------------------------------------- meal structures

#: which profiles a meal structure is for
STRUCTURE_DIETS = choices_for({
    "all": ("全部", "所有", "通用", "any"),
    "non_vegetarian": ("非素食", "荤食", "普通", "regular"),
    "vegetarian": ("素食", "素"),
})  # fmt: skip
#: the dish categories a structure counts, in the order of its slots
STRUCTURE_CATEGORIES: tuple[str, ...] = ("staple", "main", "side", "vegetable", "soup", "fruit")
#: the categories whose slots may require a food-group set (``<category>_food_groups``)
STRUCTURE_GROUP_CATEGORIES: tuple[str, ...] = ("main", "side")
#: the most dishes of one category a structure holds
STRUCTURE_MAX_PER_CATEGORY = 4


def _slot_count(category: str, label: str, label_zh: str, aliases: tuple[str, ...]) -> Field:
    return Field(category, T.INT, label=label, label_zh=label_zh, aliases=aliases, default=0,
                 min_value=0, max_value=STRUCTURE_MAX_PER_CATEGORY, unit="dishes",
                 attr=category)  # fmt: skip


MEAL_STRUCTURES = RecordSchema(
    "meal-structures", "meal_structure", "meal structure code",
    (
        _code(40, "结构编码", "餐标编码"),
        Field("name_zh", label=N_("Chinese name"), label_zh="中文名称",
              aliases=("中文名", "名称", "结构名称", "餐标"), required=True, max_length=80,
              attr="name_zh"),
        Field("name_en", label=N_("English name"), label_zh="英文名称", aliases=("英文名",),
              default="", max_length=80, attr="name_en"),
        Field("diet", T.CODE, label=N_("For diets"), label_zh="适用膳食",
              aliases=("适用", "适用人群"), default="all", choices=STRUCTURE_DIETS,
              attr="diet"),
        Field("services", T.LIST, label=N_("Services"), label_zh="餐次",
              aliases=("服务", "适用餐次"), default=[], choices=SERVICES,
              help=N_("blank: lunch and dinner"), attr="services"),
        _slot_count("staple", N_("Staples"), "主食数", ("主食", "饭")),
        _slot_count("main", N_("Main dishes"), "荤菜数", ("荤菜", "主菜", "荤", "大荤")),
        _slot_count("side", N_("Side dishes"), "小荤数", ("小荤", "半荤", "配菜")),
        _slot_count("vegetable", N_("Vegetable dishes"), "素菜数", ("素菜", "素")),
        _slot_count("soup", N_("Soups"), "汤数", ("汤",)),
        _slot_count("fruit", N_("Fruit or dessert"), "水果数", ("水果", "甜品")),
        Field("main_food_groups", T.LIST, label=N_("Main dish must contain one of"),
              label_zh="荤菜须含其一", aliases=("荤菜食物类别", "主菜食物类别"), default=[],
              choices=FOOD_GROUPS, help=N_("food groups; blank: any main dish"),
              attr="main_food_groups"),
        Field("side_food_groups", T.LIST, label=N_("Side dish must contain one of"),
              label_zh="小荤须含其一", aliases=("小荤食物类别", "配菜食物类别"), default=[],
              choices=FOOD_GROUPS, help=N_("food groups; blank: any side dish"),
              attr="side_food_groups"),
        Field("price_fen", T.INT, label=N_("Sale price (fen)"), label_zh="售价（分）",
              aliases=("售价", "价格", "餐标价格"), min_value=0, max_value=100_000,
              unit="fen per meal", attr="price_fen"),
        Field("budget_fen", T.INT, label=N_("Ingredient budget (fen)"),
              label_zh="食材预算（分）", aliases=("食材预算", "预算"), min_value=1,
              max_value=100_000, unit="fen per meal",
              help=N_("blank: the diet profile's budget"), attr="budget_fen"),
        _active(),
    ),
    search=("code", "name_zh", "name_en"),
)  # fmt: skip


def structure_problems(values: Mapping[str, Any]) -> list[Problem]:
    """A meal structure needs a dish; a food-group set needs a dish of its category
    (values by column name; absent fields are not checked)."""
    if all(c in values for c in STRUCTURE_CATEGORIES) and not any(
        values[c] for c in STRUCTURE_CATEGORIES
    ):
        return [Problem("main", 0, N_("a meal structure needs at least one dish"), {})]
    problems: list[Problem] = []
    for category in STRUCTURE_GROUP_CATEGORIES:
        groups = values.get(f"{category}_food_groups")
        if groups and category in values and not values[category]:
            problems.append(
                Problem(
                    f"{category}_food_groups",
                    ", ".join(groups),
                    N_("no dish of this category in the structure"),
                    {},
                )  # fmt: skip
            )
    return problems


PRICE_TIERS = RecordSchema(
    "price-tiers", "price_tier", "price tier code",
    (
        _code(40, "价格档编码"),
        Field("service", T.CODE, label=N_("Service"), label_zh="餐次", aliases=("服务", "餐别"),
              required=True, choices=SERVICES, attr="service"),
        Field("category", T.CODE, label=N_("Category"), label_zh="类别",
              aliases=("老人类别", "补贴类别", "人员类别"), required=True,
              choices=ELDER_CATEGORIES, attr="category"),
        Field("meal_price_fen", T.INT, label=N_("Meal price (fen)"), label_zh="餐标（分）",
              aliases=("餐标", "标准价（分）"), required=True, min_value=0, max_value=100_000,
              unit="fen", attr="meal_price_fen"),
        Field("elder_pays_fen", T.INT, label=N_("Elder pays (fen)"), label_zh="个人支付（分）",
              aliases=("个人支付", "老人支付（分）"), required=True, min_value=0,
              max_value=100_000, unit="fen", attr="elder_pays_fen"),
        _valid("valid_from", N_("Valid from"), "生效日期", ("起始日期", "开始日期"), True),
        _valid("valid_to", N_("Valid until"), "失效日期", ("截止日期", "结束日期"), False),
    ),
    search=("code", "service", "category"),
)  # fmt: skip

SUBSIDY_RULES = RecordSchema(
    "subsidy-rules", "subsidy_rule", "subsidy rule code",
    (
        _code(40, "补贴规则编码"),
        Field("category", T.CODE, label=N_("Category"), label_zh="类别",
              aliases=("老人类别", "补贴类别", "人员类别"), required=True,
              choices=ELDER_CATEGORIES, attr="category"),
        Field("level", T.CODE, label=N_("Funder level"), label_zh="出资层级",
              aliases=("层级", "资金层级"), required=True, choices=FUNDER_LEVELS, attr="level"),
        Field("funder", label=N_("Funder"), label_zh="出资单位", aliases=("资金来源", "出资方"),
              required=True, max_length=120, attr="funder"),
        Field("amount_fen", T.INT, label=N_("Amount (fen)"), label_zh="补贴金额（分）",
              aliases=("补贴（分）", "金额（分）"), default=None, min_value=0, max_value=100_000,
              unit="fen", help=N_("blank: the rest of the meal price"), attr="amount_fen"),
        Field("outside", T.CODE, label=N_("Outside the jurisdiction"), label_zh="跨区域就餐",
              aliases=("跨区就餐",), default=OutsideRule.ELDER_PAYS.value,
              choices=OUTSIDE_RULES, attr="outside"),
        _valid("valid_from", N_("Valid from"), "生效日期", ("起始日期", "开始日期"), True),
        _valid("valid_to", N_("Valid until"), "失效日期", ("截止日期", "结束日期"), False),
    ),
    search=("code", "category", "level", "funder"),
)  # fmt: skip


def money_problems(values: Mapping[str, Any]) -> list[Problem]:
    """A price tier's or subsidy rule's rules spanning fields (values by column name): the
    valid-until date not before the valid-from date, an elder paying at most the meal price."""
    problems: list[Problem] = []
    start, end = values.get("valid_from"), values.get("valid_to")
    if start is not None and end is not None and end < start:
        problems.append(Problem("valid_to", end, N_("must not be before the valid-from date"), {}))
    meal, elder = values.get("meal_price_fen"), values.get("elder_pays_fen")
    if meal is not None and elder is not None and elder > meal:
        problems.append(
            Problem(
                "elder_pays_fen",
                elder,
                N_("more than the meal price of %(fen)s fen"),
                {"fen": meal},
            )
        )
    return problems


SCHEMAS: dict[str, RecordSchema] = {
    s.kind: s
    for s in (
        KITCHENS,
        SITES,
        CLIENTS,
        INGREDIENTS,
        DISHES,
        DIET_PROFILES,
        NUTRITION_GROUPS,
        VEHICLES,
        DRIVERS,
        HEADCOUNTS,
        MEAL_STRUCTURES,
        PRICE_TIERS,
        SUBSIDY_RULES,
    )
}
KIND_NAMES: tuple[str, ...] = tuple(SCHEMAS)
