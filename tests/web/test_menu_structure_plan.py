"""Meal structures are data the next plan reads (issue 13, item 1): a manager edits the
kitchen's 一荤两素一饭一汤 in the panel so that its main must be pork, and the next
`menu plan` on the shipped catalogue serves pork in every regular main; recounted from
the dish export, not from solver code."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.catalogue import load_catalogue
from mealplan.cli import main
from mealplan.db.models import Headcount, MealStructure
from mealplan.io.exporting import export_table

pytestmark = [pytest.mark.db, pytest.mark.slow]

MONDAY = dt.date(2026, 11, 30)
DAYS = 3


@pytest.fixture
def kitchen(session: Session, world: Any) -> dict[str, dict[str, Any]]:
    """The shipped catalogue (with its meal structures) and the regular profile's lunches
    for three days; returns the dish export by code."""
    load_catalogue(session)
    regular = world["profiles"][0]
    for i in range(DAYS):
        session.add(Headcount(date=MONDAY + dt.timedelta(days=i), service="lunch",
                              site_id=world["sites"][0].id, diet_profile_id=regular.id,
                              count=40))  # fmt: skip
    session.commit()
    return {d["code"]: d for d in json.loads(export_table(session, "dishes", "json"))}


def _plan_mains(dishes: dict[str, dict[str, Any]]) -> list[set[str]]:
    """Plan the lunches with `menu plan`, then the food groups of each stored main."""
    args = ["menu", "plan", "--start", MONDAY.isoformat(), "--days", str(DAYS),
            "--services", "lunch", "--profiles", "regular"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    shown = CliRunner().invoke(main, ["menu", "show", "--start", MONDAY.isoformat(),
                                      "--days", str(DAYS), "--format", "json"])  # fmt: skip
    meals = [m for m in json.loads(shown.output) if m["profile"] == "regular"]
    assert len(meals) == DAYS
    return [
        set(dishes[c]["food_groups"])
        for m in meals
        for c in m["dishes"]
        if dishes[c]["category"] == "main"
    ]


def test_structure_edited_in_the_panel_changes_the_next_plan(
    client: FlaskClient, auth: Any, session: Session, kitchen: dict[str, dict[str, Any]]
) -> None:
    """Before: the mains carry meat, poultry, fish, shellfish or egg, not all pork. The
    manager sets the standard structure's main to pork in the panel; the next plan's
    mains all carry pork."""
    before = _plan_mains(kitchen)
    meat = {"pork", "beef", "mutton", "poultry", "fish", "shellfish", "egg"}
    assert len(before) == DAYS and all(groups & meat for groups in before)
    assert not all("pork" in groups for groups in before)
    auth.login_as("manager", language="en")
    row = session.scalars(select(MealStructure).where(MealStructure.code == "standard")).one()
    form = {
        "code": row.code, "name_zh": row.name_zh, "name_en": row.name_en, "diet": row.diet,
        "services": list(row.services or []), "staple": str(row.staple),
        "main": str(row.main), "side": str(row.side), "vegetable": str(row.vegetable),
        "soup": str(row.soup), "fruit": str(row.fruit), "price_fen": str(row.price_fen),
        "budget_fen": "", "active": "y", "main_food_groups": ["pork"],
    }  # fmt: skip
    response = client.post("/data/meal-structures/standard/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    assert session.scalars(
        select(MealStructure.main_food_groups).where(MealStructure.code == "standard")
    ).one() == ["pork"]
    after = _plan_mains(kitchen)
    assert len(after) == DAYS and all("pork" in groups for groups in after)
