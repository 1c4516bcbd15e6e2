"""Demo presets: a realistic, reproducible meal-assistance network to try the planner on.

``load_demo(session, "district", date=..., seed=...)`` loads the shipped catalogue, then
generates one urban district after docs/domain.md -- 1 central kitchen, 10 community
canteens (长者食堂), 15 dining points (助餐点), about 300 elders at home, a fleet of vans and
electric tricycles with drivers, 13 diet profiles and two weeks of site headcounts -- and
writes it through the same importer as user files (so it is validated, and loading it
again changes nothing). ``"city"`` does the same for four districts with four kitchens,
about 150 sites and 2,000 home clients, each served by its nearest kitchen; ``"province"``
for twelve districts of six cities of Zhejiang (Hangzhou's four and eight more) with twelve
kitchens, about 600 sites and 8,000 home clients (the scale of issue 15's benchmark).

Everything is generated from ``random.Random`` seeded by the seed (and, for headcounts and
pauses, the date): the same seed and date give identical data.

ALL PEOPLE ARE FICTIONAL. Names are drawn from common surname and given-name characters;
every phone number follows the 13800xxxxxx pattern and reaches no one; addresses are
plausible strings, not real doors. Street names are real districts' streets (街道) of
Hangzhou (and, for the province, of Ningbo, Wenzhou, Shaoxing, Jiaxing and Huzhou) and
coordinates are approximate, for realistic distances only.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.catalogue import load_catalogue
from mealplan.config import PlanningSettings
from mealplan.db.models import (
    Client,
    ClientPause,
    DietProfile,
    Dish,
    Driver,
    Headcount,
    Ingredient,
    Kitchen,
    NutritionGroup,
    Site,
    Vehicle,
)
from mealplan.domain.clock import hhmm
from mealplan.errors import MealplanError
from mealplan.io.importing import ImportReport, import_rows

log = logging.getLogger(__name__)

PRESETS = ("district", "city", "province")
DEMO_STEPS = (
    "catalogue",
    "kitchens",
    "diet profiles",
    "sites",
    "fleet",
    "clients",
    "headcounts",
)
HISTORY_DAYS = 14
CARD_BASE = 3301050000  # demo meal-card numbers: CARD_BASE + 1, + 2, ...
ACTOR = "demo"

# --------------------------------------------------------------------------- geography


@dataclass(frozen=True)
class Area:
    """A district (区) of a city (市) with its streets (街道) at approximate centres; ``plate``
    is the city's vehicle plate prefix."""

    prefix: str
    name: str
    kitchen: tuple[float, float]
    streets: tuple[tuple[str, float, float], ...]
    city: str = "杭州市"
    plate: str = "浙A"


GONGSHU = Area(
    "GS",
    "拱墅区",
    (30.3185, 120.1520),
    (
        ("米市巷", 30.2905, 120.1600),
        ("湖墅", 30.2960, 120.1480),
        ("小河", 30.3050, 120.1370),
        ("和睦", 30.3110, 120.1280),
        ("大关", 30.3100, 120.1520),
        ("拱宸桥", 30.3230, 120.1410),
        ("上塘", 30.3200, 120.1620),
        ("祥符", 30.3300, 120.1200),
        ("东新", 30.3050, 120.1750),
        ("石桥", 30.3300, 120.1830),
        ("康桥", 30.3500, 120.1470),
        ("半山", 30.3560, 120.1820),
    ),
)
SHANGCHENG = Area(
    "SC",
    "上城区",
    (30.2700, 120.2000),
    (
        ("湖滨", 30.2560, 120.1660),
        ("清波", 30.2450, 120.1650),
        ("小营", 30.2600, 120.1760),
        ("望江", 30.2440, 120.1850),
        ("南星", 30.2300, 120.1750),
        ("紫阳", 30.2380, 120.1800),
        ("凯旋", 30.2700, 120.1900),
        ("采荷", 30.2600, 120.1960),
        ("闸弄口", 30.2850, 120.1950),
        ("四季青", 30.2560, 120.2100),
        ("笕桥", 30.3000, 120.2100),
        ("彭埠", 30.2820, 120.2220),
    ),
)
XIHU = Area(
    "XH",
    "西湖区",
    (30.2750, 120.1150),
    (
        ("北山", 30.2620, 120.1500),
        ("西溪", 30.2800, 120.1450),
        ("翠苑", 30.2900, 120.1200),
        ("文新", 30.2930, 120.1080),
        ("古荡", 30.2800, 120.1250),
        ("蒋村", 30.2880, 120.0850),
        ("灵隐", 30.2450, 120.1200),
        ("留下", 30.2500, 120.0700),
    ),
)
BINJIANG = Area(
    "BJ",
    "滨江区",
    (30.1950, 120.2050),
    (
        ("西兴", 30.2100, 120.2100),
        ("长河", 30.1850, 120.2000),
        ("浦沿", 30.1700, 120.1700),
    ),
)

# The province's other districts: the central district(s) of five more cities of Zhejiang.
HAISHU = Area(
    "HS",
    "海曙区",
    (29.8650, 121.5250),
    (
        ("鼓楼", 29.8780, 121.5450),
        ("南门", 29.8660, 121.5450),
        ("西门", 29.8750, 121.5350),
        ("月湖", 29.8680, 121.5400),
        ("江厦", 29.8730, 121.5530),
        ("白云", 29.8620, 121.5220),
        ("段塘", 29.8520, 121.5300),
        ("望春", 29.8750, 121.5000),
    ),
    city="宁波市",
    plate="浙B",
)
JIANGBEI = Area(
    "JB",
    "江北区",
    (29.9050, 121.5500),
    (
        ("中马", 29.8880, 121.5550),
        ("白沙", 29.9000, 121.5550),
        ("孔浦", 29.9050, 121.5750),
        ("文教", 29.8950, 121.5400),
        ("甬江", 29.9000, 121.5900),
        ("庄桥", 29.9300, 121.5550),
        ("洪塘", 29.9100, 121.5000),
        ("慈城", 29.9650, 121.4500),
    ),
    city="宁波市",
    plate="浙B",
)
YINZHOU = Area(
    "YZ",
    "鄞州区",
    (29.8350, 121.5700),
    (
        ("中河", 29.8350, 121.5600),
        ("钟公庙", 29.8300, 121.5400),
        ("首南", 29.8150, 121.5600),
        ("福明", 29.8600, 121.5900),
        ("明楼", 29.8650, 121.5750),
        ("百丈", 29.8700, 121.5650),
        ("下应", 29.8200, 121.5950),
        ("潘火", 29.8050, 121.5800),
    ),
    city="宁波市",
    plate="浙B",
)
LUCHENG = Area(
    "LC",
    "鹿城区",
    (28.0120, 120.6500),
    (
        ("五马", 28.0160, 120.6550),
        ("松台", 28.0100, 120.6450),
        ("南汇", 28.0050, 120.6800),
        ("广化", 28.0200, 120.6300),
        ("滨江", 28.0200, 120.6900),
        ("蒲鞋市", 28.0050, 120.6650),
        ("大南", 28.0100, 120.6600),
        ("双屿", 28.0100, 120.5900),
    ),
    city="温州市",
    plate="浙C",
)
OUHAI = Area(
    "OH",
    "瓯海区",
    (27.9700, 120.6500),
    (
        ("景山", 27.9900, 120.6400),
        ("新桥", 27.9850, 120.6100),
        ("娄桥", 27.9650, 120.6000),
        ("梧田", 27.9750, 120.6800),
        ("南白象", 27.9550, 120.6700),
        ("茶山", 27.9350, 120.7100),
    ),
    city="温州市",
    plate="浙C",
)
YUECHENG = Area(
    "YC",
    "越城区",
    (30.0050, 120.5850),
    (
        ("府山", 30.0020, 120.5750),
        ("塔山", 29.9950, 120.5800),
        ("北海", 30.0100, 120.5650),
        ("城南", 29.9800, 120.5900),
        ("稽山", 29.9850, 120.6000),
        ("东湖", 30.0000, 120.6300),
        ("灵芝", 30.0300, 120.5600),
        ("斗门", 30.0500, 120.6200),
    ),
    city="绍兴市",
    plate="浙D",
)
NANHU = Area(
    "NH",
    "南湖区",
    (30.7550, 120.7650),
    (
        ("建设", 30.7550, 120.7600),
        ("新兴", 30.7450, 120.7650),
        ("解放", 30.7600, 120.7500),
        ("新嘉", 30.7750, 120.7650),
        ("东栅", 30.7600, 120.8000),
        ("城南", 30.7400, 120.7750),
        ("长水", 30.7450, 120.7300),
        ("七星", 30.7200, 120.8200),
    ),
    city="嘉兴市",
    plate="浙F",
)
WUXING = Area(
    "WX",
    "吴兴区",
    (30.8720, 120.0980),
    (
        ("爱山", 30.8700, 120.0950),
        ("飞英", 30.8800, 120.1000),
        ("龙泉", 30.8800, 120.0850),
        ("朝阳", 30.8650, 120.1050),
        ("月河", 30.8600, 120.0900),
        ("湖东", 30.8700, 120.1200),
        ("康山", 30.8500, 120.1200),
        ("仁皇山", 30.8900, 120.0800),
    ),
    city="湖州市",
    plate="浙E",
)

COMMUNITY_WORDS = (
    "和平", "新华", "朝阳", "文化", "建设", "光明", "幸福", "永安", "东园", "西苑", "南苑",
    "北苑", "青园", "春晖", "景芳", "德胜", "华丰", "兴业", "长青", "翠竹", "紫荆", "桂花",
    "枫林", "荷花", "金桥", "运河", "桥西", "锦绣", "信义", "左家", "瓜山", "善贤", "红石",
    "香积", "大塘", "蔡马", "叶青", "胜利", "双桥", "万家",
)  # fmt: skip
COMMUNITY_SUFFIXES = ("社区", "新村社区", "花园社区", "苑社区")

SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "林", "罗", "高", "沈", "钱", "俞", "蒋", "金", "汪", "方", "叶", "邵", "应",
)  # fmt: skip
GIVEN_FEMALE = "秀英兰珍芳华凤玉桂梅娟琴萍莲菊素月金彩云"
GIVEN_MALE = "建国明德福林荣生金宝根海忠正华伟强平兴祥富发才云志"

DRIVER_NOTES = (
    "三楼左手，敲门大声",
    "有狗",
    "耳背，请多敲几次门",
    "放门口鞋柜上，并电话告知家属",
    "老人行动不便，请送进屋",
    "小区北门进，保安处登记",
    "独居，务必当面交付",
    "六楼无电梯",
    "单元门坏了，直接推开",
)
PAUSE_REASONS = ("住院", "去子女家", "外出探亲", "身体不适")

# --------------------------------------------------------------------------- diets

#: code, name_zh, name_en, group, max_iddsi, exclude_allergens, halal, vegetarian,
#: share of site diners (%), share of home clients (%)
PROFILES: tuple[tuple[str, str, str, str, int, tuple[str, ...], bool, bool, float, float], ...] = (
    ("regular", "普通餐", "Regular", "regular", 7, (), False, False, 45.0, 35.0),
    ("low_sodium", "低盐餐", "Low sodium", "low_sodium", 7, (), False, False, 18.0, 18.0),
    ("diabetic", "糖尿病餐", "Diabetic", "diabetic", 7, (), False, False, 12.0, 12.0),
    ("soft", "软食", "Soft & bite-sized", "regular", 6, (), False, False, 6.0, 10.0),
    ("minced", "碎食", "Minced & moist", "regular", 5, (), False, False, 4.0, 7.0),
    ("pureed", "糊状餐", "Pureed", "regular", 4, (), False, False, 2.0, 4.0),
    ("renal", "肾病餐", "Renal", "renal", 7, (), False, False, 2.0, 3.0),
    ("halal", "清真餐", "Halal", "regular", 7, (), True, False, 4.0, 3.0),
    ("vegetarian", "素食", "Vegetarian", "regular", 7, (), False, True, 3.0, 2.0),
    ("low_sodium_minced", "低盐碎食", "Low sodium, minced", "low_sodium", 5, (), False, False,
     1.5, 2.0),
    ("diabetic_soft", "糖尿病软食", "Diabetic, soft", "diabetic", 6, (), False, False, 1.5, 2.0),
    ("halal_low_sodium", "清真低盐餐", "Halal, low sodium", "low_sodium", 7, (), True, False,
     0.5, 1.0),
    ("no_seafood", "忌海鲜", "No fish or seafood", "regular", 7, ("crustacean", "fish", "mollusc"),
     False, False, 0.5, 1.0),
)  # fmt: skip
NO_REPEAT_DAYS = 7

# --------------------------------------------------------------------------- presets


@dataclass(frozen=True)
class Preset:
    name: str
    areas: tuple[Area, ...]
    canteens: int
    dining_points: int
    clients: int
    dinner_share: float  # share of sites that also serve dinner
    streets_per_area: int  # streets used in each area
    # community names are unique in the whole network (district, city) or within each
    # district (the province: more sites than the name pool of 160 has names)
    communities_per_area: bool = False


DISTRICT = Preset("district", (GONGSHU,), 10, 15, 300, 0.16, 10)
CITY = Preset("city", (GONGSHU, SHANGCHENG, XIHU, BINJIANG), 50, 100, 2000, 0.12, 12)
PROVINCE = Preset(
    "province",
    (GONGSHU, SHANGCHENG, XIHU, BINJIANG, HAISHU, JIANGBEI, YINZHOU, LUCHENG, OUHAI, YUECHENG,
     NANHU, WUXING),
    200,
    400,
    8000,
    0.12,
    8,
    communities_per_area=True,
)  # fmt: skip
SPECS = {p.name: p for p in (DISTRICT, CITY, PROVINCE)}


@dataclass(frozen=True)
class DemoSummary:
    """What a demo load produced: rows per table after loading, and the headcount dates."""

    preset: str
    seed: int
    date_from: dt.date
    date_to: dt.date
    counts: dict[str, int]
    missing_today: tuple[str, ...]  # sites without a report on date_to (to be forecast)
    missing_past: int  # (site, day) reports missing before date_to
    reports: dict[str, ImportReport] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"demo preset {self.preset!r} (seed {self.seed}), headcounts "
                 f"{self.date_from} .. {self.date_to}"]  # fmt: skip
        lines += [f"  {name:<16} {count:>6}" for name, count in self.counts.items()]
        lines.append(
            f"  missing reports: {self.missing_past} (site, day) in the past; "
            f"{len(self.missing_today)} site(s) not yet reported on {self.date_to}: "
            + (", ".join(self.missing_today) or "-")
        )
        return "\n".join(lines)


# --------------------------------------------------------------------------- helpers

Point = tuple[float, float]


def _offset(rng: random.Random, lat: float, lon: float, metres: float) -> Point:
    """A point about ``metres`` (Gaussian) from (lat, lon)."""
    dy, dx = rng.gauss(0, metres), rng.gauss(0, metres)
    return (
        round(lat + dy / 111_000, 6),
        round(lon + dx / (111_000 * math.cos(math.radians(lat))), 6),
    )


def _km(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)  # fmt: skip
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _phone(rng: random.Random) -> str:
    return f"13800{rng.randrange(1_000_000):06d}"  # fictional


def _person(rng: random.Random) -> str:
    pool = GIVEN_FEMALE if rng.random() < 0.58 else GIVEN_MALE
    size = 2 if rng.random() < 0.85 else 1
    return rng.choice(SURNAMES) + "".join(rng.choice(pool) for _ in range(size))


@dataclass
class _Site:
    code: str
    kind: str
    name: str
    area: Area
    street: str
    community: str
    point: Point
    size: int
    dinner: bool
    kitchen: str = ""
    profiles: dict[str, int] = field(default_factory=dict)  # base diners per profile


# --------------------------------------------------------------------------- generation


class _Network:
    """The generated network (before it is written)."""

    def __init__(self, preset: Preset, seed: int) -> None:
        self.preset = preset
        self.seed = seed
        self.rng = random.Random(f"mealplan-demo:{preset.name}:{seed}:network")
        self.kitchens: list[dict[str, Any]] = []
        self.sites: list[_Site] = []
        self.clients: list[dict[str, Any]] = []
        self.vehicles: list[dict[str, Any]] = []
        self.drivers: list[dict[str, Any]] = []
        self._communities: set[tuple[str, str]] = set()
        self._build()

    # ---- places

    def _community(self, area: Area) -> str:
        scope = area.prefix if self.preset.communities_per_area else ""
        for _ in range(1000):
            name = self.rng.choice(COMMUNITY_WORDS) + self.rng.choice(COMMUNITY_SUFFIXES)
            if (scope, name) not in self._communities:
                self._communities.add((scope, name))
                return name
        raise AssertionError("ran out of community names")  # pragma: no cover

    def _streets(self) -> list[tuple[Area, str, float, float]]:
        out = []
        for area in self.preset.areas:
            for name, lat, lon in area.streets[: self.preset.streets_per_area]:
                out.append((area, name, lat, lon))
        return out

    def _build(self) -> None:
        rng = self.rng
        for area in self.preset.areas:
            self.kitchens.append(
                {
                    "code": f"{area.prefix}-K01",
                    "name": f"{area.name}养老助餐集配中心",
                    "address": f"{area.city}{area.name}{area.streets[0][0]}街道助餐路{rng.randint(1, 99)}号",
                    "lat": area.kitchen[0],
                    "lon": area.kitchen[1],
                    "cooking_lead_minutes": 90,
                    "packing_minutes": 20,
                    "loading_minutes": 10,
                    "contact_phone": _phone(rng),
                    # packing and cooking capacity (packing_lines is set from the meals)
                    "packing_portions_per_slot": 400,
                    "cook_to_pack_minutes": 10,
                    "cook_minutes_staple": 40,
                    "cook_minutes_main": 60,
                    "cook_minutes_side": 45,
                    "cook_minutes_vegetable": 25,
                    "cook_minutes_soup": 45,
                    "cook_minutes_fruit": 15,
                }
            )
        streets = self._streets()
        counters: dict[tuple[str, str], int] = {}

        def next_code(area: Area, letter: str) -> str:
            counters[(area.prefix, letter)] = counters.get((area.prefix, letter), 0) + 1
            return f"{area.prefix}-{letter}{counters[(area.prefix, letter)]:02d}"

        # canteens at street centres (a second canteen in a street sits in a community)
        for i in range(self.preset.canteens):
            area, street, lat, lon = streets[i % len(streets)]
            community = self._community(area)
            second = i >= len(streets)
            point = _offset(rng, lat, lon, 700 if second else 150)
            name = f"{street}街道{community.removesuffix('社区')}长者食堂" if second else (
                f"{street}街道长者食堂")  # fmt: skip
            self.sites.append(
                _Site(
                    next_code(area, "C"),
                    "canteen",
                    name,
                    area,
                    street,
                    community,
                    point,
                    rng.randint(50, 150),
                    False,
                )  # fmt: skip
            )
        # dining points in communities around the street centres
        for i in range(self.preset.dining_points):
            area, street, lat, lon = streets[(i * 7 + 3) % len(streets)]
            community = self._community(area)
            point = _offset(rng, lat, lon, 800)
            self.sites.append(
                _Site(
                    next_code(area, "P"),
                    "dining_point",
                    f"{street}街道{community}助餐点",
                    area,
                    street,
                    community,
                    point,
                    rng.randint(10, 50),
                    False,
                )  # fmt: skip
            )
        # a few sites also serve dinner (more often canteens)
        dinner_count = max(2, round(self.preset.dinner_share * len(self.sites)))
        canteens = [s for s in self.sites if s.kind == "canteen"]
        points = [s for s in self.sites if s.kind == "dining_point"]
        n_canteens = min(len(canteens), math.ceil(dinner_count * 0.7))
        for s in rng.sample(canteens, n_canteens):
            s.dinner = True
        for s in rng.sample(points, min(len(points), dinner_count - n_canteens)):
            s.dinner = True
        # nearest kitchen, and the diners' diets at each site
        kitchen_points = [(k["code"], (k["lat"], k["lon"])) for k in self.kitchens]
        site_weights = [p[8] for p in PROFILES]
        for s in self.sites:
            s.kitchen = min(kitchen_points, key=lambda kp: _km(kp[1], s.point))[0]
            for code in rng.choices([p[0] for p in PROFILES], weights=site_weights, k=s.size):
                s.profiles[code] = s.profiles.get(code, 0) + 1
        self._build_clients()
        self._build_fleet()
        for k in self.kitchens:
            mine = [s for s in self.sites if s.kitchen == k["code"]]
            homes = sum(1 for c in self.clients if c["kitchen"] == k["code"])
            lunch = sum(s.size for s in mine) + homes
            dinner = sum(round(s.size * 0.4) for s in mine if s.dinner) + homes // 5
            k["capacity_lunch"] = int(math.ceil(lunch * 1.3 / 100) * 100)
            k["capacity_dinner"] = int(max(200, math.ceil(dinner * 1.5 / 100) * 100))
            # a line of four packs about 100 meals (400 portions) in 15 minutes; the
            # lunch is packed in about an hour and a half
            k["packing_lines"] = max(2, math.ceil(lunch / 450))

    def _build_clients(self) -> None:
        rng = self.rng
        weights = [p[9] for p in PROFILES]
        codes = [p[0] for p in PROFILES]
        kitchen_points = [(k["code"], (k["lat"], k["lon"])) for k in self.kitchens]
        per_area: dict[str, int] = {}
        for _ in range(self.preset.clients):
            home = rng.choice(self.sites)  # elders live around the communities
            lat, lon = _offset(rng, *home.point, 350)
            area = home.area
            per_area[area.prefix] = per_area.get(area.prefix, 0) + 1
            code = f"{area.prefix}-H{per_area[area.prefix]:04d}"
            start = rng.choice((645, 660, 660, 675, 690, 705))
            end = min(start + rng.choice((45, 60, 60, 75, 90)), 735)
            r = rng.random()
            lunch_days = "12345" if r < 0.70 else "1234567" if r < 0.95 else rng.choice(
                ("135", "246", "1357", "1245"))  # fmt: skip
            dinner_days = "12345" if home.dinner and rng.random() < 0.25 else ""
            category = rng.choices(
                ("hardship", "age_80", "age_60", "disabled"), weights=(15, 45, 25, 15)
            )[0]
            building, unit = rng.randint(1, 40), rng.randint(1, 4)
            room = f"{rng.randint(1, 7)}0{rng.randint(1, 4)}"
            self.clients.append(
                {
                    "code": code,
                    "name": _person(rng),
                    "kitchen": min(kitchen_points, key=lambda kp: _km(kp[1], (lat, lon)))[0],
                    "diet_profile": rng.choices(codes, weights=weights)[0],
                    "category": category,
                    "address": f"{area.city}{area.name}{home.street}街道{home.community}"
                    f"{building}幢{unit}单元{room}室",
                    "lat": lat,
                    "lon": lon,
                    "phone": _phone(rng),
                    "emergency_contact_name": _person(rng),
                    "emergency_contact_phone": _phone(rng),
                    "lunch_days": lunch_days,
                    "dinner_days": dinner_days,
                    "window_start": hhmm(start),
                    "window_end": hhmm(end),
                    "dinner_window_start": "16:30" if dinner_days else None,
                    "dinner_window_end": "17:30" if dinner_days else None,
                    "driver_notes": rng.choice(DRIVER_NOTES) if rng.random() < 0.15 else "",
                    "active": rng.random() > 0.01,
                    # issue 14: jurisdiction, meal card, the site the elder is registered at
                    "district": area.name,
                    "street": f"{home.street}街道",
                    "card_number": f"{CARD_BASE + len(self.clients) + 1}",
                    "site": home.code,
                }
            )

    def _build_fleet(self) -> None:
        rng = self.rng
        for area, k in zip(self.preset.areas, self.kitchens, strict=True):
            prefix = k["code"].split("-")[0]
            mine = [s for s in self.sites if s.kitchen == k["code"]]
            homes = sum(1 for c in self.clients if c["kitchen"] == k["code"])
            bulk = sum(s.size for s in mine)
            # A van carries ~175 boxes and makes about 1.5 bulk trips inside the sites'
            # windows; a tricycle rider reaches ~8 homes a trip within the 60-minute
            # pack-to-door limit and makes two trips a lunch.
            n_vans = max(1, math.ceil(bulk / 250)) + 1
            n_trikes = max(1, math.ceil(homes / 13))
            has_dinner = any(s.dinner for s in mine)
            for i in range(1, n_vans + 1):
                evening = has_dinner and i <= 2
                self.vehicles.append(
                    {
                        "code": f"{prefix}-V{i:02d}",
                        "name": f"送餐车{i}号",
                        "kind": "van",
                        "kitchen": k["code"],
                        "capacity_boxes": rng.choice((150, 160, 180, 200)),
                        "speed_kmh": 30.0,
                        "shift_start": "09:30",
                        "shift_end": "18:00" if evening else "14:00",
                        "fixed_cost_fen": 15000,
                        "cost_fen_per_km": 150,
                        "plate": f"{area.plate}{rng.choice('DF')}{rng.randrange(10000, 99999)}",
                    }
                )
            for i in range(1, n_trikes + 1):
                evening = has_dinner and i <= 2
                self.vehicles.append(
                    {
                        "code": f"{prefix}-T{i:02d}",
                        "name": f"电动三轮车{i}号",
                        "kind": "e_tricycle",
                        "kitchen": k["code"],
                        "capacity_boxes": rng.choice((30, 35, 40)),
                        "speed_kmh": 15.0,
                        "shift_start": "10:00",
                        "shift_end": "18:00" if evening else "13:30",
                        "fixed_cost_fen": 5000,
                        "cost_fen_per_km": 20,
                        "plate": "",
                    }
                )
            own = [v for v in self.vehicles if v["kitchen"] == k["code"]]
            for i, vehicle in enumerate([*own, None, None], start=1):  # two relief drivers
                self.drivers.append(
                    {
                        "code": f"{prefix}-D{i:02d}",
                        "name": _person(rng),
                        "phone": _phone(rng),
                        "kitchen": k["code"],
                        "vehicle": None if vehicle is None else vehicle["code"],
                    }
                )

    # ---- rows in the import formats

    def site_rows(self) -> list[dict[str, Any]]:
        rng = random.Random(f"mealplan-demo:{self.preset.name}:{self.seed}:contacts")
        rows = []
        for s in self.sites:
            canteen = s.kind == "canteen"
            rows.append(
                {
                    "code": s.code,
                    "name": s.name,
                    "kind": s.kind,
                    "kitchen": s.kitchen,
                    "address": f"{s.area.city}{s.area.name}{s.street}街道{s.community}"
                    f"{rng.randint(1, 200)}号",
                    "lat": s.point[0],
                    "lon": s.point[1],
                    "contact_name": _person(rng),
                    "contact_phone": _phone(rng),
                    "seats": int(math.ceil(s.size * 1.2 / 10) * 10),
                    "lunch_window_start": "10:30" if canteen else "10:40",
                    "lunch_window_end": "11:20" if canteen else "11:40",
                    "dinner_window_start": "16:30" if s.dinner else None,
                    "dinner_window_end": "17:15" if s.dinner else None,
                    "unloading_minutes": rng.randint(10, 15) if canteen else rng.randint(5, 8),
                    "notes": "",
                    "district": s.area.name,
                    "street": f"{s.street}街道",
                }
            )
        return rows


def profile_rows(budget_fen: int) -> list[dict[str, Any]]:
    """The demo's diet profiles, each with ``budget_fen`` per meal (a hard budget)."""
    return [
        {
            "code": code,
            "name_zh": zh,
            "name_en": en,
            "group": group,
            "max_iddsi": iddsi,
            "exclude_allergens": list(allergens),
            "halal": halal,
            "vegetarian": vegetarian,
            "budget_fen": budget_fen,
            "budget_hard": True,
            "no_repeat_days": NO_REPEAT_DAYS,
        }
        for code, zh, en, group, iddsi, allergens, halal, vegetarian, _s, _c in PROFILES
    ]


_WEEKDAY_FACTOR = {1: 1.03, 2: 1.0, 3: 1.0, 4: 0.99, 5: 0.96, 6: 0.72, 7: 0.62}


def headcount_rows(
    sites: Sequence[_Site], date: dt.date, seed: int, preset: str
) -> tuple[list[dict[str, Any]], tuple[str, ...], int]:
    """Two weeks of site reports ending on ``date``: lunch (and dinner where served) per
    profile, about 6.5 % of (site, day) reports missing in the past and 2-3 sites (about
    2 % in a city) not yet reported on ``date`` itself."""
    rng = random.Random(f"mealplan-demo:{preset}:{seed}:{date.isoformat()}:headcounts")
    days = [date - dt.timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
    past = [(s.code, d) for d in days[:-1] for s in sites]
    missing = set(rng.sample(past, round(0.065 * len(past))))
    n_today = rng.randint(2, 3) if len(sites) < 60 else max(3, round(0.02 * len(sites)))
    today_missing = sorted(rng.sample([s.code for s in sites], min(n_today, len(sites))))
    missing |= {(code, date) for code in today_missing}
    rows = []
    for d in days:
        for s in sites:
            if (s.code, d) in missing:
                continue
            site_factor = _WEEKDAY_FACTOR[d.isoweekday()] * rng.gauss(1.0, 0.05)
            when = dt.datetime.combine(d - dt.timedelta(days=1), dt.time(16, 0)) + dt.timedelta(
                minutes=rng.randrange(0, 240)
            )
            for service, share in (("lunch", 1.0), ("dinner", 0.4)):
                if service == "dinner" and not s.dinner:
                    continue
                for profile, base in sorted(s.profiles.items()):
                    count = max(0, round(base * share * site_factor * rng.gauss(1.0, 0.1)))
                    rows.append(
                        {
                            "date": d,
                            "service": service,
                            "site": s.code,
                            "profile": profile,
                            "count": count,
                            "source": "reported",
                            "reported_at": when,
                            "reported_by": "站点填报",
                        }
                    )
    return rows, tuple(today_missing), len(missing) - len(today_missing)


def pause_rows(clients: list[dict[str, Any]], date: dt.date, seed: int, preset: str) -> None:
    """Give about 4 % of home clients a pause near ``date`` (in place)."""
    rng = random.Random(f"mealplan-demo:{preset}:{seed}:{date.isoformat()}:pauses")
    for c in clients:
        c["pauses"] = []
        if rng.random() < 0.04:
            start = date + dt.timedelta(days=rng.randint(-6, 5))
            end = start + dt.timedelta(days=rng.randint(2, 10))
            c["pauses"] = [{"start": start, "end": end, "reason": rng.choice(PAUSE_REASONS)}]


# --------------------------------------------------------------------------- use case


#: demo price tiers (issue 14, after the district the issue cites): a 12-yuan meal; 特困/低保
#: pay 1 yuan, 80+ and disabled 3, 60-79 5; city and district 3 yuan each, the street the rest
DEMO_MEAL_PRICE_FEN = 1200
DEMO_ELDER_PAYS_FEN = {"hardship": 100, "age_80": 300, "age_60": 500, "disabled": 300}
DEMO_FUNDERS = {"city": "杭州市民政局", "district": "拱墅区民政局", "street": "所在街道办事处"}


def price_rows(start: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The demo price tiers and subsidy rules, valid from ``start``; eating outside one's
    district or street loses that level's share, paid by the elder (the city's is kept)."""
    tiers = [
        {"code": f"{service}-{cat}", "service": service, "category": cat,
         "meal_price_fen": DEMO_MEAL_PRICE_FEN, "elder_pays_fen": fen, "valid_from": start}
        for service in ("lunch", "dinner") for cat, fen in DEMO_ELDER_PAYS_FEN.items()
    ]  # fmt: skip
    rules = [
        {"code": f"{cat}-{level}", "category": cat, "level": level, "funder": funder,
         "amount_fen": None if level == "street" else 300,
         "outside": "kept" if level == "city" else "elder_pays", "valid_from": start}
        for cat in DEMO_ELDER_PAYS_FEN for level, funder in DEMO_FUNDERS.items()
    ]  # fmt: skip
    return tiers, rules


def load_demo(
    session: Session,
    preset: str,
    *,
    date: dt.date,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
    planning: PlanningSettings | None = None,
) -> DemoSummary:
    """Load the catalogue and the ``preset`` network into ``session`` (the caller commits).

    Args:
        session: an open session on a migrated database.
        preset: ``district`` (1 kitchen, 25 sites, ~300 home clients), ``city``
            (4 kitchens, ~150 sites, ~2,000 home clients) or ``province`` (12 kitchens,
            ~600 sites, ~8,000 home clients).
        date: the last day of the two weeks of headcounts (usually today).
        seed: the random seed; the same seed and date give identical data.
        progress: called with the name of each step as it starts (see ``DEMO_STEPS``).
        planning: the settings; every demo profile gets ``default_budget_fen`` per meal.
    """
    if preset not in PRESETS:
        raise MealplanError(f"unknown demo preset {preset!r}; expected one of {PRESETS}")
    spec = SPECS[preset]

    def step(name: str) -> None:
        log.info("demo %s: %s", preset, name)
        if progress is not None:
            progress(name)

    reports: dict[str, ImportReport] = {}

    def load(kind: str, rows: list[dict[str, Any]]) -> None:
        reports[kind] = import_rows(session, kind, rows, source=f"demo:{preset}", actor=ACTOR)

    step("catalogue")
    catalogue = load_catalogue(session, actor=ACTOR)
    reports["ingredients"], reports["dishes"] = catalogue["ingredients"], catalogue["dishes"]
    net = _Network(spec, seed)
    step("kitchens")
    load("kitchens", net.kitchens)
    step("diet profiles")
    load("diet-profiles", profile_rows((planning or PlanningSettings()).default_budget_fen))
    step("sites")
    load("sites", net.site_rows())
    step("fleet")
    load("vehicles", net.vehicles)
    load("drivers", net.drivers)
    step("clients")
    pause_rows(net.clients, date, seed, preset)
    load("clients", net.clients)
    step("headcounts")
    rows, missing_today, missing_past = headcount_rows(net.sites, date, seed, preset)
    load("headcounts", rows)
    step("prices")
    tiers, rules = price_rows(min(dt.date(date.year, 1, 1), date - dt.timedelta(HISTORY_DAYS)))
    load("price-tiers", tiers)
    load("subsidy-rules", rules)
    session.flush()
    return DemoSummary(
        preset=preset,
        seed=seed,
        date_from=date - dt.timedelta(days=HISTORY_DAYS - 1),
        date_to=date,
        counts=table_counts(session),
        missing_today=missing_today,
        missing_past=missing_past,
        reports=reports,
    )


def table_counts(session: Session) -> dict[str, int]:
    """Rows per table of the reference and demand data."""

    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return {
        "kitchens": count(Kitchen),
        "canteens": count(Site, Site.kind == "canteen"),
        "dining points": count(Site, Site.kind == "dining_point"),
        "home clients": count(Client),
        "client pauses": count(ClientPause),
        "diet profiles": count(DietProfile),
        "nutrition groups": count(NutritionGroup),
        "ingredients": count(Ingredient),
        "dishes": count(Dish),
        "vehicles": count(Vehicle),
        "drivers": count(Driver),
        "headcounts": count(Headcount),
    }
