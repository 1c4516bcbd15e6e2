"""A one-meal trip's route sheet says why it carries a single meal, in both languages."""

from __future__ import annotations

import dataclasses

from mealplan.documents import render_html
from tests.mealplan.test_documents import SHEET


def test_one_meal_trip_sheet_prints_why_in_chinese_and_english() -> None:
    """The sheet of a one-meal trip prints the routing's reason (no other trip can take the
    meal, or which trip could) in Chinese and English; a normal sheet prints none."""
    alone = dataclasses.replace(SHEET, one_meal_reason="no_other_trip")
    assert "其他车次都无法在送餐时段、保温时限" in render_html(alone, lang="zh")
    assert "no other trip can deliver it within its window, hold limit" in render_html(
        alone, lang="en"
    )
    could = dataclasses.replace(SHEET, one_meal_reason="could_join", one_meal_other="V2 trip 1")
    assert "该餐也可由 V2 trip 1 送达" in render_html(could, lang="zh")
    assert "V2 trip 1 could also take it" in render_html(could, lang="en")
    assert 'class="small one-meal"' in render_html(alone, lang="zh")
    assert "one-meal" not in render_html(SHEET, lang="zh")  # a class: sheets repeat in a PDF
