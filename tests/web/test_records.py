"""Reference data pages: list, search, paging, create, edit, recipe editor, targets."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import AuditEntry, Dish, NutrientTarget, NutritionGroup, Site
from mealplan.services import records

pytestmark = pytest.mark.db

SITE = {
    "code": "S9",
    "kind": "dining_point",
    "name": "新村助餐点",
    "lat": "30.1",
    "lon": "120.1",
    "seats": "25",
    "lunch_window_start_min": "11:00",
    "lunch_window_end_min": "11:40",
    "unloading_minutes": "8",
    "kitchen": "K1",
    "active": "y",
}


def _ingredients(session: Session) -> None:
    records.create_ingredient(
        session,
        {
            "code": "rice",
            "name_zh": "大米",
            "food_group": "grain",
            "edible_fraction": 1.0,
            "energy_kcal": 346,
            "protein_g": 7.4,
            "sodium_mg": 3.8,
            "price_fen_per_kg": 600,
        },
        actor="test",
    )
    records.create_ingredient(
        session,
        {
            "code": "pork",
            "name_zh": "猪肉",
            "food_group": "pork",
            "edible_fraction": 0.5,
            "energy_kcal": 200,
            "protein_g": 20,
            "sodium_mg": 60,
            "price_fen_per_kg": 3000,
            "halal": False,
            "vegetarian": False,
        },
        actor="test",
    )
    session.commit()


def test_list_and_search(client: FlaskClient, auth: Any, world: Any) -> None:
    """The site list shows every site; a search narrows it by name."""
    auth.login_as("manager")
    html = client.get("/data/sites/").get_data(as_text=True)
    assert "八一社区食堂" in html and "东湖助餐点" in html
    html = client.get("/data/sites/?q=东湖").get_data(as_text=True)
    assert "东湖助餐点" in html and "八一社区食堂" not in html


def test_paging(client: FlaskClient, auth: Any, world: Any, session: Session) -> None:
    """Lists show 25 records a page with a link to the next page."""
    for i in range(30):
        records.create_site(session, {**SITE, "code": f"P{i:02d}", "active": True}, actor="t")
    session.commit()
    auth.login_as("viewer")
    first = client.get("/data/sites/").get_data(as_text=True)
    assert "P00" in first and "P29" not in first and "page=2" in first
    second = client.get("/data/sites/?page=2").get_data(as_text=True)
    assert "P29" in second


def test_unknown_kind_is_404(client: FlaskClient, auth: Any, world: Any) -> None:
    """Only the known record kinds have pages."""
    auth.login_as("manager")
    assert client.get("/data/spaceships/").status_code == 404
    assert client.get("/data/sites/NOPE/edit").status_code == 404


def test_create_site_and_audit(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """Creating a site stores it and writes an audit entry naming the user."""
    user = auth.login_as("manager")
    response = client.post("/data/sites/new", data=SITE)
    assert response.status_code == 302, response.get_data(as_text=True)
    site = session.scalar(select(Site).where(Site.code == "S9"))
    assert site is not None and site.lunch_window_end_min == 11 * 60 + 40 and site.seats == 25
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity_code == "S9"))
    assert entry is not None and entry.actor == user.username and entry.action == "create"


def test_validation_messages_on_form(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """Bad values come back on the form with messages; nothing is stored."""
    auth.login_as("manager")
    bad = {**SITE, "lat": "200", "lunch_window_end_min": "10:00", "name": ""}
    response = client.post("/data/sites/new", data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "has-err" in html
    assert session.scalar(select(Site).where(Site.code == "S9")) is None


def test_service_issue_shown_on_field(client: FlaskClient, auth: Any, world: Any) -> None:
    """A rule only the service knows (window end before start) is shown on that field."""
    auth.login_as("manager")
    response = client.post("/data/sites/new", data={**SITE, "lunch_window_end_min": "10:00"})
    assert response.status_code == 422
    assert "必须晚于开始时间" in response.get_data(as_text=True)


def test_duplicate_code_refused(client: FlaskClient, auth: Any, world: Any) -> None:
    """A second site with an existing code is refused with a message."""
    auth.login_as("manager")
    response = client.post("/data/sites/new", data={**SITE, "code": "S1"})
    assert response.status_code == 422
    assert "已存在" in response.get_data(as_text=True)


def test_edit_site(client: FlaskClient, auth: Any, world: Any, session: Session) -> None:
    """Editing changes the stored values and audits old and new."""
    auth.login_as("manager")
    form = client.get("/data/sites/S1/edit").get_data(as_text=True)
    assert 'value="S1"' in form and "readonly" in form
    data = {**SITE, "code": "S1", "name": "八一食堂（新）", "seats": "60"}
    assert client.post("/data/sites/S1/edit", data=data).status_code == 302
    session.expire_all()
    site = session.scalar(select(Site).where(Site.code == "S1"))
    assert site is not None and site.name == "八一食堂（新）" and site.seats == 60
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.entity_code == "S1", AuditEntry.action == "update")
    )
    assert entry is not None and entry.details["seats"] == [40, 60]


@pytest.mark.parametrize(
    "kind",
    [
        "kitchens",
        "sites",
        "clients",
        "dishes",
        "ingredients",
        "vehicles",
        "drivers",
        "diet-profiles",
    ],
)
def test_every_kind_has_list_and_new_pages(
    client: FlaskClient, auth: Any, world: Any, kind: str
) -> None:
    """Each record kind lists and offers an empty form."""
    auth.login_as("manager")
    assert client.get(f"/data/{kind}/").status_code == 200
    assert client.get(f"/data/{kind}/new").status_code == 200


def test_create_client_with_weekdays(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A home client's weekdays come from checkboxes and are stored as digits."""
    auth.login_as("manager")
    data = {
        "code": "C1",
        "name": "王奶奶",
        "lat": "30.0",
        "lon": "120.0",
        "diet_profile": "low_sodium",
        "category": "age_80",
        "lunch_days": ["1", "3", "5"],
        "window_start_min": "11:00",
        "window_end_min": "12:00",
        "kitchen": "K1",
        "active": "y",
    }
    response = client.post("/data/clients/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = records.get_record(session, "clients", "C1")
    assert stored.lunch_days == "135"


def test_client_form_edits_the_dinner_window(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """The client form has the dinner window (it lacked it) and refuses one that ends
    before it starts, in Chinese, on the field."""
    auth.login_as("manager")
    data = {
        "code": "C2",
        "name": "李爷爷",
        "lat": "30.0",
        "lon": "120.0",
        "diet_profile": "regular",
        "category": "age_80",
        "dinner_days": ["1", "2"],
        "window_start_min": "11:00",
        "window_end_min": "12:00",
        "dinner_window_start_min": "16:40",
        "dinner_window_end_min": "17:20",
        "kitchen": "K1",
        "active": "y",
    }
    html = client.get("/data/clients/new").get_data(as_text=True)
    assert 'name="dinner_window_start_min"' in html and 'name="dinner_window_end_min"' in html
    response = client.post("/data/clients/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = records.get_record(session, "clients", "C2")
    assert (stored.dinner_window_start_min, stored.dinner_window_end_min) == (1000, 1040)
    response = client.post("/data/clients/C2/edit", data={**data, "dinner_window_end_min": "16:00"})
    assert response.status_code == 422
    assert "必须晚于开始时间" in response.get_data(as_text=True)


def test_diet_profiles_kind_and_old_url(client: FlaskClient, auth: Any, world: Any) -> None:
    """Diet profiles are /data/diet-profiles/ (the importer's name); /data/profiles/ still
    serves them."""
    auth.login_as("manager")
    assert client.get("/data/diet-profiles/regular/edit").status_code == 200
    assert client.get("/data/profiles/regular/edit").status_code == 200
    html = client.get("/data/sites/").get_data(as_text=True)
    assert "/data/diet-profiles/" in html


def test_dish_recipe_editor_and_recomputed_facts(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A dish is saved with its recipe; the server recomputes the nutrients shown."""
    _ingredients(session)
    auth.login_as("manager")
    page = client.get("/data/dishes/new").get_data(as_text=True)
    assert 'id="ingredient-data"' in page and "recipe.js" in page
    data = {
        "code": "D1",
        "name_zh": "米饭配肉",
        "category": "main",
        "iddsi_level": "7",
        "cooking_method": "steam",
        "active": "y",
        "recipe-0-ingredient": "rice",
        "recipe-0-grams": "100",
        "recipe-1-ingredient": "pork",
        "recipe-1-grams": "100",
    }
    response = client.post("/data/dishes/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    # energy: 100 g x 1.0 x 346/100 + 100 g x 0.5 x 200/100 = 346 + 100 = 446 kcal
    html = client.get("/data/dishes/D1/edit").get_data(as_text=True)
    assert "446.0" in html
    dish = session.scalar(select(Dish).where(Dish.code == "D1"))
    assert dish is not None and [line.grams for line in dish.recipe] == [100.0, 100.0]
    # edit: drop the pork; the flash carries the recomputed energy
    data.pop("recipe-1-ingredient"), data.pop("recipe-1-grams")
    response = client.post("/data/dishes/D1/edit", data=data, follow_redirects=True)
    assert "346 千卡" in response.get_data(as_text=True)


def test_dish_unknown_ingredient_refused(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A recipe line with an unknown ingredient is refused and nothing is stored."""
    _ingredients(session)
    auth.login_as("manager")
    data = {
        "code": "D2",
        "name_zh": "怪菜",
        "category": "main",
        "iddsi_level": "7",
        "cooking_method": "steam",
        "recipe-0-ingredient": "unicorn",
        "recipe-0-grams": "50",
    }
    response = client.post("/data/dishes/new", data=data)
    assert response.status_code == 422
    assert "未知食材" in response.get_data(as_text=True)
    assert session.scalar(select(Dish).where(Dish.code == "D2")) is None


def test_profile_targets_editing(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """The profile page edits its group's targets (set, change, remove)."""
    auth.login_as("manager")
    html = client.get("/data/diet-profiles/low_sodium/edit").get_data(as_text=True)
    assert 'id="targets"' in html and "t-lunch-sodium_mg-max" in html
    response = client.post(
        "/data/groups/low_sodium/targets",
        data={
            "profile": "low_sodium",
            "t-lunch-sodium_mg-min": "",
            "t-lunch-sodium_mg-max": "450",
            "t-lunch-sodium_mg-hard": "1",
            "t-lunch-fibre_g-min": "",
            "t-lunch-fibre_g-max": "",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    group = session.scalar(select(NutritionGroup).where(NutritionGroup.code == "low_sodium"))
    assert group is not None
    targets = {(t.service, t.nutrient): t for t in group.targets}
    assert targets[("lunch", "sodium_mg")].max_value == 450
    assert targets[("lunch", "sodium_mg")].hard is True
    assert ("lunch", "fibre_g") not in targets
    assert (
        session.scalar(
            select(NutrientTarget).where(
                NutrientTarget.group_id == group.id,
                NutrientTarget.nutrient == "fibre_g",
                NutrientTarget.service == "lunch",
            )
        )
        is None
    )


def test_profile_targets_min_above_max_refused(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A minimum above the maximum is refused and the targets stay as they were."""
    auth.login_as("manager")
    response = client.post(
        "/data/groups/regular/targets",
        data={
            "profile": "regular",
            "t-lunch-energy_kcal-min": "900",
            "t-lunch-energy_kcal-max": "500",
        },
        follow_redirects=True,
    )
    assert "最小值大于最大值" in response.get_data(as_text=True)
    targets = records.group_targets(session, "regular")
    assert targets[("lunch", "energy_kcal")].max_value == 750
