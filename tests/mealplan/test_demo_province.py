"""The province demo preset (issue 15): sizes, geography, every elder placed and priced; the
district and city presets unchanged by it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.cli import main
from mealplan.db.models import Client, Driver, Kitchen, Site, Vehicle
from mealplan.demo import (
    CITY,
    DISTRICT,
    PROVINCE,
    Preset,
    _Network,
    headcount_rows,
    load_demo,
    pause_rows,
)
from mealplan.services.checkins import price_for_client

DAY = dt.date(2026, 11, 20)  # a Friday

#: sha256 of the generated district and city rows, recorded before the province was added
#: (the same seed must give the same data after a preset is added)
FINGERPRINTS = {
    ("district", 1): "22ad17f50213047fbab4352d3b80b84639c94e8548ab5269eccea26bd1671f2c",
    ("district", 7): "bd8a9ade2d3869d08ff8b4183713e961f9494962d86b80a6e3b90fbb2d721b85",
    ("city", 1): "9a4d1a356b4551bdc59fca7fc85c96628e41fb59b45375cb59506f71392fc4da",
    ("city", 7): "6fa108e6e124bac8f8b8f0f1cbac0ffee5026ee895e8c01d04fcb2286e17107a",
}


def fingerprint(preset: Preset, seed: int) -> str:
    net = _Network(preset, seed)
    pause_rows(net.clients, DAY, seed, preset.name)
    heads, today, past = headcount_rows(net.sites, DAY, seed, preset.name)
    rows = [net.kitchens, net.site_rows(), net.clients, net.vehicles, net.drivers, heads,
            today, past]  # fmt: skip
    text = json.dumps(rows, default=str, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(("preset", "seed"), sorted(FINGERPRINTS))
def test_district_and_city_data_unchanged(preset: str, seed: int) -> None:
    """Adding the province preset leaves every row of the district and city presets as it was."""
    spec = {"district": DISTRICT, "city": CITY}[preset]
    assert fingerprint(spec, seed) == FINGERPRINTS[(preset, seed)]


def test_province_generation_is_seeded() -> None:
    """The same seed gives the same province; another seed another one."""
    first = fingerprint(PROVINCE, 3)
    assert fingerprint(PROVINCE, 3) == first
    assert fingerprint(PROVINCE, 4) != first


@pytest.mark.db
@pytest.mark.slow
def test_province_preset(session: Session) -> None:
    """`mealplan demo --preset province`-sized data: 12 kitchens in 6 cities, 200 canteens, 400
    dining points, 8,000 homes; sites and homes use their nearest kitchen; every kitchen has
    vehicles and drivers; every elder has a kitchen, a registered site in the same district
    and a price for lunch at that site and at home."""
    summary = load_demo(session, "province", date=DAY, seed=1)
    session.commit()
    counts = summary.counts
    assert counts["kitchens"] == 12
    assert (counts["canteens"], counts["dining points"], counts["home clients"]) == (200, 400, 8000)
    assert len(summary.missing_today) == 12  # 2 % of the sites not yet reported today
    kitchens = session.scalars(select(Kitchen)).all()
    cities = Counter(k.address[:3] for k in kitchens)
    assert cities == {"杭州市": 4, "宁波市": 3, "温州市": 2, "绍兴市": 1, "嘉兴市": 1, "湖州市": 1}

    def nearest(lat: float, lon: float) -> int:
        return min(kitchens, key=lambda k: (k.lat - lat) ** 2 + ((k.lon - lon) * 0.86) ** 2).id

    sites = {s.id: s for s in session.scalars(select(Site))}
    near = sum(1 for s in sites.values() if s.kitchen_id == nearest(s.lat, s.lon))
    assert near >= 0.97 * len(sites)
    per_kitchen = Counter(s.kitchen_id for s in sites.values())
    assert set(per_kitchen) == {k.id for k in kitchens}
    assert min(per_kitchen.values()) >= 20 and max(per_kitchen.values()) <= 80
    for k in kitchens:
        assert session.scalars(select(Vehicle).where(Vehicle.kitchen_id == k.id)).first()
        assert session.scalars(select(Driver).where(Driver.kitchen_id == k.id)).first()
    clients = session.scalars(select(Client)).all()
    assert len({c.card_number for c in clients}) == len(clients)
    priced = 0
    for c in clients:
        assert c.kitchen_id is not None and c.site_id is not None, c.code
        site = sites[c.site_id]
        assert (c.district, c.street) == (site.district, site.street), c.code
        assert c.address.startswith(site.address[:3]), c.code  # same city
        for at in (site, None):
            price = price_for_client(session, c, on=DAY, service="lunch", at=at)
            assert price.meal_price_fen > 0 and 0 < price.elder_pays_fen <= price.meal_price_fen
            priced += 1
    assert priced == 2 * len(clients)


def test_demo_command_offers_the_province() -> None:
    """`mealplan demo --help` lists the province preset with its size."""
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert result.exit_code == 0
    assert "province" in result.output and "12 kitchens" in result.output
