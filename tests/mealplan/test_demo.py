"""Demo presets: sizes, realism, reproducibility, idempotence."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.cli import main
from mealplan.config import Settings
from mealplan.db.models import Base, Client, DietProfile, Headcount, Kitchen, Site, Vehicle
from mealplan.db.session import unit_of_work
from mealplan.demo import DISTRICT, _Network, headcount_rows, load_demo, pause_rows

DAY = dt.date(2026, 11, 20)  # a Friday


def snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table except the audit log, in primary-key order."""
    with unit_of_work(settings) as s:
        return {
            t.name: [tuple(r) for r in s.execute(select(t).order_by(*t.primary_key.columns))]
            for t in Base.metadata.sorted_tables
            if t.name != "audit_entry"
        }


@pytest.mark.db
def test_district_preset_sizes_and_headcounts(session: Session) -> None:
    """The district has 1 kitchen, 10 canteens, 15 dining points, ~300 homes, 13 profiles and
    14 days of reports with some (site, day) missing and 2-3 sites unreported today."""
    summary = load_demo(session, "district", date=DAY, seed=7)
    session.commit()
    assert summary.counts["kitchens"] == 1
    assert summary.counts["canteens"] == 10
    assert summary.counts["dining points"] == 15
    assert 280 <= summary.counts["home clients"] <= 320
    assert summary.counts["diet profiles"] == 13
    profiles = {p.code: p for p in session.scalars(select(DietProfile))}
    assert {p.group.code for p in profiles.values()} == {"regular", "low_sodium", "diabetic",
                                                         "renal"}  # fmt: skip
    assert (profiles["pureed"].max_iddsi, profiles["halal"].halal) == (4, True)
    assert profiles["no_seafood"].exclude_allergens == ["crustacean", "fish", "mollusc"]

    heads = session.scalars(select(Headcount)).all()
    days = sorted({h.date for h in heads})
    assert days[0] == DAY - dt.timedelta(days=13) and days[-1] == DAY and len(days) == 14
    reported = {(h.site_id, h.date) for h in heads}
    past = 25 * 13
    missing_past = past - sum(1 for _site, d in reported if d < DAY)
    assert 0.04 * past <= missing_past <= 0.09 * past
    assert missing_past == summary.missing_past
    assert 25 - sum(1 for _site, d in reported if d == DAY) in (2, 3)
    assert len(summary.missing_today) in (2, 3)
    # weekday reports are larger than Sunday reports; regular is the commonest diet
    by_day = Counter[dt.date]()
    for h in heads:
        if h.service == "lunch":
            by_day[h.date] += h.count
    sunday = DAY - dt.timedelta(days=5)
    assert by_day[DAY - dt.timedelta(days=7)] > by_day[sunday]
    by_profile = Counter[str]()
    for h in heads:
        by_profile[h.diet_profile.code] += h.count
    assert by_profile.most_common(1)[0][0] == "regular"
    assert {h.service for h in heads} == {"lunch", "dinner"}


@pytest.mark.db
def test_district_is_plausible(session: Session) -> None:
    """Sites and homes lie in one ~8 km district, windows and fleet follow the brief."""
    load_demo(session, "district", date=DAY, seed=1)
    sites = session.scalars(select(Site)).all()
    clients = session.scalars(select(Client)).all()
    kitchen = session.scalars(select(Kitchen)).one()
    for lat, lon in [(s.lat, s.lon) for s in sites] + [(c.lat, c.lon) for c in clients]:
        km_north = (lat - kitchen.lat) * 111
        km_east = (lon - kitchen.lon) * 111 * math.cos(math.radians(lat))
        assert abs(km_north) < 6 and abs(km_east) < 6
    canteens = [s for s in sites if s.kind == "canteen"]
    assert all((s.lunch_window_start_min, s.lunch_window_end_min) == (630, 680) for s in canteens)
    assert all(s.name.endswith("长者食堂") for s in canteens)
    assert all(s.name.endswith("助餐点") for s in sites if s.kind == "dining_point")
    assert 2 <= sum(1 for s in sites if s.dinner_window_start_min == 990) <= 6
    assert all(645 <= c.window_start_min < c.window_end_min <= 735 for c in clients)
    assert all(c.phone.startswith("13800") and len(c.phone) == 11 for c in clients)
    assert any(c.dinner_days for c in clients) and any(c.pauses for c in clients)
    assert any(c.driver_notes for c in clients)
    assert sum(1 for c in clients if c.lunch_days == "12345") > len(clients) / 2
    vehicles = session.scalars(select(Vehicle)).all()
    vans = [v for v in vehicles if v.kind == "van"]
    trikes = [v for v in vehicles if v.kind == "e_tricycle"]
    assert vans and trikes
    assert all(150 <= v.capacity_boxes <= 200 and v.speed_kmh == 30 for v in vans)
    assert all(30 <= v.capacity_boxes <= 40 and v.speed_kmh == 15 for v in trikes)


@pytest.mark.db
def test_running_twice_changes_nothing(settings: Settings, session: Session) -> None:
    """Loading the same preset, seed and date again (CLI, then API) creates and updates nothing."""
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "--preset", "district", "--date", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert "headcounts" in result.output and "2026-11-07 .. 2026-11-20" in result.output
    before = snapshot(settings)
    summary = load_demo(session, "district", date=DAY, seed=1)
    session.commit()
    assert all((r.created, r.updated) == (0, 0) for r in summary.reports.values()), {
        k: (r.created, r.updated) for k, r in summary.reports.items()
    }
    assert snapshot(settings) == before


def test_same_seed_and_date_give_identical_data() -> None:
    """The generator is a pure function of preset, seed and date; another seed differs."""

    def generate(seed: int) -> tuple[Any, ...]:
        net = _Network(DISTRICT, seed)
        pause_rows(net.clients, DAY, seed, "district")
        heads = headcount_rows(net.sites, DAY, seed, "district")
        return net.kitchens, net.site_rows(), net.clients, net.vehicles, net.drivers, heads

    assert generate(3) == generate(3)
    assert generate(3) != generate(4)


@pytest.mark.db
@pytest.mark.slow
def test_city_preset(session: Session) -> None:
    """The city has 4 kitchens, ~150 sites, ~2,000 homes; each site uses its nearest kitchen."""
    summary = load_demo(session, "city", date=DAY, seed=1)
    assert summary.counts["kitchens"] == 4
    assert 140 <= summary.counts["canteens"] + summary.counts["dining points"] <= 160
    assert 1900 <= summary.counts["home clients"] <= 2100
    kitchens = session.scalars(select(Kitchen)).all()

    def nearest(lat: float, lon: float) -> int:
        return min(kitchens, key=lambda k: (k.lat - lat) ** 2 + ((k.lon - lon) * 0.86) ** 2).id

    sites = session.scalars(select(Site)).all()
    assert sum(1 for s in sites if s.kitchen_id == nearest(s.lat, s.lon)) >= 0.97 * len(sites)
    assert {s.kitchen_id for s in sites} == {k.id for k in kitchens}
    assert all(session.scalars(select(Vehicle).where(Vehicle.kitchen_id == k.id)).first()
               for k in kitchens)  # fmt: skip


@pytest.mark.db
def test_demo_command_uses_the_configured_budget(
    settings: Settings, session: Session, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mealplan demo` gives its diet profiles the configured [planning] default_budget_fen."""
    config = tmp_path / "mealplan.toml"
    config.write_text("[planning]\ndefault_budget_fen = 650\n", encoding="utf-8")
    monkeypatch.setenv("MEALPLAN_CONFIG", str(config))
    result = CliRunner().invoke(main, ["demo", "--preset", "district", "--date", "2026-11-20"])
    assert result.exit_code == 0, result.output
    budgets = set(session.scalars(select(DietProfile.budget_fen)))
    assert budgets == {650}
