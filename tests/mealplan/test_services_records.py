"""Create, update and list records (mealplan.services.records)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import AuditEntry
from mealplan.services import records, reference
from mealplan.services.records import RecipeInput, RecordValidationError, TargetInput

pytestmark = pytest.mark.db

SITE: dict[str, Any] = {
    "code": "S1",
    "kind": "canteen",
    "name": "八一食堂",
    "lat": 30.0,
    "lon": 120.0,
    "kitchen": "K1",
    "lunch_window_start_min": "11:00",
    "lunch_window_end_min": "11:45",
}


@pytest.fixture
def kitchen(session: Session) -> None:
    reference.ensure_nutrition_groups(session)
    records.create_kitchen(
        session, {"code": "K1", "name": "厨房", "lat": 30, "lon": 120}, actor="t"
    )


def _fields(exc: RecordValidationError) -> set[str | None]:
    return {i.field for i in exc.issues}


def test_create_site_coerces_and_audits(session: Session, kitchen: None) -> None:
    """HH:MM becomes minutes, the kitchen code becomes its id; an audit entry is written."""
    site = records.create_site(session, SITE, actor="wang")
    assert site.lunch_window_end_min == 705 and site.kitchen.code == "K1"
    assert site.active is True and site.seats == 0
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "site"))
    assert entry is not None and entry.actor == "wang" and entry.action == "create"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 91}, "lat"),
        ({"kind": "castle"}, "kind"),
        ({"kitchen": "K9"}, "kitchen"),
        ({"name": ""}, "name"),
        ({"code": "有 空格"}, "code"),
        ({"lunch_window_end_min": "10:00"}, "lunch_window_end_min"),
        ({"dinner_window_start_min": "17:00"}, "dinner_window_end_min"),
        ({"seats": "many"}, "seats"),
    ],
)
def test_invalid_site_values(
    session: Session, kitchen: None, change: dict[str, Any], field: str
) -> None:
    """Each invalid value is reported on its field and nothing is added."""
    with pytest.raises(RecordValidationError) as exc:
        records.create_site(session, {**SITE, **change}, actor="t")
    assert field in _fields(exc.value)


def test_duplicate_code(session: Session, kitchen: None) -> None:
    """Codes are unique per kind."""
    records.create_site(session, SITE, actor="t")
    with pytest.raises(RecordValidationError) as exc:
        records.create_site(session, SITE, actor="t")
    assert str(exc.value.issues[0]) == "code S1 already exists"


def test_update_records_changes_only(session: Session, kitchen: None) -> None:
    """An update audits the changed fields with old and new values; the code is fixed."""
    records.create_site(session, SITE, actor="t")
    records.update_site(session, "S1", {"seats": 30, "name": "八一食堂"}, actor="li")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.details == {"seats": [0, 30]}
    with pytest.raises(RecordValidationError):
        records.update_site(session, "S1", {"code": "S2"}, actor="li")


def test_update_checks_merged_window(session: Session, kitchen: None) -> None:
    """Changing only the end of a window is checked against the stored start."""
    records.create_site(session, SITE, actor="t")
    with pytest.raises(RecordValidationError):
        records.update_site(session, "S1", {"lunch_window_end_min": "10:30"}, actor="t")


def test_list_search_and_paging(session: Session, kitchen: None) -> None:
    """Listing searches code and name in any case and pages by code."""
    for i in range(7):
        records.create_site(session, {**SITE, "code": f"S{i}", "name": f"Site {i}"}, actor="t")
    page = records.list_records(session, "sites", q="site", page=2, per_page=3)
    assert page.total == 7 and page.pages == 3
    assert [s.code for s in page.items] == ["S3", "S4", "S5"]
    assert records.list_records(session, "sites", q="s6").total == 1
    assert records.list_records(session, "sites", q="%").total == 0


def test_dish_with_recipe_and_facts(session: Session, kitchen: None) -> None:
    """A dish's recipe is stored in order and its facts recomputed from the ingredients."""
    records.create_ingredient(
        session,
        {
            "code": "egg",
            "name_zh": "鸡蛋",
            "food_group": "egg",
            "edible_fraction": 0.88,
            "energy_kcal": 144,
            "allergens": ["egg"],
        },
        actor="t",
    )
    records.create_ingredient(
        session,
        {"code": "tomato", "name_zh": "番茄", "food_group": "vegetable", "energy_kcal": 20},
        actor="t",
    )
    data = {"code": "D1", "name_zh": "番茄炒蛋", "category": "side", "cooking_method": "stir_fry"}
    records.create_dish(
        session, data, [RecipeInput("egg", 50), RecipeInput("tomato", 100)], actor="t"
    )
    facts = records.dish_facts(session, "D1")
    # 50 g x 0.88 x 144/100 = 63.36; 100 g x 1.0 x 20/100 = 20 -> 83.36 kcal
    assert facts.nutrients["energy_kcal"] == pytest.approx(83.36)
    assert facts.allergens == {"egg"}
    records.update_dish(session, "D1", {}, [RecipeInput("tomato", 150)], actor="t")
    assert records.dish_facts(session, "D1").nutrients["energy_kcal"] == pytest.approx(30)
    with pytest.raises(RecordValidationError):
        records.update_dish(session, "D1", {}, [RecipeInput("tomato", 0)], actor="t")
    with pytest.raises(RecordValidationError):
        records.create_dish(session, {**data, "code": "D2"}, [], actor="t")


def test_group_targets(session: Session, kitchen: None) -> None:
    """Targets are set, changed and removed per service and nutrient, and audited."""
    records.update_group_targets(
        session,
        "regular",
        [
            TargetInput("lunch", "sodium_mg", None, 600, hard=True),
            TargetInput("lunch", "fibre_g", None, None),
            TargetInput("dinner", "potassium_mg", 100, None),
        ],
        actor="li",
    )
    targets = records.group_targets(session, "regular")
    assert targets[("lunch", "sodium_mg")].max_value == 600
    assert targets[("lunch", "sodium_mg")].hard
    assert ("lunch", "fibre_g") not in targets
    assert targets[("dinner", "potassium_mg")].min_value == 100
    with pytest.raises(RecordValidationError):
        records.update_group_targets(
            session, "regular", [TargetInput("lunch", "vitamin_q", 1, 2)], actor="li"
        )
