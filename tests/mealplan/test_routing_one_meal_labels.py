"""Every one-meal reason code of the router has a route-sheet label in both languages."""

from __future__ import annotations

import dataclasses

from mealplan.documents import render_html
from mealplan.documents.i18n import TEXTS
from solvers.routing import ONE_MEAL_REASONS
from tests.mealplan.test_documents import SHEET


def test_every_one_meal_reason_has_a_label() -> None:
    """Each code one_meal_trips can give is labelled (one_meal_<code>, zh and en)."""
    for code in ONE_MEAL_REASONS:
        zh, en = TEXTS[f"one_meal_{code}"]
        assert zh and en


def test_next_trip_fixed_prints_why_in_chinese_and_english() -> None:
    """A trip kept because the vehicle's next trip cannot move up into its ready time
    prints that reason, naming the trip that could take the meal."""
    held = dataclasses.replace(SHEET, one_meal_reason="next_trip_fixed", one_meal_other="V2 trip 1")
    zh, en = render_html(held, lang="zh"), render_html(held, lang="en")
    assert "V2 trip 1 可送达该餐" in zh and "下一趟提前到本趟的备餐时间" in zh
    assert "V2 trip 1 could take it, but trips are driven in order" in en
