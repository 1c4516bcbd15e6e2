"""A small district for the money tests (issue 14): the issue's price tiers and subsidy
rules, two streets of one district and one of another, 20 elders of mixed categories with
cards, two canteens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from mealplan.db.models import (
    Client,
    DietProfile,
    Kitchen,
    NutritionGroup,
    PriceTier,
    Site,
    SubsidyRule,
)

DAY = dt.date(2026, 12, 7)  # a Monday
CATEGORIES = ("hardship", "age_80", "age_60", "disabled")
ELDER_PAYS = {"hardship": 100, "age_80": 300, "age_60": 500, "disabled": 300}
FUNDERS = {"city": "广州市民政局", "district": "海珠区民政局", "street": "南华西街道办事处"}


def build(session: Session) -> None:
    """Kitchen K1; canteen S1 (海珠区/南华西街) and S2 (海珠区/龙凤街), dining point S3
    (越秀区/北京街); diets reg and soft; elders E01-E20 with cards 1000000001..20, all
    registered in 海珠区/南华西街 except E19 (龙凤街) and E20 (越秀区/北京街)."""
    kitchen = Kitchen(code="K1", name="中央厨房", lat=23.1, lon=113.3)
    group = NutritionGroup(code="regular", name_zh="普通", name_en="Regular")
    reg = DietProfile(code="reg", name_zh="普通", name_en="Regular", group=group)
    soft = DietProfile(code="soft", name_zh="软食", name_en="Soft", group=group, max_iddsi=6)
    sites = [
        Site(code="S1", kind="canteen", name="南华西长者食堂", lat=23.1, lon=113.3,
             kitchen=kitchen, district="海珠区", street="南华西街"),
        Site(code="S2", kind="canteen", name="龙凤长者食堂", lat=23.1, lon=113.3,
             kitchen=kitchen, district="海珠区", street="龙凤街"),
        Site(code="S3", kind="dining_point", name="北京街助餐点", lat=23.1, lon=113.3,
             kitchen=kitchen, district="越秀区", street="北京街"),
    ]  # fmt: skip
    session.add_all([kitchen, reg, soft, *sites])
    session.flush()
    for i in range(1, 21):
        district, street = "海珠区", "南华西街"
        if i == 19:
            street = "龙凤街"
        if i == 20:
            district, street = "越秀区", "北京街"
        session.add(
            Client(code=f"E{i:02d}", name=f"老人{i:02d}", lat=23.1, lon=113.3,
                   diet_profile=soft if i % 5 == 0 else reg,
                   category=CATEGORIES[i % 4], kitchen=kitchen, district=district,
                   street=street, card_number=f"{1000000000 + i}", site_id=sites[0].id)
        )  # fmt: skip
    start = dt.date(2026, 1, 1)
    for service in ("lunch", "dinner"):
        for cat in CATEGORIES:
            session.add(PriceTier(code=f"{service}-{cat}", service=service, category=cat,
                                  meal_price_fen=1200, elder_pays_fen=ELDER_PAYS[cat],
                                  valid_from=start))  # fmt: skip
    for cat in CATEGORIES:
        for level in ("city", "district", "street"):
            session.add(SubsidyRule(
                code=f"{cat}-{level}", category=cat, level=level, funder=FUNDERS[level],
                amount_fen=None if level == "street" else 300,
                outside="kept" if level == "city" else "elder_pays", valid_from=start))  # fmt: skip
    session.flush()
