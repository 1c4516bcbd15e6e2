"""Audit entries and paging (mealplan.services.audit)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from mealplan.services import audit

pytestmark = pytest.mark.db


def test_entries_newest_first_and_paged(session: Session) -> None:
    """Entries list newest first, 2 a page, and filter by entity and actor."""
    for i in range(5):
        audit.record(
            session,
            actor="li" if i % 2 else "wang",
            action="update",
            entity="site",
            entity_code=f"S{i}",
            details={"n": i},
        )
    audit.record(session, actor="li", action="create", entity="dish", entity_code="D1")
    page = audit.list_entries(session, page=1, per_page=2)
    assert page.total == 6 and page.pages == 3 and page.has_next and not page.has_prev
    assert [e.entity_code for e in page.items] == ["D1", "S4"]
    assert audit.list_entries(session, entity="site", actor="li").total == 2
    assert audit.list_entries(session, page=99, per_page=2).page == 3


def test_details_made_json_safe(session: Session) -> None:
    """Details with dates, sets and tuples are stored as JSON-friendly values."""
    import datetime as dt

    entry = audit.record(
        session,
        actor="li",
        action="update",
        entity="x",
        details={"when": dt.date(2026, 3, 2), "tags": ("a",)},
    )
    assert entry.details == {"when": "2026-03-02", "tags": ["a"]}
