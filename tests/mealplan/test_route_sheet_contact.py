"""The printed route sheet names the home elder's emergency contact (issue 14: the sheet
said "call the emergency contact" and did not print it)."""

from __future__ import annotations

import dataclasses

from mealplan.documents.render import render_html
from tests.mealplan.test_documents import AT, SHEET


def test_route_sheet_prints_emergency_contact() -> None:
    """A home stop's emergency contact (name and phone) is printed, in Chinese and English;
    a stop without one prints no contact line."""
    home = dataclasses.replace(
        SHEET.stops[-1], kind="home", emergency_name="张小明", emergency_phone="13911112222"
    )
    sheet = dataclasses.replace(SHEET, stops=(*SHEET.stops[:-1], home))
    html = render_html(sheet, generated_at=AT)
    assert "紧急联系人" in html and "张小明 13911112222" in html
    assert "Emergency contact" in render_html(sheet, lang="en", generated_at=AT)
    assert "紧急联系人:" not in render_html(SHEET, generated_at=AT)
