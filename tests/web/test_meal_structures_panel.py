"""Meal structures in the panel: the form derived from the record schema (Chinese labels),
create, edit, the structure rule refused on the form, the list."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import MealStructure

pytestmark = pytest.mark.db


def _form(**values: Any) -> dict[str, Any]:
    base = {"code": "std", "name_zh": "一荤两素一饭一汤", "name_en": "Standard", "diet": "all",
            "staple": "1", "main": "1", "side": "0", "vegetable": "2", "soup": "1",
            "fruit": "0", "price_fen": "1200", "budget_fen": "", "active": "y",
            "main_food_groups": ["pork", "fish"]}  # fmt: skip
    return {**base, **values}


def test_panel_creates_and_edits_a_structure(
    client: FlaskClient, auth: Any, session: Session
) -> None:
    """A manager creates and edits a structure in the panel (Chinese form labels); a
    structure with no dish is refused with the message on the form; audit entries."""
    auth.login_as("manager")
    page = client.get("/data/meal-structures/new").get_data(as_text=True)
    assert "荤菜须含其一" in page and "适用膳食" in page
    assert client.post("/data/meal-structures/new", data=_form()).status_code == 302
    row = session.scalars(select(MealStructure)).one()
    assert row.main_food_groups == ["fish", "pork"] and row.vegetable == 2
    response = client.post("/data/meal-structures/std/edit", data=_form(main="2"))
    assert response.status_code == 302
    session.expire_all()
    assert session.scalars(select(MealStructure)).one().main == 2
    refused = client.post(
        "/data/meal-structures/new",
        data=_form(code="none", staple="0", main="0", vegetable="0", soup="0",
                   main_food_groups=[]),
    )  # fmt: skip
    assert refused.status_code == 422
    assert "餐标结构至少需要一道菜" in refused.get_data(as_text=True)
    listing = client.get("/data/meal-structures/").get_data(as_text=True)
    assert "std" in listing and "餐标结构" in listing
