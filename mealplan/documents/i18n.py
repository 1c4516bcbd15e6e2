"""The printed sheets' words in Simplified Chinese (default) and English, in one place.

A small table rather than gettext: the sheets use a fixed vocabulary of headings and the
controlled codes of :mod:`mealplan.domain.vocab`; the web panel has its own catalogues.
Every key has both languages (a test checks it); unknown keys print as themselves.
"""

from __future__ import annotations

import datetime as dt

from mealplan.domain.clock import hhmm_days

LANGS: tuple[str, ...] = ("zh", "en")

#: key -> (zh, en)
TEXTS: dict[str, tuple[str, str]] = {
    # common
    "generated_at": ("生成时间", "Generated"),
    "page_prefix": ("第 ", "Page "),
    "page_suffix": (" 页", ""),
    "kitchen": ("中央厨房", "Kitchen"),
    "date": ("日期", "Date"),
    "service": ("餐次", "Service"),
    "total": ("合计", "Total"),
    "notes": ("备注", "Notes"),
    "meals": ("份", "meals"),
    "meals_h": ("餐数", "Meals"),
    "minutes": ("分钟", "min"),
    "km": ("公里", "km"),
    "yuan": ("元", "yuan"),
    "none": ("无", "none"),
    "halal": ("清真", "Halal"),
    "contains": ("含", "Contains"),
    "next_day": ("次日", "next day"),
    # route sheet
    "route_sheet": ("送餐路线单", "Driver route sheet"),
    "vehicle": ("车辆", "Vehicle"),
    "trip": ("趟次", "Trip"),
    "trip_of": ("第 {n} / {of} 趟", "trip {n} of {of}"),
    "one_meal_no_other_trip": (
        "本趟只送一份餐：其他车次都无法在送餐时段、保温时限、容量和班次内送达该餐",
        "One meal on this trip: no other trip can deliver it within its window, hold limit, "
        "capacity and shift",
    ),
    "one_meal_could_join": (
        "本趟只送一份餐：该餐也可由 {other} 送达",
        "One meal on this trip: {other} could also take it",
    ),
    "one_meal_next_trip_fixed": (
        "本趟只送一份餐：{other} 可送达该餐，但本车各趟按顺序出车，取消本趟须把下一趟提前到"
        "本趟的备餐时间，下一趟的保温时限或送达时段不允许",
        "One meal on this trip: {other} could take it, but trips are driven in order and "
        "giving this one up would move the vehicle's next trip up to this trip's ready time, "
        "which that trip's hold limits or windows do not allow",
    ),
    "driver": ("司机", "Driver"),
    "phone": ("电话", "Phone"),
    "ready_at": ("备餐完成", "Ready at"),
    "departure": ("出发", "Departure"),
    "return": ("返回", "Return"),
    "loading_order": ("装车顺序（先装后送）", "Loading order (last delivery loaded first)"),
    "stops_h": ("配送站点", "Stops"),
    "stop": ("站", "stop"),
    "address": ("地址", "Address"),
    "contact": ("联系人", "Contact"),
    "window": ("送达时段", "Window"),
    "eta": ("预计到达", "ETA"),
    "boxes": ("箱号", "Boxes"),
    "box_count": ("箱数", "Boxes"),
    "cold_items": ("冷藏品（另装）", "Cold items (carried apart)"),
    "eat_by": ("食用截止", "Eat by"),
    "driver_notes": ("司机须知", "Driver notes"),
    "emergency_contact": ("紧急联系人", "Emergency contact"),
    "receipt": ("签收", "Received by"),
    "receipt_time": ("签收时间", "Time"),
    "receipt_count": ("实收份数", "Meals received"),
    "route_map": ("路线示意图", "Route map"),
    "totals": ("合计", "Totals"),
    "n_stops": ("站点数", "Stops"),
    "n_meals": ("餐数", "Meals"),
    "distance": ("里程", "Distance"),
    "drive_time": ("行驶时间", "Drive time"),
    "no_answer_rule": (
        "上门送餐无人应答时，请立即致电紧急联系人并报告调度，不得只留餐离开。",
        "If a home client does not answer, call the emergency contact and the dispatcher at "
        "once; do not just leave the meal.",
    ),
    # production
    "production_sheet": ("厨房生产单", "Kitchen production sheet"),
    "portions_h": ("份量（份）", "Portions"),
    "category": ("类别", "Category"),
    "dish": ("菜品", "Dish"),
    "variant": ("规格", "Variant"),
    "portions": ("份数", "Portions"),
    "profiles": ("膳食类型", "Diet profiles"),
    "waves_h": ("烹饪批次", "Cooking waves"),
    "wave": ("批次", "Wave"),
    "start": ("开始", "Start"),
    "finish": ("出锅装箱", "Finish (packed)"),
    "departures": ("对应发车", "Departures"),
    "hold_over": ("超出保温时限", "beyond hold limit"),
    "cook_start": ("开始烹饪", "Cooking starts"),
    "cook_finish": ("出锅", "Cooked"),
    "eat_by_sites": ("站点食用截止", "Sites eat by"),
    "packing": ("分装", "Packing"),
    "trips_packing": ("车次分装（完成即制作时间）", "Trips packed (the finish is the packed time)"),
    "home_eat_by": ("居家食用截止", "Homes eat by"),
    "forecast_wave": (
        "报餐截止前开锅，按预测备餐",
        "starts before the headcount cut-off: cooked from the forecast",
    ),
    "samples_h": (
        "留样记录（每样 {g} 克，冷藏 {h} 小时）",
        "Retention samples ({g} g each, refrigerated {h} h)",
    ),
    "sample_grams": ("留样量（克）", "Grams"),
    "taken_at": ("留样时间", "Taken at"),
    "discard_after": ("可弃置时间", "Discard after"),
    "sampled_by": ("留样人", "Sampled by"),
    "profile_totals_h": ("膳食类型合计", "Diet-profile totals"),
    "profile": ("膳食类型", "Diet profile"),
    # purchase
    "purchase_list": ("采购单", "Purchase list"),
    "ingredient": ("食材", "Ingredient"),
    "code": ("编码", "Code"),
    "quantity_kg": ("数量（千克）", "Quantity (kg)"),
    "price_per_kg": ("单价（元/千克）", "Price (yuan/kg)"),
    "cost": ("金额（元）", "Cost (yuan)"),
    "subtotal": ("小计", "Subtotal"),
    "supplier_category": ("供应类别", "Supplier category"),
    "waste_note": (
        "数量按菜谱市品用量 × 份数 × (1 + 损耗率 {pct}) 计算，保留到 0.001 千克；金额按取整后的数量计。",
        "Quantities are recipe grams as purchased x portions x (1 + waste allowance {pct}), "
        "rounded to 0.001 kg; cost is on the rounded quantity.",
    ),
    # labels
    "labels": ("餐盒标签", "Box labels"),
    "texture": ("质地", "Texture"),
    "allergens": ("过敏原", "Allergens"),
    "cooked_at": ("制作时间", "Cooked"),
    "dishes": ("菜品", "Dishes"),
    # weekly menu
    "weekly_menu": ("每周菜谱公示", "Weekly menu"),
    "week_of": ("{start} 至 {end}", "{start} to {end}"),
    "day": ("日期", "Day"),
    "price_per_meal": ("每餐价格", "Price per meal"),
    "price_notice": ("价格说明", "Prices"),
    "supplied_by": ("供餐单位", "Supplied by"),
    # nutrients
    "nutrient_report": ("营养分析报告", "Nutrient report"),
    "nutrient": ("营养素", "Nutrient"),
    "value": ("含量", "Value"),
    "min": ("下限", "Min"),
    "max": ("上限", "Max"),
    "status": ("评价", "Status"),
    "week_average": ("本周平均", "Week average"),
    "hard": ("硬性", "hard"),
    # settlement claim (issue 14)
    "claim": ("助餐补贴结算申报表", "Meal subsidy settlement claim"),
    "period": ("结算期间", "Period"),
    "funder_level": ("出资层级", "Funder level"),
    "funder": ("出资单位", "Funder"),
    "amount_yuan": ("金额（元）", "Amount (yuan)"),
    "paid_by_elders": ("老人个人支付", "Paid by elders"),
    "operator_share": ("运营方承担", "Borne by the operator"),
    "meal_count": ("就餐人次", "Meals"),
    "elder": ("老人", "Elder"),
    "elder_category": ("老人类别", "Category"),
    "site": ("就餐地点", "Site"),
    "street": ("街道", "Street"),
    "checks": ("核查提示", "Checks"),
    "decision": ("审核结果", "Decision"),
    "accepted": ("通过", "Accepted"),
    "rejected": ("不通过", "Rejected"),
    "home_delivery": ("送餐入户", "Home delivery"),
    "lines": ("就餐明细", "Meals"),
    "by_category": ("按类别", "By category"),
    "by_site": ("按站点", "By site"),
    "by_street": ("按街道", "By street"),
    "by_elder": ("按老人", "By elder"),
    # monthly report exports (issue 14 item 8: names, not codes)
    "monthly_report": ("助餐服务月报", "Monthly report of meals served"),
    "month": ("月份", "Month"),
    "summary": ("汇总", "Summary"),
    "served_h": ("按站点、膳食类型和老人类别", "Per site, diet and category"),
    "outcomes_h": ("配送结果（站次）", "Delivery outcomes (stops)"),
    "ratings_h": ("评价", "Ratings"),
    "unserved_h": ("各站点每日未送达餐数", "Unserved meals per site and day"),
    "home_by_category_h": ("送餐入户（按老人类别）", "Home delivery by elder category"),
    "place": ("站点", "Site"),
    "site_code": ("站点编码", "Site code"),
    "place_kind": ("类型", "Type"),
    "meals_delivered": ("送达餐数", "Meals delivered"),
    "meals_reported": ("站点报餐数", "Meals reported by sites"),
    "meals_unserved": ("未送达餐数", "Meals unserved"),
    "n_unserved_stops": ("未送达站次", "Stops unserved"),
    "checkins_h": ("堂食就餐人次（刷卡）", "Meals at sites (check-ins)"),
    "checkins_by_category_h": ("堂食就餐人次（按老人类别）", "Check-ins by elder category"),
    "checkins_elders": ("老人刷卡就餐", "Elders checked in"),
    "checkins_walk_ins": ("散客", "Walk-ins"),
    "checkins_repeats": ("其中同餐次重复", "Of which repeat meals"),
    "checkins_total": ("堂食就餐人次", "Meals eaten at sites"),
    "followups_opened": ("新增回访", "Follow-ups opened"),
    "followups_closed": ("已关闭回访", "Follow-ups closed"),
    "followups_overdue": ("逾期回访", "Follow-ups overdue"),
    "followups_open_now": ("当前未关闭回访", "Follow-ups open now"),
    "subject": ("评价对象", "Subject"),
    "name": ("名称", "Name"),
    "rating_count": ("评价数", "Ratings"),
    "average_score": ("平均分", "Average"),
    "reason": ("原因", "Reason"),
}

#: Labels of controlled codes: vocabulary -> code -> (zh, en).
CODES: dict[str, dict[str, tuple[str, str]]] = {
    "service": {"lunch": ("午餐", "Lunch"), "dinner": ("晚餐", "Dinner")},
    "elder_category": {
        "hardship": ("特困/低保", "Hardship"),
        "age_80": ("80 岁以上", "Aged 80+"),
        "age_60": ("60-79 岁", "Aged 60-79"),
        "disabled": ("失能/残疾", "Disabled"),
    },
    "funder_level": {
        "city": ("市级", "City"),
        "district": ("区级", "District"),
        "street": ("街道", "Street"),
    },
    "claim_flag": {
        "repeat": ("同一餐次两次就餐", "two meals in one service"),
        "paused": ("当天已暂停用餐", "elder paused that day"),
        "moved_out": ("老人迁出后的餐次", "meal after the elder moved out"),
        "deceased": ("老人去世后的餐次", "meal after the elder's death"),
        "outside": ("跨区域就餐", "eaten outside the elder's jurisdiction"),
        "unconfirmed": ("送餐未确认", "home delivery without confirmation"),
    },
    "delivery_status": {
        "delivered": ("已送达", "Delivered"),
        "no_answer": ("无人应答", "No answer"),
        "refused": ("拒收", "Refused"),
        "not_recorded": ("未记录", "Not recorded"),
    },
    "drop_reason": {
        "hold_limit": ("保温时限", "Hold limit"),
        "time_window": ("送餐时段", "Delivery window"),
        "too_large": ("超出任何车辆容量", "Too large for any vehicle"),
        "no_capacity": ("车队已满", "Fleet full"),
        "not_routed": ("未及时排线", "Not routed in time"),
    },
    "rating_subject": {"service": ("服务", "Service"), "dish": ("菜品", "Dish")},
    "stop_kind": {
        "canteen": ("社区食堂", "Community canteen"),
        "dining_point": ("助餐点", "Dining point"),
        "home": ("送餐入户", "Home delivery"),
    },
    "iddsi": {
        "7": ("常规", "Regular"),
        "6": ("软质及一口量", "Soft & bite-sized"),
        "5": ("细碎及湿软", "Minced & moist"),
        "4": ("糊状", "Pureed"),
        "3": ("流质", "Liquidised"),
    },
    "variant": {
        "regular": ("常规", "regular"),
        "soft": ("软食", "soft"),
        "minced": ("碎食", "minced"),
        "pureed": ("糊状", "pureed"),
        "liquidised": ("流质", "liquidised"),
        "halal": ("清真", "halal"),
    },
    "allergen": {
        "gluten": ("麸质谷物", "gluten"),
        "crustacean": ("甲壳类", "crustaceans"),
        "fish": ("鱼类", "fish"),
        "egg": ("蛋类", "egg"),
        "peanut": ("花生", "peanut"),
        "soy": ("大豆", "soy"),
        "milk": ("乳制品", "milk"),
        "tree_nut": ("坚果", "tree nuts"),
        "sesame": ("芝麻", "sesame"),
        "mollusc": ("软体动物", "molluscs"),
    },
    "category": {
        "staple": ("主食", "Staple"),
        "main": ("主菜", "Main"),
        "side": ("小荤", "Side"),
        "vegetable": ("素菜", "Vegetable"),
        "soup": ("汤羹", "Soup"),
        "fruit": ("水果", "Fruit"),
    },
    "supplier": {
        "meat": ("畜肉", "Meat"),
        "poultry_egg": ("禽蛋", "Poultry and eggs"),
        "aquatic": ("水产", "Fish and shellfish"),
        "vegetable": ("蔬菜菌藻", "Vegetables and fungi"),
        "soy": ("豆制品", "Soy products"),
        "grain_oil": ("粮油", "Grain and oil"),
        "condiment": ("调味品", "Condiments"),
        "fruit": ("水果", "Fruit"),
        "dairy": ("奶", "Dairy"),
        "nut": ("坚果", "Nuts"),
        "other": ("其他", "Other"),
    },
    "nutrient": {
        "energy_kcal": ("能量（千卡）", "Energy (kcal)"),
        "protein_g": ("蛋白质（克）", "Protein (g)"),
        "fat_g": ("脂肪（克）", "Fat (g)"),
        "carbohydrate_g": ("碳水化合物（克）", "Carbohydrate (g)"),
        "fibre_g": ("膳食纤维（克）", "Fibre (g)"),
        "sodium_mg": ("钠（毫克）", "Sodium (mg)"),
        "potassium_mg": ("钾（毫克）", "Potassium (mg)"),
        "calcium_mg": ("钙（毫克）", "Calcium (mg)"),
        "phosphorus_mg": ("磷（毫克）", "Phosphorus (mg)"),
        "fat_pct_energy": ("脂肪供能比（%）", "Fat (% energy)"),
        "carbohydrate_pct_energy": ("碳水供能比（%）", "Carbohydrate (% energy)"),
        "protein_pct_energy": ("蛋白质供能比（%）", "Protein (% energy)"),
    },
    "status": {
        "ok": ("达标", "ok"),
        "low": ("偏低", "low"),
        "high": ("偏高", "high"),
        "no_target": ("—", "—"),
    },
    "weekday": {
        "1": ("星期一", "Monday"),
        "2": ("星期二", "Tuesday"),
        "3": ("星期三", "Wednesday"),
        "4": ("星期四", "Thursday"),
        "5": ("星期五", "Friday"),
        "6": ("星期六", "Saturday"),
        "7": ("星期日", "Sunday"),
    },
}


def check_lang(lang: str) -> int:
    """Index of ``lang`` in the tables; raises ``ValueError`` for an unknown language."""
    try:
        return LANGS.index(lang)
    except ValueError:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}") from None


class Translator:
    """The words of one language: ``t(key, **fmt)`` for texts, ``t.code(vocab, code)`` for
    controlled codes, plus the few formats the sheets share."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._i = check_lang(lang)

    def __call__(self, key: str, **fmt: object) -> str:
        pair = TEXTS.get(key)
        text = pair[self._i] if pair else key
        return text.format(**fmt) if fmt else text

    def code(self, vocab: str, code: object) -> str:
        pair = CODES.get(vocab, {}).get(str(code))
        return pair[self._i] if pair else str(code)

    def variant(self, variant: str) -> str:
        """``regular+halal`` -> ``常规（清真）`` / ``regular (halal)``."""
        texture, _, extra = variant.partition("+")
        label = self.code("variant", texture)
        if extra:
            more = self.code("variant", extra)
            label += f"（{more}）" if self.lang == "zh" else f" ({more})"
        return label

    def iddsi(self, level: int) -> str:
        return f"IDDSI {level} {self.code('iddsi', level)}"

    def allergens(self, codes: tuple[str, ...] | frozenset[str]) -> str:
        sep = "、" if self.lang == "zh" else ", "
        return sep.join(self.code("allergen", c) for c in sorted(codes))

    def weekday(self, day: dt.date) -> str:
        return self.code("weekday", day.isoweekday())

    def name(self, zh: str, en: str = "") -> str:
        """A record's name: Chinese, or English when printing in English and it has one."""
        return en if self.lang == "en" and en else zh


# --------------------------------------------------------------------------- formats


def hhmm(minute: int | None) -> str:
    """``690`` -> ``11:30``; ``None`` -> ``-``; past midnight -> ``+1d 00:30``."""
    return "-" if minute is None else hhmm_days(minute)


def date_minute(day: dt.date, minute: int) -> str:
    """A minute of ``day`` (possibly a later day) as ``MM-DD HH:MM``."""
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return moment.strftime("%m-%d %H:%M")


def yuan(fen: int | None) -> str:
    """``1234`` -> ``12.34``."""
    if fen is None:
        return "-"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"
